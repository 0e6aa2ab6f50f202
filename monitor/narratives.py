"""Narratives: the retellings of one claim grouped together, incrementally, as scored posts arrive.

Which posts get a narrative: scored posts that are flagged, or matched to a known debunk, or whose hoax score
is at least `[narratives] score_floor` (0.35 by default, below the flag threshold so that a story is already
grouped when its first retellings cross it). Unscored posts wait for the classifier.

How: see monitor/narrative_index.py (MinHash/LSH for near-duplicates, centroid similarity for paraphrases).
The index lives in memory and is rebuilt cheaply from the store: every member's MinHash signature is kept in
`narrative_members` and every narrative's centroid in `narratives.centroid`, so loading reads rows and never
re-encodes or re-clusters. Only narratives seen in the last `active_days` are loaded.

Vectors come from the classifier's `Embedder` seam. With a sentence-transformers model they are its
embeddings. Without one (the TF-IDF fallback) the character n-gram TF-IDF is fitted on fixed reference
texts (`reference_files`: the known-claims file and the seed corpus) so the space does not drift between
runs, and projected to 512 dimensions by a seeded sparse random projection so that a centroid stays small.
`centroid_model` records the space that made each centroid; a narrative from another space has its
centroid recomputed from its latest members when loaded.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from dataclasses import dataclass
from datetime import timedelta

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import HashingVectorizer, TfidfTransformer
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.random_projection import SparseRandomProjection
from sqlalchemy.orm import Session

from monitor.classify.embed import Embedder, TfidfEmbedder
from monitor.config import Settings
from monitor.narrative_index import NarrativeIndex, PostItem, candidates_of
from monitor.records import iter_json_objects
from monitor.store import Database
from monitor.store import narratives as store
from monitor.store.schema import utcnow
from monitor.text import normalize

log = logging.getLogger(__name__)

PROJECTED_DIM = 512
HASHED_WIDTH = 2**18
PROJECTION_SEED = 20240214
DEFAULT_THRESHOLDS = {"tfidf": 0.28, "sentence-transformers": 0.70}


# -- the vector space ----------------------------------------------------------------------------------------
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
        chosen = embedder or Embedder.from_setting(settings.classifier.embedder)
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

    def default_threshold(self) -> float:
        return DEFAULT_THRESHOLDS.get(self.kind, DEFAULT_THRESHOLDS["sentence-transformers"])


# -- the grouper (index + store) -----------------------------------------------------------------------------
@dataclass(slots=True)
class GroupingStats:
    assigned: int = 0
    new_narratives: int = 0
    duplicates: int = 0
    similar: int = 0


class NarrativeGrouper:
    """Keeps a NarrativeIndex in step with the store and assigns waiting posts."""

    def __init__(self, db: Database, settings: Settings, space: VectorSpace | None = None) -> None:
        self.db = db
        self.settings = settings
        self.space = space or VectorSpace.from_settings(settings)
        cfg = settings.narratives
        self.index = NarrativeIndex(
            self.space.dim,
            num_perm=cfg.num_perm,
            duplicate_jaccard=cfg.duplicate_jaccard,
            similarity_threshold=cfg.similarity_threshold or self.space.default_threshold(),
            claim_factor=cfg.claim_factor,
        )
        self._slots: dict[int, int] = {}
        self.synced_at = None
        self.loaded = False

    def load(self) -> None:
        """Fill the index from the store: active narratives' centroids and their members' signatures."""
        now = utcnow()
        with self.db.session() as session:
            # Relative to the newest narrative, not the clock, so an archive imported later still groups.
            newest = store.newest_activity(session) or now
            since = newest - timedelta(days=self.settings.narratives.active_days)
            self._add_narratives(session, store.active_narratives(session, since))
            for member in store.member_rows(session, since=since):
                self._add_member(member)
        self.synced_at = now
        self.loaded = True
        log.info(
            "narratives: index loaded (%d narratives, %d posts)", len(self.index), self.index.member_count
        )

    def sync(self) -> None:
        """Take in members that another process assigned since the last load or sync."""
        if not self.loaded:
            self.load()
            return
        now = utcnow()
        with self.db.session() as session:
            fresh = [
                m
                for m in store.member_rows(session, assigned_after=self.synced_at - timedelta(minutes=5))
                if not self.index.has_member(m.post_id)
            ]
            missing = {m.narrative_id for m in fresh if m.narrative_id not in self._slots}
            if missing:
                self._add_narratives(session, store.narratives_by_id(session, missing))
            for member in fresh:
                self._add_member(member)
        self.synced_at = now

    def _add_narratives(self, session: Session, rows: list) -> None:
        for row in rows:
            if row.id in self._slots:
                continue
            if row.centroid is not None and row.centroid_model == self.space.fingerprint:
                centroid = np.frombuffer(row.centroid, dtype="<f4")
            else:
                texts = store.member_texts(session, row.id)
                if not texts:
                    continue
                centroid = self.space.encode([normalize(t).text for t in texts]).mean(axis=0)
            self._slots[row.id] = self.index.add_narrative(
                centroid,
                narrative_id=row.id,
                count=row.post_count or 1,
                candidates=row.candidates or [],
                last_seen=row.last_seen,
                label=row.label,
            )

    def _add_member(self, member: store.MemberRow) -> None:
        slot = self._slots.get(member.narrative_id)
        if slot is None or self.index.has_member(member.post_id):
            return
        state = self.index.states[slot]
        state.topics.update(member.topics)
        if member.matched_claim_id is not None:
            state.claims[member.matched_claim_id] += 1
        self.index.add_member(member.post_id, slot, member.signature)

    def assign_pending(self, limit: int | None = None) -> GroupingStats:
        """Assign every waiting post (or `limit` of them), one transaction per batch."""
        self.sync()
        stats = GroupingStats()
        size = self.settings.narratives.batch_size
        floor = self.settings.narratives.score_floor
        while limit is None or stats.assigned < limit:
            take = size if limit is None else min(size, limit - stats.assigned)
            with self.db.session() as session:
                rows = store.posts_to_group(session, floor, take)
                if not rows:
                    break
                self._assign_batch(session, rows, stats)
            self.synced_at = utcnow()
        return stats

    def _assign_batch(self, session: Session, rows: list[store.PostToGroup], stats: GroupingStats) -> None:
        items = [
            PostItem(
                r.id,
                normalize(r.text).text,
                r.created_at,
                tuple(r.candidates),
                tuple(r.topics),
                r.matched_claim_id,
            )
            for r in rows
        ]
        raw_text = {r.id: r.text for r in rows}
        assignments = self.index.assign(items, self.space.encode([item.text for item in items]))
        by_post = {item.post_id: item for item in items}
        for a in assignments:
            if a.created:
                state = self.index.states[a.slot]
                narrative_id = store.insert_narrative(
                    session,
                    label=" ".join(raw_text[a.post_id].split()),
                    first_seen=by_post[a.post_id].created_at,
                    topic=state.topic,
                    candidates=candidates_of(state.mask),
                )
                self.index.set_narrative_id(a.slot, narrative_id)
                self._slots[narrative_id] = a.slot
                stats.new_narratives += 1
            elif a.method == "duplicate":
                stats.duplicates += 1
            else:
                stats.similar += 1
        store.save_members(
            session,
            [
                {
                    "post_id": a.post_id,
                    "narrative_id": self.index.narrative_id(a.slot),
                    "method": a.method,
                    "similarity": a.similarity,
                    "signature": a.signature,
                }
                for a in assignments
            ],
        )
        touched = sorted({a.slot for a in assignments})
        store.save_vectors(
            session,
            [
                {
                    "id": self.index.narrative_id(slot),
                    "centroid": self.index.centroid(slot).astype("<f4").tobytes(),
                    "centroid_model": self.space.fingerprint,
                    "topic": self.index.states[slot].topic,
                    "candidates": candidates_of(self.index.states[slot].mask),
                }
                for slot in touched
            ],
        )
        store.refresh_stats(session, [self.index.narrative_id(slot) for slot in touched])
        stats.assigned += len(assignments)


_GROUPERS: dict[str, NarrativeGrouper] = {}
_LOCK = threading.Lock()


def assign_new_posts(db: Database, settings: Settings, limit: int | None = None) -> int:
    """Group the posts that are waiting for a narrative; returns how many were assigned.

    The index is kept per database for the life of the process (the scheduler calls this after every
    scoring run) and brought up to date with what other processes assigned in the meantime. If saving a
    batch fails the index is dropped, and the next call rebuilds it from the store."""
    with _LOCK:
        grouper = _GROUPERS.get(db.url)
        if grouper is None:
            grouper = NarrativeGrouper(db, settings)
            _GROUPERS[db.url] = grouper
        try:
            return grouper.assign_pending(limit).assigned
        except BaseException:
            _GROUPERS.pop(db.url, None)
            raise


def forget_indexes() -> None:
    """Drop every cached index (tests, or after the embedder setting changed)."""
    with _LOCK:
        _GROUPERS.clear()

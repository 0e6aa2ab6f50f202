"""Grouping scored posts into narratives, incrementally, as they arrive; responses kept apart from members.

A narrative is the retellings of ONE claim. Which posts may *found* a narrative: scored posts that are
flagged or matched to a known debunk. Posts scoring at least `[narratives] score_floor` may *join* a narrative
but never open one. Debunks, news and official posts (see `roles.py`) are never members: they attach as
"responses" to the narrative they answer (one naming a candidate pair only to a narrative about that pair).

How: see `index.py` (MinHash/LSH for near-duplicates, centroid similarity for paraphrases) and `space.py` (the
vectors). The index lives in memory and is rebuilt cheaply from the store: every member's MinHash signature is
kept in `narrative_members` and every narrative's centroid in `narratives.centroid`, so loading reads rows and
never re-encodes or re-clusters. Only narratives seen in the last `active_days` are loaded (memory stays
bounded by recent activity; older narratives stay in the database).

Progress lives in the database only: a post is done once it is a member (`posts.narrative_id`) or has a row in
`narrative_responses` (a response, or a post that found no narrative). A killed run therefore resumes on the
next call with exactly the posts still waiting.
"""

from __future__ import annotations

import logging
import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np
from sqlalchemy.orm import Session

from monitor.config import Settings
from monitor.narratives.index import NarrativeIndex, PostItem, candidates_of
from monitor.narratives.roles import post_role
from monitor.narratives.space import VectorSpace
from monitor.records import account_keys
from monitor.store import Database
from monitor.store import narrative_curation as curation_store
from monitor.store import narratives as store
from monitor.store.schema import Narrative, utcnow
from monitor.text import CandidateMasker, load_keywords

log = logging.getLogger(__name__)


def active_masker(settings: Settings) -> CandidateMasker:
    """The candidate masker of the ACTIVE keywords file (a new election's pairs without retraining)."""
    return CandidateMasker(load_keywords(settings.path(settings.paths.keywords_file)))


def title_neutraliser(settings: Settings) -> Callable[[str], str]:
    """Rewrites a title so that it names no candidate pair, for narratives whose members name two or more
    pairs: "... suara pasangan Anies–Muhaimin ..." -> "... suara pasangan calon tertentu ..."."""
    return active_masker(settings).neutral_phrasing


def narrative_centroid(
    session: Session, row: Narrative, space: VectorSpace, comparable: Callable[[str], str]
) -> np.ndarray | None:
    """A narrative's centroid in `space`: the stored one when it was computed in this space, else the mean
    of its latest members' vectors (texts made `comparable` first, as grouping compares them); None for a
    narrative without members (an analyst merged it into another)."""
    if row.centroid is not None and row.centroid_model == space.fingerprint:
        return np.frombuffer(row.centroid, dtype="<f4")
    texts = store.member_texts(session, row.id)
    if not texts:
        return None
    return space.encode([comparable(t) for t in texts]).mean(axis=0)


# -- the grouper (index + store) -----------------------------------------------------------------------------
@dataclass(slots=True)
class GroupingStats:
    assigned: int = 0
    new_narratives: int = 0
    duplicates: int = 0
    similar: int = 0
    responses: int = 0  # debunks, news and official posts attached to a narrative they answer
    unmatched: int = 0  # posts that found no narrative (responses to nothing, or below the founding bar)


class NarrativeGrouper:
    """Keeps a NarrativeIndex in step with the store and assigns waiting posts."""

    def __init__(self, db: Database, settings: Settings, space: VectorSpace | None = None) -> None:
        self.db = db
        self.settings = settings
        self.space = space or VectorSpace.from_settings(settings)
        cfg = settings.narratives
        self.index = self._new_index()
        self._slots: dict[int, int] = {}
        self._official = account_keys(cfg.official_accounts)
        self.anchor_threshold = (
            cfg.claim_anchor_threshold
            if cfg.claim_anchor_threshold is not None
            else self.space.default_anchor_threshold()
        )
        self._claim_ids = np.zeros(0, dtype=np.int64)
        self._claim_vectors = np.zeros((0, self.space.dim), dtype=np.float32)
        # Posts are compared with candidate references dropped (masked by the ACTIVE keywords), so one claim
        # told about different pairs reads the same; and known claims that differ only by the pair they name
        # (one debunk per pair) are one claim "family", named by its lowest id.
        self.masker = active_masker(settings)
        self._family: dict[int, int] = {}
        self.synced_at = None
        self.loaded = False
        self._newest: datetime | None = None

    def load(self) -> None:
        """Fill the index from the store: active narratives' centroids and their members' signatures."""
        now = utcnow()
        with self.db.session() as session:
            # Relative to the newest narrative, not the clock, so an archive imported later still groups.
            newest = store.newest_activity(session) or now
            since = newest - timedelta(days=self.settings.narratives.active_days)
            self._load_claims(session)
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
            if curation_store.curated_since(session, self.synced_at - timedelta(minutes=5)):
                self._reset()  # an analyst merged or split narratives: rebuild from the store
                self.load()
                return
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

    def _load_claims(self, session: Session) -> None:
        """The known debunks' claim families and, for anchoring posts the classifier left unmatched (see
        `_anchor`), their masked wordings in the narrative space; encoded once per load."""
        claims = store.debunked_claims(session)
        masked = [self._comparable(text) for _, text in claims]
        first: dict[str, int] = {}
        self._family = {
            claim_id: first.setdefault(wording, claim_id)
            for (claim_id, _), wording in zip(claims, masked, strict=True)
        }
        if self.anchor_threshold is None:
            return
        self._claim_ids = np.array([self._family[claim_id] for claim_id, _ in claims], dtype=np.int64)
        self._claim_vectors = self.space.encode(masked)

    def _comparable(self, text: str) -> str:
        """The text as narratives compare it: normalised, with every candidate and party reference dropped
        (masked, then the tokens removed, as the classifier's feature set 4 does) so that "[pair] resmi
        mundur" and "[pair] didiskualifikasi" share no word through the mask."""
        return self.masker.mask_unnamed(text)

    def family(self, claim_id: int | None) -> int | None:
        """The claim family a known claim belongs to (itself when no other claim differs from it only by
        the candidate pair it names)."""
        return None if claim_id is None else self._family.get(claim_id, claim_id)

    def _anchor(self, items: list[PostItem], vectors: np.ndarray) -> None:
        """Tie each unmatched post to the known claim it retells when similar enough to the claim's wording.

        The classifier reports a match only above its own (strict) claim thresholds; for grouping, a lower,
        separate bar (`[narratives] claim_anchor_threshold`) is enough, since the post is already flagged or
        scored and only needs to find the narrative of its claim."""
        if self.anchor_threshold is None or not len(self._claim_ids):
            return
        open_items = [i for i, item in enumerate(items) if item.claim_id is None]
        if not open_items:
            return
        sims = vectors[open_items] @ self._claim_vectors.T
        best = sims.argmax(axis=1)
        for row, i in enumerate(open_items):
            if sims[row, best[row]] >= self.anchor_threshold:
                items[i].claim_id = int(self._claim_ids[best[row]])

    def _new_index(self) -> NarrativeIndex:
        cfg = self.settings.narratives
        return NarrativeIndex(
            self.space.dim,
            num_perm=cfg.num_perm,
            duplicate_jaccard=cfg.duplicate_jaccard,
            similarity_threshold=cfg.similarity_threshold or self.space.default_threshold(),
            claim_factor=cfg.claim_factor,
            linkage=self.space.default_linkage(),
        )

    def _reset(self) -> None:
        self.index = self._new_index()
        self._slots = {}
        self.loaded = False

    def _add_narratives(self, session: Session, rows: list) -> None:
        for row in rows:
            if row.id in self._slots:
                continue
            family = self.family(row.known_claim_id)
            claims = Counter({family: row.post_count or 1}) if family is not None else None
            centroid = narrative_centroid(session, row, self.space, self._comparable)
            if centroid is None:
                continue
            self._slots[row.id] = self.index.add_narrative(
                centroid,
                narrative_id=row.id,
                count=row.post_count or 1,
                candidates=row.candidates or [],
                last_seen=row.last_seen,
                claims=claims,
                label=row.label,
            )

    def _add_member(self, member: store.MemberRow) -> None:
        slot = self._slots.get(member.narrative_id)
        if slot is None or self.index.has_member(member.post_id):
            return
        state = self.index.states[slot]
        state.topics.update(member.topics)
        if member.matched_claim_id is not None:
            state.claims[self.family(member.matched_claim_id)] += 1
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
            self._evict(rows[-1].created_at)
        return stats

    def _evict(self, newest: datetime) -> None:
        """Keep only narratives active in the last `active_days` (before the newest post) in memory."""
        self._newest = max(self._newest or newest, newest)
        horizon = self._newest - timedelta(days=self.settings.narratives.active_days)
        if self.index.evict_before(horizon):
            self._slots = {nid: slot for nid, slot in self._slots.items() if not self.index.is_evicted(slot)}

    def _role(self, row: store.PostToGroup) -> str:
        return post_role(
            text=row.text,
            platform=row.platform,
            author_handle=row.author_handle,
            author_name=row.author_name,
            official_handles=self._official,
        )

    def _assign_batch(self, session: Session, rows: list[store.PostToGroup], stats: GroupingStats) -> None:
        """Members first (in time order), then responses, so a debunk finds the hoax of its own batch."""
        floor = self.settings.narratives.score_floor
        roles = {r.id: self._role(r) for r in rows}
        member_rows = [r for r in rows if roles[r.id] == "member"]
        response_rows = [r for r in rows if roles[r.id] != "member"]
        items = [
            PostItem(
                r.id,
                self._comparable(r.text),
                r.created_at,
                tuple(r.candidates),
                tuple(r.topics),
                self.family(r.matched_claim_id),
                # Only a flagged post or one matched to a debunk (and not scored as harmless) opens a story.
                may_found=r.flagged or (r.matched_claim_id is not None and (r.hoax_score or 0.0) >= floor),
            )
            for r in member_rows
        ]
        raw_text = {r.id: r.text for r in member_rows}
        vectors = self.space.encode([item.text for item in items])
        self._anchor(items, vectors)
        assignments = self.index.assign(items, vectors)
        by_post = {item.post_id: item for item in items}
        unplaced = [a for a in assignments if a.slot is None]
        assignments = [a for a in assignments if a.slot is not None]
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
        links = [
            {"post_id": a.post_id, "narrative_id": None, "kind": "none", "similarity": None} for a in unplaced
        ]
        links.extend(self._responses(response_rows, roles, stats))
        store.save_responses(session, links)
        stats.unmatched += sum(1 for link in links if link["narrative_id"] is None)
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
                    "claim_id": self.index.states[slot].claim_id,
                }
                for slot in touched
            ],
        )
        store.refresh_stats(
            session, [self.index.narrative_id(slot) for slot in touched], neutral=self.masker.neutral_phrasing
        )
        stats.assigned += len(assignments)

    def _responses(
        self, rows: list[store.PostToGroup], roles: dict[int, str], stats: GroupingStats
    ) -> list[dict]:
        """Attach each debunk, news or official post to the narrative it answers (or to none)."""
        if not rows:
            return []
        vectors = self.space.encode([self._comparable(r.text) for r in rows])
        links = []
        for row, vector in zip(rows, vectors, strict=True):
            slot, similarity = self.index.nearest(
                vector, candidates=row.candidates, claim_id=self.family(row.matched_claim_id)
            )
            narrative_id = self.index.narrative_id(slot) if slot is not None else None
            if narrative_id is not None:
                stats.responses += 1
            links.append(
                {
                    "post_id": row.id,
                    "narrative_id": narrative_id,
                    "kind": roles[row.id],
                    "similarity": similarity if narrative_id is not None else None,
                }
            )
        return links


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

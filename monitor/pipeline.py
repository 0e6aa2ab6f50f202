"""One post's way: RawPost → normalise → relevance → upsert → score → queue.

Ingestion streams: records are pulled from the source one at a time and written in batches, each batch one
transaction that also holds the source's cursor and the run's counts, so a crash at any point loses nothing
and a restart duplicates nothing (posts are unique on platform + native_id).
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, fields
from typing import Any, Protocol

from monitor.classify.base import KnownClaim
from monitor.collectors.files import RejectedLine
from monitor.config import Settings
from monitor.records import RawPost
from monitor.store import Database, queries
from monitor.text import KeywordMatcher, normalize

log = logging.getLogger(__name__)


@dataclass(slots=True)
class IngestStats:
    read: int = 0
    relevant: int = 0
    new: int = 0
    updated: int = 0
    rejected: int = 0
    claims: int = 0

    def add(self, other: IngestStats) -> None:
        for f in fields(self):
            setattr(self, f.name, getattr(self, f.name) + getattr(other, f.name))

    def as_dict(self) -> dict[str, int]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


class ScoringModel(Protocol):
    """What the pipeline needs of a classifier (see monitor.classify.base.Classifier)."""

    version: str

    def predict(self, texts: list[str]) -> list[Any]: ...

    def add_claims(self, claims: Iterable[Any]) -> None: ...


def claim_record(raw_claim: dict[str, Any], post: RawPost) -> dict[str, Any] | None:
    """A fact-checker item's claim as a known_claims row (keyed by its URL, else its text)."""
    claim = (raw_claim.get("claim") or "").strip()
    if not claim:
        return None
    url = raw_claim.get("source_url") or post.url
    key = url or "claim:" + hashlib.sha1(claim.encode("utf-8")).hexdigest()
    return {
        "key": key[:500],
        "claim": claim,
        "verdict": (raw_claim.get("verdict") or "salah")[:40],
        "claim_date": raw_claim.get("date") or post.created_at.date().isoformat(),
        "source": raw_claim.get("source") or post.author_name or post.platform,
        "source_url": url,
        "explanation": raw_claim.get("explanation"),
        "topics": list(raw_claim.get("topics") or []),
    }


class Pipeline:
    """Ingests records into the store and scores what is new."""

    def __init__(self, db: Database, settings: Settings, *, matcher: KeywordMatcher | None = None) -> None:
        self.db = db
        self.settings = settings
        self.matcher = matcher or KeywordMatcher.from_file(settings.path(settings.paths.keywords_file))
        self.batch_size = settings.pipeline.batch_size

    # -- ingestion -------------------------------------------------------------------------------------
    def prepare(self, post: RawPost, source: str | None) -> dict[str, Any] | None:
        """The row to store for a post, or None when it mentions no election term."""
        norm = normalize(post.text)
        relevance = self.matcher.match(norm)
        if not relevance.relevant and not self.settings.pipeline.store_irrelevant:
            return None
        return {
            "platform": post.platform,
            "native_id": post.native_id,
            "url": post.url,
            "author_handle": post.author_handle,
            "author_name": post.author_name,
            "author_followers": post.author_followers,
            "text": post.text,
            "lang": post.lang,
            "created_at": post.created_at,
            "likes": post.likes,
            "shares": post.shares,
            "replies": post.replies,
            "views": post.views,
            "reach": post.reach,
            "raw": post.raw or None,
            "text_hash": hashlib.sha1(norm.text.encode("utf-8")).hexdigest(),
            "matched_terms": list(relevance.terms),
            "topics": list(relevance.topics),
            "candidates": list(relevance.candidates),
            "source_name": source,
        }

    def ingest(
        self,
        records: Iterable[RawPost | RejectedLine],
        *,
        source: str | None = None,
        checkpoint: Callable[[], dict[str, Any] | None] | None = None,
        run_id: int | None = None,
        on_reject: Callable[[RejectedLine], None] | None = None,
        on_batch: Callable[[IngestStats], None] | None = None,
    ) -> IngestStats:
        """Store the relevant records in batches; returns the counts of the whole stream."""
        total = IngestStats()
        batch = IngestStats()
        rows: list[dict[str, Any]] = []
        claims: list[dict[str, Any]] = []
        pending = 0
        for record in records:
            pending += 1
            if isinstance(record, RejectedLine):
                batch.rejected += 1
                if on_reject is not None:
                    on_reject(record)
            else:
                batch.read += 1
                raw_claim = record.raw.get("known_claim") if record.raw else None
                if isinstance(raw_claim, dict) and (claim := claim_record(raw_claim, record)):
                    claims.append(claim)
                row = self.prepare(record, source)
                if row is not None:
                    rows.append(row)
                    batch.relevant += 1
            if pending >= self.batch_size:
                self._commit(batch, rows, claims, source, checkpoint, run_id)
                total.add(batch)
                if on_batch is not None:
                    on_batch(batch)
                batch, rows, claims, pending = IngestStats(), [], [], 0
        if pending or source is not None:
            self._commit(batch, rows, claims, source, checkpoint, run_id)
            total.add(batch)
            if on_batch is not None and pending:
                on_batch(batch)
        return total

    def _commit(
        self,
        batch: IngestStats,
        rows: list[dict[str, Any]],
        claims: list[dict[str, Any]],
        source: str | None,
        checkpoint: Callable[[], dict[str, Any] | None] | None,
        run_id: int | None,
    ) -> None:
        # The cursor is read now, while the source is paused right after the batch's last record.
        cursor = checkpoint() if checkpoint is not None else None
        with self.db.session() as session:
            result = queries.upsert_posts(session, rows)
            batch.new, batch.updated = result.new, result.updated
            if claims:
                batch.claims = queries.upsert_known_claims(session, claims)
            if source is not None and checkpoint is not None:
                queries.save_cursor(session, source, cursor)
            if run_id is not None:
                queries.add_to_run(session, run_id, batch)

    # -- scoring ---------------------------------------------------------------------------------------
    def score_pending(
        self,
        model: ScoringModel,
        *,
        limit: int | None = None,
        on_batch: Callable[[int], None] | None = None,
    ) -> int:
        """Score every stored post the model's version has not scored yet; returns how many."""
        with self.db.session() as session:
            known = queries.known_claims(session)
            claim_ids = queries.claim_ids_by_key(session)
        model.add_claims(_as_classifier_claims(known))
        size = self.settings.pipeline.score_batch_size
        done = 0
        while limit is None or done < limit:
            take = size if limit is None else min(size, limit - done)
            with self.db.session() as session:
                todo = queries.posts_to_score(session, model.version, take)
                if not todo:
                    break
                scores = model.predict([text for _, text, _ in todo])
                results = [
                    {
                        "post_id": post_id,
                        "reach": reach,
                        "score": float(score.hoax_score),
                        "flagged": bool(score.flagged),
                        "reasons": list(score.reasons),
                        "matched_claim_id": claim_ids.get(score.matched_claim_id or ""),
                        "claim_similarity": score.claim_similarity,
                        "claim_status": score.claim_status,
                    }
                    for (post_id, _, reach), score in zip(todo, scores, strict=True)
                ]
                queries.save_scores(session, model.version, results)
            done += len(todo)
            if on_batch is not None:
                on_batch(len(todo))
        return done


def score_backlog(
    db: Database,
    settings: Settings,
    *,
    limit: int | None = None,
    on_batch: Callable[[int], None] | None = None,
    group: bool = True,
) -> int:
    """Score what the active model has not scored yet, then group the newly flagged posts into narratives."""
    from monitor import narratives, registry

    model = registry.load_active_classifier(settings, db)
    scored = Pipeline(db, settings).score_pending(model, limit=limit, on_batch=on_batch)
    if group and scored:
        grouped = narratives.assign_new_posts(db, settings)
        log.info("scored %d post(s); %d grouped into narratives", scored, grouped)
    return scored


def _as_classifier_claims(rows: list[Any]) -> list[KnownClaim]:
    return [
        KnownClaim(
            id=row.key, claim=row.claim, verdict=row.verdict, source_url=row.source_url, date=row.claim_date
        )
        for row in rows
    ]

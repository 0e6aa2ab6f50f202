"""One post's way: RawPost → normalise → relevance → upsert → score → queue.

Ingestion streams: records are pulled from the source one at a time and written in batches, each batch one
transaction that also holds the source's cursor and the run's counts, so a crash at any point loses nothing
and a restart duplicates nothing (posts are unique on platform + native_id).
"""

from __future__ import annotations

import hashlib
import logging
import multiprocessing
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, fields
from pathlib import Path
from queue import Empty
from typing import Any, Protocol

from monitor.classify.base import KnownClaim
from monitor.collectors.files import FileFormatError, RejectedLine, read_records
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


def prepare_row(
    post: RawPost, source: str | None, matcher: KeywordMatcher, store_irrelevant: bool = False
) -> dict[str, Any] | None:
    """The row to store for a post, or None when it mentions no election term."""
    norm = normalize(post.text)
    relevance = matcher.match(norm)
    if not relevance.relevant and not store_irrelevant:
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


@dataclass(slots=True)
class Batch:
    """What one transaction will write: the rows to upsert, new known claims and the counts so far."""

    stats: IngestStats = field(default_factory=IngestStats)
    rows: list[dict[str, Any]] = field(default_factory=list)
    claims: list[dict[str, Any]] = field(default_factory=list)
    rejects: list[RejectedLine] = field(default_factory=list)
    size: int = 0

    def add(
        self,
        record: RawPost | RejectedLine,
        source: str | None,
        matcher: KeywordMatcher,
        store_irrelevant: bool,
    ) -> None:
        self.size += 1
        if isinstance(record, RejectedLine):
            self.stats.rejected += 1
            self.rejects.append(record)
            return
        self.stats.read += 1
        raw_claim = record.raw.get("known_claim") if record.raw else None
        if isinstance(raw_claim, dict) and (claim := claim_record(raw_claim, record)):
            self.claims.append(claim)
        row = prepare_row(record, source, matcher, store_irrelevant)
        if row is not None:
            self.rows.append(row)
            self.stats.relevant += 1


# -- files read in a second process ----------------------------------------------------------------------
# Importing a large export is CPU-bound Python on both sides: reading and text work (parse, normalise,
# match) and writing (upserts). On a machine with two cores a child process does the first while this one
# writes, batch by batch through a bounded queue, so memory stays flat whatever the file's size.
PARALLEL_MIN_BYTES = 4_000_000
_QUEUE_BATCHES = 4
_DONE = "done"


def _prepare_file(
    path: str,
    fmt: str | None,
    platform: str | None,
    mapping: dict[str, str],
    keywords_file: str,
    store_irrelevant: bool,
    batch_size: int,
    out: Any,
) -> None:
    """In the child: read and prepare a file's records, putting whole batches on `out`."""
    try:
        matcher = KeywordMatcher.from_file(Path(keywords_file))
        batch = Batch()
        for record in read_records(path, fmt, platform, mapping):  # type: ignore[arg-type]
            batch.add(record, None, matcher, store_irrelevant)
            if batch.size >= batch_size:
                out.put(batch)
                batch = Batch()
        if batch.size:
            out.put(batch)
        out.put(_DONE)
    except BaseException as exc:  # handed to the parent, which raises it
        out.put(("error", isinstance(exc, FileFormatError), f"{type(exc).__name__}: {exc}", str(exc)))


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
        return prepare_row(post, source, self.matcher, self.settings.pipeline.store_irrelevant)

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
        batch = Batch()
        store_irrelevant = self.settings.pipeline.store_irrelevant
        for record in records:
            batch.add(record, source, self.matcher, store_irrelevant)
            if on_reject is not None and batch.rejects:
                for rejected in batch.rejects:
                    on_reject(rejected)
                batch.rejects.clear()
            if batch.size >= self.batch_size:
                self._commit(batch.stats, batch.rows, batch.claims, source, checkpoint, run_id)
                total.add(batch.stats)
                if on_batch is not None:
                    on_batch(batch.stats)
                batch = Batch()
        if batch.size or source is not None:
            self._commit(batch.stats, batch.rows, batch.claims, source, checkpoint, run_id)
            total.add(batch.stats)
            if on_batch is not None and batch.size:
                on_batch(batch.stats)
        return total

    def ingest_file(
        self,
        path: Path | str,
        fmt: str | None = None,
        platform: str | None = None,
        mapping: dict[str, str] | None = None,
        *,
        run_id: int | None = None,
        on_reject: Callable[[RejectedLine], None] | None = None,
        on_batch: Callable[[IngestStats], None] | None = None,
        parallel: bool | None = None,
    ) -> IngestStats:
        """Import an exported file; a large one is read and prepared in a second process (see above)."""
        path = Path(path)
        records = read_records(path, fmt, platform, mapping)  # type: ignore[arg-type]  (checks path, format)
        if parallel is None:
            parallel = (os.cpu_count() or 1) > 1 and path.stat().st_size >= PARALLEL_MIN_BYTES
        if not parallel:
            return self.ingest(records, run_id=run_id, on_reject=on_reject, on_batch=on_batch)
        context = multiprocessing.get_context("spawn")  # no fork of this process's threads and connections
        queue = context.Queue(maxsize=_QUEUE_BATCHES)
        keywords_file = str(self.settings.path(self.settings.paths.keywords_file))
        reader = context.Process(
            target=_prepare_file,
            args=(
                str(path),
                fmt,
                platform,
                dict(mapping or {}),
                keywords_file,
                self.settings.pipeline.store_irrelevant,
                self.batch_size,
                queue,
            ),
            name="monitor-import-reader",
            daemon=True,
        )
        reader.start()
        total = IngestStats()
        try:
            while True:
                try:
                    item = queue.get(timeout=1.0)
                except Empty:
                    if not reader.is_alive():
                        raise RuntimeError(
                            f"the import reader stopped unexpectedly (exit code {reader.exitcode})"
                        ) from None
                    continue
                if isinstance(item, str) and item == _DONE:
                    break
                if isinstance(item, tuple):
                    _, is_format_error, described, message = item
                    raise (
                        FileFormatError(message)
                        if is_format_error
                        else RuntimeError(f"import reader: {described}")
                    )
                if on_reject is not None:
                    for rejected in item.rejects:
                        on_reject(rejected)
                self._commit(item.stats, item.rows, item.claims, None, None, run_id)
                total.add(item.stats)
                if on_batch is not None:
                    on_batch(item.stats)
        finally:
            if reader.is_alive():
                reader.terminate()
            reader.join(timeout=10)
            queue.close()
            queue.cancel_join_thread()
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
        done = last_id = 0
        while limit is None or done < limit:
            take = size if limit is None else min(size, limit - done)
            with self.db.session() as session:
                todo = queries.posts_to_score(session, model.version, take, after_id=last_id)
                if not todo:
                    break
                last_id = todo[-1][0]
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
    if group:  # also when nothing was scored: a run killed after scoring left posts waiting for a narrative
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

"""Ingestion, one post's way into the store: RawPost → normalise → relevance → upsert.

Scoring what was stored is `monitor.scoring`'s work.

Ingestion streams: records are pulled from the source one at a time and written in batches, each batch one
transaction that also holds the source's cursor and the run's counts, so a crash at any point loses nothing
and a restart duplicates nothing (posts are unique on platform + native_id).
"""

from __future__ import annotations

import hashlib
import logging
import multiprocessing
import os
import random
import re
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, fields
from pathlib import Path
from queue import Empty
from typing import Any

from monitor.collectors.files import FileFormatError, Limits, RejectedLine, excerpt_of, read_records
from monitor.config import Settings
from monitor.lifeline import die_with_parent
from monitor.records import RawPost
from monitor.store import Database, bulk, queries
from monitor.text import KeywordMatcher, normalize

log = logging.getLogger(__name__)

_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
# A batch that lost a deadlock or a serialization check is retried this often, after a growing pause.
COMMIT_ATTEMPTS = 6


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


def _text(value: Any, limit: int) -> str | None:
    return value.strip()[:limit] or None if isinstance(value, str) else None


def claim_record(raw_claim: dict[str, Any], post: RawPost) -> dict[str, Any] | None:
    """A fact-checker item's claim as a known_claims row (keyed by its URL, else its text).

    Every value comes from a file or a feed: each is taken only when it has the expected type and cut to
    its column's size, so an odd claim costs at most itself."""
    claim = _text(raw_claim.get("claim"), 20_000)
    if not claim:
        return None
    url = _text(raw_claim.get("source_url"), 4000) or post.url
    key = url or "claim:" + hashlib.sha1(claim.encode("utf-8")).hexdigest()
    date = raw_claim.get("date")
    if not (isinstance(date, str) and _ISO_DATE.fullmatch(date)):
        date = post.created_at.date().isoformat()
    topics = raw_claim.get("topics")
    return {
        "key": key[:500],
        "claim": claim,
        "verdict": _text(raw_claim.get("verdict"), 40) or "salah",
        "claim_date": date,
        "source": (_text(raw_claim.get("source"), 200) or post.author_name or post.platform)[:200],
        "source_url": url,
        "explanation": _text(raw_claim.get("explanation"), 20_000),
        "topics": [t[:100] for t in topics if isinstance(t, str)] if isinstance(topics, list) else [],
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
    origins: list[tuple[str, int] | None] = field(default_factory=list)  # (file, line) of each row
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
        try:
            raw_claim = record.raw.get("known_claim") if record.raw else None
            claim = claim_record(raw_claim, record) if isinstance(raw_claim, dict) else None
            row = prepare_row(record, source, matcher, store_irrelevant)
        except Exception as exc:  # whatever one record trips on costs that record only
            log.warning(
                "record %s/%s could not be prepared", record.platform, record.native_id, exc_info=True
            )
            where, line_no = record.origin or (source or record.platform, 0)
            reason = f"could not be prepared: {type(exc).__name__}: {exc}"[:500]
            self.stats.rejected += 1
            self.rejects.append(RejectedLine(where, line_no, reason, excerpt_of(record.text)))
            return
        self.stats.read += 1
        if claim:
            self.claims.append(claim)
        if row is not None:
            self.rows.append(row)
            self.origins.append(record.origin)
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
    limits: Limits,
    keywords_file: str,
    store_irrelevant: bool,
    batch_size: int,
    out: Any,
    parent: int,
) -> None:
    """In the child: read and prepare a file's records, putting whole batches on `out`."""
    die_with_parent(parent)
    try:
        matcher = KeywordMatcher.from_file(Path(keywords_file))
        batch = Batch()
        for record in read_records(path, fmt, platform, mapping, limits):  # type: ignore[arg-type]
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
    """Ingests records into the store."""

    def __init__(self, db: Database, settings: Settings, *, matcher: KeywordMatcher | None = None) -> None:
        self.db = db
        self.settings = settings
        self.matcher = matcher or KeywordMatcher.from_file(settings.path(settings.paths.keywords_file))
        self.batch_size = settings.pipeline.batch_size
        self.limits = Limits(settings.pipeline.max_text_chars, settings.pipeline.max_line_bytes)

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
                self._commit(batch, source, checkpoint, run_id, on_reject)
                total.add(batch.stats)
                if on_batch is not None:
                    on_batch(batch.stats)
                batch = Batch()
        if batch.size or source is not None:
            self._commit(batch, source, checkpoint, run_id, on_reject)
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
        # Checks path and format now, in this process.
        records = read_records(path, fmt, platform, mapping, self.limits)  # type: ignore[arg-type]
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
                self.limits,
                keywords_file,
                self.settings.pipeline.store_irrelevant,
                self.batch_size,
                queue,
                os.getpid(),
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
                self._commit(item, None, None, run_id, on_reject)
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
        batch: Batch,
        source: str | None,
        checkpoint: Callable[[], dict[str, Any] | None] | None,
        run_id: int | None,
        on_reject: Callable[[RejectedLine], None] | None = None,
    ) -> None:
        """Write one batch in one transaction, retried when it loses a deadlock; when the database refuses
        a row the validation let through, that row is rejected (and reported) and the rest is written."""
        # The cursor is read now, while the source is paused right after the batch's last record.
        cursor = checkpoint() if checkpoint is not None else None
        isolated = False
        attempt = 0
        while True:
            attempt += 1
            try:
                self._write(batch, source if checkpoint is not None else None, cursor, run_id)
                return
            except Exception as exc:
                if bulk.is_transient(exc) and attempt < COMMIT_ATTEMPTS:
                    pause = random.uniform(0.05, 0.25) * 2 ** min(attempt, 5)
                    log.warning(
                        "batch of %d row(s) lost a %s; retrying in %.2f s (attempt %d of %d)",
                        len(batch.rows),
                        bulk.transient_kind(exc),
                        pause,
                        attempt + 1,
                        COMMIT_ATTEMPTS,
                    )
                    time.sleep(pause)
                    continue
                if isolated or bulk.refusal(exc) is None:
                    raise
                isolated = True
                log.warning(
                    "the database refused a row of the batch (%s); checking row by row", bulk.refusal(exc)
                )
                for rejected in self._drop_refused(batch):
                    if on_reject is not None:
                        on_reject(rejected)

    def _write(
        self, batch: Batch, source: str | None, cursor: dict[str, Any] | None, run_id: int | None
    ) -> None:
        stats = batch.stats
        with self.db.session() as session:
            result = queries.upsert_posts(session, batch.rows)
            stats.new, stats.updated = result.new, result.updated
            if batch.claims:
                stats.claims = queries.upsert_known_claims(session, batch.claims)
            if source is not None:  # only when the caller keeps a cursor (see _commit)
                queries.save_cursor(session, source, cursor)
            if run_id is not None:
                queries.add_to_run(session, run_id, stats)

    def _drop_refused(self, batch: Batch) -> list[RejectedLine]:
        """Try each row (and claim) alone in a transaction that is rolled back; drop those refused."""
        rejected: list[RejectedLine] = []
        kept_rows, kept_origins = [], []
        for row, origin in zip(batch.rows, batch.origins, strict=True):
            reason = bulk.probe(self.db, lambda session, row=row: queries.upsert_posts(session, [row]))
            if reason is None:
                kept_rows.append(row)
                kept_origins.append(origin)
                continue
            where, line_no = origin or (row.get("source_name") or row["platform"], 0)
            rejected.append(
                RejectedLine(
                    where, line_no, f"the database refused it: {reason}", excerpt_of(str(row.get("text", "")))
                )
            )
            batch.stats.read -= 1
            batch.stats.relevant -= 1
            batch.stats.rejected += 1
        batch.rows, batch.origins = kept_rows, kept_origins
        kept_claims = []
        for claim in batch.claims:
            reason = bulk.probe(
                self.db, lambda session, claim=claim: queries.upsert_known_claims(session, [claim])
            )
            if reason is None:
                kept_claims.append(claim)
            else:
                log.warning("known claim %r skipped: the database refused it: %s", claim["key"][:80], reason)
        batch.claims = kept_claims
        return rejected

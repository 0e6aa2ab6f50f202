"""Ingest runs that outlive their process: each live run holds a lock, a run without one crashed.

A killed import (kill -9, a power cut) never gets to write `finished_at`, so its row in `ingest_runs` would
say "running" forever. While it runs, an import holds a lock named after its run (an flock file next to a
SQLite database, an advisory lock on PostgreSQL; both released by the operating system or the server when
the process dies). `close_stale_runs` closes every unfinished run whose lock it can take: no living
process owns it. Overlapping imports are safe: the other's lock is held, so its run is left alone.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

from sqlalchemy import select, update

from monitor.store.db import Database
from monitor.store.locks import LockHeld, RunnerLock
from monitor.store.schema import IngestRun

CRASHED = "crashed: the process ended before the run finished (closed at the next start)"


def _lock(db: Database, run_id: int) -> RunnerLock:
    return RunnerLock(db.url, name=f"run-{run_id}")


def _forget(lock: RunnerLock) -> None:
    lock.release()
    if lock.path is not None:
        with contextlib.suppress(OSError):
            lock.path.unlink()


@contextmanager
def tracked_run(db: Database, source_name: str) -> Iterator[int]:
    """Start a run and hold its lock until the block ends; yields the run id.

    The lock is taken before the run's row is committed, so no other process ever sees the run
    unlocked while its owner lives."""
    with db.session() as session:
        run = IngestRun(source_name=source_name, started_at=datetime.now(UTC))
        session.add(run)
        session.flush()
        run_id = run.id
        lock = _lock(db, run_id).acquire()
    try:
        yield run_id
    finally:
        _forget(lock)


def close_stale_runs(
    db: Database, prefix: str | None = None, *, source_names: Iterable[str] | None = None
) -> list[int]:
    """Close as crashed every unfinished run (whose source name starts with `prefix`, or is one of
    `source_names`, if given) that no living process holds; returns their ids.

    Imports hold their run's lock while they run. Collection runs do not: the collection service calls this
    while holding the runner lock, so any collection run still open then belongs to a dead process."""
    query = select(IngestRun.id).where(IngestRun.finished_at.is_(None))
    if prefix:
        query = query.where(IngestRun.source_name.startswith(prefix, autoescape=True))
    if source_names is not None:
        query = query.where(IngestRun.source_name.in_(list(source_names)))
    with db.session() as session:
        candidates = list(session.scalars(query.order_by(IngestRun.id)))
    closed: list[int] = []
    for run_id in candidates:
        lock = _lock(db, run_id)
        try:
            lock.acquire()
        except LockHeld:
            continue  # its process is alive
        try:
            with db.session() as session:
                result = session.execute(
                    update(IngestRun)
                    .where(IngestRun.id == run_id, IngestRun.finished_at.is_(None))
                    .values(finished_at=datetime.now(UTC), error=CRASHED)
                )
            if result.rowcount:
                closed.append(run_id)
        finally:
            _forget(lock)
    return closed

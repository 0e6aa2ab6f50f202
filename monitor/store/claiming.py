"""Work-claiming for many processes on one store: posts to score, named locks, beat's enqueue slots.

PostgreSQL (the team and national store) gives each primitive its real form:
- `claimed_posts`: `SELECT … FOR UPDATE SKIP LOCKED` inside the batch's transaction, so two scorers take
  disjoint pages and a scorer that dies (kill -9) simply lets its rows go when its connection closes;
- `hold_lock`: a session-level advisory lock, `pg_try_advisory_lock(<namespace>, hashtext(key))`, held on a
  dedicated connection (released by the server when the holder's connection dies);
- `claim_beat_slot`: one conditional UPDATE, so of two beats only one wins a schedule slot.

SQLite (one laptop) has no row locks. Its documented fallback: `claimed_posts` reads the page in a short
transaction of its own and writes in a second one that starts with a write (SQLite then queues writers with
its busy timeout instead of failing a read-to-write upgrade); two scorers on one SQLite file may compute the
same page twice, and the scores' upsert stores it once. `hold_lock` is an `flock` on a file beside the
database (released by the kernel when the process dies); an in-memory database locks within the process.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import re
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import select, text, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from monitor.store.db import Database
from monitor.store.schema import BeatEntry, Post

# The first key of two-key advisory locks: keeps these locks apart from the runner lock's one-key space.
LOCK_NAMESPACE = 0x4D4F4E  # "MON"
# Grouping posts into narratives runs one at a time across processes: two groupers would both assign the
# same waiting post. Scoring (monitor.scoring.backlog) and the alert check (distributed tasks) wait on it.
NARRATIVES_LOCK = "narratives:group"

_local_locks: dict[str, threading.Lock] = {}
_local_guard = threading.Lock()


def holder_name() -> str:
    """Who holds a lock or sent a task: host and process id, for messages and the beat table."""
    return f"{socket.gethostname()}:{os.getpid()}"


# -- posts to score ----------------------------------------------------------------------------------------
def _unscored(model_version: str, limit: int, after_id: int):  # noqa: ANN202  (a Select)
    return (
        select(Post.id, Post.text, Post.reach)
        .where(Post.id > after_id)
        .where((Post.scored_version.is_(None)) | (Post.scored_version != model_version))
        .order_by(Post.id)
        .limit(limit)
    )


@contextmanager
def claimed_posts(
    db: Database, model_version: str, limit: int, after_id: int = 0
) -> Iterator[tuple[Session, list[tuple[int, str, int]]]]:
    """Claim up to `limit` posts `model_version` has not scored, past `after_id`: yields (session, rows).

    Write the verdicts with the yielded session; the block's end commits them and ends the claim. Rows are
    (id, text, reach) in id order. See the module docstring for PostgreSQL's locks and SQLite's fallback.
    """
    if db.dialect == "postgresql":
        with db.session() as session:
            query = _unscored(model_version, limit, after_id).with_for_update(skip_locked=True, of=Post)
            rows = [(r.id, r.text, r.reach) for r in session.execute(query)]
            yield session, rows
        return
    with db.session() as session:
        rows = [(r.id, r.text, r.reach) for r in session.execute(_unscored(model_version, limit, after_id))]
    with db.session() as session:
        yield session, rows


# -- named locks ---------------------------------------------------------------------------------------------
def _lock_file(url: str, key: str) -> Path | None:
    database = make_url(url).database
    if not database or database == ":memory:" or database.startswith("file::memory:"):
        return None
    slug = re.sub(r"[^A-Za-z0-9_.-]+", "_", key)[:80]
    digest = hashlib.sha1(key.encode("utf-8")).hexdigest()[:10]
    path = Path(database).resolve()
    return path.with_name(f"{path.name}.locks") / f"{slug}-{digest}.lock"


@contextmanager
def hold_lock(db: Database, key: str, *, wait: bool = False) -> Iterator[bool]:
    """Hold the store-wide lock `key` for the block; yields whether it was taken.

    With `wait=False` the block runs at once and learns `False` when another process holds the lock (a
    collection of the same target, a second beat); with `wait=True` it waits its turn and always gets it.
    """
    if db.dialect == "postgresql":
        with db.engine.connect() as connection:
            function = "pg_advisory_lock" if wait else "pg_try_advisory_lock"
            args = {"ns": LOCK_NAMESPACE, "key": key}
            got = connection.execute(text(f"SELECT {function}(:ns, hashtext(:key))"), args).scalar()
            connection.commit()
            got = True if wait else bool(got)
            try:
                yield got
            finally:
                if got:
                    connection.execute(text("SELECT pg_advisory_unlock(:ns, hashtext(:key))"), args)
                    connection.commit()
        return
    path = _lock_file(db.url, key)
    if path is None:
        with _local_guard:
            lock = _local_locks.setdefault(f"{db.url}|{key}", threading.Lock())
        got = lock.acquire(blocking=wait)
        try:
            yield got
        finally:
            if got:
                lock.release()
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+", encoding="utf-8") as handle:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX if wait else fcntl.LOCK_EX | fcntl.LOCK_NB)
            got = True
        except BlockingIOError:
            got = False
        try:
            yield got
        finally:
            if got:
                fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


# -- beat's schedule slots -----------------------------------------------------------------------------------
def beat_last_enqueued(session: Session) -> dict[str, datetime]:
    """When each schedule entry was last enqueued (entries never enqueued are absent)."""
    query = select(BeatEntry.name, BeatEntry.last_enqueued_at).where(BeatEntry.last_enqueued_at.is_not(None))
    return {name: at for name, at in session.execute(query)}


def claim_beat_slot(session: Session, name: str, task: str, now: datetime, min_gap: timedelta) -> bool:
    """Record that entry `name` is enqueued at `now`, unless it was already enqueued less than `min_gap` ago.

    Returns whether this caller won the slot (and must send the task). The decision is one conditional
    UPDATE, so two beats (or a beat and its restarted self) never both win the same slot."""
    insert = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}[session.get_bind().dialect.name]
    session.execute(
        insert(BeatEntry)
        .values(name=name, task=task, last_enqueued_at=None, enqueued_count=0)
        .on_conflict_do_nothing(index_elements=["name"])
    )
    won = session.execute(
        update(BeatEntry)
        .where(BeatEntry.name == name)
        .where((BeatEntry.last_enqueued_at.is_(None)) | (BeatEntry.last_enqueued_at <= now - min_gap))
        .values(
            task=task,
            last_enqueued_at=now,
            enqueued_count=BeatEntry.enqueued_count + 1,
            enqueued_by=holder_name(),
        )
        .execution_options(synchronize_session=False)
    )
    return bool(won.rowcount)


def beat_counts(session: Session) -> dict[str, int]:
    """How many times each entry was enqueued (for `monitor beat --status` and the tests)."""
    return {name: count for name, count in session.execute(select(BeatEntry.name, BeatEntry.enqueued_count))}

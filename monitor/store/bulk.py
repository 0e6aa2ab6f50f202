"""Bulk upsert of posts: the ingest hot path.

SQLAlchemy compiles the statement once per dialect; rows then go to the driver's executemany as plain
values. That skips SQLAlchemy's per-row, per-column bind processing, which cost more than the database write
itself (measured with bench/ingest.py). The conversions below must therefore store exactly what the
column types in schema.py would: naive-UTC ISO strings for SQLite datetimes, JSON text for JSON columns.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from functools import lru_cache
from operator import itemgetter
from typing import TYPE_CHECKING, Any

from sqlalchemy import bindparam, func
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DataError, DBAPIError, IntegrityError
from sqlalchemy.orm import Session

from monitor.store.schema import Post

if TYPE_CHECKING:
    from monitor.store.db import Database

# Columns a second sighting of a post refreshes; text and authorship stay as first seen.
ENGAGEMENT_COLUMNS = ("likes", "shares", "replies", "views", "author_followers", "reach")
INSERT_COLUMNS = (
    "platform",
    "native_id",
    "url",
    "author_handle",
    "author_name",
    "author_followers",
    "text",
    "lang",
    "created_at",
    "collected_at",
    "last_seen_at",
    "likes",
    "shares",
    "replies",
    "views",
    "reach",
    "raw",
    "text_hash",
    "matched_terms",
    "topics",
    "candidates",
    "source_name",
    "flagged",
    "priority",
    "triage_version",
)
JSON_COLUMNS = frozenset({"raw", "matched_terms", "topics", "candidates"})
DATETIME_COLUMNS = frozenset({"created_at", "collected_at", "last_seen_at"})
# Every column present (rows may leave out the optional ones), with the schema's Python-side defaults.
DEFAULTS: dict[str, Any] = {
    **dict.fromkeys(INSERT_COLUMNS),
    "flagged": False,
    "priority": 0.0,
    "triage_version": 0,
    "matched_terms": [],
    "topics": [],
    "candidates": [],
}

_compiled: dict[tuple[str, str, tuple[str, ...]], tuple[str, tuple[str, ...] | None]] = {}


def _statement(dialect: Dialect, columns: tuple[str, ...]) -> tuple[str, tuple[str, ...] | None]:
    """The upsert's SQL for this dialect and columns, and the parameter order when the driver wants it."""
    key = (dialect.name, dialect.paramstyle, columns)
    if key not in _compiled:
        insert = {"sqlite": sqlite.insert, "postgresql": postgresql.insert}.get(dialect.name)
        if insert is None:
            raise RuntimeError(f"unsupported database dialect {dialect.name!r}")
        statement = insert(Post.__table__).values({name: bindparam(name) for name in columns})
        table = Post.__table__.c
        refresh = {
            col: func.coalesce(getattr(statement.excluded, col), table[col]) for col in ENGAGEMENT_COLUMNS
        }
        refresh["last_seen_at"] = statement.excluded.last_seen_at
        statement = statement.on_conflict_do_update(index_elements=["platform", "native_id"], set_=refresh)
        compiled = statement.compile(dialect=dialect)
        order = tuple(compiled.positiontup) if compiled.positional and compiled.positiontup else None
        _compiled[key] = (str(compiled), order)
    return _compiled[key]


def _sqlite_datetime(value: datetime) -> str:
    # The format SQLAlchemy's SQLite DATETIME type writes (and reads back), after UTCDateTime made it UTC.
    value = value.astimezone(UTC) if value.tzinfo else value
    return value.strftime("%Y-%m-%d %H:%M:%S.%f")


def _dumps(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, list):
        return _dumps_list(tuple(value))
    return json.dumps(value)


@lru_cache(maxsize=4096)
def _dumps_list(value: tuple[Any, ...]) -> str:
    # Term, topic and candidate lists repeat endlessly across posts: encode each distinct one once.
    return json.dumps(list(value))


def insert_or_refresh(session: Session, rows: Sequence[dict[str, Any]], now: datetime) -> None:
    """INSERT … ON CONFLICT (platform, native_id) DO UPDATE engagement, for a batch of post rows."""
    if not rows:
        return
    connection = session.connection()
    dialect = connection.dialect
    # Callers may set other post columns too (tests seed scored posts this way).
    extra = tuple(sorted({name for row in rows for name in row}.difference(INSERT_COLUMNS)))
    unknown = set(extra).difference(Post.__table__.c.keys())
    if unknown:
        raise ValueError(f"not columns of posts: {', '.join(sorted(unknown))}")
    columns = INSERT_COLUMNS + extra
    sql, order = _statement(dialect, columns)
    on_sqlite = dialect.name == "sqlite"
    when = _sqlite_datetime(now) if on_sqlite else now
    names = order or columns
    base = {**DEFAULTS, **dict.fromkeys(extra)}
    pick = itemgetter(*names)
    prepared: list[Any] = []
    # Rows in key order: two imports writing overlapping posts then take row locks in the same order and
    # cannot deadlock on each other (PostgreSQL), whatever order their files list the posts in.
    for row in sorted(rows, key=itemgetter("platform", "native_id")):
        values = {**base, **row, "collected_at": when, "last_seen_at": when}
        for column in JSON_COLUMNS:
            values[column] = _dumps(values[column])
        for column in ("created_at", *extra):
            moment = values[column]
            if isinstance(moment, datetime):
                if on_sqlite:
                    values[column] = _sqlite_datetime(moment)
                elif moment.tzinfo is None:
                    values[column] = moment.replace(tzinfo=UTC)
        prepared.append(pick(values) if order is not None else dict(zip(names, pick(values), strict=True)))
    connection.exec_driver_sql(sql, prepared)


# -- what a failed write means ---------------------------------------------------------------------------
# SQLSTATEs of a transaction that lost to a concurrent one and may simply be run again.
TRANSIENT = {"40P01": "deadlock", "40001": "serialization failure"}


def _sqlstate(exc: BaseException) -> str | None:
    orig = getattr(exc, "orig", None)
    return getattr(orig, "sqlstate", None) or getattr(orig, "pgcode", None)


def is_transient(exc: BaseException) -> bool:
    """The transaction lost a deadlock or a serialization check: running it again is the cure."""
    return isinstance(exc, DBAPIError) and _sqlstate(exc) in TRANSIENT


def transient_kind(exc: BaseException) -> str:
    return TRANSIENT.get(_sqlstate(exc) or "", "transient failure")


def refusal(exc: BaseException) -> str | None:
    """The database's one-line reason when `exc` is it refusing a value (too long, out of range, a
    constraint), not a lost connection or a deadlock; None otherwise."""
    if not isinstance(exc, DataError | IntegrityError):
        return None
    message = str(getattr(exc, "orig", None) or exc).strip().splitlines()
    return (message[0] if message else type(exc).__name__)[:300]


def probe(db: Database, write: Callable[[Session], Any]) -> str | None:
    """Run `write` in a transaction that is always rolled back: None if the database accepts it, else
    its reason for refusing. Used to find the one row of a batch that failed the whole batch."""
    session = Session(db.engine)
    try:
        write(session)
        session.flush()
        return None
    except (DataError, IntegrityError) as exc:
        return refusal(exc)
    finally:
        session.rollback()
        session.close()

"""The audit log (`triage_events`) cannot be rewritten by any statement, on SQLite and PostgreSQL.

Each of the five rewrites an attacker with SQL access would try (UPDATE, DELETE, REPLACE, upsert,
TRUNCATE) is refused by the database itself, and the original event is still there afterwards.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DatabaseError

from monitor.store import Database, queries
from monitor.store.schema import TriageEvent


def _event(db: Database) -> int:
    with db.session() as session:
        event = queries.add_audit_event(session, actor="kpu1", role="kpu", action="mark_hoax", note="asli")
        return event.id


def _rewrites(dialect: str, event_id: int) -> dict[str, str]:
    columns = "(id, actor, role, action, note, created_at)"
    values = f"({event_id}, 'penyusup', 'admin', 'dismiss', 'palsu', CURRENT_TIMESTAMP)"
    upsert = (
        f"INSERT INTO triage_events {columns} VALUES {values} "
        "ON CONFLICT (id) DO UPDATE SET note = excluded.note, actor = excluded.actor"
    )
    if dialect == "sqlite":
        replace = f"INSERT OR REPLACE INTO triage_events {columns} VALUES {values}"
        truncate = "DELETE FROM triage_events"  # SQLite's TRUNCATE: a DELETE without WHERE
    else:
        # PostgreSQL has no REPLACE; its closest rewrite is deleting and re-inserting in one statement.
        replace = (
            f"WITH gone AS (DELETE FROM triage_events WHERE id = {event_id} RETURNING id) "
            f"INSERT INTO triage_events {columns} SELECT {values[1:-1]} FROM gone"
        )
        truncate = "TRUNCATE triage_events"
    return {
        "update": f"UPDATE triage_events SET note = 'palsu' WHERE id = {event_id}",
        "delete": f"DELETE FROM triage_events WHERE id = {event_id}",
        "replace": replace,
        "upsert": upsert,
        "truncate": truncate,
    }


@pytest.mark.parametrize("statement", ["update", "delete", "replace", "upsert", "truncate"])
def test_audit_rewrite_is_refused(db: Database, statement: str) -> None:
    event_id = _event(db)
    sql = _rewrites(db.engine.dialect.name, event_id)[statement]
    with pytest.raises(DatabaseError, match="append-only"), db.session() as session:
        session.execute(text(sql))
    with db.session() as session:
        events = session.execute(select(TriageEvent.id, TriageEvent.actor, TriageEvent.note)).all()
    assert [tuple(e) for e in events] == [(event_id, "kpu1", "asli")]


def test_sqlite_replace_into_is_refused(sqlite_db: Database) -> None:
    event_id = _event(sqlite_db)
    with pytest.raises(DatabaseError, match="append-only"), sqlite_db.session() as session:
        session.execute(
            text(
                "REPLACE INTO triage_events (id, actor, action, created_at) "
                f"VALUES ({event_id}, 'x', 'dismiss', CURRENT_TIMESTAMP)"
            )
        )
    with sqlite_db.session() as session:
        assert session.scalar(select(TriageEvent.note)) == "asli"


def test_appending_still_works(db: Database) -> None:
    first = _event(db)
    second = _event(db)
    assert second > first
    with db.session() as session:
        assert session.scalar(select(TriageEvent.id).order_by(TriageEvent.id.desc())) == second

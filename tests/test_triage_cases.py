"""Cases on SQLite and PostgreSQL: the verdict survives escalation, each agency's inbox and follow-up,
what Polri may read of a narrative, and migration 0007 splitting old rows without losing history."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from conftest import PG_ADMIN_URL, _pg_reachable
from sqlalchemy import create_engine, func, select, text
from triage_seed import add_users, seed_queue

from monitor import auth, triage
from monitor.store import Database, queries, queue
from monitor.store.schema import Narrative, Post, TriageEvent

pytestmark = pytest.mark.usefixtures("cheap_hashes")


@pytest.fixture
def seeded(db: Database) -> dict:
    actors = add_users(db)
    return {"db": db, "actors": actors, **seed_queue(db, n=6, hostile=False)}


def _apply(db: Database, actor: auth.Actor, post_id: int, action: str, note: str | None = None) -> None:
    with db.session() as session:
        version = triage.item_state(session, post_id).version
        triage.apply(session, actor, post_id, action, expected_version=version, note=note)


def _inbox(db: Database, actor: auth.Actor) -> list[int]:
    with db.session() as session:
        return [r.id for r in triage.queue_for(session, actor, triage.inbox_filter(actor)).rows]


def test_the_chain_keeps_the_verdict_and_each_agency_records_its_follow_up(seeded: dict) -> None:
    db, actors, post = seeded["db"], seeded["actors"], seeded["post_ids"][0]
    kpu, bawaslu, polri = actors["kpu"], actors["bawaslu"], actors["polri"]
    assert post in _inbox(db, kpu) and post not in _inbox(db, bawaslu)
    _apply(db, kpu, post, "hoax")
    _apply(db, kpu, post, "escalate_bawaslu", note="mohon ditindaklanjuti")
    assert post not in _inbox(db, kpu) and _inbox(db, bawaslu) == [post] and _inbox(db, polri) == []
    with db.session() as session:
        assert triage.inbox_count(session, bawaslu) == (1, False)
    _apply(db, bawaslu, post, "violation")
    _apply(db, bawaslu, post, "follow_up", note="klarifikasi ke pemilik akun")
    _apply(db, bawaslu, post, "escalate_polri", note="dugaan pidana pemilu")
    assert _inbox(db, bawaslu) == [] and _inbox(db, polri) == [post]
    _apply(db, polri, post, "follow_up", note="penyelidikan dimulai")
    with db.session() as session:
        state = triage.item_state(session, post)
    assert state.verdict == "hoax" and state.violation and state.holder == "polri"
    assert state.chain == ("bawaslu", "polri") and state.status == "escalated"
    _apply(db, polri, post, "close")
    with db.session() as session:
        state = triage.item_state(session, post)
        follow_ups = session.execute(
            select(TriageEvent.role, TriageEvent.note)
            .where(TriageEvent.post_id == post, TriageEvent.action == "follow_up")
            .order_by(TriageEvent.id)
        ).all()
        labels = list(queries.triage_labels(session))
    assert (state.status, state.verdict, state.violation) == ("closed", "hoax", True)
    assert [role for role, _ in follow_ups] == ["bawaslu", "polri"]
    assert len(labels) == 1 and labels[0][1] == 1  # the escalated hoax is still a training label
    assert _inbox(db, polri) == []


def test_analyst_inbox_is_the_label_queue(seeded: dict) -> None:
    db, actors, ids = seeded["db"], seeded["actors"], seeded["post_ids"]
    analyst = actors["analyst"]
    assert sorted(_inbox(db, analyst)) == sorted(ids)
    _apply(db, actors["kpu"], ids[0], "hoax")
    _apply(db, actors["kpu"], ids[1], "needs_check")
    assert ids[0] not in _inbox(db, analyst) and ids[1] in _inbox(db, analyst)


def test_verdicts_change_only_by_a_new_verdict(seeded: dict) -> None:
    db, kpu, post = seeded["db"], seeded["actors"]["kpu"], seeded["post_ids"][2]
    _apply(db, kpu, post, "not_hoax")
    _apply(db, kpu, post, "escalate_polri")
    with db.session() as session:
        state = triage.item_state(session, post)
        assert "escalate_polri" not in triage.allowed_actions(kpu, state)  # already held by Polri
        assert "hoax" in triage.allowed_actions(kpu, state)
    _apply(db, kpu, post, "hoax")
    with db.session() as session:
        state = triage.item_state(session, post)
    assert (state.status, state.verdict, state.holder) == ("escalated", "hoax", "polri")


def test_polri_never_reads_a_narrative_label_quoting_a_post_it_may_not_see(seeded: dict) -> None:
    db, actors, ids, narrative_id = seeded["db"], seeded["actors"], seeded["post_ids"], seeded["narrative_id"]
    secret = "Teks rahasia dari pos yang tidak pernah dieskalasi ke Polri"
    with db.session() as session:
        session.get(Narrative, narrative_id).label = secret
    _apply(db, actors["kpu"], ids[1], "escalate_polri")
    with db.session() as session:
        detail = triage.item_for(session, actors["polri"], ids[1])
        assert detail.narrative_label_hidden and detail.narrative_posts == []
        assert not triage.item_for(session, actors["kpu"], ids[1]).narrative_label_hidden
        own = " ".join(session.get(Post, ids[1]).text.split())
        session.get(Narrative, narrative_id).label = own
    with db.session() as session:
        assert not triage.item_for(session, actors["polri"], ids[1]).narrative_label_hidden


# -- migration 0007 -----------------------------------------------------------------------------------
@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def fresh_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database (migrations are run by the test, step by step)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'old.db'}"
        return
    reason = _pg_reachable()
    if reason:
        pytest.skip(reason)
    name = f"monitor_mig_{uuid.uuid4().hex[:10]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


OLD_ROWS = [
    # (native id, old status, old escalated_to, audit actions in order)
    ("a", "new", None, []),
    ("b", "hoax", None, ["take", "hoax"]),
    ("c", "escalated", "bawaslu", ["hoax", "escalate_bawaslu"]),
    ("d", "violation", "polri", ["not_hoax", "escalate_bawaslu", "violation", "escalate_polri"]),
    ("e", "closed", "polri", ["hoax", "escalate_polri", "follow_up", "close"]),
    ("f", "needs_check", None, ["needs_check"]),
    ("g", None, None, []),
]
EXPECTED = {
    "a": ("new", None, False, "kpu", None),
    "b": ("decided", "hoax", False, "kpu", None),
    "c": ("escalated", "hoax", False, "bawaslu", ["bawaslu"]),
    "d": ("escalated", "not_hoax", True, "polri", ["bawaslu", "polri"]),
    "e": ("closed", "hoax", False, "polri", ["polri"]),
    "f": ("in_review", "needs_check", False, "kpu", None),
    "g": (None, None, False, None, None),
}


def test_migration_0007_splits_old_statuses_and_recovers_verdicts_from_the_audit_log(fresh_url: str) -> None:
    db = Database(fresh_url)
    try:
        config = db._alembic_config()
        command.upgrade(config, "0003")
        with db.engine.begin() as connection:
            for n, (native, status, escalated_to, actions) in enumerate(OLD_ROWS, 1):
                connection.execute(
                    text(
                        "INSERT INTO posts (id, platform, native_id, text, created_at, collected_at, "
                        "last_seen_at, reach, text_hash, matched_terms, topics, candidates, flagged, "
                        "priority, triage_status, escalated_to, triage_version) VALUES (:id, 'x', :native, "
                        "'teks', :t, :t, :t, 0, 'h', '[]', '[]', '[]', :flagged, 0, :status, :esc, :v)"
                    ),
                    {
                        "id": n,
                        "native": native,
                        "t": "2024-02-10 03:00:00",
                        "flagged": status is not None,
                        "status": status,
                        "esc": escalated_to,
                        "v": len(actions),
                    },
                )
                for action in actions:
                    connection.execute(
                        text(
                            "INSERT INTO triage_events (post_id, actor, role, action, created_at) "
                            "VALUES (:p, 'kpu', 'kpu', :a, :t)"
                        ),
                        {"p": n, "a": action, "t": "2024-02-10 04:00:00"},
                    )
        command.upgrade(config, "0007")
        with db.session() as session:
            rows = session.execute(
                select(
                    Post.native_id,
                    Post.triage_status,
                    Post.verdict,
                    Post.violation,
                    Post.holder,
                    Post.escalation_chain,
                )
            ).all()
            events = session.scalar(select(func.count()).select_from(TriageEvent))
        assert {r[0]: tuple(r[1:]) for r in rows} == EXPECTED
        assert events == sum(len(r[3]) for r in OLD_ROWS)  # the audit log is untouched
        with db.session() as session:
            assert [r.id for r in queue.queue_page(session, queue.QueueFilter(holder="bawaslu")).rows] == [3]
    finally:
        db.dispose()

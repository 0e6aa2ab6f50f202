"""The triage state machine on SQLite and PostgreSQL: roles, transitions, lost-update guard, audit, queue."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select
from triage_seed import BASE_TIME, add_users, seed_queue

from monitor import auth, triage
from monitor.store import Database, audit, queue, trends
from monitor.store.schema import Post, TriageEvent

pytestmark = pytest.mark.usefixtures("cheap_hashes")


# What each role must NOT be able to do, at the service level (the page test repeats this in the UI).
FORBIDDEN = {
    "analyst": {
        "take",
        "needs_check",
        "escalate_bawaslu",
        "escalate_polri",
        "violation",
        "clarify",
        "follow_up",
    },
    "kpu": {"violation"},
    "bawaslu": {"escalate_bawaslu", "clarify"},
    "polri": {"take", "hoax", "not_hoax", "needs_check", "escalate_bawaslu", "escalate_polri", "violation"},
}


@pytest.fixture
def seeded(db: Database) -> dict:
    actors = add_users(db)
    return {"db": db, "actors": actors, **seed_queue(db, n=6, hostile=False)}


def _state(db: Database, post_id: int) -> triage.ItemState:
    with db.session() as session:
        return triage.item_state(session, post_id)


def _events(db: Database, post_id: int | None = None) -> list[TriageEvent]:
    with db.session() as session:
        query = select(TriageEvent).where(
            TriageEvent.action.not_like("auth.%"), TriageEvent.action != "user.add"
        )
        if post_id is not None:
            query = query.where(TriageEvent.post_id == post_id)
        return list(session.scalars(query.order_by(TriageEvent.id)))


def _apply(
    db: Database, actor: auth.Actor, post_id: int, action: str, note: str | None = None
) -> triage.Decision:
    with db.session() as session:
        version = triage.item_state(session, post_id).version
        return triage.apply(session, actor, post_id, action, expected_version=version, note=note)


def test_decision_writes_state_and_an_audit_event(seeded: dict) -> None:
    db, kpu, post = seeded["db"], seeded["actors"]["kpu"], seeded["post_ids"][0]
    assert _state(db, post).status == "new"
    took = _apply(db, kpu, post, "take")
    assert took.after.status == "in_review" and took.after.assigned_to == "kpu"
    decided = _apply(db, kpu, post, "hoax", note="sudah dibantah KPU")
    state = _state(db, post)
    assert (state.status, state.verdict, state.holder, state.version) == ("decided", "hoax", None, 2)
    events = _events(db, post)
    assert [e.action for e in events] == ["take", "hoax"]
    last = events[-1]
    assert last.actor == "kpu" and last.role == "kpu" and last.note == "sudah dibantah KPU"
    case = {"escalated_to": None, "violation": False, "holder": None, "chain": [], "assigned_to": "kpu"}
    assert last.before == {**case, "status": "in_review", "verdict": None, "version": 1}
    assert last.after == {**case, "status": "decided", "verdict": "hoax", "version": 2}
    assert last.created_at.tzinfo is not None and decided.event_id == last.id
    with db.session() as session:
        row = session.get(Post, post)
        assert row.decided_at is not None and row.decided_at >= row.flagged_at


@pytest.mark.parametrize("role", sorted(FORBIDDEN))
def test_each_role_is_refused_what_it_may_not_do(seeded: dict, role: str) -> None:
    db, actors, post = seeded["db"], seeded["actors"], seeded["post_ids"][1]
    # Put the item where every action is otherwise valid: escalated to Polri, so Polri may see it.
    _apply(db, actors["kpu"], post, "escalate_polri")
    before = _state(db, post)
    events_before = len(_events(db))
    for action in sorted(FORBIDDEN[role]):
        with pytest.raises(auth.PermissionDenied), db.session() as session:
            triage.apply(session, actors[role], post, action, expected_version=before.version, note="catatan")
        assert action not in triage.allowed_actions(actors[role], before)
    assert _state(db, post) == before
    assert len(_events(db)) == events_before


def test_polri_sees_and_acts_only_on_items_escalated_to_polri(seeded: dict) -> None:
    db, actors = seeded["db"], seeded["actors"]
    polri, kpu, bawaslu = actors["polri"], actors["kpu"], actors["bawaslu"]
    first, second, third = seeded["post_ids"][:3]
    with db.session() as session:
        assert triage.queue_for(session, polri, queue.QueueFilter()).rows == []
        with pytest.raises(triage.ItemNotFound):
            triage.item_for(session, polri, first)
    with pytest.raises(auth.PermissionDenied), db.session() as session:
        triage.apply(session, polri, first, "follow_up", expected_version=0, note="cek")
    _apply(db, kpu, first, "escalate_polri", note="dugaan pidana")
    _apply(db, bawaslu, second, "escalate_polri")
    _apply(db, kpu, third, "escalate_bawaslu")
    with db.session() as session:
        page = triage.queue_for(session, polri, queue.QueueFilter())
        assert {r.id for r in page.rows} == {first, second}
        assert triage.item_for(session, polri, first).post.id == first
    with pytest.raises(triage.NoteRequired):
        _apply(db, polri, first, "follow_up")
    _apply(db, polri, first, "follow_up", note="penyelidikan dimulai")
    _apply(db, polri, first, "close")
    assert _state(db, first).status == "closed"
    with pytest.raises(auth.PermissionDenied):  # closing what went to Bawaslu is not Polri's
        _apply(db, polri, third, "close")


def test_second_officer_is_told_the_item_changed_and_nothing_is_lost(seeded: dict) -> None:
    db, actors, post = seeded["db"], seeded["actors"], seeded["post_ids"][2]
    seen_by_kpu = _state(db, post)
    seen_by_bawaslu = _state(db, post)
    with db.session() as session:
        triage.apply(session, actors["kpu"], post, "hoax", expected_version=seen_by_kpu.version)
    with pytest.raises(triage.Conflict) as conflict, db.session() as session:
        triage.apply(session, actors["bawaslu"], post, "not_hoax", expected_version=seen_by_bawaslu.version)
    assert conflict.value.current.verdict == "hoax" and conflict.value.changed_by == "kpu"
    assert _state(db, post).verdict == "hoax"  # the first decision stands
    # The second officer looks again and decides with the version they now see.
    with db.session() as session:
        triage.apply(
            session, actors["bawaslu"], post, "violation", expected_version=conflict.value.current.version
        )
    assert [(e.actor, e.action) for e in _events(db, post)] == [("kpu", "hoax"), ("bawaslu", "violation")]
    assert _state(db, post).version == 2


def test_concurrent_writers_one_wins_one_conflicts(seeded: dict) -> None:
    """Two threads with their own connections race on the same version: exactly one update lands."""
    db, actors, post = seeded["db"], seeded["actors"], seeded["post_ids"][3]
    version = _state(db, post).version
    barrier = threading.Barrier(2)
    outcomes: dict[str, str] = {}

    def act(role: str, action: str) -> None:
        barrier.wait()
        try:
            with db.session() as session:
                triage.apply(session, actors[role], post, action, expected_version=version)
            outcomes[role] = "ok"
        except triage.Conflict:
            outcomes[role] = "conflict"

    threads = [threading.Thread(target=act, args=args) for args in (("kpu", "hoax"), ("bawaslu", "not_hoax"))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(outcomes.values()) == ["conflict", "ok"]
    winner = next(role for role, outcome in outcomes.items() if outcome == "ok")
    events = _events(db, post)
    assert [e.actor for e in events] == [winner]
    assert _state(db, post).version == version + 1


def test_invalid_transitions_and_notes(seeded: dict) -> None:
    db, kpu, post = seeded["db"], seeded["actors"]["kpu"], seeded["post_ids"][4]
    _apply(db, kpu, post, "hoax")
    with pytest.raises(triage.InvalidTransition):
        _apply(db, kpu, post, "hoax")
    with pytest.raises(triage.NoteRequired):
        _apply(db, kpu, post, "clarify", note="   ")
    _apply(db, kpu, post, "clarify", note="Klarifikasi: DPT tidak ganda, lihat cekdptonline.kpu.go.id")
    _apply(db, kpu, post, "close")
    with pytest.raises(triage.InvalidTransition):
        _apply(db, kpu, post, "not_hoax")
    with pytest.raises(triage.TriageError, match="tidak dikenal"):
        _apply(db, kpu, post, "delete")
    with pytest.raises(triage.TriageError, match="terlalu panjang"):
        _apply(db, kpu, post, "clarify", note="x" * 3000)
    with pytest.raises(triage.ItemNotFound), db.session() as session:
        triage.apply(session, kpu, 999_999, "hoax", expected_version=0)


def test_narrative_action_applies_to_its_posts(seeded: dict) -> None:
    db, actors, narrative = seeded["db"], seeded["actors"], seeded["narrative_id"]
    members = seeded["post_ids"][:3]
    _apply(db, actors["kpu"], members[0], "not_hoax")
    stale = {pid: _state(db, pid).version for pid in members}
    _apply(db, actors["bawaslu"], members[1], "take")
    with pytest.raises(triage.Conflict), db.session() as session:
        triage.apply_to_narrative(session, actors["kpu"], narrative, "hoax", expected_versions=stale)
    assert _state(db, members[2]).status == "new"  # nothing written by the refused narrative action
    with db.session() as session:
        fresh = {pid: triage.item_state(session, pid).version for pid in members}
        result = triage.apply_to_narrative(
            session, actors["kpu"], narrative, "hoax", note="narasi DPT ganda", expected_versions=fresh
        )
    assert sorted(d.post_id for d in result.applied) == sorted(members)
    assert all(_state(db, pid).verdict == "hoax" for pid in members)
    per_post = [e for e in _events(db) if e.action == "hoax"]
    assert {e.narrative_id for e in per_post} == {narrative}
    assert any(e.action == "narrative.hoax" for e in _events(db))
    with pytest.raises(auth.PermissionDenied), db.session() as session:
        triage.apply_to_narrative(session, actors["polri"], narrative, "hoax")


def test_queue_filters_order_and_pages(seeded: dict) -> None:
    db, kpu, ids = seeded["db"], seeded["actors"]["kpu"], seeded["post_ids"]
    with db.session() as session:
        everything = triage.queue_for(session, kpu, queue.QueueFilter(), page_size=4)
        assert everything.total == len(ids) and everything.pages == 2 and len(everything.rows) == 4
        priorities = [r.priority for r in everything.rows]
        assert priorities == sorted(priorities, reverse=True)
        # Evidence first: the three posts matching the debunk lead the queue, and their rows say so.
        assert [r.debunk_match for r in everything.rows[:3]] == [True, True, True]
        assert {r.id for r in everything.rows[:3]} == set(ids[:3])
        assert not any(r.debunk_match for r in everything.rows[3:])
        second = triage.queue_for(session, kpu, queue.QueueFilter(), page=2, page_size=4)
        assert {r.id for r in everything.rows}.isdisjoint({r.id for r in second.rows})
        sirekap = triage.queue_for(session, kpu, queue.QueueFilter(topic="sirekap"), page_size=1)
        assert sirekap.total is None and sirekap.has_more and sirekap.pages == 2
        sirekap = triage.queue_for(session, kpu, queue.QueueFilter(topic="sirekap"))
        assert not sirekap.has_more and sirekap.pages == 1
        assert sirekap.rows and all("sirekap" in r.topics for r in sirekap.rows)
        pair = triage.queue_for(session, kpu, queue.QueueFilter(candidate="02"))
        assert pair.rows and all("02" in r.candidates for r in pair.rows)
        telegram = triage.queue_for(session, kpu, queue.QueueFilter(platform="telegram"))
        assert telegram.rows and all(r.platform == "telegram" for r in telegram.rows)
        window = queue.QueueFilter(start=BASE_TIME + timedelta(hours=2), end=BASE_TIME + timedelta(hours=4))
        assert {r.id for r in triage.queue_for(session, kpu, window).rows} == {ids[1], ids[2]}
        assert triage.queue_for(session, kpu, queue.QueueFilter(source="lain")).rows == []
        assert queue.source_names(session) == ["demo"]
    _apply(db, kpu, ids[0], "hoax")
    with db.session() as session:
        hoaxes = triage.queue_for(session, kpu, queue.QueueFilter(verdict="hoax"))
        assert [r.id for r in hoaxes.rows] == [ids[0]] and hoaxes.rows[0].verdict == "hoax"
        assert queue.status_counts(session)["decided"] == 1
        detail = triage.item_for(session, kpu, ids[0])
        assert detail.claim is not None and detail.claim.key == "kh-001"
        assert detail.reasons and detail.narrative is not None
        assert {p.id for p in detail.narrative_posts} == {ids[1], ids[2]}
        assert [e.action for e in detail.events] == ["hoax"]


def test_audit_search(seeded: dict) -> None:
    db, actors, ids = seeded["db"], seeded["actors"], seeded["post_ids"]
    _apply(db, actors["kpu"], ids[0], "clarify", note="Klarifikasi resmi 100% benar_")
    _apply(db, actors["bawaslu"], ids[1], "violation")
    with db.session() as session:
        assert [e.post_id for e in audit.audit_page(session, audit.AuditFilter(text="resmi")).events] == [
            ids[0]
        ]
        assert audit.audit_page(session, audit.AuditFilter(text="100%")).total == 1
        assert audit.audit_page(session, audit.AuditFilter(text="_x")).total == 0  # wildcards are literal
        by_bawaslu = audit.audit_page(session, audit.AuditFilter(actor="bawaslu", action="violation"))
        assert [e.post_id for e in by_bawaslu.events] == [ids[1]]
        assert audit.audit_page(session, audit.AuditFilter(post_id=ids[1])).total == 1
        everything = audit.audit_page(session, audit.AuditFilter(), page_size=3)
        assert everything.total == session.scalar(select(func.count()).select_from(TriageEvent))
        ids_desc = [e.id for e in everything.events]
        assert ids_desc == sorted(ids_desc, reverse=True)
        assert "violation" in audit.audit_actions(session)


def test_trends_aggregate_in_wib(seeded: dict) -> None:
    db, actors, ids = seeded["db"], seeded["actors"], seeded["post_ids"]
    wib = ZoneInfo("Asia/Jakarta")
    _apply(db, actors["kpu"], ids[0], "hoax")
    start = datetime(2024, 2, 1, tzinfo=UTC)
    end = datetime.now(UTC) + timedelta(days=1)
    with db.session() as session:
        topics = trends.posts_per_day_by_topic(session, start, end, wib)
        assert sum(c.count for c in topics) == 6
        assert {c.key for c in topics} == {"sidalih", "sirekap"}
        # BASE_TIME is 03:00 UTC = 10:00 WIB on 10 Feb; post i is i hours later, all still that WIB day
        # until 17:00 UTC (00:00 WIB on the 11th).
        assert {c.day.isoformat() for c in topics} == {"2024-02-10"}
        share = trends.flagged_share_per_day(session, start, end, wib)
        assert share[0].total == 6 and share[0].flagged == 6 and share[0].share == 1.0
        confirmed = trends.confirmed_hoaxes_per_day(session, start, end, wib)
        assert sum(c.count for c in confirmed) == 1
        split = {p.platform: p.total for p in trends.platform_split(session, start, end)}
        assert split == {"x": 3, "telegram": 3}
        times = trends.response_times(session, start, end)
        assert [r.post_id for r in times] == [ids[0]] and times[0].hours >= 0
        assert trends.top_narratives(session, start, end)[0].id == seeded["narrative_id"]
        assert trends.label_counts(session) == {"hoax": 1, "not_hoax": 0}
        assert trends.latest_post_time(session) == BASE_TIME + timedelta(hours=6)

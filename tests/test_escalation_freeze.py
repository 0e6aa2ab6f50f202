"""An escalation freezes the evidence at once (issue 16), through the service the dashboard calls
(`monitor.operations.act`), on SQLite and PostgreSQL: the packet exists without the scheduler's
`evidence-pending` job; other actions freeze nothing; a failed freeze leaves the escalation standing and the
item pending for the job."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from evidence_support import (
    KPU,
    evidence_settings,
    page_server_fixture,  # noqa: F401 (a fixture)
    seeded_fixture,  # noqa: F401 (a fixture)
)
from sqlalchemy import select

from monitor import evidence, operations, triage
from monitor.store import Database
from monitor.store.schema import Post

JOIN_TIMEOUT = 120.0  # generous: the capture fetches a loopback page, under a loaded CPU


def _version(db: Database, post_id: int) -> int:
    with db.session() as session:
        return triage.item_state(session, post_id).version


def test_escalation_freezes_evidence_in_the_background(
    db: Database, seeded: list[int], tmp_path: Path
) -> None:
    cfg = evidence_settings(db, tmp_path / "evidence")
    post_id = seeded[0]
    outcome = operations.act(
        db, cfg, KPU, post_id, "escalate_bawaslu", expected_version=_version(db, post_id), note="segera"
    )
    # The escalation is committed before the freeze starts: another session already sees it.
    with db.session() as session:
        assert triage.item_state(session, post_id).holder == "bawaslu"
    assert outcome.escalated == [post_id] and outcome.freezing is not None
    outcome.freezing.join(JOIN_TIMEOUT)
    assert not outcome.freezing.is_alive()
    packets = evidence.packets_for(db, KPU, post_id)
    assert [(p.seq, p.trigger, p.frozen_by) for p in packets] == [(1, "escalation", "kpu")]
    assert evidence.pending_items(db) == []  # nothing left for the evidence-pending job
    assert evidence.verify_store(db, cfg).ok


def test_other_actions_freeze_nothing(db: Database, seeded: list[int], tmp_path: Path) -> None:
    cfg = evidence_settings(db, tmp_path / "evidence")
    post_id = seeded[1]
    outcome = operations.act(db, cfg, KPU, post_id, "hoax", expected_version=_version(db, post_id))
    assert outcome.freezing is None and outcome.escalated == []
    assert [d.after.verdict for d in outcome.decisions] == ["hoax"]
    assert evidence.packets_for(db, KPU, post_id) == []


def test_narrative_escalation_freezes_every_escalated_post(
    db: Database, seeded: list[int], tmp_path: Path
) -> None:
    cfg = evidence_settings(db, tmp_path / "evidence")
    with db.session() as session:
        members = dict(session.execute(select(Post.id, Post.narrative_id).where(Post.id.in_(seeded))).all())
    narrative_id = next(n for n in members.values() if n is not None)
    in_narrative = sorted(pid for pid, n in members.items() if n == narrative_id)
    outcome = operations.act(
        db,
        cfg,
        KPU,
        in_narrative[0],
        "escalate_polri",
        expected_version=_version(db, in_narrative[0]),
        narrative_id=narrative_id,
        freeze="wait",  # the CLI-style caller: frozen before act() returns
    )
    assert sorted(outcome.escalated) == in_narrative and outcome.freezing is None
    frozen = {pid: evidence.packets_for(db, KPU, pid) for pid in in_narrative}
    assert all(len(packets) == 1 for packets in frozen.values()), frozen
    assert evidence.pending_items(db) == []


def test_failed_freeze_keeps_the_escalation_and_leaves_it_pending(
    db: Database, seeded: list[int], tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("the evidence folder cannot be created under a file")
    cfg = evidence_settings(db, blocker / "evidence")
    post_id = seeded[2]
    with caplog.at_level(logging.WARNING):
        outcome = operations.act(
            db, cfg, KPU, post_id, "escalate_bawaslu", expected_version=_version(db, post_id)
        )
        assert outcome.freezing is not None
        outcome.freezing.join(JOIN_TIMEOUT)
    with db.session() as session:
        assert triage.item_state(session, post_id).holder == "bawaslu"
    assert evidence.pending_items(db) == [post_id]  # the scheduler's job will retry it
    assert any(str(post_id) in r.getMessage() and "fail" in r.getMessage() for r in caplog.records)
    # The job then catches up once the folder is usable.
    good = evidence_settings(db, tmp_path / "evidence")
    assert [p.post_id for p in evidence.freeze_pending(db, good)] == [post_id]


def test_refused_action_writes_nothing_and_freezes_nothing(
    db: Database, seeded: list[int], tmp_path: Path
) -> None:
    cfg = evidence_settings(db, tmp_path / "evidence")
    post_id = seeded[3]
    stale = _version(db, post_id) - 1
    with pytest.raises(triage.Conflict):
        operations.act(db, cfg, KPU, post_id, "escalate_bawaslu", expected_version=stale)
    assert evidence.pending_items(db) == [] and evidence.packets_for(db, KPU, post_id) == []

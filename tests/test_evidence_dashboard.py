"""The evidence panel of the item view under Streamlit's AppTest: who sees it, freezing from the page, the
pending-escalation notice and the case-file download."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from evidence_support import PAGE_HTML, point_post_at
from httpserver import RecordedServer
from sqlalchemy import select
from streamlit.testing.v1 import AppTest
from triage_seed import CHEAP_HASHER, add_users, seed_queue

from monitor import auth, triage
from monitor.store import Database
from monitor.store.schema import EvidencePacket, TriageEvent

APP = Path(__file__).resolve().parent.parent / "dashboards" / "app.py"
REPO = APP.parent.parent
TIMEOUT = 120


@pytest.fixture
def panel_env(sqlite_db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    with RecordedServer() as server:
        server.route("/status/1", body=PAGE_HTML, content_type="text/html; charset=utf-8")
        monkeypatch.setattr(auth, "_hasher", CHEAP_HASHER)
        add_users(sqlite_db)
        ids = seed_queue(sqlite_db, n=3, hostile=False)["post_ids"]
        point_post_at(sqlite_db, ids[0], f"{server.url}/status/1")
        monkeypatch.setenv("MONITOR_DATABASE_URL", sqlite_db.url)
        monkeypatch.setenv("MONITOR_HOME", str(REPO))
        monkeypatch.setenv("MONITOR_EVIDENCE__FOLDER", str(tmp_path / "evidence"))
        monkeypatch.setenv("MONITOR_EVIDENCE__SCREENSHOT", "false")
        monkeypatch.setenv("MONITOR_EVIDENCE__ALLOW_PRIVATE_HOSTS", "true")
        monkeypatch.delenv("MONITOR_CONFIG", raising=False)
        yield {"db": sqlite_db, "ids": ids}


def _item(role: str, post_id: int) -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT)
    at.session_state["auth"] = auth.LoginSession(auth.Actor(role, role))
    at.query_params["item"] = str(post_id)
    return at.run()


def _downloads(at: AppTest) -> list:
    return [e for e in at.get("download_button")]


def test_officer_freezes_from_the_item_and_can_download(panel_env: dict) -> None:
    db, post_id = panel_env["db"], panel_env["ids"][0]
    at = _item("kpu", post_id)
    assert not at.exception
    assert any(m.value == "**Bukti digital**" for m in at.markdown)
    assert "Belum ada paket bukti untuk item ini." in [t.value for t in at.text]
    assert not _downloads(at)  # nothing to download before a freeze
    at.button(key=f"evidence_freeze_{post_id}").click().run()
    assert not at.exception
    notices = [w.value for w in at.warning] + [s.value for s in at.success]
    assert any(f"Bukti item #{post_id} dibekukan sebagai paket #1" in n for n in notices), notices
    assert len(at.dataframe) >= 1 and _downloads(at)
    with db.session() as session:
        packet = session.scalar(select(EvidencePacket))
        freeze_events = session.scalars(
            select(TriageEvent.actor).where(TriageEvent.action == "evidence.freeze")
        )
        assert packet.post_id == post_id and packet.actor == "kpu" and list(freeze_events) == ["kpu"]


def test_analyst_sees_no_evidence_controls(panel_env: dict) -> None:
    at = _item("analyst", panel_env["ids"][0])
    assert not at.exception
    assert not any(b.key and b.key.startswith("evidence_") for b in at.button)
    assert not any(m.value == "**Bukti digital**" for m in at.markdown)


def test_escalated_item_without_packet_says_so(panel_env: dict) -> None:
    db, post_id = panel_env["db"], panel_env["ids"][0]
    with db.session() as session:
        triage.apply(session, auth.Actor("kpu", "kpu"), post_id, "escalate_polri", expected_version=0)
    at = _item("polri", post_id)
    assert not at.exception
    assert any("belum dibekukan" in w.value for w in at.warning)
    at.button(key=f"evidence_freeze_{post_id}").click().run()
    assert not any("belum dibekukan" in w.value for w in at.warning)
    # Polri may not freeze what was not escalated to it: no panel on that item.
    other = _item("polri", panel_env["ids"][1])
    assert not any(b.key and b.key.startswith("evidence_") for b in other.button)


def test_escalating_from_the_item_freezes_the_evidence_at_once(panel_env: dict) -> None:
    """The action button's callback escalates, returns, and the packet follows without the pending job."""
    db, post_id = panel_env["db"], panel_env["ids"][0]
    at = _item("kpu", post_id)
    at.button(key=f"act_escalate_bawaslu_{post_id}").click().run()
    assert not at.exception
    assert any(f"#{post_id}" in s.value for s in at.success), [s.value for s in at.success]
    deadline = time.monotonic() + TIMEOUT  # the freeze runs in a background thread: poll for its packet
    packet = None
    while packet is None and time.monotonic() < deadline:
        with db.session() as session:
            packet = session.scalar(select(EvidencePacket).where(EvidencePacket.post_id == post_id))
        if packet is None:
            time.sleep(0.2)
    assert packet is not None, "no evidence packet after the escalation"
    assert packet.actor == "kpu"
    again = _item("kpu", post_id)  # the item no longer says the evidence is pending
    assert not any("belum dibekukan" in w.value for w in again.warning)

"""Citizens' tips in the dashboard's queue: platform `tipline`, ranked by demand, "Ditanya N warga" shown."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest
from test_tipline_core import WordModel
from triage_seed import CHEAP_HASHER, add_users, seed_queue

from monitor import auth
from monitor.store import Database
from monitor.tipline import Incoming, TipKeys, Tipline, TiplineConfig, demand_counts, tip_priority

APP = Path(__file__).resolve().parent.parent / "dashboards" / "app.py"
T0 = datetime(2024, 2, 12, 3, 0, tzinfo=UTC)


def test_tips_show_in_the_queue_with_their_demand(
    sqlite_db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(auth, "_hasher", CHEAP_HASHER)
    add_users(sqlite_db)
    seed_queue(sqlite_db, n=4)
    tipline = Tipline(sqlite_db, TiplineConfig(), TipKeys("k" * 40), WordModel(), now=lambda: T0)
    text = "Kabar kotak suara TPS 03 dibuka semalam oleh orang tak dikenal"
    tipline.handle([Incoming("telegram", str(chat), "1", text, T0) for chat in (11, 12, 13)])
    monkeypatch.setenv("MONITOR_DATABASE_URL", sqlite_db.url)
    monkeypatch.setenv("MONITOR_HOME", str(APP.parent.parent))
    monkeypatch.delenv("MONITOR_CONFIG", raising=False)

    at = AppTest.from_file(str(APP), default_timeout=120)
    at.session_state["auth"] = auth.LoginSession(auth.Actor("kpu", "kpu"))
    at.run()
    assert not at.exception
    table = at.dataframe[0].value
    tips = table[table["Platform"] == "tipline"]
    assert list(tips["Akun"]) == ["Ditanya 3 warga"]
    [post_id] = list(tips["ID"])
    assert demand_counts(sqlite_db, [post_id]) == {post_id: 3}
    # Ranked by demand: the floor (someone asked) one step up per doubling of askers.
    shown = str(tips["Prioritas"].iloc[0]).replace(".", "").replace(",", ".")  # id-ID: 1,29
    assert float(shown) == pytest.approx(tip_priority(0.1, 3, 0.5), abs=0.01)

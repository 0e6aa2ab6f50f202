"""Per-target health, the one on/off switch, rate-limit holds, crashed runs and the queue's own-voice rule.

Every test runs on SQLite and PostgreSQL against a real loopback server.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest
import yaml
from httpserver import RecordedServer, serve
from sqlalchemy import select

from monitor import scheduler, triage
from monitor.collection import (
    SWITCHED_OFF,
    close_crashed_runs,
    collect_all,
    collect_source,
    set_source_enabled,
    source_enabled,
)
from monitor.config import Settings, SourceConfig, load_settings
from monitor.pipeline import Pipeline
from monitor.records import RawPost
from monitor.store import Database, queries
from monitor.store.schema import IngestRun, Post
from monitor.store.sources import start_run, target_health

REPO = Path(__file__).resolve().parent.parent
RECORDED = Path(__file__).parent / "fixtures" / "recorded"
CHANNEL = "infopemilu_kalbar"
TG_PATH = f"/s/{CHANNEL}"
FAST = {"requests_per_minute": None, "backoff_base": 0.01, "backoff_max": 0.02, "timeout": 2, "retries": 1}


@pytest.fixture
def server() -> Iterator[RecordedServer]:
    with serve(RECORDED) as srv:
        srv.route(TG_PATH, file="telegram/latest.html")
        srv.route(TG_PATH, file="telegram/before_211.html", query={"before": "211"})
        srv.route(TG_PATH, file="telegram/before_206.html", query={"before": "206"})
        yield srv


def telegram(
    server: RecordedServer, channels: list[str], *, name: str = "tg", **options: object
) -> SourceConfig:
    return SourceConfig(
        name=name, type="telegram", options={"base_url": server.url, "channels": channels, **FAST, **options}
    )


def settings_with(tmp_path: Path, db: Database, sources: list[SourceConfig]) -> Settings:
    path = tmp_path / "sources.yml"
    path.write_text(yaml.safe_dump({"sources": [s.model_dump() for s in sources]}), encoding="utf-8")
    return load_settings(
        REPO / "config" / "monitor.toml", database_url=db.url, home=REPO, paths={"sources_file": str(path)}
    )


def test_health_lists_each_target_ok_failing_or_never(
    server: RecordedServer, db: Database, settings: Settings
) -> None:
    source = telegram(server, ["nosuchchannel", CHANNEL])
    result = collect_source(db, settings, source)
    assert not result.ok and result.items == 15
    assert result.error.startswith("1 of 2 targets failing: nosuchchannel:") and "404" in result.error
    with db.session() as session:
        health = {h.target: h for h in target_health(session, "tg")}
    assert health[CHANNEL].state == "ok" and health[CHANNEL].posts_total == 15
    assert health["nosuchchannel"].state == "failing" and "404" in health["nosuchchannel"].last_error
    assert health["nosuchchannel"].last_success_at is None and health[CHANNEL].last_success_at is not None
    # A target added later shows as never run until its first run.
    with db.session() as session:
        from monitor.collectors.base import TargetReport
        from monitor.store.sources import record_target_reports

        record_target_reports(session, "tg", [TargetReport("kpu_ri")])
        states = {h.target: h.state for h in target_health(session, "tg")}
    assert states == {CHANNEL: "ok", "nosuchchannel": "failing", "kpu_ri": "never"}


def test_a_rate_limited_target_waits_for_its_retry_after(
    server: RecordedServer, db: Database, settings: Settings
) -> None:
    server.fault(TG_PATH, "429", retry_after=3600, times=None)
    source = telegram(server, [CHANNEL], max_retry_after=1)
    first = collect_source(db, settings, source)
    assert not first.ok and first.targets[0].kind == "rate_limited"
    with db.session() as session:
        (health,) = target_health(session, "tg")
    assert health.retry_at is not None
    assert timedelta(minutes=55) < health.retry_at - datetime.now(UTC) <= timedelta(hours=1)
    hits = server.hits(TG_PATH)
    second = collect_source(db, settings, source)
    assert server.hits(TG_PATH) == hits  # held back: not even asked
    assert second.ok and second.targets[0].held.startswith("rate limited until")


def test_the_switch_is_honoured_by_collect_and_by_the_scheduler_job(
    server: RecordedServer, db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = telegram(server, [CHANNEL])
    cfg = settings_with(tmp_path, db, [source])
    with db.session() as session:
        assert source_enabled(session, source) is True
        set_source_enabled(session, "tg", False)  # what the Sumber page does
    skipped = collect_all(db, cfg)
    assert [(r.source, r.skipped) for r in skipped] == [("tg", SWITCHED_OFF)]
    assert collect_all(db, cfg, only="tg")[0].skipped == SWITCHED_OFF  # naming it is not enough
    monkeypatch.setattr(scheduler, "_CONTEXT", scheduler.SchedulerContext(cfg, db, threading.Event()))
    scheduler.run_source_job("tg")
    assert server.hits(TG_PATH) == 0
    with db.session() as session:
        assert session.scalar(select(IngestRun.id)) is None  # no run at all
    forced = collect_all(db, cfg, force=True)
    assert forced[0].ok and forced[0].items == 15
    with db.session() as session:
        set_source_enabled(session, "tg", True)
    server.route(TG_PATH, file="telegram/latest_v2.html")
    scheduler.run_source_job("tg")
    with db.session() as session:
        assert len(list(session.scalars(select(IngestRun.id)))) == 2


def test_config_is_the_default_and_a_later_edit_of_it_still_counts(db: Database) -> None:
    on = SourceConfig(name="src", type="feed", enabled=True)
    off = SourceConfig(name="src", type="feed", enabled=False)
    with db.session() as session:
        assert source_enabled(session, off) is False  # a new source starts as the file says
        assert source_enabled(session, off) is False
        set_source_enabled(session, "src", True)  # the page switches it on: the page wins
        assert source_enabled(session, off) is True
        assert source_enabled(session, on) is True  # the file is edited to on: still on
        set_source_enabled(session, "src", False)
        assert source_enabled(session, on) is False  # the page's later change wins
        assert source_enabled(session, off) is False
        assert source_enabled(session, on) is True  # and the file's later change too


def test_runs_left_open_by_a_killed_process_are_closed_as_crashed(
    server: RecordedServer, db: Database, tmp_path: Path
) -> None:
    cfg = settings_with(tmp_path, db, [telegram(server, [CHANNEL])])
    with db.session() as session:
        open_run = start_run(session, "tg")
        other = start_run(session, "import:laporan.csv")  # not a collection run: left alone
    assert close_crashed_runs(db, cfg) == [open_run]
    with db.session() as session:
        run = session.get(IngestRun, open_run)
        assert run.finished_at is not None and run.error.startswith("crashed:")
        assert session.get(IngestRun, other).finished_at is None
    assert close_crashed_runs(db, cfg) == []


def test_fact_checks_and_official_posts_never_enter_the_queue(db: Database, settings: Settings) -> None:
    text = "Hoaks surat suara sudah dicoblos di gudang KPU, Bawaslu minta warga waspada pemilu"
    at = datetime(2024, 2, 14, tzinfo=UTC)
    posts = [
        RawPost(platform="telegram", native_id="warga/1", text=text, created_at=at),
        RawPost(
            platform="telegram",
            native_id="kpu_ri/1",
            text=text,
            created_at=at,
            raw={"source_kind": "official"},
        ),
        RawPost(
            platform="factcheck", native_id="https://cek.example/1", text="[SALAH] " + text, created_at=at
        ),
    ]
    Pipeline(db, settings).ingest(posts, source="test")
    with db.session() as session:
        ids = {native: pid for pid, native in session.execute(select(Post.id, Post.native_id))}
        triage.record_scores(
            session,
            "v-test",
            [
                {"post_id": pid, "score": 0.99, "flagged": True, "reasons": [], "reach": 10}
                for pid in ids.values()
            ],
        )
    with db.session() as session:
        status = dict(session.execute(select(Post.native_id, Post.triage_status)).all())
    assert status == {"warga/1": "new", "kpu_ri/1": None, "https://cek.example/1": None}


def test_posts_of_configured_official_accounts_never_enter_the_queue(
    db: Database, settings: Settings
) -> None:
    """An imported file or a public channel carries no `official: true` source flag; the handles in
    `[narratives] official_accounts` keep the election bodies' own posts out of the queue all the same."""
    text = "Pemilih yang belum terdaftar dapat menggunakan KTP-el di TPS sesuai alamat, pukul 12.00-13.00"
    at = datetime(2024, 2, 14, tzinfo=UTC)
    posts = [
        RawPost(platform="x", native_id=native, text=text, created_at=at, author_handle=handle)
        for native, handle in (("1", "KPU_Sekadau"), ("2", "@bawaslu_sekadau"), ("3", "kpu_sekadau_asli"))
    ]
    Pipeline(db, settings).ingest(posts, source="file")
    official = ["kpu_sekadau", "@Bawaslu_Sekadau"]
    with db.session() as session:
        ids = dict(session.execute(select(Post.native_id, Post.id)).all())
        flagged = [
            {"post_id": pid, "score": 0.9, "flagged": True, "reasons": [], "reach": 10}
            for pid in ids.values()
        ]
        triage.record_scores(session, "v1", flagged)  # before the accounts were configured: queued
        assert set(session.scalars(select(Post.triage_status))) == {"new"}
        triage.record_scores(session, "v2", flagged, official_accounts=official)
    with db.session() as session:
        status = dict(session.execute(select(Post.native_id, Post.triage_status)).all())
    # The handle must match exactly (case and "@" aside): a look-alike account stays in the queue.
    assert status == {"1": None, "2": None, "3": "new"}


def test_a_news_outlet_item_needs_a_confirmed_debunk_match() -> None:
    state = SimpleNamespace(
        triage_status=None, flagged_at=None, platform="news", raw={}, priority=0.0, author_handle="detik"
    )
    now = datetime(2024, 2, 14, tzinfo=UTC)
    for status, queued in ((None, False), ("suggested", False), ("confirmed", True)):
        place = triage.queue_placement(
            state, flagged=True, score=0.9, reach=1000, now=now, claim_status=status
        )
        assert (place["triage_status"] == "new") is queued, status


def test_the_queue_puts_evidence_before_wording() -> None:
    """A post matching a known debunk comes before one flagged on its wording alone at the same reach, even
    with a lower score; reach still weighs."""
    confirmed = triage.priority_of(0.65, 100, "confirmed")
    suggested = triage.priority_of(0.65, 100, "suggested")
    wording = triage.priority_of(0.99, 100, None)
    assert confirmed > suggested > wording
    assert triage.priority_of(0.99, 100, "unknown-status") == wording
    assert triage.priority_of(0.99, 1_000_000, None) > confirmed  # a far-reaching post still comes first


def test_only_false_fact_checks_are_matched_as_debunks(db: Database, settings: Settings) -> None:
    from monitor.claims import claims_for_model, load_claim_base

    at = datetime(2024, 2, 19, tzinfo=UTC)
    items = {
        "https://cek.example/benar": ("benar", "KPU Perpanjang Masa Tanggapan Masyarakat atas DCT"),
        "https://cek.example/salah": ("salah", "Sirekap Tambah 800 Suara untuk Paslon 03"),
        "https://cek.example/klarifikasi": ("klarifikasi", "Jadwal rekapitulasi suara di Sekadau"),
    }
    posts = [
        RawPost(
            platform="factcheck",
            native_id=url,
            text=claim,
            created_at=at,
            url=url,
            raw={"source_kind": "factcheck", "known_claim": {"claim": claim, "verdict": verdict}},
        )
        for url, (verdict, claim) in items.items()
    ]
    Pipeline(db, settings).ingest(posts, source="cek")
    with db.session() as session:
        stored = {row.key: row.verdict for row in queries.known_claims(session)}
    matchable = [claim.id for claim in claims_for_model(object(), load_claim_base(settings, db))]
    assert {key: stored[key] for key in items} == {url: verdict for url, (verdict, _) in items.items()}
    assert "https://cek.example/salah" in matchable
    assert "https://cek.example/benar" not in matchable and "https://cek.example/klarifikasi" not in matchable

"""Collection service: collectors through the real pipeline into SQLite and PostgreSQL, health recorded."""

from __future__ import annotations

import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from httpserver import RecordedServer, Reply, Request, serve
from sqlalchemy import func, select

from monitor.collection import SWITCHED_OFF, collect_all, collect_source
from monitor.collectors.telegram import TelegramCollector
from monitor.config import Settings, SourceConfig, load_settings
from monitor.pipeline import Pipeline
from monitor.store import Database, queries
from monitor.store.schema import IngestRun, KnownClaim, Post

REPO = Path(__file__).resolve().parent.parent
RECORDED = Path(__file__).parent / "fixtures" / "recorded"
CHANNEL = "infopemilu_kalbar"
META = {"title": "Info Pemilu Kalbar 🗳️", "subscribers": 12_800}
TG_PATH = f"/s/{CHANNEL}"
FAST = {"requests_per_minute": None, "backoff_base": 0.01, "backoff_max": 0.02, "timeout": 2, "retries": 1}


@pytest.fixture
def server() -> Iterator[RecordedServer]:
    with serve(RECORDED) as srv:
        srv.route(TG_PATH, file="telegram/latest.html")
        srv.route(TG_PATH, file="telegram/before_211.html", query={"before": "211"})
        srv.route(TG_PATH, file="telegram/before_206.html", query={"before": "206"})
        srv.route("/feed/", file="feeds/turnbackhoax_feed.xml", content_type="application/rss+xml")
        srv.route("/api/v1/timelines/tag/pemilu", file="mastodon/tag_pemilu_page1.json")
        yield srv


def telegram_source(server: RecordedServer, name: str = "tg") -> SourceConfig:
    return SourceConfig(
        name=name, type="telegram", options={"base_url": server.url, "channels": [CHANNEL], **FAST}
    )


def count_posts(db: Database, platform: str) -> int:
    with db.session() as session:
        return session.scalar(select(func.count()).select_from(Post).where(Post.platform == platform)) or 0


def source_row(db: Database, name: str):  # noqa: ANN201
    with db.session() as session:
        return queries.get_source(session, name)


def relevant_telegram_ids(server: RecordedServer, settings: Settings, db: Database) -> set[str]:
    pipeline = Pipeline(db, settings)
    posts = TelegramCollector.from_config("x", telegram_source(server).options).fetch(None)
    return {p.native_id for p in posts if pipeline.prepare(p, None) is not None}


def test_a_source_runs_into_the_store_and_health(
    server: RecordedServer, db: Database, settings: Settings
) -> None:
    expected = relevant_telegram_ids(server, settings, db)
    assert 8 <= len(expected) < 15  # media-only and chatty posts are not election-relevant
    result = collect_source(db, settings, telegram_source(server))
    assert result.ok and result.items == 15 and result.stats.read == 15
    assert result.stats.new == len(expected)
    with db.session() as session:
        stored = set(session.scalars(select(Post.native_id).where(Post.platform == "telegram")))
        run = session.get(IngestRun, result.run_id)
        assert (run.read, run.new, run.error) == (15, len(expected), None) and run.finished_at is not None
    assert stored == expected
    row = source_row(db, "tg")
    assert row.cursor["channels"][CHANNEL]["done"] == 215
    assert row.last_success_at is not None and row.consecutive_failures == 0 and row.items_last_run == 15
    again = collect_source(db, settings, telegram_source(server))
    assert again.ok and again.items == 0 and count_posts(db, "telegram") == len(expected)


def test_a_fault_is_recorded_and_the_next_run_continues(
    server: RecordedServer, db: Database, settings: Settings
) -> None:
    expected = relevant_telegram_ids(server, settings, db)
    server.requests.clear()
    server.fault(TG_PATH, "status", status=500, times=None, query={"before": "206"})
    failed = collect_source(db, settings, telegram_source(server))
    assert not failed.ok and "HTTP 500" in failed.error and failed.items == 10
    row = source_row(db, "tg")
    assert row.consecutive_failures == 1 and "HTTP 500" in row.last_error and row.last_success_at is None
    assert row.items_last_run == 10
    # What came before the fault was committed with a cursor covering exactly it.
    assert row.cursor["channels"][CHANNEL] == {"done": None, "top": 215, "low": 206, "extra": META}
    stored_early = count_posts(db, "telegram")
    assert stored_early > 0
    with db.session() as session:
        assert "HTTP 500" in session.get(IngestRun, failed.run_id).error
    assert not collect_source(db, settings, telegram_source(server)).ok
    assert source_row(db, "tg").consecutive_failures == 2
    server.clear_faults()
    server.requests.clear()
    healed = collect_source(db, settings, telegram_source(server))
    assert healed.ok and healed.items == 5  # only the missing page
    assert [r.param("before") for r in server.requests] == ["206", None]
    row = source_row(db, "tg")
    assert (
        row.consecutive_failures == 0
        and row.last_success_at is not None
        and row.cursor["channels"][CHANNEL]["done"] == 215
    )
    with db.session() as session:
        stored = set(session.scalars(select(Post.native_id).where(Post.platform == "telegram")))
    assert stored == expected  # no loss, no duplicates


def test_factcheck_feed_fills_known_claims(server: RecordedServer, db: Database, settings: Settings) -> None:
    source = SourceConfig(
        name="tbh",
        type="feed",
        options={
            "base_url": server.url,
            "feeds": ["/feed/"],
            "kind": "factcheck",
            "publisher": "TurnBackHoax",
            **FAST,
        },
    )
    result = collect_source(db, settings, source)
    assert result.ok and result.stats.claims == 4
    with db.session() as session:
        claims = {
            c.claim: c for c in session.scalars(select(KnownClaim).where(KnownClaim.source == "TurnBackHoax"))
        }
    assert "Tinta Pemilu 2024 Mengandung Babi" in claims
    assert claims["Tinta Pemilu 2024 Mengandung Babi"].verdict == "disinformasi"
    # The scam item is a claim but not an election post.
    assert count_posts(db, "factcheck") == 3
    assert collect_source(db, settings, source).stats.claims == 0


def test_stop_request_commits_the_batch_in_hand(
    server: RecordedServer, db: Database, settings: Settings
) -> None:
    stop = threading.Event()
    page = (RECORDED / "telegram" / "latest.html").read_bytes()

    def first_page_then_signal(_request: Request) -> Reply:
        stop.set()  # as SIGTERM would, while the first page is in flight
        return Reply(body=page, content_type="text/html; charset=utf-8")

    server.route(TG_PATH, handler=first_page_then_signal)
    result = collect_source(db, settings, telegram_source(server), stop_event=stop)
    assert result.ok and result.interrupted and result.items == 1
    assert source_row(db, "tg").cursor["channels"][CHANNEL] == {
        "done": None,
        "top": 215,
        "low": 215,
        "extra": META,
    }
    server.route(TG_PATH, file="telegram/latest.html")
    rest = collect_source(db, settings, telegram_source(server))
    assert rest.items == 14


def test_one_failing_source_never_stops_the_others(
    server: RecordedServer, db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("NO_SUCH_X_TOKEN", raising=False)
    server.fault("/api/v1/timelines/tag/pemilu", "status", status=503, times=None)
    sources = {
        "sources": [
            {
                "name": "masto",
                "type": "mastodon",
                "options": {"base_url": server.url, "hashtags": ["pemilu"], **FAST},
            },
            {"name": "broken", "type": "telegram", "options": {"channels": ["ok_name"], "retries": "many"}},
            {
                "name": "x-search",
                "type": "x",
                "options": {"queries": ["pemilu"], "bearer_token_env": "NO_SUCH_X_TOKEN"},
            },
            {"name": "off", "type": "telegram", "enabled": False, "options": {"channels": ["whatever"]}},
            {
                "name": "tg",
                "type": "telegram",
                "options": {"base_url": server.url, "channels": [CHANNEL], **FAST},
            },
        ]
    }
    path = tmp_path / "sources.yml"
    path.write_text(yaml.safe_dump(sources), encoding="utf-8")
    cfg = load_settings(
        REPO / "config" / "monitor.toml", database_url=db.url, home=REPO, paths={"sources_file": str(path)}
    )
    results = {r.source: r for r in collect_all(db, cfg)}
    assert set(results) == {"masto", "broken", "x-search", "off", "tg"}
    assert results["off"].skipped == SWITCHED_OFF and results["off"].run_id is None
    assert not results["masto"].ok and "503" in results["masto"].error
    assert not results["broken"].ok and "options.retries" in results["broken"].error
    assert results["x-search"].skipped and "NO_SUCH_X_TOKEN" in results["x-search"].skipped
    assert results["tg"].ok and results["tg"].items == 15
    assert source_row(db, "masto").consecutive_failures == 1
    assert "options.retries" in source_row(db, "broken").last_error
    assert source_row(db, "x-search").last_run_at is None  # skipped sources are not run at all
    named = collect_all(db, cfg, only="x-search")
    assert not named[0].ok and "NO_SUCH_X_TOKEN" in named[0].error


def test_inbox_files_move_only_after_their_commit(db: Database, settings: Settings, tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    shutil.copy(RECORDED / "inbox" / "wa_forward_export.jsonl", inbox)
    source = SourceConfig(name="inbox", type="inbox", options={"path": str(inbox)})
    result = collect_source(db, settings, source)
    assert result.ok and result.stats.read == 3 and result.stats.rejected == 1
    assert (inbox / "done" / "wa_forward_export.jsonl").is_file()
    assert count_posts(db, "whatsapp") == result.stats.relevant >= 2
    assert collect_source(db, settings, source).items == 0

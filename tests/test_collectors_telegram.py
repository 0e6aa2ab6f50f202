"""Telegram channel previews through snscrape, served from recorded t.me/s pages on 127.0.0.1."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from collecting import strict
from httpserver import RecordedServer, serve

from monitor.collectors.base import LoginWall, RateLimited, SourceUnavailable, UnexpectedContent
from monitor.collectors.telegram import TelegramCollector, parse_count

RECORDED = Path(__file__).parent / "fixtures" / "recorded" / "telegram"
CHANNEL = "infopemilu_kalbar"
PATH = f"/s/{CHANNEL}"
FAST = {"requests_per_minute": None, "backoff_base": 0.01, "backoff_max": 0.02, "timeout": 2, "retries": 2}


@pytest.fixture
def server() -> Iterator[RecordedServer]:
    with serve(RECORDED) as srv:
        srv.route(PATH, file="latest.html")
        srv.route(PATH, file="before_211.html", query={"before": "211"})
        srv.route(PATH, file="before_206.html", query={"before": "206"})
        yield srv


def collector(server: RecordedServer, **options: object) -> TelegramCollector:
    return TelegramCollector.from_config(
        "tg", {"base_url": server.url, "channels": [CHANNEL], **FAST, **options}
    )


def ids(posts: list) -> list[int]:
    return [p.raw["message_id"] for p in posts]


def test_parse_count() -> None:
    assert parse_count("845") == 845
    assert parse_count("1.2K") == 1200
    assert parse_count("1.3M") == 1_300_000
    assert parse_count("") is None
    assert parse_count("abc") is None


def test_backfill_walks_every_page_through_snscrape(server: RecordedServer) -> None:
    tg = collector(server)
    posts = list(tg.fetch(None))
    assert ids(posts) == list(range(215, 200, -1))
    # Requests went to the local server although snscrape addresses https://t.me.
    assert [r.query.get("before", [None])[0] for r in server.requests] == [None, "211", "206"]
    by_id = {p.raw["message_id"]: p for p in posts}
    first = by_id[201]
    assert first.native_id == f"{CHANNEL}/201"
    assert first.url == f"https://t.me/{CHANNEL}/201"
    assert first.views == 845
    assert first.author_handle == CHANNEL and first.author_followers == 12_800
    assert first.author_name == "Info Pemilu Kalbar 🗳️"
    assert first.text.splitlines()[1] == "📅 Senin, 22 Januari 2024"  # <br> kept as a line break
    assert first.created_at.isoformat() == "2024-01-20T01:15:00+00:00"
    assert by_id[211].views == 25_000 and "🗳️😊" in by_id[211].text
    assert by_id[204].author_name == "Admin Humas"  # signed post
    assert by_id[206].raw["forwarded_from"] == "KPU RI"
    preview = by_id[210].raw["link_preview"]
    assert preview["title"] == "[SALAH] Tinta Pemilu Mengandung Babi"
    assert preview["href"].startswith("https://turnbackhoax.id/")
    assert by_id[202].raw["outlinks"] == ["https://cekdptonline.kpu.go.id/"]
    # Media-only posts: no text, the media kind is kept.
    assert by_id[203].text == "" and by_id[203].raw["media"] == ["photo"]
    assert by_id[208].text == "" and by_id[208].raw["media"] == ["video"]
    assert tg.checkpoint() == {"channels": {CHANNEL: {"done": 215, "top": None, "low": None, "extra": META}}}


META = {"title": "Info Pemilu Kalbar 🗳️", "subscribers": 12_800}


def test_next_run_fetches_only_new_posts(server: RecordedServer) -> None:
    cursor = {"channels": {CHANNEL: {"done": 215, "top": None, "low": None}}}
    server.route(PATH, file="latest_v2.html")
    server.route(PATH, file="before_214.html", query={"before": "214"})
    tg = collector(server)
    assert ids(list(tg.fetch(cursor))) == [218, 217, 216]
    assert server.hits(PATH) == 1  # stopped at the first known post, no deeper page
    assert tg.checkpoint()["channels"][CHANNEL]["done"] == 218
    assert list(collector(server).fetch(tg.checkpoint())) == []


def test_page_budget_leaves_the_pass_open_and_the_next_run_fills_the_gap(server: RecordedServer) -> None:
    first = collector(server, max_pages=1)
    assert ids(list(first.fetch(None))) == [215, 214, 213, 212, 211]
    cursor = first.checkpoint()
    assert cursor["channels"][CHANNEL] == {"done": None, "top": 215, "low": 211, "extra": META}
    second = collector(server)
    assert ids(list(second.fetch(cursor))) == list(range(210, 200, -1))
    assert second.checkpoint()["channels"][CHANNEL]["done"] == 215


def test_since_limits_the_first_backfill(server: RecordedServer) -> None:
    tg = collector(server, since="2024-02-01")
    assert ids(list(tg.fetch(None))) == list(range(215, 205, -1))
    assert tg.checkpoint()["channels"][CHANNEL]["done"] == 215


def test_checkpoint_mid_stream_covers_exactly_what_was_yielded(server: RecordedServer) -> None:
    tg = collector(server)
    stream = tg.fetch(None)
    taken = [next(stream) for _ in range(7)]
    cursor = tg.checkpoint()
    assert cursor["channels"][CHANNEL] == {"done": None, "top": 215, "low": 209, "extra": META}
    rest = list(collector(server).fetch(cursor))
    assert sorted(ids(taken) + ids(rest)) == list(range(201, 216))


def test_transient_500_is_retried(server: RecordedServer) -> None:
    server.fault(PATH, "status", status=502, times=2, query={"before": "211"})
    posts = list(collector(server).fetch(None))
    assert len(posts) == 15
    assert server.hits(PATH) == 5


def test_persistent_500_raises_after_the_posts_before_it(server: RecordedServer) -> None:
    server.fault(PATH, "status", status=500, times=None, query={"before": "211"})
    tg = collector(server)
    got = []
    with pytest.raises(SourceUnavailable, match="HTTP 500"):
        strict(tg, None, into=got)
    assert ids(got) == [215, 214, 213, 212, 211]
    server.clear_faults()
    rest = list(collector(server).fetch(tg.checkpoint()))
    assert ids(rest) == list(range(210, 200, -1))


def test_timeout_is_a_typed_error(server: RecordedServer) -> None:
    server.fault(PATH, "timeout", seconds=1.5, times=None)
    with pytest.raises(SourceUnavailable, match="timed out"):
        strict(collector(server, timeout=0.3, retries=1))


def test_429_waits_for_retry_after(server: RecordedServer) -> None:
    server.fault(PATH, "429", retry_after=1, query={"before": "206"})
    started = time.monotonic()
    assert len(list(collector(server).fetch(None))) == 15
    assert time.monotonic() - started >= 0.95


def test_429_with_a_long_retry_after_is_rate_limited(server: RecordedServer) -> None:
    server.fault(PATH, "429", retry_after=3600, times=None)
    with pytest.raises(RateLimited) as caught:
        strict(collector(server))
    assert caught.value.retry_after == 3600


def test_truncated_page(server: RecordedServer) -> None:
    server.fault(PATH, "truncate", times=None)
    with pytest.raises(UnexpectedContent, match="truncated"):
        strict(collector(server))


def test_truncated_page_without_length_is_caught_by_its_missing_end(server: RecordedServer) -> None:
    html = (RECORDED / "latest.html").read_text(encoding="utf-8")
    server.route(PATH, body=html[: len(html) // 2], content_type="text/html; charset=utf-8")
    with pytest.raises(UnexpectedContent, match="truncated page"):
        strict(collector(server))


def test_login_wall(server: RecordedServer) -> None:
    server.fault(PATH, "login_wall")
    with pytest.raises(LoginWall):
        strict(collector(server))


def test_unknown_html_is_unexpected_content(server: RecordedServer) -> None:
    server.fault(PATH, "html")
    with pytest.raises(UnexpectedContent, match="not a Telegram channel preview"):
        strict(collector(server))


def test_channel_without_public_preview_redirects(server: RecordedServer) -> None:
    server.route("/s/private_chan", status=302, headers={"Location": f"{server.url}/private_chan"})
    server.route("/private_chan", body="<html><body>tgme_page</body></html>", content_type="text/html")
    tg = TelegramCollector.from_config("tg", {"base_url": server.url, "channels": ["private_chan"], **FAST})
    with pytest.raises(LoginWall, match="no public web preview"):
        strict(tg)


def test_bad_channel_name_is_a_config_error() -> None:
    from monitor.collectors.base import SourceConfigError

    with pytest.raises(SourceConfigError, match=r"options\.channels.*not a public channel"):
        TelegramCollector.from_config("tg", {"channels": ["no spaces allowed"]}, origin="config/sources.yml")


def test_snscrape_import_is_quiet_even_with_deprecations_as_errors() -> None:
    """snscrape 0.7 warns on import (importlib find_module, attributed to the stdlib, so the pyproject
    filter on snscrape.* would not catch it); the collector imports it inside its own warning guard."""
    import subprocess
    import sys

    code = (
        "from monitor.collectors.telegram import _scraper_class; print(_scraper_class().__mro__[1].__name__)"
    )
    done = subprocess.run(
        [sys.executable, "-W", "error::DeprecationWarning", "-c", code], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "TelegramChannelScraper"

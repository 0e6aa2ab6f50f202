"""One target at a time: a failing channel, hashtag or feed never silences the others of its source.

Also what each collector keeps per target (channel info across pages and resumes, the page budget per run)
and the pure `map_item` of every collector, fed straight from recorded pages.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from httpserver import RecordedServer, serve

from monitor.collectors.feeds import FeedCollector
from monitor.collectors.http import DEFAULT_USER_AGENT
from monitor.collectors.mastodon import MastodonCollector
from monitor.collectors.telegram import TelegramCollector, page_items
from monitor.collectors.x import XCollector
from monitor.collectors.youtube import YouTubeCollector

RECORDED = Path(__file__).parent / "fixtures" / "recorded"
FAST = {"requests_per_minute": None, "backoff_base": 0.01, "backoff_max": 0.02, "timeout": 2, "retries": 1}
CHANNEL = "infopemilu_kalbar"
PATH = f"/s/{CHANNEL}"


def _strip_channel_header(html: str) -> str:
    """A page as t.me serves it to the 'load older' request: messages without the channel header."""
    start = html.index('<div class="tgme_channel_info"')
    end = html.index("tgme_channel_history")
    end = html.rindex("<", 0, end)
    return html[:start] + html[end:]


@pytest.fixture
def server() -> Iterator[RecordedServer]:
    with serve(RECORDED) as srv:
        srv.route(PATH, file="telegram/latest.html")
        srv.route(PATH, file="telegram/before_211.html", query={"before": "211"})
        srv.route(PATH, file="telegram/before_206.html", query={"before": "206"})
        yield srv


def telegram(server: RecordedServer, channels: list[str], **options: object) -> TelegramCollector:
    return TelegramCollector.from_config(
        "tg", {"base_url": server.url, "channels": channels, **FAST, **options}
    )


# -- one failing target --------------------------------------------------------------------------------------
def test_a_missing_channel_does_not_stop_the_next(server: RecordedServer) -> None:
    tg = telegram(server, ["nosuchchannel", CHANNEL])
    posts = list(tg.fetch(None))
    assert len(posts) == 15 and {p.author_handle for p in posts} == {CHANNEL}
    missing, good = tg.reports["nosuchchannel"], tg.reports[CHANNEL]
    assert missing.ok is False and missing.kind == "unavailable" and "404" in (missing.error or "")
    assert good.ok is True and good.items == 15 and good.error is None
    # Each channel keeps its own cursor: the good one is done, the missing one never started.
    assert tg.checkpoint()["channels"][CHANNEL]["done"] == 215
    assert "nosuchchannel" not in tg.checkpoint()["channels"]


def test_a_failing_hashtag_does_not_stop_the_account() -> None:
    with serve(RECORDED / "mastodon") as srv:
        srv.route("/api/v2/instance/", file="instance_v2.json")
        srv.fault("/api/v1/timelines/tag/pemilu", "status", status=503, times=None)
        srv.route("/api/v1/accounts/lookup", file="account_lookup_kpu.json")
        srv.route("/api/v1/accounts/109000000000000002/statuses", file="account_kpu_statuses.json")
        m = MastodonCollector.from_config(
            "m", {"base_url": srv.url, "hashtags": ["pemilu"], "accounts": ["kpu"], **FAST}
        )
        posts = list(m.fetch(None))
    recorded = json.loads((RECORDED / "mastodon" / "account_kpu_statuses.json").read_text(encoding="utf-8"))
    assert [p.native_id for p in posts] == [MastodonCollector.map_item(s).native_id for s in recorded]
    assert m.reports["tag:pemilu"].ok is False and "503" in (m.reports["tag:pemilu"].error or "")
    assert m.reports["account:kpu"].ok is True and m.reports["account:kpu"].items == len(posts)


def test_a_broken_feed_does_not_stop_the_next() -> None:
    with serve(RECORDED / "feeds") as srv:
        srv.route("/feed/", file="turnbackhoax_feed.xml", content_type="application/rss+xml")
        srv.fault("/old/", "login_wall", times=None)
        fc = FeedCollector.from_config(
            "tbh",
            {
                "base_url": srv.url,
                "feeds": ["/old/", "/feed/"],
                "kind": "factcheck",
                "publisher": "TBH",
                **FAST,
            },
        )
        posts = list(fc.fetch(None))
    assert len(posts) == 4
    assert fc.reports["/old/"].kind == "login_wall" and fc.reports["/feed/"].items == 4


def test_a_held_target_is_skipped_and_says_why(server: RecordedServer) -> None:
    tg = telegram(server, [CHANNEL])
    tg.hold = {CHANNEL: "rate limited until 10:00 WIB"}
    assert list(tg.fetch(None)) == []
    assert tg.reports[CHANNEL].ok is None and tg.reports[CHANNEL].held == "rate limited until 10:00 WIB"
    assert server.hits(PATH) == 0


# -- Telegram: channel info, page budget, User-Agent ---------------------------------------------------------
def test_channel_info_survives_pages_and_resumes_without_the_header(server: RecordedServer) -> None:
    for name in ("before_211.html", "before_206.html"):
        html = (RECORDED / "telegram" / name).read_text(encoding="utf-8")
        query = {"before": name.removeprefix("before_").removesuffix(".html")}
        server.route(PATH, body=_strip_channel_header(html), content_type="text/html", query=query)
    first = telegram(server, [CHANNEL], max_pages=1)
    assert len(list(first.fetch(None))) == 5
    resumed = telegram(server, [CHANNEL])
    rest = list(resumed.fetch(first.checkpoint()))
    assert len(rest) == 10
    assert {(p.author_followers, p.raw["channel_title"]) for p in rest} == {(12_800, "Info Pemilu Kalbar 🗳️")}


def test_max_pages_counts_every_page_of_the_run(server: RecordedServer) -> None:
    first = telegram(server, [CHANNEL], max_pages=1)
    list(first.fetch(None))  # leaves a pass open below 211
    server.route(PATH, file="telegram/latest_v2.html")
    server.requests.clear()
    second = telegram(server, [CHANNEL], max_pages=2)
    list(second.fetch(first.checkpoint()))
    assert server.hits(PATH) == 2  # the resumed pass and the new pass share the run's two pages


def test_telegram_requests_carry_the_project_user_agent(server: RecordedServer) -> None:
    list(telegram(server, [CHANNEL]).fetch(None))
    assert {r.headers.get("User-Agent") for r in server.requests} == {DEFAULT_USER_AGENT}


# -- map_item straight from recorded pages -------------------------------------------------------------------
def test_telegram_map_item_from_a_recorded_page() -> None:
    html = (RECORDED / "telegram" / "latest.html").read_text(encoding="utf-8")
    items = page_items(html, CHANNEL)
    posts = [TelegramCollector.map_item(item) for item in items]
    assert [p.raw["message_id"] for p in posts] == list(range(215, 210, -1))
    assert posts[0].author_followers == 12_800 and posts[0].lang == "id"


def test_mastodon_map_item_from_recorded_json() -> None:
    statuses = json.loads((RECORDED / "mastodon" / "tag_pemilu_page1.json").read_text(encoding="utf-8"))
    posts = [MastodonCollector.map_item(status) for status in statuses]
    assert all(p.platform == "mastodon" and p.native_id.startswith("https://") for p in posts)


def test_x_map_item_from_recorded_json() -> None:
    page = json.loads((RECORDED / "x" / "search_page1.json").read_text(encoding="utf-8"))
    users = {u["id"]: u for u in page["includes"]["users"]}
    media = {m["media_key"]: m for m in page["includes"].get("media", [])}
    posts = [
        XCollector.map_item({"tweet": t, "users": users, "media": media, "query": "q"}) for t in page["data"]
    ]
    assert posts and all(p.author_handle for p in posts)


def test_youtube_map_item_from_recorded_json() -> None:
    page = json.loads((RECORDED / "youtube" / "comments_page1.json").read_text(encoding="utf-8"))
    posts = [YouTubeCollector.map_item(thread) for thread in page["items"]]
    assert posts and all(p.platform == "youtube" and p.raw["video_id"] for p in posts)

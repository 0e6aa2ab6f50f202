"""YouTube Data API v3 commentThreads against the documented JSON shape, served on 127.0.0.1."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from collecting import strict
from httpserver import RecordedServer, serve

from monitor.collectors.base import CredentialsMissing, CredentialsRejected, RateLimited, UnexpectedContent
from monitor.collectors.youtube import YouTubeCollector

RECORDED = Path(__file__).parent / "fixtures" / "recorded" / "youtube"
THREADS = "/youtube/v3/commentThreads"
VIDEO = "dQw4w9WgXcQ"
FAST = {"requests_per_minute": None, "backoff_base": 0.01, "backoff_max": 0.02, "timeout": 2, "retries": 1}
KEY_ENV = "TEST_YOUTUBE_KEY"


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch) -> Iterator[RecordedServer]:
    monkeypatch.setenv(KEY_ENV, "AIza-test-key")
    with serve(RECORDED) as srv:
        srv.route(THREADS, file="comments_page1.json")
        srv.route(THREADS, file="comments_page2.json", query={"pageToken": "QURTSl9pMlQ5T0"})
        yield srv


def collector(server: RecordedServer, **options: object) -> YouTubeCollector:
    opts = {
        "base_url": server.url,
        "videos": [f"https://www.youtube.com/watch?v={VIDEO}"],
        "api_key_env": KEY_ENV,
    }
    return YouTubeCollector.from_config("yt", {**opts, **FAST, **options})


def authors(posts: list) -> list[str]:
    return [p.author_handle for p in posts]


def test_comment_threads_newest_first_across_pages(server: RecordedServer) -> None:
    yt = collector(server)
    posts = list(yt.fetch(None))
    assert authors(posts) == ["@sitiaminah", "@anakborneo", "@nenek_ros", "@dedi_sungaiayak", "@yohanes_nt"]
    assert server.requests[0].param("key") == "AIza-test-key" and server.requests[0].param("order") == "time"
    assert posts[1].likes == 45 and posts[1].replies == 31 and "😡😡" in posts[1].text
    assert posts[-1].text == "Semoga pemilu damai.\nSalam dari Nanga Taman!"
    assert posts[0].url.startswith(f"https://www.youtube.com/watch?v={VIDEO}&lc=")
    assert yt.checkpoint()["videos"][VIDEO]["done"].startswith("2024-02-14T13:05:00Z|")


def test_next_run_only_new_comments(server: RecordedServer) -> None:
    yt = collector(server)
    list(yt.fetch(None))
    server.route(THREADS, file="comments_new.json")
    server.route(THREADS, file="comments_page1.json", query={"pageToken": "TOKEN2"})
    newer = collector(server)
    assert authors(list(newer.fetch(yt.checkpoint()))) == ["@sitiaminah", "@warga_sekadau"]
    assert newer.checkpoint()["videos"][VIDEO]["done"].startswith("2024-02-15T02:00:00Z|")


def test_interrupted_pass_skips_what_it_already_has(server: RecordedServer) -> None:
    first = collector(server, max_pages=1)
    assert len(list(first.fetch(None))) == 3
    rest = list(collector(server).fetch(first.checkpoint()))
    assert authors(rest) == ["@dedi_sungaiayak", "@yohanes_nt"]


def test_key_errors(server: RecordedServer, monkeypatch: pytest.MonkeyPatch) -> None:
    server.route(THREADS, file="error_key_invalid.json", status=400)
    with pytest.raises(CredentialsRejected, match="API key not valid"):
        strict(collector(server))
    server.route(THREADS, file="error_quota.json", status=403)
    with pytest.raises(RateLimited, match="quotaExceeded"):
        strict(collector(server))
    monkeypatch.delenv(KEY_ENV)
    with pytest.raises(CredentialsMissing, match=KEY_ENV):
        strict(collector(server))


def test_comments_disabled_skips_the_video(server: RecordedServer) -> None:
    server.route(THREADS, file="error_comments_disabled.json", status=403, query={"videoId": "AAAAAAAAAAA"})
    yt = collector(server, videos=["AAAAAAAAAAA", VIDEO])
    assert len(list(yt.fetch(None))) == 5


def test_bad_json(server: RecordedServer) -> None:
    server.fault(THREADS, "bad_json")
    with pytest.raises(UnexpectedContent, match="JSON"):
        strict(collector(server))

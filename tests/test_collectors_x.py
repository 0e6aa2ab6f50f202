"""X API v2 recent search against the documented JSON shape, served on 127.0.0.1."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from collecting import strict
from httpserver import RecordedServer, serve

from monitor.collectors.base import CredentialsMissing, CredentialsRejected, RateLimited, UnexpectedContent
from monitor.collectors.x import XCollector

RECORDED = Path(__file__).parent / "fixtures" / "recorded" / "x"
SEARCH = "/2/tweets/search/recent"
BASE = 1757000000000000000
FAST = {"requests_per_minute": None, "backoff_base": 0.01, "backoff_max": 0.02, "timeout": 2, "retries": 1}
TOKEN_ENV = "TEST_X_BEARER"


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch) -> Iterator[RecordedServer]:
    monkeypatch.setenv(TOKEN_ENV, "AAAA-test-token")
    with serve(RECORDED) as srv:
        srv.route(SEARCH, file="search_page1.json")
        srv.route(
            SEARCH,
            file="search_page2.json",
            query={"next_token": "b26v89c19zqg8o3fr5qdpvd3nnc7ifxbl2oo7guxf8gj1"},
        )
        yield srv


def collector(server: RecordedServer, **options: object) -> XCollector:
    opts = {"base_url": server.url, "queries": ["sirekap lang:id"], "bearer_token_env": TOKEN_ENV, **FAST}
    return XCollector.from_config("x", {**opts, **options})


def test_search_pages_with_next_token(server: RecordedServer) -> None:
    x = collector(server)
    posts = list(x.fetch(None))
    assert [int(p.native_id) - BASE for p in posts] == [5, 4, 3, 2, 1]
    first = server.requests[0]
    assert first.headers["Authorization"] == "Bearer AAAA-test-token"
    assert first.param("query") == "sirekap lang:id" and first.param("max_results") == "100"
    top = posts[0]
    assert top.url == f"https://x.com/wargasekadau/status/{BASE + 5}"
    assert (top.likes, top.shares, top.replies, top.views) == (812, 440, 97, 120345)
    assert top.author_followers == 2310 and "😤" in top.text
    assert top.raw["hashtags"] == ["Sirekap", "Pemilu2024"]
    media_only = posts[2]
    assert media_only.raw["media"] == [{"type": "photo", "url": "https://pbs.twimg.com/media/GGabc.jpg"}]
    assert x.checkpoint()["queries"]["sirekap lang:id"]["done"] == BASE + 5


def test_next_run_uses_since_id(server: RecordedServer) -> None:
    server.route(SEARCH, file="search_new.json")
    cursor = {"queries": {"sirekap lang:id": {"done": BASE + 5}}}
    x = collector(server)
    assert [int(p.native_id) - BASE for p in x.fetch(cursor)] == [7, 6]
    assert server.requests[-1].param("since_id") == str(BASE + 5)
    server.route(SEARCH, file="search_empty.json")
    assert list(collector(server).fetch(x.checkpoint())) == []


def test_interrupted_pass_resumes_with_until_id(server: RecordedServer) -> None:
    first = collector(server, max_pages=1)
    assert len(list(first.fetch(None))) == 3
    cursor = first.checkpoint()
    server.route(SEARCH, file="search_page2.json", query={"until_id": str(BASE + 3)})
    rest = list(collector(server).fetch(cursor))
    assert [int(p.native_id) - BASE for p in rest][:2] == [2, 1]
    assert any(r.param("until_id") == str(BASE + 3) for r in server.requests)


def test_missing_and_rejected_token(server: RecordedServer, monkeypatch: pytest.MonkeyPatch) -> None:
    server.route(SEARCH, file="unauthorized.json", status=401)
    with pytest.raises(CredentialsRejected, match=f"{TOKEN_ENV}.*401"):
        strict(collector(server))
    monkeypatch.delenv(TOKEN_ENV)
    x = collector(server)
    assert TOKEN_ENV in (x.missing_credentials() or "")
    with pytest.raises(CredentialsMissing, match=TOKEN_ENV):
        strict(x)


def test_429_with_rate_limit_reset_header(server: RecordedServer) -> None:
    server.route(
        SEARCH,
        status=429,
        body='{"title":"Too Many Requests"}',
        content_type="application/json",
        headers={"x-rate-limit-reset": "4102444800"},
    )
    with pytest.raises(RateLimited) as caught:
        strict(collector(server))
    assert caught.value.retry_after is not None and caught.value.retry_after > 3600


@pytest.mark.parametrize("fault", ["bad_json", "html", "truncate"])
def test_bad_bodies(server: RecordedServer, fault: str) -> None:
    server.fault(SEARCH, fault, times=None)
    with pytest.raises(UnexpectedContent):
        strict(collector(server))

"""The HTTP session's bounds: a total deadline per request, a body size cap, close-delimited truncation.

Every case runs against a real server on 127.0.0.1 (tests/httpserver.py) that drips, never ends or hangs
up half way, the way the faults were seen in the field.
"""

from __future__ import annotations

import time
import tracemalloc
from collections.abc import Iterator

import pytest
from httpserver import RecordedServer, serve

from monitor.collectors.base import DeadlineExceeded, ResponseTooLarge, UnexpectedContent
from monitor.collectors.http import DEFAULT_USER_AGENT, HttpOptions, HttpSession

PAGE = "<!DOCTYPE html><html><body>" + "<p>rekapitulasi suara TPS 12</p>" * 40 + "</body></html>\n"
FAST = {"requests_per_minute": None, "backoff_base": 0.01, "backoff_max": 0.02, "retries": 2}


@pytest.fixture
def server() -> Iterator[RecordedServer]:
    with serve() as srv:
        srv.route("/page", body=PAGE, content_type="text/html; charset=utf-8")
        srv.route("/data", body='{"items": [1, 2, 3]}', content_type="application/json")
        yield srv


def session(server: RecordedServer, **options: object) -> HttpSession:
    return HttpSession(HttpOptions.model_validate({"base_url": server.url, **FAST, **options}))


def test_a_dripping_body_is_stopped_at_the_deadline_and_not_retried(server: RecordedServer) -> None:
    # Headers at once, then one byte a second: the whole page would take about len(PAGE) seconds.
    server.fault("/page", "drip", seconds=1.0, times=None)
    http = session(server, timeout=5, deadline=2)
    started = time.monotonic()
    with pytest.raises(DeadlineExceeded, match=r"within the 2s deadline") as caught:
        http.get(server.url + "/page")
    elapsed = time.monotonic() - started
    assert caught.value.kind == "deadline"
    assert server.hits("/page") == 1  # a dripping server is not given every retry
    assert elapsed < len(PAGE) / 4  # far from the minutes the whole drip would take


def test_an_endless_body_stops_at_the_size_cap_with_bounded_memory(server: RecordedServer) -> None:
    server.fault("/page", "endless", times=None)
    http = session(server, timeout=5, deadline=120, max_bytes=2_000_000)
    tracemalloc.start()
    try:
        with pytest.raises(ResponseTooLarge, match="cap of 2,000,000 bytes"):
            http.get(server.url + "/page")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 8_000_000  # the cap plus a chunk and bookkeeping, not the stream
    assert server.hits("/page") == 1


def test_an_announced_length_over_the_cap_is_refused_before_reading(server: RecordedServer) -> None:
    server.route("/big", body=b"x" * 300_000, content_type="application/octet-stream")
    http = session(server, max_bytes=100_000)
    with pytest.raises(ResponseTooLarge, match="announces 300,000 bytes"):
        http.get(server.url + "/big")


def test_a_body_cut_without_content_length_is_retried(server: RecordedServer) -> None:
    server.fault("/page", "cut", times=1)
    server.fault("/data", "cut", times=1)
    http = session(server)
    page = http.get(server.url + "/page")
    assert page.text == PAGE
    assert http.get(server.url + "/data").json() == {"items": [1, 2, 3]}
    assert server.hits("/page") == 2 and server.hits("/data") == 2


def test_a_body_always_cut_ends_as_a_typed_truncation(server: RecordedServer) -> None:
    server.fault("/page", "cut", times=None)
    http = session(server, retries=1)
    with pytest.raises(UnexpectedContent, match="truncated response"):
        http.get(server.url + "/page")
    assert server.hits("/page") == 2


def test_every_request_carries_the_polite_user_agent_even_when_a_library_sets_its_own(
    server: RecordedServer,
) -> None:
    http = session(server)
    http.get(server.url + "/page", headers={"User-Agent": "Mozilla/5.0 (a browser a library pretends to be)"})
    custom = session(server, user_agent="kpu-sekadau-monitor/1 (+mailto:tim@example.id)")
    custom.get(server.url + "/data", headers={"User-Agent": "Mozilla/5.0"})
    agents = [r.headers.get("User-Agent") for r in server.requests]
    assert agents == [DEFAULT_USER_AGENT, "kpu-sekadau-monitor/1 (+mailto:tim@example.id)"]

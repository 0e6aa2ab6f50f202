"""Mastodon hashtag and account timelines through Mastodon.py against recorded 4.x JSON on 127.0.0.1."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from collecting import strict
from httpserver import RecordedServer, serve

from monitor.collectors.base import (
    CredentialsMissing,
    CredentialsRejected,
    LoginWall,
    RateLimited,
    SourceConfigError,
    SourceUnavailable,
    UnexpectedContent,
)
from monitor.collectors.markup import html_to_text
from monitor.collectors.mastodon import MastodonCollector

RECORDED = Path(__file__).parent / "fixtures" / "recorded" / "mastodon"
TAG = "/api/v1/timelines/tag/pemilu"
BASE = 111900000000000000
FAST = {"requests_per_minute": None, "backoff_base": 0.01, "backoff_max": 0.02, "timeout": 2, "retries": 2}


def link(max_id: int, min_id: int) -> str:
    url = "https://sosial.example.id/api/v1/timelines/tag/pemilu"
    return f'<{url}?max_id={max_id}>; rel="next", <{url}?min_id={min_id}>; rel="prev"'


@pytest.fixture
def server() -> Iterator[RecordedServer]:
    with serve(RECORDED) as srv:
        srv.route("/api/v2/instance/", file="instance_v2.json")
        srv.route(TAG, file="tag_pemilu_page1.json", headers={"Link": link(BASE + 104, BASE + 107)})
        srv.route(TAG, file="tag_pemilu_page2.json", query={"max_id": str(BASE + 104)})
        srv.route("/api/v1/accounts/lookup", file="account_lookup_kpu.json")
        srv.route("/api/v1/accounts/109000000000000002/statuses", file="account_kpu_statuses.json")
        yield srv


def collector(server: RecordedServer, **options: object) -> MastodonCollector:
    opts = {"base_url": server.url, "hashtags": ["pemilu"], **FAST, **options}
    return MastodonCollector.from_config("m", opts)


def short_ids(posts: list) -> list[int]:
    return [int(p.raw["status_id"]) - BASE for p in posts]


def test_html_to_text() -> None:
    assert html_to_text("<p>Satu<br />dua &amp; tiga</p><p>Empat 🗳️</p>") == "Satu\ndua & tiga\nEmpat 🗳️"


def test_hashtag_timeline_follows_the_link_header(server: RecordedServer) -> None:
    m = collector(server)
    posts = list(m.fetch(None))
    assert short_ids(posts) == [107, 106, 105, 104, 103, 102, 101]
    tag_requests = [r for r in server.requests if r.path == TAG]
    assert [r.param("max_id") for r in tag_requests] == [None, str(BASE + 104)]
    assert all("election-monitor" in r.headers["User-Agent"] for r in tag_requests)
    by_id = dict(zip(short_ids(posts), posts, strict=True))
    first = by_id[107]
    assert first.platform == "mastodon"
    assert first.native_id == f"https://sosial.example.id/users/rina_pontianak/statuses/{BASE + 107}"
    assert (
        first.text
        == "Di TPS 08 Sungai Ringin antrean panjang tapi tertib 👍🗳️\nSemangat KPPS! #pemilu #Pemilu2024"
    )
    assert (first.likes, first.shares, first.replies) == (14, 3, 2)
    assert first.author_handle == "rina_pontianak" and first.author_followers == 310
    assert first.author_name == "Rina 🌺 Pontianak" and first.lang == "id"
    assert by_id[105].text == "" and by_id[105].raw["media"][0]["type"] == "image"  # media-only
    assert by_id[104].raw["card"]["url"].startswith("https://turnbackhoax.id/")
    assert by_id[104].text.startswith('[HOAKS] Pesan berantai "pemilih wajib memotret surat suara"')
    assert by_id[102].text.startswith("Pertanyaan soal DPT\n\n")  # content warning kept
    assert m.checkpoint() == {
        "timelines": {"tag:pemilu": {"done": BASE + 107, "top": None, "low": None, "extra": {}}}
    }


def test_next_run_asks_since_the_last_status(server: RecordedServer) -> None:
    cursor = {"timelines": {"tag:pemilu": {"done": BASE + 107}}}
    server.route(TAG, file="tag_pemilu_page1_v2.json", headers={"Link": link(BASE + 104, BASE + 110)})
    m = collector(server)
    assert short_ids(list(m.fetch(cursor))) == [110, 109, 108]
    assert [r.param("since_id") for r in server.requests if r.path == TAG] == [str(BASE + 107)]
    assert m.checkpoint()["timelines"]["tag:pemilu"]["done"] == BASE + 110


def test_page_budget_then_resume_below_the_lowest(server: RecordedServer) -> None:
    first = collector(server, max_pages=1)
    assert short_ids(list(first.fetch(None))) == [107, 106, 105, 104]
    cursor = first.checkpoint()
    assert cursor["timelines"]["tag:pemilu"]["low"] == BASE + 104
    second = collector(server)
    assert short_ids(list(second.fetch(cursor))) == [103, 102, 101]
    assert second.checkpoint()["timelines"]["tag:pemilu"]["done"] == BASE + 107


def test_account_timeline_maps_boosts_to_the_original(server: RecordedServer) -> None:
    m = MastodonCollector.from_config("m", {"base_url": server.url, "accounts": ["@infokpu_sekadau"], **FAST})
    posts = list(m.fetch(None))
    assert [p.raw["reblog_of"] for p in posts] == [None, str(BASE + 104), None]
    assert posts[1].native_id.endswith(f"/cekfakta_warga/statuses/{BASE + 104}")
    assert posts[1].raw["boosted_by"] == "infokpu_sekadau"
    state = m.checkpoint()["timelines"]["account:infokpu_sekadau"]
    assert state["done"] == BASE + 110 and state["extra"]["account_id"] == "109000000000000002"


def test_429_retry_after_is_honoured(server: RecordedServer) -> None:
    server.fault(TAG, "429", retry_after=1)
    started = time.monotonic()
    assert len(list(collector(server).fetch(None))) == 7
    assert time.monotonic() - started >= 0.95


def test_long_429_is_rate_limited(server: RecordedServer) -> None:
    server.fault(TAG, "429", retry_after=900, times=None)
    with pytest.raises(RateLimited):
        strict(collector(server))


def test_500_after_retries(server: RecordedServer) -> None:
    server.fault(TAG, "status", status=503, times=None, query={"max_id": str(BASE + 104)})
    m = collector(server)
    got = []
    with pytest.raises(SourceUnavailable, match="HTTP 503"):
        strict(m, None, into=got)
    assert short_ids(got) == [107, 106, 105, 104]
    server.clear_faults()
    assert short_ids(list(collector(server).fetch(m.checkpoint()))) == [103, 102, 101]


@pytest.mark.parametrize(
    ("fault", "error", "message"),
    [
        ("bad_json", UnexpectedContent, "invalid or truncated JSON"),
        ("html", UnexpectedContent, "HTML came back"),
        ("login_wall", LoginWall, "login page"),
        ("truncate", UnexpectedContent, "truncated"),
    ],
)
def test_content_faults_are_typed(server: RecordedServer, fault: str, error: type, message: str) -> None:
    server.fault(TAG, fault, times=None)
    with pytest.raises(error, match=message):
        strict(collector(server))


def test_timeout(server: RecordedServer) -> None:
    server.fault(TAG, "timeout", seconds=1.0, times=None)
    with pytest.raises(SourceUnavailable, match="timed out|Read timed out"):
        strict(collector(server, timeout=0.3, retries=0))


def test_rejected_and_missing_token(server: RecordedServer, monkeypatch: pytest.MonkeyPatch) -> None:
    server.route(
        TAG, status=401, body='{"error":"The access token is invalid"}', content_type="application/json"
    )
    monkeypatch.setenv("TEST_MASTODON_TOKEN", "wrong")
    with pytest.raises(CredentialsRejected, match="401"):
        strict(collector(server, access_token_env="TEST_MASTODON_TOKEN"))
    assert server.requests[-1].headers["Authorization"] == "Bearer wrong"
    monkeypatch.delenv("TEST_MASTODON_TOKEN")
    with pytest.raises(CredentialsMissing, match="TEST_MASTODON_TOKEN"):
        strict(collector(server, access_token_env="TEST_MASTODON_TOKEN"))


def test_options_need_a_target() -> None:
    with pytest.raises(SourceConfigError, match="hashtags or accounts"):
        MastodonCollector.from_config("m", {"base_url": "https://mastodon.social"})
    with pytest.raises(SourceConfigError, match=r"options\.base_url"):
        MastodonCollector.from_config("m", {"base_url": "mastodon.social", "hashtags": ["pemilu"]})


def test_a_hostile_status_is_skipped_and_the_page_kept(server: RecordedServer) -> None:
    """A NUL in one status fails the record checks: that status is skipped, its neighbours are collected."""
    import json

    page = json.loads((RECORDED / "tag_pemilu_page1.json").read_text(encoding="utf-8"))
    page[1]["content"] = "<p>Server Sirekap\u0000 di luar negeri</p>"
    bad_id = int(page[1]["id"]) - BASE
    server.route(TAG, body=json.dumps(page), content_type="application/json")
    posts = list(collector(server, max_pages=1).fetch(None))
    ids = short_ids(posts)
    assert bad_id not in ids
    assert len(ids) == len(page) - 1

"""News and fact-checker feeds (RSS and Atom) through feedparser, fetched by our HTTP session."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from collecting import strict
from httpserver import RecordedServer, serve

from monitor.collectors.base import LoginWall, SourceUnavailable, UnexpectedContent
from monitor.collectors.feeds import FeedCollector, split_verdict

RECORDED = Path(__file__).parent / "fixtures" / "recorded" / "feeds"
FAST = {"requests_per_minute": None, "backoff_base": 0.01, "backoff_max": 0.02, "timeout": 2, "retries": 1}
RSS = "application/rss+xml; charset=UTF-8"


@pytest.fixture
def server() -> Iterator[RecordedServer]:
    with serve(RECORDED) as srv:
        srv.route("/feed/", file="turnbackhoax_feed.xml", content_type=RSS, headers={"ETag": '"v1"'})
        srv.route("/pemilu/atom.xml", file="berita_pemilu_atom.xml", content_type="application/atom+xml")
        yield srv


def factcheck(server: RecordedServer, **options: object) -> FeedCollector:
    opts = {"base_url": server.url, "feeds": ["/feed/"], "kind": "factcheck", "publisher": "TurnBackHoax"}
    return FeedCollector.from_config("tbh", {**opts, **FAST, **options})


def test_verdicts_from_titles_categories_and_claimreview_and_the_full_article() -> None:
    with serve(RECORDED) as srv:
        srv.route("/wp/feed/", file="cekfakta_wordpress.xml", content_type=RSS)
        fc = FeedCollector.from_config(
            "cf",
            {
                "base_url": srv.url,
                "feeds": ["/wp/feed/"],
                "kind": "factcheck",
                "publisher": "Cek Fakta",
                **FAST,
            },
        )
        posts = {p.native_id.rsplit("=", 1)[-1]: p for p in fc.fetch(None)}
    claims = {key: post.raw["known_claim"] for key, post in posts.items()}
    # "Menyesatkan, …" loses its prefix and keeps its verdict (not the source's default).
    assert claims["9001"]["claim"] == "Video KPU Sekadau Menghapus Suara Paslon di Sirekap"
    assert (claims["9001"]["verdict"], claims["9001"]["debunk"]) == ("menyesatkan", True)
    # A true fact-check is kept as a fact, never a debunk.
    assert (claims["9002"]["verdict"], claims["9002"]["debunk"]) == ("benar", False)
    assert claims["9002"]["claim"] == "KPU Perpanjang Masa Tanggapan Masyarakat atas DCT"
    # No verdict in the title: the category says it; then a ClaimReview in the article body.
    assert (claims["9003"]["verdict"], claims["9003"]["debunk"]) == ("salah", True)
    assert (claims["9004"]["verdict"], claims["9004"]["debunk"]) == ("hoaks", True)
    assert claims["9004"]["claim"] == "Jutaan surat suara tambahan sudah dicoblos di gudang KPU"
    # The full article (content:encoded), not the excerpt cut with "[…]"; language from the text.
    assert "sudah dijelaskan oleh KPU" in posts["9001"].text and "[…]" not in posts["9001"].text
    assert "ld+json" not in posts["9004"].text and "ClaimReview" not in posts["9004"].text
    assert {p.lang for p in posts.values()} == {"id"}  # the feed says en-US
    # Fact-check articles report hoaxes; they are marked so the triage queue leaves them out.
    assert {p.raw["source_kind"] for p in posts.values()} == {"factcheck"}


def test_split_verdict() -> None:
    assert split_verdict("[SALAH] Tinta pemilu mengandung babi") == ("salah", "Tinta pemilu mengandung babi")
    assert split_verdict("(HOAKS): Surat suara tercoblos") == ("hoaks", "Surat suara tercoblos")
    assert split_verdict("Rekapitulasi dimulai") == (None, "Rekapitulasi dimulai")
    assert split_verdict("[VIDEO] Debat capres") == (None, "[VIDEO] Debat capres")


def test_factcheck_items_carry_known_claims(server: RecordedServer) -> None:
    fc = factcheck(server)
    posts = list(fc.fetch(None))
    assert [p.created_at.date().isoformat() for p in posts] == [
        "2024-02-09",
        "2024-02-11",
        "2024-02-12",
        "2024-02-16",
    ]
    assert {p.platform for p in posts} == {"factcheck"}
    sirekap = posts[-1]
    assert sirekap.native_id == "https://turnbackhoax.id/?p=112301"
    assert sirekap.text.startswith(
        "[SALAH] Sirekap Tambah 800 Suara untuk Paslon 03 di TPS 12 Sekadau\n\nBeredar"
    )
    assert sirekap.author_name == "Mafindo Kalbar" and sirekap.lang == "id"
    assert sirekap.raw["known_claim"] == {
        "claim": "Sirekap Tambah 800 Suara untuk Paslon 03 di TPS 12 Sekadau",
        "verdict": "salah",
        "date": "2024-02-16",
        "source": "TurnBackHoax",
        "source_url": "https://turnbackhoax.id/2024/02/16/salah-sirekap-tambah-800-suara-untuk-paslon-03-di-tps-12-sekadau/",
        "debunk": True,
    }
    assert posts[0].raw["known_claim"]["verdict"] == "hoaks"
    assert "🗳️" in posts[0].text
    state = fc.checkpoint()["feeds"]["/feed/"]
    assert len(state["seen"]) == 4 and state["etag"] == '"v1"'


def test_conditional_get_and_only_new_items(server: RecordedServer) -> None:
    fc = factcheck(server)
    list(fc.fetch(None))
    cursor = fc.checkpoint()
    server.route("/feed/", status=304, body=b"")
    again = factcheck(server)
    assert list(again.fetch(cursor)) == []
    assert server.requests[-1].headers.get("If-None-Match") == '"v1"'
    server.route("/feed/", file="turnbackhoax_feed_v2.xml", content_type=RSS, headers={"ETag": '"v2"'})
    newer = factcheck(server)
    posts = list(newer.fetch(cursor))
    assert [p.raw["known_claim"]["claim"] for p in posts] == ["KPU Hapus 1 Juta Pemilih dari DPT Kalbar"]
    assert posts[0].raw["known_claim"]["verdict"] == "misinformasi"
    assert newer.checkpoint()["feeds"]["/feed/"]["etag"] == '"v2"'


def test_etag_is_kept_back_until_the_feed_was_read_to_the_end(server: RecordedServer) -> None:
    fc = factcheck(server)
    stream = fc.fetch(None)
    next(stream)
    next(stream)
    assert fc.checkpoint()["feeds"]["/feed/"]["etag"] is None
    rest = list(factcheck(server).fetch(fc.checkpoint()))
    assert len(rest) == 2


def test_atom_news_feed(server: RecordedServer) -> None:
    news = FeedCollector.from_config(
        "berita",
        {"base_url": server.url, "feeds": ["/pemilu/atom.xml"], "publisher": "Berita Kalbar", **FAST},
    )
    posts = list(news.fetch(None))
    assert [p.platform for p in posts] == ["news"] * 3
    rekap = posts[-1]
    assert rekap.created_at.isoformat() == "2024-02-16T03:30:00+00:00"  # +07:00 converted to UTC
    assert rekap.author_name == "Yohanes Dedi"
    assert "Sirekap" in rekap.text and "known_claim" not in rekap.raw
    assert posts[1].text.endswith(
        "Bawaslu mengimbau masyarakat melapor dengan bukti."
    )  # <content> when no summary
    assert "🌶️" in posts[0].text


@pytest.mark.parametrize(
    ("fault", "error", "message"),
    [
        ("truncate", UnexpectedContent, "truncated"),
        ("login_wall", LoginWall, "login page"),
        ("html", UnexpectedContent, "HTML page came back"),
        ("bad_json", UnexpectedContent, "truncated feed|not a readable feed"),
    ],
)
def test_content_faults(server: RecordedServer, fault: str, error: type, message: str) -> None:
    server.fault("/feed/", fault, times=None)
    with pytest.raises(error, match=message):
        strict(factcheck(server))


def test_truncated_xml_without_length(server: RecordedServer) -> None:
    body = (RECORDED / "turnbackhoax_feed.xml").read_bytes()
    server.route("/feed/", body=body[: len(body) * 2 // 3], content_type=RSS)
    with pytest.raises(UnexpectedContent, match="truncated feed"):
        strict(factcheck(server))


def test_server_error_and_timeout(server: RecordedServer) -> None:
    server.fault("/feed/", "status", status=500, times=None)
    with pytest.raises(SourceUnavailable, match="HTTP 500"):
        strict(factcheck(server))
    server.clear_faults()
    server.fault("/feed/", "timeout", seconds=1.0, times=None)
    with pytest.raises(SourceUnavailable, match="timed out|Read timed out"):
        strict(factcheck(server, timeout=0.3, retries=0))
    server.clear_faults()
    assert len(list(factcheck(server).fetch(None))) == 4

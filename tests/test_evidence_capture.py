"""What the capture makes of awkward pages, on SQLite and PostgreSQL: a post deleted (404) after freezing,
a page over the size cap, a hung server, a page trickling past the deadline, redirects, and URLs that point
into the server's own network. Every gap is in the packet's `missing`, with the reason."""

from __future__ import annotations

import contextlib
import json
import threading
import time
import zipfile
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from evidence_support import (
    KPU,
    PAGE_HTML,
    evidence_settings,
    page_server_fixture,  # noqa: F401 (a fixture)
    point_post_at,
    seeded_fixture,  # noqa: F401 (a fixture)
)
from httpserver import RecordedServer

from monitor import evidence
from monitor.evidence.capture import internal_address
from monitor.store import Database


def test_post_deleted_after_freezing_keeps_its_packet(
    db: Database, seeded: list[int], page_server: RecordedServer, tmp_path: Path
) -> None:
    cfg = evidence_settings(db, tmp_path / "evidence")
    post_id = seeded[0]
    first = evidence.freeze(db, cfg, KPU, post_id)
    page_server.route(
        "/status/1", body="<h1>Halaman tidak ditemukan</h1>", status=404, content_type="text/html"
    )
    second = evidence.freeze(db, cfg, KPU, post_id)
    out = evidence.export_zip(db, cfg, KPU, post_id, tmp_path / "after.zip")
    with zipfile.ZipFile(out) as archive:
        assert json.loads(archive.read("files/page-response.json"))["status"] == 404
        assert archive.read("files/page.html") == b"<h1>Halaman tidak ditemukan</h1>"
    before = evidence.export_zip(db, cfg, KPU, post_id, tmp_path / "before.zip", seq=first.seq)
    with zipfile.ZipFile(before) as archive:
        assert archive.read("files/page.html") == PAGE_HTML.encode("utf-8")
    assert evidence.verify_zip(before).ok and evidence.verify_zip(out).ok
    assert second.previous_sha256 == first.manifest_sha256
    assert evidence.verify_store(db, cfg).ok


def test_oversized_page_is_cut_and_the_packet_says_so(
    db: Database, seeded: list[int], page_server: RecordedServer, tmp_path: Path
) -> None:
    cfg = evidence_settings(db, tmp_path / "evidence", max_page_bytes=2048)
    page_server.route("/status/2", body="<p>" + "hoaks " * 5000 + "</p>", content_type="text/html")
    packet = evidence.freeze(db, cfg, KPU, seeded[1])
    page = next(f for f in packet.files if f["name"] == "page.html")
    assert page["size"] == 2048
    reasons = {m["file"]: m["reason"] for m in packet.missing}
    assert "batas ukuran 2,048 byte" in reasons["page"]
    out = evidence.export_zip(db, cfg, KPU, seeded[1], tmp_path / "big.zip")
    result = evidence.verify_zip(out)
    assert result.ok and any("batas ukuran" in note for note in result.notes)


def test_hung_server_yields_a_packet_saying_the_page_is_missing(
    db: Database, seeded: list[int], page_server: RecordedServer, tmp_path: Path
) -> None:
    cfg = evidence_settings(db, tmp_path / "evidence", fetch_timeout=0.5, fetch_deadline=2.0)
    page_server.fault("/status/3", "timeout", seconds=6.0, times=None)
    packet = evidence.freeze(db, cfg, KPU, seeded[2])
    names = {f["name"] for f in packet.files}
    assert "page.html" not in names and "post.json" in names and "page-response.json" in names
    reasons = {m["file"]: m["reason"] for m in packet.missing}
    assert "halaman tidak dapat diambil" in reasons["page"] and "timed out" in reasons["page"]
    out = evidence.export_zip(db, cfg, KPU, seeded[2], tmp_path / "hung.zip")
    assert evidence.verify_zip(out).ok


def test_internal_addresses_are_not_fetched_by_default(
    db: Database, seeded: list[int], page_server: RecordedServer, tmp_path: Path
) -> None:
    for url in ("http://127.0.0.1/x", "http://10.1.2.3/", "http://169.254.169.254/latest/", "http://[::1]/"):
        assert "alamat internal" in (internal_address(url) or ""), url
    assert internal_address("http://8.8.8.8/") is None
    cfg = evidence_settings(db, tmp_path / "evidence", allow_private_hosts=False, screenshot=True)
    packet = evidence.freeze(db, cfg, KPU, seeded[0])
    reasons = {m["file"]: m["reason"] for m in packet.missing}
    assert "127.0.0.1 menunjuk ke alamat internal" in reasons["page"]
    assert "127.0.0.1 menunjuk ke alamat internal" in reasons["screenshot.png"]
    assert page_server.hits() == 0


def test_redirects_are_followed_hop_by_hop(
    db: Database, seeded: list[int], page_server: RecordedServer, tmp_path: Path
) -> None:
    page_server.route("/status/1", status=301, headers={"Location": "/moved/1"})
    page_server.route("/moved/1", body=PAGE_HTML, content_type="text/html; charset=utf-8")
    cfg = evidence_settings(db, tmp_path / "evidence")
    evidence.freeze(db, cfg, KPU, seeded[0])
    out = evidence.export_zip(db, cfg, KPU, seeded[0], tmp_path / "moved.zip")
    with zipfile.ZipFile(out) as archive:
        response = json.loads(archive.read("files/page-response.json"))
        assert archive.read("files/page.html") == PAGE_HTML.encode("utf-8")
    assert response["final_url"].endswith("/moved/1")
    assert [(hop["status"], hop["location"].rsplit("/", 2)[-2:]) for hop in response["redirects"]] == [
        (301, ["moved", "1"])
    ]


class _Trickle(BaseHTTPRequestHandler):
    """Answers at once, then sends its body a little at a time, for longer than the deadline."""

    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 (quiet)
        return

    def do_GET(self) -> None:  # noqa: N802
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(200 * 1024))
        self.end_headers()
        with contextlib.suppress(OSError):
            for _ in range(200):
                self.wfile.write(b"x" * 1024)
                self.wfile.flush()
                time.sleep(0.05)


def test_a_page_trickling_past_the_deadline_is_cut(db: Database, seeded: list[int], tmp_path: Path) -> None:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Trickle)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        point_post_at(db, seeded[0], f"http://127.0.0.1:{server.server_address[1]}/slow")
        cfg = evidence_settings(db, tmp_path / "evidence", fetch_timeout=2.0, fetch_deadline=1.0)
        packet = evidence.freeze(db, cfg, KPU, seeded[0])
    finally:
        server.shutdown()
        server.server_close()
    reasons = {m["file"]: m["reason"] for m in packet.missing}
    assert "melewati batas waktu 1 detik" in reasons["page"], reasons
    page = next(f for f in packet.files if f["name"] == "page.html")
    assert 0 < page["size"] < 200 * 1024  # what came before the deadline is kept, and said to be partial

"""Evidence benchmark: seconds to freeze one item, without and with the Chromium screenshot, plus the cost of
an export (zip + case-file PDF) and of verifying the whole chain.

A loopback HTTP server serves a post page of about 30 KB (text, a 600-row table, inline CSS) for every
item; the posts live in a scratch SQLite database (or --url). Each freeze is timed on its own, end to end
(read, fetch, screenshot, store, chain link, audit event).

    python -m bench.evidence [--items 8] [--url postgresql+psycopg://...] [--no-screenshot]
"""

from __future__ import annotations

import argparse
import hashlib
import statistics
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from bench.common import emit

REPO = Path(__file__).resolve().parent.parent
CHROMIUM = Path("/usr/bin/chromium")


def _page(i: int) -> bytes:
    rows = "".join(
        f"<tr><td>TPS {n:03d}</td><td>Desa {n % 17}</td><td>{(n * 37) % 500}</td></tr>" for n in range(600)
    )
    return (
        "<!DOCTYPE html><html lang='id'><head><meta charset='utf-8'><title>Unggahan</title>"
        "<style>body{font-family:sans-serif;margin:2em}td{border:1px solid #999;padding:2px}</style></head>"
        f"<body><h1>Unggahan #{i}: DPT ganda di Sekadau</h1><p>Sebarkan sebelum dihapus!</p>"
        f"<table>{rows}</table></body></html>"
    ).encode()


class _Handler(BaseHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 (quiet)
        return

    def do_GET(self) -> None:  # noqa: N802
        last = self.path.rsplit("/", 1)[-1]
        if not last.isdigit():  # Chromium asks for /favicon.ico
            self.send_response(404)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        body = _page(int(last))
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def _seed(db: Any, base_url: str, n: int) -> list[int]:
    from monitor.store import queries
    from monitor.store.schema import Post

    start = datetime(2024, 2, 10, 3, 0, tzinfo=UTC)
    rows = []
    for i in range(n):
        text = f"Bench unggahan {i}: DPT ganda ditemukan di TPS {i:03d} Sekadau, sebarkan!"
        rows.append(
            {
                "platform": "x",
                "native_id": f"bench-{i}",
                "url": f"{base_url}/status/{i}",
                "author_handle": f"akun{i}",
                "author_name": f"Akun {i}",
                "author_followers": 100 + i,
                "text": text,
                "lang": "id",
                "created_at": start + timedelta(minutes=i),
                "likes": i,
                "shares": i,
                "replies": 0,
                "views": 1000,
                "reach": 1000 + i,
                "raw": {"id": f"bench-{i}", "text": text},
                "text_hash": hashlib.sha1(text.encode()).hexdigest(),
                "matched_terms": ["dpt"],
                "topics": ["sidalih"],
                "candidates": [],
                "source_name": "bench",
            }
        )
    with db.session() as session:
        queries.upsert_posts(session, rows)
    with db.session() as session:
        return [pid for (pid,) in session.query(Post.id).order_by(Post.id)]


def _timed_freezes(db: Any, cfg: Any, ids: list[int]) -> list[float]:
    from monitor import evidence
    from monitor.auth import Actor

    actor = Actor("bench", "kpu")
    seconds = []
    for post_id in ids:
        started = time.perf_counter()
        evidence.freeze(db, cfg, actor, post_id)
        seconds.append(time.perf_counter() - started)
    return seconds


def _row(label: str, seconds: list[float]) -> dict[str, Any]:
    ordered = sorted(seconds)
    return {
        "case": label,
        "items": len(seconds),
        "median_s": statistics.median(ordered),
        "p90_s": ordered[min(len(ordered) - 1, int(0.9 * len(ordered)))],
        "max_s": ordered[-1],
        "items_per_min": 60 / statistics.mean(ordered),
    }


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=8, help="Items frozen per case.")
    parser.add_argument("--url", help="A database URL (default: a scratch SQLite file).")
    parser.add_argument("--no-screenshot", action="store_true", help="Skip the case with the screenshot.")
    args = parser.parse_args(argv)

    from monitor import evidence
    from monitor.auth import Actor
    from monitor.config import load_settings
    from monitor.store import Database

    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base_url = f"http://127.0.0.1:{server.server_address[1]}"
    with tempfile.TemporaryDirectory(prefix="bench-evidence-") as scratch:
        folder = Path(scratch)
        db = Database(args.url or f"sqlite:///{folder / 'bench.db'}")
        db.upgrade()
        ids = _seed(db, base_url, args.items * 2)

        def settings(screenshot: bool) -> Any:
            options = {
                "folder": str(folder / "evidence"),
                "screenshot": screenshot,
                "allow_private_hosts": True,
            }
            return load_settings(
                REPO / "config" / "monitor.toml", database_url=db.url, home=REPO, evidence=options
            )

        rows = [_row("without screenshot", _timed_freezes(db, settings(False), ids[: args.items]))]
        if not args.no_screenshot and CHROMIUM.exists():
            rows.append(
                _row("with screenshot (Chromium)", _timed_freezes(db, settings(True), ids[args.items :]))
            )
        cfg = settings(False)
        started = time.perf_counter()
        evidence.export_zip(db, cfg, Actor("bench", "kpu"), ids[-1], folder / "first.zip")
        export_cold_s = time.perf_counter() - started  # includes importing reportlab and matplotlib's fonts
        started = time.perf_counter()
        out = evidence.export_zip(db, cfg, Actor("bench", "kpu"), ids[-1], folder / "kasus.zip")
        export_s = time.perf_counter() - started
        started = time.perf_counter()
        result = evidence.verify_store(db, cfg)
        verify_all_s = time.perf_counter() - started
        started = time.perf_counter()
        zip_result = evidence.verify_zip(out)
        verify_zip_s = time.perf_counter() - started
        extra = {
            "export_cold_s": export_cold_s,
            "export_s": export_s,
            "export_bytes": out.stat().st_size,
            "verify_all_s": verify_all_s,
            "verify_all_links": result.links,
            "verify_zip_s": verify_zip_s,
            "verified": result.ok and zip_result.ok,
            "database": db.dialect,
            "page_bytes": len(_page(0)),
        }
        db.dispose()
    server.shutdown()
    print(
        f"export {export_cold_s:.2f}s cold, {export_s:.2f}s warm ({extra['export_bytes']:,} bytes), "
        f"verify --all {verify_all_s:.2f}s "
        f"over {result.links} links, verify zip {verify_zip_s:.2f}s, all verified: {extra['verified']}"
    )
    return emit("evidence", "Freeze time per item", rows, extra)


if __name__ == "__main__":
    main()

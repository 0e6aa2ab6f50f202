"""Collector request bounds: memory of a 100 MB page under the size cap, time of a dripping server.

Each case runs in a fresh process (peak RSS is per process) against a local server that streams the body in
64 KiB chunks without holding it. `python -m bench collect` prints the table and writes
bench/results/collect.json.
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from bench.common import emit, peak_rss_mb

PAGE_BYTES = 100 * 1024 * 1024
CHUNK = b"<p>" + b"rekapitulasi suara " * 3446 + b"</p>\n"  # ~64 KiB of HTML


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        return

    def do_GET(self) -> None:  # noqa: N802
        framed = self.path.startswith("/framed")
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        if self.path.startswith("/drip"):
            self.send_header("Content-Length", "100000")
            self.end_headers()
            try:
                for _ in range(100000):
                    self.wfile.write(b"x")
                    self.wfile.flush()
                    time.sleep(1.0)
            except OSError:
                return
            return
        if framed:
            self.send_header("Content-Length", str(PAGE_BYTES))
        else:
            self.send_header("Connection", "close")
        self.end_headers()
        sent, end = 0, b"</html>\n"
        try:
            while sent < PAGE_BYTES - len(end):
                piece = CHUNK[: PAGE_BYTES - len(end) - sent]
                self.wfile.write(piece)
                sent += len(piece)
            self.wfile.write(end)
        except OSError:
            return
        self.close_connection = True


def _case(url: str, max_bytes: int, deadline: float) -> dict[str, Any]:
    """One request in this process; what happened, how long it took, the peak RSS."""
    from monitor.collectors.base import CollectorError
    from monitor.collectors.http import HttpOptions, HttpSession

    options = HttpOptions(
        base_url=url, max_bytes=max_bytes, deadline=deadline, timeout=10, retries=0, requests_per_minute=None
    )
    session = HttpSession(options)
    before = peak_rss_mb()
    started = time.monotonic()
    try:
        response = session.get(url)
        outcome = f"read {len(response.content):,} bytes"
    except CollectorError as exc:
        outcome = exc.kind
    return {
        "seconds": time.monotonic() - started,
        "outcome": outcome,
        "rss_before_mb": before,
        "peak_rss_mb": peak_rss_mb(),
    }


def main(argv: list[str] | None = None) -> dict[str, Any]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    cases = [
        ("100 MB, Content-Length, cap 20 MB", "/framed", 20_000_000, 120.0),
        ("100 MB, no length (endless-like), cap 20 MB", "/unframed", 20_000_000, 120.0),
        ("100 MB, no length, cap 2 MB", "/unframed", 2_000_000, 120.0),
        ("100 MB, cap raised to 200 MB (old behaviour)", "/unframed", 200_000_000, 120.0),
        ("drip 1 byte/s, deadline 3 s", "/drip", 20_000_000, 3.0),
    ]
    rows = []
    try:
        for label, path, cap, deadline in cases:
            code = (
                "import json, sys; from bench.collect import _case; "
                f"print(json.dumps(_case({base + path!r}, {cap}, {deadline})))"
            )
            done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=600)
            if done.returncode != 0:
                raise RuntimeError(done.stderr)
            result = json.loads(done.stdout.strip().splitlines()[-1])
            rows.append({"case": label, **result})
    finally:
        server.shutdown()
    return emit("collect", "Collector request bounds (one request per fresh process)", rows)


if __name__ == "__main__":
    main()

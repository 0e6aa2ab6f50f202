"""Tipline benchmark: answers per second for tips that match known debunks.

Two rows on a fresh SQLite database with the default model and the project's known claims:
- "core": `Tipline.handle` on batches of forwarded hoaxes (classify, store tips, queue replies) — no network;
- "end to end": the same messages put in a loopback Bot API stand-in; the real polling loop reads them,
  answers and sends each reply through the HTTP session. Rate = messages / time until the last reply
  arrived; latency = from the message's arrival at the stand-in to its reply.
Unknown tips (queued for officers, one post upsert each) are measured the same way for comparison.

    python -m bench tipline [--n 300]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import tempfile
import threading
import time
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from bench.common import emit, peak_rss_mb
from monitor.classify import load_classifier
from monitor.classify.claims import read_known_claims
from monitor.config import load_settings
from monitor.store import Database
from monitor.store.schema import Tip
from monitor.tipline import Incoming, TipKeys, Tipline, TiplineConfig
from monitor.tipline.telegram import TelegramChannel, run_polling

REPO = Path(__file__).resolve().parent.parent
TOKEN = "1:bench"
WRAPPERS = (
    "Info dari grup sebelah: {c} Sebarkan!!",
    "{c} beneran gak sih min?",
    "Forward dari WA keluarga: {c}",
    "PENTING. {c} tolong dicek",
)


def hoax_texts(n: int, seed: int = 5) -> list[str]:
    claims = [c.claim for c in read_known_claims(REPO / "data" / "known_hoaxes.jsonl")]
    rng = random.Random(seed)
    return [rng.choice(WRAPPERS).format(c=rng.choice(claims)) for _ in range(n)]


def unknown_texts(n: int) -> list[str]:
    return [
        f"Kabar dari desa {i}: kotak suara TPS {i % 40 + 1} dibawa pulang petugas semalam?" for i in range(n)
    ]


class _BotApi(BaseHTTPRequestHandler):
    """getUpdates / sendMessage of a minimal Bot API stand-in (state on the server object)."""

    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body are two writes: without this each reply waits ~40 ms

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        return

    def do_POST(self) -> None:  # noqa: N802
        server: Any = self.server
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)) or b"{}")
        with server.lock:
            if self.path.endswith("/getUpdates"):
                offset = int(body.get("offset") or 0)
                server.updates = [u for u in server.updates if u["update_id"] >= offset]
                result: Any = server.updates[:100]
            else:
                server.replies[str(body["chat_id"])] = time.perf_counter()
                result = {"message_id": len(server.replies)}
        payload = json.dumps({"ok": True, "result": result}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)


def _fresh(workdir: Path, name: str, settings: Any) -> Database:
    db = Database(f"sqlite:///{workdir / name}.db")
    db.upgrade()
    from monitor.cli.core import seed_known_claims

    seed_known_claims(db, settings)
    return db


def core_rate(db: Database, tipline: Tipline, texts: list[str], batch: int = 50) -> float:
    now = datetime.now(UTC)
    messages = [Incoming("telegram", str(10_000 + i), "1", t, now) for i, t in enumerate(texts)]
    start = time.perf_counter()
    for i in range(0, len(messages), batch):
        tipline.handle(messages[i : i + batch])
    return len(messages) / (time.perf_counter() - start)


def end_to_end(
    db: Database, model: Any, config: TiplineConfig, texts: list[str]
) -> tuple[float, list[float]]:
    server: Any = ThreadingHTTPServer(("127.0.0.1", 0), _BotApi)
    server.lock, server.updates, server.replies = threading.Lock(), [], {}
    threading.Thread(target=server.serve_forever, daemon=True).start()
    config = config.model_copy(deep=True)
    config.telegram.base_url = f"http://127.0.0.1:{server.server_address[1]}"
    tipline = Tipline(db, config, TipKeys("b" * 40), model)
    tipline.refresh_claims()
    stop = threading.Event()
    channel = TelegramChannel(config.telegram, TOKEN, stop_event=stop)
    sent_at: dict[str, float] = {}
    start = time.perf_counter()
    with server.lock:
        for i, text in enumerate(texts):
            chat = str(50_000 + i)
            message = {
                "message_id": 1,
                "date": int(time.time()),
                "chat": {"id": int(chat), "type": "private"},
            }
            server.updates.append({"update_id": i + 1, "message": {**message, "text": text}})
            sent_at[chat] = time.perf_counter()
    loop = threading.Thread(
        target=run_polling, args=(tipline, channel), kwargs={"stop_event": stop}, daemon=True
    )
    loop.start()
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline:
        with server.lock:
            if len(server.replies) >= len(texts):
                break
        time.sleep(0.01)
    elapsed = time.perf_counter() - start
    stop.set()
    loop.join(timeout=60)
    server.shutdown()
    with server.lock:
        latencies = [server.replies[c] - sent_at[c] for c in sent_at if c in server.replies]
    return len(latencies) / elapsed, latencies


def _kinds(db: Database) -> str:
    """How the tips were answered ("debunk 298, queued 2"): the bench measures what it says it does."""
    with db.session() as session:
        counts = session.execute(select(Tip.kind, func.count()).group_by(Tip.kind)).all()
    return ", ".join(f"{kind} {count}" for kind, count in sorted(counts))


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(prog="python -m bench.tipline")
    parser.add_argument("--n", type=int, default=300)
    args = parser.parse_args(argv)
    settings = load_settings(REPO / "config" / "monitor.toml", home=REPO)
    model = load_classifier(REPO / "models" / "default")
    config = TiplineConfig.model_validate(
        {"telegram": {"poll_timeout": 0, "http": {"retries": 1, "requests_per_minute": None}}}
    )
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        for label, texts in (
            ("matched debunk", hoax_texts(args.n)),
            ("unknown (queued)", unknown_texts(args.n)),
        ):
            db = _fresh(work, f"core-{label[:3]}", settings)
            tipline = Tipline(db, config, TipKeys("b" * 40), model)
            tipline.refresh_claims()
            tipline.handle([Incoming("telegram", "warm", "0", texts[0], datetime.now(UTC))])  # warm-up
            rate = core_rate(db, tipline, texts)
            kinds = _kinds(db)
            db.dispose()
            rows.append(
                {
                    "path": f"core: {label}",
                    "answers_per_s": rate,
                    "p50_ms": "-",
                    "p95_ms": "-",
                    "answered_as": kinds,
                }
            )
            db = _fresh(work, f"e2e-{label[:3]}", settings)
            e2e, latencies = end_to_end(db, model, config, texts)
            kinds = _kinds(db)
            db.dispose()
            cuts = statistics.quantiles(latencies, n=20) if len(latencies) >= 20 else [0.0] * 19
            rows.append(
                {
                    "path": f"end to end: {label}",
                    "answers_per_s": e2e,
                    "p50_ms": f"{statistics.median(latencies) * 1000:.0f}",
                    "p95_ms": f"{cuts[18] * 1000:.0f}",
                    "answered_as": kinds,
                }
            )
    return emit(
        "tipline",
        f"Tipline answers/s, {args.n} messages from {args.n} citizens, SQLite, default model",
        rows,
        {"n": args.n, "peak_rss_mb": peak_rss_mb(), "cpus": os.cpu_count()},
    )


if __name__ == "__main__":
    main()

"""Dashboard benchmark: the triage queue on 1,000,000 posts (about 5% flagged) in SQLite and PostgreSQL.

Measures the queue query (p50/p95 over repeated calls, for the default view and typical filters) and the
queue page's server-side time (the page run under Streamlit's AppTest, logged in as a KPU officer).
Targets: query p95 <= 100 ms, page <= 1.5 s. `--n` shrinks the data set; `--backends sqlite` picks one.

    python -m bench.dashboard [--n 1000000] [--backends sqlite,postgresql] [--repeat 30]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import os
import random
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from argon2 import PasswordHasher
from sqlalchemy import create_engine, text

from bench.common import emit
from monitor import auth, triage
from monitor.store import Database, queue
from monitor.store.bulk import INSERT_COLUMNS
from monitor.store.schema import utcnow

REPO = Path(__file__).resolve().parent.parent
PG_ADMIN_URL = os.environ.get("MONITOR_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
PLATFORMS = ("x", "telegram", "facebook", "tiktok", "youtube", "mastodon", "news")
TOPICS = (["sidalih"], ["sirekap"], ["procedure"], ["other"], ["sidalih", "procedure"], ["sirekap", "other"])
CANDIDATES = ([], ["01"], ["02"], ["03"], ["01", "02"])
# (stage, verdict) pairs of the case model (migration 0007), new flags most common.
STATUSES = (("new", None),) * 6 + (
    ("in_review", None),
    ("in_review", "needs_check"),
    ("decided", "hoax"),
    ("decided", "not_hoax"),
    ("escalated", "hoax"),
    ("closed", "hoax"),
)
# The importer's columns (no raw payload in the benchmark) plus the queue state the scorer and officers set.
COLUMNS = (
    *(column for column in INSERT_COLUMNS if column != "raw"),
    "hoax_score",
    "triage_status",
    "escalated_to",
    "flagged_at",
    "verdict",
    "holder",
)


def synthetic_rows(n: int, flagged_share: float = 0.05, seed: int = 7) -> Iterator[tuple[Any, ...]]:
    """n posts over 60 days; about `flagged_share` of them flagged and in the queue."""
    rng = random.Random(seed)
    start = datetime(2024, 1, 1, tzinfo=UTC)
    now = utcnow().replace(tzinfo=None)
    for i in range(n):
        created = (start + timedelta(seconds=rng.randrange(60 * 86400))).replace(tzinfo=None)
        reach = int(rng.paretovariate(1.2) * 50)
        flagged = rng.random() < flagged_share
        score = rng.uniform(0.6, 1.0) if flagged else rng.uniform(0.0, 0.6)
        status, verdict = rng.choice(STATUSES) if flagged else (None, None)
        escalated = rng.choice(("bawaslu", "polri")) if status == "escalated" else None
        body = f"Postingan {i} tentang DPT dan Sirekap pemilu di TPS {i % 900:03d}"
        row = {
            "platform": rng.choice(PLATFORMS),
            "native_id": f"n{i}",
            "url": f"https://example.org/p/{i}",
            "author_handle": f"akun{i % 50000}",
            "author_name": f"Akun {i % 50000}",
            "author_followers": rng.randrange(10, 100000),
            "text": body,
            "lang": "id",
            "created_at": created,
            "collected_at": now,
            "last_seen_at": now,
            "likes": rng.randrange(100),
            "shares": rng.randrange(50),
            "replies": rng.randrange(20),
            "views": reach * 3,
            "reach": reach,
            "text_hash": hashlib.sha1(body.encode()).hexdigest(),
            "matched_terms": '["dpt"]',
            "topics": json.dumps(rng.choice(TOPICS)),
            "candidates": json.dumps(rng.choice(CANDIDATES)),
            "source_name": f"source-{i % 12}",
            "hoax_score": score,
            "flagged": flagged,
            "priority": score * math.log10(10 + reach),
            "triage_status": status,
            "escalated_to": escalated,
            "triage_version": 0,
            "flagged_at": now if flagged else None,
            "verdict": verdict,
            "holder": escalated or ("kpu" if flagged else None),
        }
        yield tuple(row[column] for column in COLUMNS)


def load_sqlite(db: Database, n: int) -> None:
    raw = db.engine.raw_connection()
    try:
        cursor = raw.cursor()
        placeholders = ", ".join("?" for _ in COLUMNS)
        sql = f"INSERT INTO posts ({', '.join(COLUMNS)}) VALUES ({placeholders})"
        batch: list[tuple[Any, ...]] = []
        for row in synthetic_rows(n):
            batch.append(tuple(v.isoformat(sep=" ") if isinstance(v, datetime) else v for v in row))
            if len(batch) >= 50_000:
                cursor.executemany(sql, batch)
                batch.clear()
        if batch:
            cursor.executemany(sql, batch)
        raw.commit()
        cursor.execute("ANALYZE")
        raw.commit()
    finally:
        raw.close()


def load_postgresql(db: Database, n: int) -> None:
    raw = db.engine.raw_connection()
    try:
        cursor = raw.cursor()
        with cursor.copy(f"COPY posts ({', '.join(COLUMNS)}) FROM STDIN") as copy:
            for row in synthetic_rows(n):
                values = list(row)
                for index in (8, 9, 10, 27):  # naive UTC → aware for timestamptz
                    if values[index] is not None:
                        values[index] = values[index].replace(tzinfo=UTC)
                copy.write_row(values)
        raw.commit()
        cursor.execute("ANALYZE posts")
        raw.commit()
    finally:
        raw.close()


def timed(call: Callable[[], Any], repeat: int) -> tuple[float, float]:
    """p50 and p95 in milliseconds (one warm-up call first)."""
    call()
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        call()
        samples.append((time.perf_counter() - started) * 1000)
    samples.sort()
    p95 = samples[min(len(samples) - 1, max(0, round(0.95 * len(samples)) - 1))]
    return statistics.median(samples), p95


QUERIES: dict[str, queue.QueueFilter | tuple[queue.QueueFilter, int]] = {
    "queue default (open statuses)": queue.QueueFilter(statuses=triage.OPEN_STATUSES),
    "queue all statuses": queue.QueueFilter(),
    "queue topic=sirekap": queue.QueueFilter(statuses=triage.OPEN_STATUSES, topic="sirekap"),
    "queue candidate=02": queue.QueueFilter(statuses=triage.OPEN_STATUSES, candidate="02"),
    "queue platform=tiktok": queue.QueueFilter(statuses=triage.OPEN_STATUSES, platform="tiktok"),
    "queue 7-day window": queue.QueueFilter(
        statuses=triage.OPEN_STATUSES,
        start=datetime(2024, 2, 1, tzinfo=UTC),
        end=datetime(2024, 2, 8, tzinfo=UTC),
    ),
    "queue verdict=hoax": queue.QueueFilter(verdict="hoax"),
    "inbox bawaslu": queue.QueueFilter(statuses=("escalated",), holder="bawaslu"),
    "queue page 40": (queue.QueueFilter(statuses=triage.OPEN_STATUSES), 40),
    "queue polri (escalated)": queue.QueueFilter(escalated_to="polri"),
}


def page_time(db: Database, repeat: int) -> tuple[float, float]:
    """Server-side time of the Antrian page: a full AppTest run logged in as a KPU officer."""
    from streamlit.testing.v1 import AppTest

    with db.session() as session:
        if auth.get_user(session, "bench-kpu") is None:
            auth.add_user(session, "bench-kpu", "kpu", "bench-password-1", by=auth.SYSTEM_ADMIN)
    os.environ["MONITOR_DATABASE_URL"] = db.url
    os.environ["MONITOR_HOME"] = str(REPO)
    app = AppTest.from_file(str(REPO / "dashboards" / "app.py"), default_timeout=120)
    app.session_state["auth"] = auth.LoginSession(auth.Actor("bench-kpu", "kpu"))

    def run() -> None:
        app.run()
        if app.exception:
            raise RuntimeError(f"queue page failed: {app.exception[0].message}")

    return timed(run, repeat)


def bench_backend(name: str, db: Database, n: int, repeat: int, page_repeat: int) -> list[dict[str, Any]]:
    db.upgrade()
    started = time.perf_counter()
    (load_sqlite if name == "sqlite" else load_postgresql)(db, n)
    load_s = time.perf_counter() - started
    rows: list[dict[str, Any]] = []
    kpu, polri = auth.Actor("bench", "kpu"), auth.Actor("bench", "polri")
    for label, spec in QUERIES.items():
        f, page = spec if isinstance(spec, tuple) else (spec, 1)
        actor = polri if f.escalated_to == "polri" else kpu

        def call(f: queue.QueueFilter = f, page: int = page, actor: auth.Actor = actor) -> None:
            with db.session() as session:
                triage.queue_for(session, actor, f, page, 25)

        p50, p95 = timed(call, repeat)
        rows.append({"backend": name, "measure": label, "p50_ms": p50, "p95_ms": p95, "target_ms": 100.0})

    with db.session() as session:
        first = queue.queue_page(session, queue.QueueFilter(statuses=triage.OPEN_STATUSES)).rows[0].id

    def service_page() -> None:
        with db.session() as session:
            triage.queue_for(session, kpu, queue.QueueFilter(statuses=triage.OPEN_STATUSES), 1, 25)
            triage.item_for(session, kpu, first)

    p50, p95 = timed(service_page, repeat)
    rows.append(
        {
            "backend": name,
            "measure": "page services (queue + item)",
            "p50_ms": p50,
            "p95_ms": p95,
            "target_ms": 1500.0,
        }
    )
    p50, p95 = page_time(db, page_repeat)
    rows.append(
        {
            "backend": name,
            "measure": "page server-side (AppTest run)",
            "p50_ms": p50,
            "p95_ms": p95,
            "target_ms": 1500.0,
        }
    )
    for row in rows:
        row["n_posts"] = n
        row["load_s"] = round(load_s, 1)
        row["ok"] = row["p95_ms"] <= row["target_ms"]
    return rows


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--n", type=int, default=1_000_000, help="number of posts (default 1,000,000)")
    parser.add_argument("--backends", default="sqlite,postgresql", help="comma-separated: sqlite,postgresql")
    parser.add_argument("--repeat", type=int, default=30, help="timed calls per query")
    parser.add_argument("--page-repeat", type=int, default=5, help="timed AppTest runs of the page")
    args = parser.parse_args(argv)
    auth._hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)  # one bench user only
    rows: list[dict[str, Any]] = []
    skipped: dict[str, str] = {}
    for backend in [b.strip() for b in args.backends.split(",") if b.strip()]:
        if backend == "sqlite":
            with tempfile.TemporaryDirectory(prefix="bench-dashboard-") as folder:
                db = Database(f"sqlite:///{Path(folder) / 'bench.db'}")
                try:
                    rows += bench_backend("sqlite", db, args.n, args.repeat, args.page_repeat)
                finally:
                    db.dispose()
        elif backend == "postgresql":
            name = f"monitor_bench_{uuid.uuid4().hex[:8]}"
            try:
                admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
                with admin.connect() as connection:
                    connection.execute(text(f'CREATE DATABASE "{name}"'))
            except Exception as exc:  # no server: say so and go on with the other backend
                skipped["postgresql"] = f"{type(exc).__name__}: {exc}"
                continue
            db = Database(PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name)
            try:
                rows += bench_backend("postgresql", db, args.n, args.repeat, args.page_repeat)
            finally:
                db.dispose()
                with admin.connect() as connection:
                    connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
                admin.dispose()
        else:
            parser.error(f"--backends: unknown backend {backend!r}")
    return emit(
        "dashboard",
        f"dashboard queue on {args.n:,} posts (~5% flagged)",
        rows,
        {"n": args.n, "skipped": skipped, "targets": {"query_p95_ms": 100, "page_s": 1.5}},
    )


if __name__ == "__main__":
    main()

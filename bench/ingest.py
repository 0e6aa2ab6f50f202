"""Ingest benchmark: `monitor import` of N generated posts vs raw SQLite executemany of the same rows.

Both run in this one process tree on the same machine, so their ratio is meaningful even when absolute speed
varies with load. The import runs as a real `monitor import` subprocess; its peak RSS comes from wait4().

    python -m bench.ingest [--n 100000] [--keep DIR]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psutil

from bench.common import emit

REPO = Path(__file__).resolve().parent.parent


def write_stream(path: Path, n: int) -> None:
    from monitor.devdata import generate_posts

    with path.open("w", encoding="utf-8") as handle:
        for item in generate_posts(n, seed=7):
            handle.write(json.dumps(item, ensure_ascii=False) + "\n")


@dataclass(frozen=True)
class ImportRun:
    """One `monitor import` in its own process: wall and CPU seconds, peak memory, its summary line."""

    wall_s: float
    cpu_s: float
    own_peak_mb: float  # the import process itself (wait4)
    tree_peak_mb: float  # the import and its reader process together (sampled)
    summary: str


def timed_import(workdir: Path, path: Path, db_name: str = "bench.db") -> ImportRun:
    """`monitor init` then `monitor import PATH --no-score` on a fresh SQLite file, measured from outside."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("MONITOR_")}
    env.update(MONITOR_DATABASE_URL=f"sqlite:///{workdir / db_name}", MONITOR_HOME=str(REPO))
    monitor = [sys.executable, "-m", "monitor.cli.__main__"]
    subprocess.run([*monitor, "init"], env=env, check=True, capture_output=True)
    start = time.perf_counter()
    proc = subprocess.Popen(
        [*monitor, "import", str(path), "--no-score", "--quiet"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    tree_peak = [0.0]
    watcher = threading.Thread(target=_watch_tree_rss, args=(proc.pid, tree_peak), daemon=True)
    watcher.start()
    # The terminal output is small (20 rejects at most), so the pipes cannot fill before the process ends;
    # wait4 gives its CPU time, which includes the reader process it joined.
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - start
    watcher.join(timeout=2)
    out = proc.stdout.read().decode() if proc.stdout else ""
    err = proc.stderr.read().decode() if proc.stderr else ""
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError(f"monitor import failed:\n{out}\n{err}")
    summary = next((line for line in out.splitlines() if line.startswith("read=")), "")
    cpu = usage.ru_utime + usage.ru_stime
    return ImportRun(elapsed, cpu, usage.ru_maxrss / 1024, tree_peak[0], summary)


def run_import(workdir: Path, stream: Path) -> tuple[float, float, float, str]:
    run = timed_import(workdir, stream)
    # The import's own peak (wait4) and, sampled, the peak of the import and its reader process together.
    return run.wall_s, run.cpu_s, max(run.own_peak_mb, run.tree_peak_mb), run.summary


def _watch_tree_rss(pid: int, peak: list[float]) -> None:
    """Sample the summed RSS of a process and its children every 0.1 s until it ends."""
    try:
        parent = psutil.Process(pid)
        while parent.is_running() and parent.status() != psutil.STATUS_ZOMBIE:
            total = parent.memory_info().rss
            for child in parent.children(recursive=True):
                with contextlib.suppress(psutil.Error):
                    total += child.memory_info().rss
            peak[0] = max(peak[0], total / 2**20)
            time.sleep(0.1)
    except psutil.Error:
        return


def raw_executemany(workdir: Path, stream: Path) -> tuple[float, float, float, float, float]:
    """Parse the same lines, then time a bare executemany into an equivalent table (same unique key).

    Returns insert wall and CPU seconds, row count, and the wall and CPU seconds the parse took, so the
    report can also give a naive importer's speed (parse + executemany, no validation or text work)."""
    rows = []
    parse_start, parse_cpu_start = time.perf_counter(), time.process_time()
    with stream.open(encoding="utf-8") as handle:
        for line in handle:
            item = json.loads(line)
            rows.append(
                (
                    item["platform"],
                    item["native_id"],
                    item.get("url"),
                    item.get("author_handle"),
                    item["text"],
                    item["created_at"],
                    item.get("likes"),
                    item.get("shares"),
                    item.get("replies"),
                    item.get("views"),
                    line,
                )
            )
    parse_s, parse_cpu = time.perf_counter() - parse_start, time.process_time() - parse_cpu_start
    connection = sqlite3.connect(workdir / "raw.db")
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA synchronous=NORMAL")
    connection.execute(
        "CREATE TABLE posts (id INTEGER PRIMARY KEY, platform TEXT, native_id TEXT, url TEXT, author TEXT, "
        "text TEXT, created_at TEXT, likes INT, shares INT, replies INT, views INT, raw TEXT, "
        "UNIQUE(platform, native_id))"
    )
    start, cpu_start = time.perf_counter(), time.process_time()
    for offset in range(0, len(rows), 1000):
        with connection:
            connection.executemany(
                "INSERT INTO posts (platform, native_id, url, author, text, created_at, likes, shares, "
                "replies, views, raw) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                rows[offset : offset + 1000],
            )
    elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu_start
    connection.close()
    return elapsed, cpu, float(len(rows)), parse_s, parse_cpu


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000, help="posts to generate (default 100,000)")
    parser.add_argument("--keep", type=Path, help="keep the generated stream and databases in this folder")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench-ingest-") as tmp:
        workdir = args.keep or Path(tmp)
        workdir.mkdir(parents=True, exist_ok=True)
        stream = workdir / "posts.jsonl"
        write_stream(stream, args.n)
        size_mb = stream.stat().st_size / 1e6
        import_s, import_cpu, import_rss, summary = run_import(workdir, stream)
        raw_s, raw_cpu, count, parse_s, parse_cpu = raw_executemany(workdir, stream)
    rows = [
        {
            "measure": "monitor import (reader process + writer)",
            "posts": args.n,
            "wall_s": import_s,
            "cpu_s": import_cpu,
            "posts_per_wall_s": args.n / import_s,
            "posts_per_cpu_s": args.n / import_cpu,
            "peak_rss_mb": import_rss,
        },
        {
            "measure": "raw sqlite3 executemany, same rows",
            "posts": int(count),
            "wall_s": raw_s,
            "cpu_s": raw_cpu,
            "posts_per_wall_s": count / raw_s,
            "posts_per_cpu_s": count / raw_cpu,
            "peak_rss_mb": float("nan"),
        },
    ]
    naive_s, naive_cpu = raw_s + parse_s, raw_cpu + parse_cpu
    rows.append(
        {
            "measure": "naive importer: json.loads + executemany",
            "posts": int(count),
            "wall_s": naive_s,
            "cpu_s": naive_cpu,
            "posts_per_wall_s": count / naive_s,
            "posts_per_cpu_s": count / naive_cpu,
            "peak_rss_mb": float("nan"),
        }
    )
    # Wall time moves with whatever else the machine runs; CPU time much less, so both ratios are given.
    ratio_wall = (args.n / import_s) / (count / raw_s)
    ratio_cpu = (args.n / import_cpu) / (count / raw_cpu)
    ratio_naive = (args.n / import_s) / (count / naive_s)
    extra = {
        "ratio_import_to_naive_wall": ratio_naive,
        "ratio_import_to_raw_wall": ratio_wall,
        "ratio_import_to_raw_cpu": ratio_cpu,
        "stream_mb": size_mb,
        "import_summary": summary,
        "targets": {"ratio_min": 0.1, "peak_rss_mb_max_at_1M": 500},
    }
    result = emit("ingest", f"Ingest of {args.n:,} posts ({size_mb:.0f} MB JSONL)", rows, extra)
    print(
        f"ratio import/raw executemany: wall {ratio_wall:.3f}, CPU {ratio_cpu:.3f} (target ≥ 0.1); "
        f"import/naive importer: wall {ratio_naive:.3f}; "
        f"import peak RSS {import_rss:.0f} MB; {summary}"
    )
    return result


if __name__ == "__main__":
    main()

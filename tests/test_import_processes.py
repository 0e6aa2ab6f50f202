"""`monitor import` as processes: overlapping imports on PostgreSQL, kill -9 leaves no process behind.

Two imports of overlapping files at once both succeed (batches are written in key order and retried when
they lose a deadlock). An import of a large file runs a reader process; killing the import with SIGKILL
at a random moment takes the reader (and multiprocessing's resource tracker) with it, and the next import
closes the killed runs as crashed and stores every post exactly once.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest
from sqlalchemy import func, select

from monitor.pipeline import PARALLEL_MIN_BYTES
from monitor.store import Database
from monitor.store.runs import CRASHED
from monitor.store.schema import IngestRun, Post

REPO = Path(__file__).resolve().parent.parent
TEXT = "Cek DPT kalian di cekdptonline sebelum pemilu 14 Februari, info TPS dan surat suara ya kawan"


def _export(path: Path, ids: list[int]) -> Path:
    with path.open("w", encoding="utf-8") as handle:
        for i in ids:
            item = {
                "platform": "x",
                "native_id": f"p{i:07d}",
                "text": f"{TEXT} #{i}",
                "created_at": "2024-02-14T08:00:00+07:00",
                "likes": i % 97,
                "author_handle": f"warga{i % 500}",
            }
            handle.write(json.dumps(item) + "\n")
    return path


def _command(path: Path) -> list[str]:
    return [sys.executable, "-m", "monitor.cli", "import", str(path), "--no-score", "-q"]


def _env(db_url: str, batch_size: int) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MONITOR_")}
    env.update(
        MONITOR_HOME=str(REPO),
        MONITOR_DATABASE_URL=db_url,
        MONITOR_PIPELINE__BATCH_SIZE=str(batch_size),
        PYTHONPATH=str(REPO),
    )
    return env


@pytest.mark.slow
@pytest.mark.postgres
def test_two_overlapping_imports_on_postgresql_both_succeed(pg_db: Database, tmp_path: Path) -> None:
    rng = random.Random(13)
    shared = list(range(6000))
    first_ids = shared + list(range(6000, 9000))
    second_ids = shared + list(range(9000, 12000))
    rng.shuffle(first_ids)
    rng.shuffle(second_ids)
    first = _export(tmp_path / "satu.jsonl", first_ids)
    second = _export(tmp_path / "dua.jsonl", second_ids)
    env = _env(pg_db.url, 300)
    runs = [
        subprocess.Popen(
            _command(path), env=env, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )
        for path in (first, second)
    ]
    outputs = [run.communicate(timeout=600) for run in runs]
    for run, (out, err) in zip(runs, outputs, strict=True):
        assert run.returncode == 0, err.decode()
        assert b"Traceback" not in err
        assert b"rejected=0" in out
    with pg_db.session() as session:
        assert session.scalar(select(func.count(Post.id))) == 12000
        finished = list(session.scalars(select(IngestRun)))
    assert len(finished) == 2 and all(r.finished_at and r.error is None for r in finished)
    # new vs updated is decided by a lookup before the write, so racing imports may both count a post new.
    assert sum(r.new + r.updated for r in finished) == 18000


def _children_once_reading(proc: subprocess.Popen[bytes], deadline: float) -> list[psutil.Process]:
    """The import's child processes, once its reader (and the resource tracker) are up."""
    parent = psutil.Process(proc.pid)
    while True:
        children = parent.children(recursive=True)
        if len(children) >= 2:
            return children
        assert proc.poll() is None, proc.communicate()[1].decode()
        assert time.monotonic() < deadline, "the import never started its reader process"
        time.sleep(0.05)


@pytest.mark.slow
def test_kill_9_of_an_import_leaves_no_process_and_the_next_start_closes_the_run(tmp_path: Path) -> None:
    db_url = f"sqlite:///{tmp_path / 'monitor.db'}"
    db = Database(db_url)
    db.upgrade()
    export = _export(tmp_path / "besar.jsonl", list(range(40_000)))
    assert export.stat().st_size >= PARALLEL_MIN_BYTES  # large enough for the reader process
    env = _env(db_url, 500)
    rng = random.Random()
    kills = 0
    for _ in range(3):
        proc = subprocess.Popen(
            _command(export), env=env, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )
        children = _children_once_reading(proc, time.monotonic() + 120)
        time.sleep(rng.uniform(0.0, 1.5))
        if proc.poll() is not None:  # finished before the kill: the last import below covers that case
            proc.communicate()
            continue
        proc.send_signal(signal.SIGKILL)
        proc.communicate(timeout=60)
        kills += 1
        deadline = time.monotonic() + 60
        while alive := [c for c in children if c.is_running() and c.status() != psutil.STATUS_ZOMBIE]:
            assert time.monotonic() < deadline, f"left behind: {[(c.pid, c.name()) for c in alive]}"
            time.sleep(0.1)
    with db.session() as session:
        # Each import closes the runs killed before it; the last killed one is still open here.
        open_runs = len(list(session.scalars(select(IngestRun).where(IngestRun.finished_at.is_(None)))))
    assert open_runs == min(kills, 1)
    final = subprocess.run(_command(export), env=env, cwd=tmp_path, capture_output=True, timeout=600)
    assert final.returncode == 0, final.stderr.decode()
    if open_runs:
        assert b"closed 1 earlier import run(s)" in final.stderr
    with db.session() as session:
        assert session.scalar(select(func.count(Post.id))) == 40_000
        runs = list(session.scalars(select(IngestRun).order_by(IngestRun.id)))
    assert all(run.finished_at is not None for run in runs)
    assert sum(run.error == CRASHED for run in runs) == kills
    assert runs[-1].error is None
    assert not list(tmp_path.glob("monitor.db.run-*.lock"))
    db.dispose()

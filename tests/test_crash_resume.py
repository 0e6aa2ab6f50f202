"""kill -9 in the middle of a collection, restart: every post is stored exactly once."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml
from httpserver import serve
from mastodon_stream import BASE_ID, timeline
from sqlalchemy import func, select

from monitor.store import Database
from monitor.store.schema import IngestRun, Post, Source

REPO = Path(__file__).resolve().parent.parent
TOTAL = 400

pytestmark = pytest.mark.slow


def monitor_env(tmp_path: Path, db_url: str, sources: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MONITOR_")}
    env.update(
        MONITOR_HOME=str(REPO),
        MONITOR_DATABASE_URL=db_url,
        MONITOR_PATHS__SOURCES_FILE=str(sources),
        MONITOR_PIPELINE__BATCH_SIZE="20",
        PYTHONUNBUFFERED="1",
    )
    return env


def count(db: Database) -> int:
    with db.session() as session:
        return session.scalar(select(func.count()).select_from(Post)) or 0


def test_sigkill_mid_run_then_restart_loses_and_duplicates_nothing(tmp_path: Path) -> None:
    db_url = f"sqlite:///{tmp_path / 'monitor.db'}"
    db = Database(db_url)
    db.upgrade()
    with serve() as server:
        server.route("/api/v1/timelines/tag/pemilu", handler=timeline(TOTAL, delay=0.05))
        sources = tmp_path / "sources.yml"
        options = {
            "base_url": server.url,
            "hashtags": ["pemilu"],
            "page_size": 20,
            "max_pages": 1000,
            "requests_per_minute": None,
        }
        sources.write_text(
            yaml.safe_dump({"sources": [{"name": "masto", "type": "mastodon", "options": options}]})
        )
        command = [sys.executable, "-m", "monitor.cli", "collect", "--source", "masto"]
        env = monitor_env(tmp_path, db_url, sources)

        first = subprocess.Popen(
            command, env=env, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
        )
        deadline = time.monotonic() + 60
        while count(db) < 100:
            assert first.poll() is None, first.stdout.read().decode()  # type: ignore[union-attr]
            assert time.monotonic() < deadline, "the collector never got going"
            time.sleep(0.02)
        first.send_signal(signal.SIGKILL)
        first.wait(10)
        killed_at = count(db)
        assert 100 <= killed_at < TOTAL, "the kill must land in the middle of the run"
        with db.session() as session:
            run = session.scalars(select(IngestRun)).one()
            assert run.finished_at is None  # the run really died
            cursor = session.scalars(select(Source)).one().cursor
        assert cursor["timelines"]["tag:pemilu"]["top"] == BASE_ID + TOTAL

        second = subprocess.run(command, env=env, cwd=tmp_path, capture_output=True, timeout=120)
        assert second.returncode == 0, second.stdout.decode() + second.stderr.decode()

    with db.session() as session:
        ids = list(session.scalars(select(Post.native_id)))
        source = session.scalars(select(Source)).one()
    assert len(ids) == TOTAL == len(set(ids))
    assert {int(i.rsplit("/", 1)[1]) - BASE_ID for i in ids} == set(range(1, TOTAL + 1))
    assert source.cursor["timelines"]["tag:pemilu"]["done"] == BASE_ID + TOTAL
    assert source.consecutive_failures == 0
    db.dispose()

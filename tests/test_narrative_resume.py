"""kill -9 in the middle of grouping, restart: every waiting post ends up grouped exactly once.

Grouping progress is derived from the database only (a post is done once it is a member or a response), so
`monitor score` / `monitor narratives assign` resume after any kill with exactly the posts still waiting."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select

from monitor import triage
from monitor.config import load_settings
from monitor.pipeline import Pipeline
from monitor.records import RawPost
from monitor.store import Database
from monitor.store import narratives as store
from monitor.store.schema import Narrative, NarrativeMember, Post

REPO = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.slow


def members(db: Database) -> int:
    with db.session() as session:
        return session.scalar(select(func.count()).select_from(NarrativeMember)) or 0


def test_sigkill_mid_grouping_then_restart_groups_every_post_once(tmp_path: Path) -> None:
    db_url = f"sqlite:///{tmp_path / 'monitor.db'}"
    db = Database(db_url)
    db.upgrade()
    settings = load_settings(REPO / "config" / "monitor.toml", database_url=db_url, home=REPO)
    rows = [json.loads(line) for line in (REPO / "tests/fixtures/narratives_labelled.jsonl").open()]
    Pipeline(db, settings).ingest(
        [
            RawPost(
                platform=r["platform"],
                native_id=r["id"],
                text=r["text"],
                created_at=datetime.fromisoformat(r["created_at"].replace("Z", "+00:00")),
                views=100,
            )
            for r in rows
        ]
    )
    with db.session() as session:
        ids = list(session.scalars(select(Post.id)))
        triage.record_scores(
            session, "m", [{"post_id": i, "score": 0.9, "flagged": True, "reach": 100} for i in ids]
        )
    env = {k: v for k, v in os.environ.items() if not k.startswith("MONITOR_")}
    env.update(MONITOR_HOME=str(REPO), MONITOR_DATABASE_URL=db_url, MONITOR_NARRATIVES__BATCH_SIZE="1")
    command = [sys.executable, "-m", "monitor.cli", "narratives", "assign"]

    first = subprocess.Popen(command, env=env, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 120
    while members(db) < 3:
        assert first.poll() is None, first.stdout.read().decode()  # type: ignore[union-attr]
        assert time.monotonic() < deadline, "grouping never got going"
        time.sleep(0.02)
    first.send_signal(signal.SIGKILL)
    first.wait(10)
    killed_at = members(db)
    assert 3 <= killed_at < len(ids), "the kill must land in the middle of the run"
    with db.session() as session:
        assert store.count_posts_to_group(session, settings.narratives.score_floor) == len(ids) - killed_at

    second = subprocess.run(command, env=env, cwd=tmp_path, capture_output=True, timeout=300)
    assert second.returncode == 0, second.stdout.decode() + second.stderr.decode()
    assert f"waiting={len(ids) - killed_at}" in second.stdout.decode()
    with db.session() as session:
        assert store.count_posts_to_group(session, settings.narratives.score_floor) == 0
        member_ids = list(session.scalars(select(NarrativeMember.post_id)))
        assert sorted(member_ids) == sorted(ids)  # every post once, none twice
        assert session.scalar(select(func.sum(Narrative.post_count))) == len(ids)
        grouped = dict(session.execute(select(Post.id, Post.narrative_id)).all())
        assert all(grouped[i] is not None for i in ids)
    db.dispose()

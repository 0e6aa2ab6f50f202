"""Work-claiming in the store (monitor.store.claiming) and concurrent scoring, on SQLite and PostgreSQL.

No broker here: these are the store primitives the distributed tasks stand on, and the fix for concurrent
`monitor score` runs (which crashed on duplicate scores before).
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from classify_corpus import REPO, train_tiny, write_claims, write_corpus
from sqlalchemy import func, select
from test_scoring import RELEVANT, KeywordModel, post

from monitor.config import Settings, load_settings
from monitor.pipeline import Pipeline
from monitor.scoring import score_pending
from monitor.store import Database, claiming, queries
from monitor.store.schema import NarrativeMember, Post, Score


def _ingest(db: Database, settings: Settings, n: int) -> None:
    Pipeline(db, settings).ingest(
        [post(i, f"{RELEVANT} {'hoaks' if i % 3 == 0 else ''} nomor {i}") for i in range(n)]
    )


def _score_rows(db: Database) -> tuple[int, int, int]:
    """(score rows, distinct posts among them, posts left unscored)."""
    with db.session() as session:
        rows = session.scalar(select(func.count()).select_from(Score)) or 0
        distinct = session.scalar(select(func.count(func.distinct(Score.post_id)))) or 0
        left = session.scalar(select(func.count()).where(Post.scored_version.is_(None))) or 0
    return rows, distinct, left


def test_concurrent_scorers_store_every_score_once(db: Database, settings: Settings) -> None:
    settings.pipeline.score_batch_size = 7
    _ingest(db, settings, 300)
    with db.session() as session:
        queries.upsert_known_claims(session, [{"key": "kh-1", "claim": "DPT palsu", "verdict": "salah"}])
    errors: list[BaseException] = []
    done: list[int] = []

    def scorer() -> None:
        try:
            done.append(score_pending(db, settings, KeywordModel()))
        except BaseException as exc:  # the assertion below names it
            errors.append(exc)

    threads = [threading.Thread(target=scorer) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert errors == []
    assert _score_rows(db) == (300, 300, 0)
    assert sum(done) >= 300
    if db.dialect == "postgresql":
        assert sum(done) == 300  # SKIP LOCKED: no page is scored twice
    with db.session() as session:
        assert queries.count_flagged(session) == 100


def test_a_second_write_of_the_same_scores_replaces_them(db: Database, settings: Settings) -> None:
    _ingest(db, settings, 3)
    with db.session() as session:
        ids = list(session.scalars(select(Post.id).order_by(Post.id)))
    result = {"score": 0.2, "flagged": False, "reasons": ["a"], "reach": 0}
    with db.session() as session:
        queries.save_scores(session, "v1", [{**result, "post_id": i} for i in ids])
    with db.session() as session:  # a redelivered task writes the same page again, with a new verdict
        queries.save_scores(
            session, "v1", [{**result, "post_id": i, "score": 0.9, "flagged": True} for i in ids]
        )
    with db.session() as session:
        scores = session.execute(select(Score.post_id, Score.score)).all()
    assert sorted(scores) == [(i, 0.9) for i in ids]


@pytest.mark.postgres
def test_claimed_pages_are_disjoint_on_postgresql(pg_db: Database, tmp_path: Path) -> None:
    settings = load_settings(REPO / "config" / "monitor.toml", database_url=pg_db.url, home=REPO)
    _ingest(pg_db, settings, 10)
    with (
        claiming.claimed_posts(pg_db, "v1", 4) as (_, first),
        claiming.claimed_posts(pg_db, "v1", 4) as (_, second),
        claiming.claimed_posts(pg_db, "v1", 4) as (_, third),
    ):
        pass  # all three claims are open together
    assert [len(first), len(second), len(third)] == [4, 4, 2]
    ids = [row[0] for row in first + second + third]
    assert len(set(ids)) == 10


def test_a_named_lock_is_held_by_one_holder_at_a_time(db: Database) -> None:
    with (
        claiming.hold_lock(db, "collect:masto") as first,
        claiming.hold_lock(db, "collect:masto") as second,
        claiming.hold_lock(db, "collect:x") as other,
    ):
        assert (first, second, other) == (True, False, True)
    with claiming.hold_lock(db, "collect:masto") as again:
        assert again


def test_a_waiting_lock_waits_for_the_holder(db: Database) -> None:
    order: list[str] = []
    held = threading.Event()

    def holder() -> None:
        with claiming.hold_lock(db, "narratives:group", wait=True):
            held.set()
            order.append("first in")
            # The waiter must still be waiting: it has not appended anything yet.
            for _ in range(20):
                threading.Event().wait(0.01)
            order.append("first out")

    thread = threading.Thread(target=holder)
    thread.start()
    assert held.wait(30)
    with claiming.hold_lock(db, "narratives:group", wait=True) as got:
        order.append("second in")
    thread.join(30)
    assert got and order == ["first in", "first out", "second in"]


def test_a_beat_slot_is_won_once(db: Database) -> None:
    now = datetime(2024, 2, 14, 1, 0, tzinfo=UTC)
    gap = timedelta(minutes=10)
    with db.session() as session:
        assert claiming.claim_beat_slot(session, "collect:masto", "monitor.collect", now, gap)
    with db.session() as session:  # a restarted beat, one minute later
        assert not claiming.claim_beat_slot(session, "collect:masto", "monitor.collect", now + gap / 10, gap)
    with db.session() as session:
        assert claiming.claim_beat_slot(session, "collect:masto", "monitor.collect", now + gap, gap)
        assert claiming.beat_counts(session) == {"collect:masto": 2}
        assert claiming.beat_last_enqueued(session) == {"collect:masto": now + gap}


def test_known_claims_seen_twice_at_once_are_added_once(db: Database) -> None:
    claim = {"key": "https://cekfakta.example/1", "claim": "Server KPU di luar negeri", "verdict": "salah"}
    second: list[int] = []
    with db.session() as first:
        assert queries.upsert_known_claims(first, [claim]) == 1
        # Another collector reads the same fact-check before this transaction commits; its insert waits
        # for ours and then adds nothing (before: a duplicate-key error on known_claims.key).
        thread = threading.Thread(target=lambda: second.append(_upsert_claim(db, claim)))
        thread.start()
        thread.join(0.5)
    thread.join(60)
    assert second == [0]
    with db.session() as session:
        assert len(queries.known_claims(session)) == 1


def _upsert_claim(db: Database, claim: dict) -> int:
    with db.session() as session:
        return queries.upsert_known_claims(session, [claim])


# -- the reported crash: three `monitor score` processes at once ------------------------------------------
@pytest.mark.slow
def test_three_concurrent_monitor_score_runs_all_succeed(db: Database, tmp_path: Path) -> None:
    (tmp_path / "data" / "seed").mkdir(parents=True)
    write_corpus(tmp_path / "data" / "seed" / "posts.jsonl")
    write_claims(tmp_path / "data" / "known_hoaxes.jsonl")
    train_tiny(tmp_path / "models" / "default", version="tiny-default")
    settings = load_settings(
        REPO / "config" / "monitor.toml",
        database_url=db.url,
        home=tmp_path,
        paths={"keywords_file": str(REPO / "config" / "keywords.yml")},
    )
    _ingest(db, settings, 1500)
    env = {k: v for k, v in os.environ.items() if not k.startswith("MONITOR_")}
    env.update(
        MONITOR_HOME=str(tmp_path),
        MONITOR_DATABASE_URL=db.url,
        MONITOR_PATHS__KEYWORDS_FILE=str(REPO / "config" / "keywords.yml"),
        MONITOR_PIPELINE__SCORE_BATCH_SIZE="50",
        PYTHONPATH=str(REPO) + os.pathsep + env.get("PYTHONPATH", ""),
    )
    command = [sys.executable, "-m", "monitor.cli", "score", "--quiet"]
    runs = [
        subprocess.Popen(command, env=env, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        for _ in range(3)
    ]
    outputs = [run.communicate(timeout=600)[0].decode() for run in runs]
    assert [run.returncode for run in runs] == [0, 0, 0], "\n---\n".join(outputs)
    assert _score_rows(db) == (1500, 1500, 0)
    with db.session() as session:
        members = session.scalar(select(func.count()).select_from(NarrativeMember)) or 0
        grouped = session.scalar(select(func.count()).where(Post.narrative_id.is_not(None))) or 0
    assert members == grouped  # every grouped post joined exactly one narrative, once

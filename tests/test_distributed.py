"""Distributed mode on the real RabbitMQ and PostgreSQL: workers killed with -9 mid-task, targets never
collected twice at once. Beat is in test_distributed_beat.py; the store primitives in
test_distributed_store.py.

Every test runs `monitor worker` processes against a private vhost and the test process's scratch
PostgreSQL database; they skip with the reason when RabbitMQ or PostgreSQL is unreachable.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from classify_corpus import HOAX, train_tiny, write_claims, write_corpus
from distributed_harness import (
    REPO,
    Broker,
    Proc,
    broker_for_session,
    kill_leftovers,
    monitor_env,
    purge,
    queue_depth,
    wait_until,
)
from httpserver import Reply, Request, serve
from mastodon_stream import BASE_ID, timeline
from sqlalchemy import func, select
from test_scoring import RELEVANT, post

from monitor.config import Settings, load_settings
from monitor.distributed.app import configure
from monitor.pipeline import Pipeline
from monitor.store import Database
from monitor.store.schema import IngestRun, NarrativeMember, Post, Score, Source

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

TOTAL = 400


@pytest.fixture(scope="session")
def broker() -> Iterator[Broker]:
    yield from broker_for_session()


@pytest.fixture(autouse=True)
def _no_leftover_processes() -> Iterator[None]:
    yield
    kill_leftovers()


def _home(tmp_path: Path, db: Database, sources: list[dict] | None = None) -> Settings:
    (tmp_path / "data" / "seed").mkdir(parents=True, exist_ok=True)
    write_corpus(tmp_path / "data" / "seed" / "posts.jsonl")
    write_claims(tmp_path / "data" / "known_hoaxes.jsonl")
    (tmp_path / "config").mkdir(exist_ok=True)
    (tmp_path / "config" / "sources.yml").write_text(yaml.safe_dump({"sources": sources or []}))
    return load_settings(
        REPO / "config" / "monitor.toml",
        database_url=db.url,
        home=tmp_path,
        paths={"keywords_file": str(REPO / "config" / "keywords.yml")},
    )


def _sender(settings: Settings, broker: Broker):  # noqa: ANN202  (the configured Celery app)
    return configure(
        settings.model_copy(
            update={
                "distributed": settings.distributed.model_copy(
                    update={"broker_url": broker.url, "queue_prefix": broker.prefix}
                )
            }
        )
    )


def _count(db: Database, what=Post) -> int:  # noqa: ANN001
    with db.session() as session:
        return session.scalar(select(func.count()).select_from(what)) or 0


def _masto_source(url: str) -> dict:
    options = {"base_url": url, "hashtags": ["pemilu"], "page_size": 20, "max_pages": 1000}
    return {"name": "masto", "type": "mastodon", "options": {**options, "requests_per_minute": None}}


def _worker(tmp_path: Path, db: Database, broker: Broker, name: str, queues: str, **env: str) -> Proc:
    proc = Proc(
        ["worker", "--queues", queues, "--concurrency", "1"],
        monitor_env(tmp_path, db.url, broker, **env),
        tmp_path / f"{name}.log",
    )
    proc.wait_for(" ready.")
    return proc


def test_worker_killed_mid_collection_loses_and_duplicates_nothing(
    pg_db: Database, broker: Broker, tmp_path: Path
) -> None:
    purge(broker, "collect")
    with serve() as server:
        server.route("/api/v1/timelines/tag/pemilu", handler=timeline(TOTAL, delay=0.2))
        settings = _home(tmp_path, pg_db, [_masto_source(server.url)])
        env = {"MONITOR_PIPELINE__BATCH_SIZE": "20"}
        first = _worker(tmp_path, pg_db, broker, "worker-a", "collect", **env)
        _sender(settings, broker).send_task("monitor.collect", args=["masto"])
        wait_until(lambda: _count(pg_db) >= 100, 180, "the first worker never got going", first)
        first.kill9()
        killed_at = _count(pg_db)
        assert 100 <= killed_at < TOTAL, "the kill must land in the middle of the collection"

        # Nothing is sent again: the unacknowledged message goes back to the queue, the second worker
        # takes it, and the collection continues from the cursor saved with the last batch.
        second = _worker(tmp_path, pg_db, broker, "worker-b", "collect", **env)

        def finished() -> bool:
            with pg_db.session() as session:
                runs = session.scalars(select(IngestRun).where(IngestRun.finished_at.is_not(None))).all()
            return any(run.error is None for run in runs)

        wait_until(finished, 300, "the redelivered collection never finished", second)
        wait_until(lambda: queue_depth(broker, "collect") == 0, 60, "the message is still queued", second)
        assert second.stop() == 0
    assert "redelivered': True" in second.output()
    with pg_db.session() as session:
        ids = list(session.scalars(select(Post.native_id)))
        source = session.scalars(select(Source)).one()
    assert len(ids) == TOTAL == len(set(ids))
    assert {int(i.rsplit("/", 1)[1]) - BASE_ID for i in ids} == set(range(1, TOTAL + 1))
    assert source.cursor["timelines"]["tag:pemilu"]["done"] == BASE_ID + TOTAL


def test_worker_killed_mid_scoring_scores_every_post_once(
    pg_db: Database, broker: Broker, tmp_path: Path
) -> None:
    purge(broker, "score")
    settings = _home(tmp_path, pg_db)
    train_tiny(tmp_path / "models" / "default", version="tiny-default")
    n = 3000
    Pipeline(pg_db, settings).ingest(
        [post(i, f"{HOAX[0].format(p='paslon 02') if i % 4 == 0 else RELEVANT} nomor {i}") for i in range(n)]
    )
    assert _count(pg_db) == n
    env = {"MONITOR_PIPELINE__SCORE_BATCH_SIZE": "20"}
    first = _worker(tmp_path, pg_db, broker, "scorer-a", "score", **env)
    _sender(settings, broker).send_task("monitor.score")
    wait_until(lambda: _count(pg_db, Score) >= 400, 300, "the first scorer never got going", first)
    first.kill9()
    assert _count(pg_db, Score) < n, "the kill must land in the middle of the scoring"

    second = _worker(tmp_path, pg_db, broker, "scorer-b", "score", **env)

    def all_scored() -> bool:
        with pg_db.session() as session:
            return not session.scalar(select(func.count()).where(Post.scored_version.is_(None)))

    wait_until(all_scored, 300, "the redelivered scoring never finished", second)
    wait_until(lambda: "succeeded" in second.output(), 300, "the scoring task never finished", second)
    assert second.stop() == 0
    assert queue_depth(broker, "score") == 0
    with pg_db.session() as session:
        rows = session.scalar(select(func.count()).select_from(Score))
        distinct = session.scalar(select(func.count(func.distinct(Score.post_id))))
        versions = set(session.scalars(select(Post.scored_version)))
        members = session.scalar(select(func.count()).select_from(NarrativeMember))
        grouped = session.scalar(select(func.count()).where(Post.narrative_id.is_not(None)))
    assert (rows, distinct, versions) == (n, n, {"tiny-default"})
    assert members == grouped > 0  # the flagged posts were grouped, each once


def test_two_workers_never_collect_one_target_at_once(
    pg_db: Database, broker: Broker, tmp_path: Path
) -> None:
    purge(broker, "collect")
    inner = timeline(TOTAL)
    lock = threading.Lock()
    state = {"now": 0, "max": 0, "requests": 0}

    def counting(request: Request) -> Reply:
        with lock:
            state["now"] += 1
            state["requests"] += 1
            state["max"] = max(state["max"], state["now"])
        try:
            time.sleep(0.1)  # a slow page, so the two workers' tasks overlap in time
            return inner(request)
        finally:
            with lock:
                state["now"] -= 1

    with serve() as server:
        server.route("/api/v1/timelines/tag/pemilu", handler=counting)
        settings = _home(tmp_path, pg_db, [_masto_source(server.url)])
        env = {"MONITOR_PIPELINE__BATCH_SIZE": "20"}
        workers = [_worker(tmp_path, pg_db, broker, f"collector-{i}", "collect", **env) for i in range(2)]
        sender = _sender(settings, broker)
        for _ in range(4):
            sender.send_task("monitor.collect", args=["masto"])

        def settled() -> bool:
            outputs = "".join(w.output() for w in workers)
            return outputs.count("monitor.collect[") >= 8 and outputs.count("succeeded in") >= 4

        wait_until(settled, 300, "the four tasks never finished", workers[0])
        codes = [w.stop() for w in workers]
    assert codes == [0, 0]
    outputs = [w.output() for w in workers]
    assert all("succeeded in" in out for out in outputs), "both workers must have taken tasks"
    assert "another worker is collecting it now" in "".join(outputs)
    assert state["max"] == 1, f"{state['max']} requests for one target were in flight at once"
    with pg_db.session() as session:
        runs = session.scalars(select(IngestRun).order_by(IngestRun.started_at)).all()
        ids = list(session.scalars(select(Post.native_id)))
    assert len(ids) == TOTAL == len(set(ids))
    for earlier, later in zip(runs, runs[1:], strict=False):
        assert earlier.finished_at is not None and earlier.finished_at <= later.started_at

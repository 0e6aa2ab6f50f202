"""`monitor run`: jobs fire at short intervals, never overlap, stop cleanly on SIGTERM; one runner per DB."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import yaml
from httpserver import serve
from mastodon_stream import timeline
from sqlalchemy import select

from monitor.config import load_settings
from monitor.scheduler import _first_run, build_scheduler
from monitor.store import Database
from monitor.store.locks import LockHeld, RunnerLock
from monitor.store.schema import IngestRun

REPO = Path(__file__).resolve().parent.parent


def env_for(db_url: str, sources: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MONITOR_")}
    env.update(
        MONITOR_HOME=str(REPO),
        MONITOR_DATABASE_URL=db_url,
        MONITOR_PATHS__SOURCES_FILE=str(sources),
        MONITOR_PIPELINE__BATCH_SIZE="5",
        PYTHONUNBUFFERED="1",
    )
    return env


def test_first_run_continues_the_rhythm() -> None:
    now = datetime(2024, 2, 14, 12, 0, tzinfo=UTC)
    assert _first_run(None, timedelta(minutes=30), now) == now
    assert _first_run(now - timedelta(minutes=10), timedelta(minutes=30), now) == now + timedelta(minutes=20)
    assert _first_run(now - timedelta(hours=2), timedelta(minutes=30), now) == now


def test_jobs_are_built_from_the_configuration(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NO_SUCH_TOKEN", raising=False)
    sources = tmp_path / "sources.yml"
    sources.write_text(
        yaml.safe_dump(
            {
                "sources": [
                    {
                        "name": "masto",
                        "type": "mastodon",
                        "interval_minutes": 5,
                        "options": {"base_url": "http://127.0.0.1:9", "hashtags": ["pemilu"]},
                    },
                    {
                        "name": "off",
                        "type": "mastodon",
                        "enabled": False,
                        "options": {"base_url": "http://127.0.0.1:9", "hashtags": ["pemilu"]},
                    },
                    {
                        "name": "x",
                        "type": "x",
                        "options": {"queries": ["pemilu"], "bearer_token_env": "NO_SUCH_TOKEN"},
                    },
                ]
            }
        )
    )
    db = Database(f"sqlite:///{tmp_path / 'm.db'}")
    db.upgrade()
    cfg = load_settings(
        REPO / "config" / "monitor.toml", database_url=db.url, home=REPO, paths={"sources_file": str(sources)}
    )
    scheduler = build_scheduler(cfg, db)
    jobs = {job.id: job for job in scheduler.get_jobs()}
    # Switched-off sources are scheduled too: each run reads the switch, so the Sumber page needs no restart.
    assert set(jobs) == {
        "source:masto",
        "source:off",
        "score-backlog",
        "weekly-report",
        "alerts",
        "evidence-pending",
        "tipline-verdicts",  # config/tipline.yml enables the Telegram channel
    }
    assert jobs["source:masto"].trigger.interval == timedelta(minutes=5)
    assert jobs["tipline-verdicts"].trigger.interval == timedelta(seconds=60)
    assert str(scheduler.timezone) == "Asia/Jakarta"
    weekly = jobs["weekly-report"].trigger
    fire = weekly.get_next_fire_time(None, datetime(2024, 2, 14, 12, 0, tzinfo=UTC))
    assert (fire.weekday(), fire.hour, fire.minute, fire.utcoffset()) == (0, 7, 0, timedelta(hours=7))
    for job in jobs.values():
        assert (job.coalesce, job.max_instances) == (True, 1) and job.misfire_grace_time >= 60
    db.dispose()


def test_runner_lock_on_sqlite(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'm.db'}"
    with RunnerLock(url), pytest.raises(LockHeld, match="already running"):
        RunnerLock(url).acquire()
    with RunnerLock(url):
        pass  # released after the first holder left


@pytest.mark.postgres
def test_runner_lock_on_postgresql(pg_url: str) -> None:
    with RunnerLock(pg_url), pytest.raises(LockHeld, match="PostgreSQL"):
        RunnerLock(pg_url).acquire()
    with RunnerLock(pg_url):
        pass


@pytest.mark.slow
def test_run_fires_jobs_without_overlap_and_stops_on_sigterm(tmp_path: Path) -> None:
    db_url = f"sqlite:///{tmp_path / 'monitor.db'}"
    db = Database(db_url)
    db.upgrade()
    with serve() as server:
        # Each page takes 0.4 s and the job is due every 1.2 s: the first runs (4 pages, 1.6 s) outlast
        # their interval, so without max_instances=1 they would overlap.
        server.route("/api/v1/timelines/tag/pemilu", handler=timeline(60, delay=0.4))
        options = {
            "base_url": server.url,
            "hashtags": ["pemilu"],
            "page_size": 5,
            "max_pages": 4,
            "requests_per_minute": None,
        }
        sources = tmp_path / "sources.yml"
        sources.write_text(
            yaml.safe_dump(
                {
                    "sources": [
                        {"name": "masto", "type": "mastodon", "interval_minutes": 0.02, "options": options},
                    ]
                }
            )
        )
        env = env_for(db_url, sources)
        command = [
            sys.executable,
            "-m",
            "monitor.cli",
            "run",
            "--score-minutes",
            "60",
            "--alert-minutes",
            "60",
        ]
        runner = subprocess.Popen(
            command, env=env, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )
        try:
            deadline = time.monotonic() + 60
            while True:
                with db.session() as session:
                    runs = list(session.scalars(select(IngestRun).where(IngestRun.finished_at.is_not(None))))
                if len(runs) >= 3:
                    break
                assert runner.poll() is None, runner.communicate()[1].decode()
                assert time.monotonic() < deadline, "jobs did not fire"
                time.sleep(0.1)
            second = subprocess.run(command, env=env, cwd=tmp_path, capture_output=True, timeout=60)
            assert second.returncode == 2
            assert "already running" in second.stderr.decode()
            time.sleep(0.3)  # let a run be in flight
            runner.send_signal(signal.SIGTERM)
            _, err = runner.communicate(timeout=30)
        finally:
            if runner.poll() is None:
                runner.kill()
        assert runner.returncode == 0, err.decode()
        assert "scheduler stopped" in err.decode()

    with db.session() as session:
        runs = list(session.scalars(select(IngestRun).order_by(IngestRun.started_at)))
    assert len(runs) >= 3
    assert all(run.finished_at is not None for run in runs), "SIGTERM must let the run in hand finish"
    for earlier, later in zip(runs, runs[1:], strict=False):
        assert earlier.finished_at <= later.started_at, "two runs of the same source overlapped"
    with db.session() as session:
        from monitor.store.schema import Post

        stored = list(session.scalars(select(Post.native_id)))
    assert len(stored) == len(set(stored)) == 60
    db.dispose()


def _feed_source(name: str, url: str, **options: object) -> dict:
    opts = {"base_url": url, "feeds": [f"/{name}.xml"], "publisher": name, "requests_per_minute": None}
    return {"name": name, "type": "feed", "interval_minutes": 0.02, "options": {**opts, **options}}


def _runs(db: Database, source: str) -> list[IngestRun]:
    with db.session() as session:
        query = select(IngestRun).where(IngestRun.source_name == source).order_by(IngestRun.id)
        return list(session.scalars(query))


@pytest.mark.slow
def test_two_dripping_sources_do_not_stall_the_scheduler(tmp_path: Path) -> None:
    db_url = f"sqlite:///{tmp_path / 'monitor.db'}"
    db = Database(db_url)
    db.upgrade()
    feed = (REPO / "tests" / "fixtures" / "recorded" / "feeds" / "turnbackhoax_feed.xml").read_bytes()
    with serve() as server:
        server.route("/api/v1/timelines/tag/pemilu", handler=timeline(30))
        for name in ("drip1", "drip2"):
            server.route(f"/{name}.xml", body=feed, content_type="application/rss+xml")
            server.fault(f"/{name}.xml", "drip", seconds=1.0, times=None)  # ~5000 s for the whole feed
        masto = {"base_url": server.url, "hashtags": ["pemilu"], "page_size": 10, "requests_per_minute": None}
        sources = tmp_path / "sources.yml"
        sources.write_text(
            yaml.safe_dump(
                {
                    "sources": [
                        _feed_source("drip1", server.url, deadline=2, timeout=2),
                        _feed_source("drip2", server.url, deadline=2, timeout=2),
                        {"name": "masto", "type": "mastodon", "interval_minutes": 0.02, "options": masto},
                    ]
                }
            )
        )
        command = [
            sys.executable,
            "-m",
            "monitor.cli",
            "run",
            "--score-minutes",
            "60",
            "--alert-minutes",
            "60",
        ]
        runner = subprocess.Popen(
            command,
            env=env_for(db_url, sources),
            cwd=tmp_path,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        try:
            deadline = time.monotonic() + 120
            while True:
                good = [r for r in _runs(db, "masto") if r.finished_at is not None]
                dripped = [
                    r for name in ("drip1", "drip2") for r in _runs(db, name) if "deadline" in (r.error or "")
                ]
                if len(good) >= 3 and len(dripped) >= 2:
                    break
                assert runner.poll() is None, runner.communicate()[1].decode()
                assert time.monotonic() < deadline, f"good runs {len(good)}, deadline failures {len(dripped)}"
                time.sleep(0.2)
            runner.send_signal(signal.SIGTERM)
            _, err = runner.communicate(timeout=60)
        finally:
            if runner.poll() is None:
                runner.kill()
    assert runner.returncode == 0, err.decode()
    with db.session() as session:
        from monitor.store.schema import Post

        stored = list(session.scalars(select(Post.native_id).where(Post.platform == "mastodon")))
    assert len(stored) == len(set(stored)) == 30  # the good source collected everything meanwhile
    db.dispose()


@pytest.mark.slow
def test_a_run_killed_with_sigkill_is_closed_as_crashed_at_the_next_start(tmp_path: Path) -> None:
    db_url = f"sqlite:///{tmp_path / 'monitor.db'}"
    db = Database(db_url)
    db.upgrade()
    feed = (REPO / "tests" / "fixtures" / "recorded" / "feeds" / "turnbackhoax_feed.xml").read_bytes()
    with serve() as server:
        server.route("/slow.xml", body=feed, content_type="application/rss+xml")
        server.fault("/slow.xml", "drip", seconds=1.0, times=None)
        sources = tmp_path / "sources.yml"
        sources.write_text(
            yaml.safe_dump({"sources": [_feed_source("slow", server.url, deadline=600, timeout=30)]})
        )
        env = env_for(db_url, sources)
        runner = subprocess.Popen(
            [sys.executable, "-m", "monitor.cli", "run"], env=env, cwd=tmp_path, stderr=subprocess.PIPE
        )
        try:
            deadline = time.monotonic() + 60
            while not [r for r in _runs(db, "slow") if r.finished_at is None]:
                assert runner.poll() is None, runner.communicate()[1].decode()
                assert time.monotonic() < deadline, "the run did not start"
                time.sleep(0.1)
        finally:
            runner.kill()  # SIGKILL: no chance to close the run
            runner.communicate(timeout=30)
        (killed,) = _runs(db, "slow")
        assert killed.finished_at is None
        server.clear_faults()
        again = subprocess.run(
            [sys.executable, "-m", "monitor.cli", "collect"],
            env=env,
            cwd=tmp_path,
            capture_output=True,
            timeout=120,
        )
    assert again.returncode == 0, again.stderr.decode()
    first, second = _runs(db, "slow")
    assert first.id == killed.id and first.finished_at is not None and first.error.startswith("crashed:")
    assert second.error is None and second.read == 4
    db.dispose()


class _Planted:
    """Unpickling this runs os.mkdir(marker): what an attacker's row in a pickle job store would do."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[object, tuple[str]]:
        return (os.mkdir, (str(self.marker),))


def _plant_job(db: Database, job_id: str, marker: Path) -> None:
    """A row in `apscheduler_jobs`, made the way APScheduler's SQLAlchemy job store makes its table."""
    import pickle

    from sqlalchemy import Column, Float, LargeBinary, MetaData, Table, Unicode

    table = Table(
        "apscheduler_jobs",
        MetaData(),
        Column("id", Unicode(191), primary_key=True),
        Column("next_run_time", Float(25), index=True),
        Column("job_state", LargeBinary, nullable=False),
    )
    table.create(db.engine, checkfirst=True)
    with db.engine.begin() as connection:
        connection.execute(
            table.insert().values(id=job_id, next_run_time=0.0, job_state=pickle.dumps(_Planted(marker)))
        )


@pytest.mark.slow
@pytest.mark.parametrize("backend", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def test_planted_pickle_job_row_runs_nothing(
    tmp_path: Path, backend: str, request: pytest.FixtureRequest
) -> None:
    import pickle

    # The payload is live: unpickling it does create its marker.
    probe = tmp_path / "probe"
    pickle.loads(pickle.dumps(_Planted(probe)))
    assert probe.is_dir()

    if backend == "sqlite":
        db_url = f"sqlite:///{tmp_path / 'monitor.db'}"
        db = Database(db_url)
        db.upgrade()
    else:
        db = request.getfixturevalue("pg_db")
        db_url = db.url
    before, during = tmp_path / "planted-before-start", tmp_path / "planted-while-running"
    _plant_job(db, "planted-before", before)
    sources = tmp_path / "sources.yml"
    sources.write_text(yaml.safe_dump({"sources": []}))
    command = [sys.executable, "-m", "monitor.cli", "run", "--score-minutes", "60", "--alert-minutes", "60"]
    log_path = tmp_path / "run.log"
    with log_path.open("wb") as log_file:
        runner = subprocess.Popen(
            command, env=env_for(db_url, sources), cwd=tmp_path, stdout=log_file, stderr=subprocess.STDOUT
        )
        try:
            deadline = time.monotonic() + 60
            while b"scheduler started" not in log_path.read_bytes():
                assert runner.poll() is None, log_path.read_text()
                assert time.monotonic() < deadline, "the scheduler did not start"
                time.sleep(0.1)
            _plant_job(db, "planted-during", during)
            # APScheduler's SQLAlchemy store would have loaded the due rows on start and on every wakeup;
            # give a memory store the same chance to misbehave (it never reads the table).
            time.sleep(2)
            runner.send_signal(signal.SIGTERM)
            runner.wait(timeout=60)
        finally:
            if runner.poll() is None:
                runner.kill()
    output = log_path.read_text()
    assert runner.returncode == 0, output
    assert not before.exists() and not during.exists(), output
    assert "planted" not in output
    # The planted table is no table of ours: leave the shared PostgreSQL test database as migrations made it.
    with db.engine.begin() as connection:
        connection.exec_driver_sql("DROP TABLE IF EXISTS apscheduler_jobs")
    if backend == "sqlite":
        db.dispose()

"""Shared fixtures: settings, SQLite and PostgreSQL databases, the shared datasets folder.

PostgreSQL runs on 127.0.0.1:5432 (trust auth, database `test`) on this machine kind. Each pytest process
creates its own scratch database next to `test` so parallel runs never see each other's rows; tests that
need PostgreSQL skip with a clear reason when the server is unreachable.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text

from monitor.config import Settings, load_settings
from monitor.store import Database
from monitor.store.schema import Base

REPO = Path(__file__).resolve().parent.parent
SHARED_DATASETS = REPO.parent / "shared" / "datasets"
PG_ADMIN_URL = os.environ.get("MONITOR_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
for _key in [key for key in os.environ if key.startswith("MONITOR_") and key != "MONITOR_TEST_PG_URL"]:
    del os.environ[_key]  # a developer's own overrides must not leak into the tests


def _pg_reachable() -> str | None:
    try:
        engine = create_engine(PG_ADMIN_URL, connect_args={"connect_timeout": 3})
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        engine.dispose()
        return None
    except Exception as exc:  # any failure means: skip, and say why
        return f"PostgreSQL not reachable at {PG_ADMIN_URL}: {type(exc).__name__}: {exc}"


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    """A scratch PostgreSQL database for this test process, dropped at the end."""
    reason = _pg_reachable()
    if reason:
        pytest.skip(reason)
    name = f"monitor_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name
    try:
        yield url
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session")
def _pg_migrated(pg_url: str) -> str:
    db = Database(pg_url)
    db.upgrade()
    db.dispose()
    return pg_url


def _truncate_all(db: Database) -> None:
    """Empty every table between tests.

    `triage_events` refuses TRUNCATE through a trigger (migration 0004). Tests reset it the way an operator
    with superuser rights could: `session_replication_role = replica` disables ordinary triggers for this one
    transaction only (SET LOCAL), so the guard stays on for everything the tests themselves run."""
    tables = ", ".join(f'"{t.name}"' for t in reversed(Base.metadata.sorted_tables))
    with db.engine.begin() as connection:
        connection.execute(text("SET LOCAL session_replication_role = replica"))
        connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))


@pytest.fixture
def sqlite_db(tmp_path: Path) -> Iterator[Database]:
    db = Database(f"sqlite:///{tmp_path / 'monitor.db'}")
    db.upgrade()
    yield db
    db.dispose()


@pytest.fixture
def pg_db(_pg_migrated: str) -> Iterator[Database]:
    db = Database(_pg_migrated)
    _truncate_all(db)
    yield db
    db.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db(request: pytest.FixtureRequest) -> Database:
    """The same test on SQLite and on PostgreSQL."""
    return request.getfixturevalue("sqlite_db" if request.param == "sqlite" else "pg_db")


@pytest.fixture
def settings(db: Database) -> Settings:
    """Settings of the repository's config/, pointed at the test database."""
    return load_settings(REPO / "config" / "monitor.toml", database_url=db.url, home=REPO)


@pytest.fixture
def shared_datasets() -> Path:
    if not SHARED_DATASETS.is_dir():
        pytest.skip(f"{SHARED_DATASETS} is absent (the public datasets live outside the project)")
    return SHARED_DATASETS


@pytest.fixture
def cheap_hashes(monkeypatch: pytest.MonkeyPatch) -> None:
    """Argon2 at its cheapest for tests that create accounts (`pytestmark = usefixtures("cheap_hashes")`)."""
    from triage_seed import CHEAP_HASHER

    from monitor import auth

    monkeypatch.setattr(auth, "_hasher", CHEAP_HASHER)


def run_bench(
    name: str, args: list[str], results: Path, **env: str
) -> tuple[subprocess.CompletedProcess, Any]:
    """Run `python -m bench.NAME ARGS` from the repository with a clean MONITOR_* environment (plus `env`),
    writing its JSON into `results`; asserts it exited 0 and returns the process and the parsed JSON."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("MONITOR_")}
    clean.update(MONITOR_BENCH_RESULTS=str(results), **env)
    done = subprocess.run(
        [sys.executable, "-m", f"bench.{name}", *args],
        cwd=Path(__file__).resolve().parent.parent,
        env=clean,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return done, json.loads((results / f"{name}.json").read_text())

"""A single-runner lock per database, so two `monitor run` (or `collect`) never collect at once.

SQLite: an exclusive, non-blocking `flock` on `<database file>.lock` (released by the kernel when the
process dies, even on kill -9). PostgreSQL: `pg_try_advisory_lock` held on a dedicated connection (released
when that connection closes, including when the process dies).
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import socket
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.pool import NullPool


class LockHeld(RuntimeError):
    """Another process holds the runner lock of this database."""


def _advisory_key(name: str) -> int:
    digest = hashlib.sha256(f"election-monitor:{name}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


class RunnerLock:
    """`with RunnerLock(url):` — hold the database's runner lock or raise LockHeld with a clear message."""

    def __init__(self, url: str, name: str = "collector") -> None:
        self.url = url
        self.name = name
        self._file: Any = None
        self._engine: Engine | None = None
        self._connection: Connection | None = None
        parsed = make_url(url)
        self.dialect = parsed.get_backend_name()
        self.path: Path | None = None
        self.database = parsed.database
        if self.dialect == "sqlite":
            database = parsed.database
            if database and database != ":memory:" and not database.startswith("file::memory:"):
                self.path = Path(database).resolve().with_name(Path(database).name + f".{name}.lock")

    def acquire(self) -> RunnerLock:
        if self.dialect == "sqlite":
            self._acquire_file()
        elif self.dialect == "postgresql":
            self._acquire_advisory()
        return self

    def _acquire_file(self) -> None:
        if self.path is None:
            return  # an in-memory database belongs to this process alone
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle = open(self.path, "a+", encoding="utf-8")  # noqa: SIM115  (held for the lock's lifetime)
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "another process"
            handle.close()
            raise LockHeld(
                f"another collector is already running against {self.database} "
                f"({holder}); stop it first, or wait for it to finish"
            ) from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"pid {os.getpid()} on {socket.gethostname()}")
        handle.flush()
        self._file = handle

    def _acquire_advisory(self) -> None:
        self._engine = create_engine(self.url, poolclass=NullPool)
        connection = self._engine.connect()
        got = connection.execute(
            text("SELECT pg_try_advisory_lock(:key)"), {"key": _advisory_key(self.name)}
        ).scalar()
        connection.commit()
        if not got:
            connection.close()
            self._engine.dispose()
            self._engine = None
            where = make_url(self.url).render_as_string(hide_password=True)
            raise LockHeld(
                f"another collector is already running against this PostgreSQL database ({where}); "
                "stop it first, or wait for it to finish"
            )
        self._connection = connection

    def release(self) -> None:
        if self._file is not None:
            try:
                self._file.seek(0)
                self._file.truncate()
                fcntl.flock(self._file.fileno(), fcntl.LOCK_UN)
            finally:
                self._file.close()
                self._file = None
        if self._connection is not None:
            try:
                self._connection.execute(
                    text("SELECT pg_advisory_unlock(:key)"), {"key": _advisory_key(self.name)}
                )
                self._connection.commit()
            finally:
                self._connection.close()
                self._connection = None
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None

    def __enter__(self) -> RunnerLock:
        return self.acquire()

    def __exit__(self, *exc: object) -> None:
        self.release()

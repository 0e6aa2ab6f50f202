"""Helpers for the distributed-mode tests: a private RabbitMQ vhost, worker and beat processes, polling.

The broker is the real RabbitMQ on 127.0.0.1:5672 (guest/guest). Each pytest process gets its own vhost
(`rabbitmqctl add_vhost`), so parallel runs never see each other's messages; where rabbitmqctl is not
available the run uses the default vhost with queue names under a unique prefix instead.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import pytest

REPO = Path(__file__).resolve().parent.parent
BROKER_HOST = os.environ.get("MONITOR_TEST_AMQP", "amqp://guest:guest@127.0.0.1:5672")


@dataclass(frozen=True)
class Broker:
    url: str
    prefix: str


def _broker_reachable(url: str) -> str | None:
    from kombu import Connection

    try:
        with Connection(url, connect_timeout=3) as connection:
            connection.ensure_connection(max_retries=1, timeout=5)
        return None
    except Exception as exc:  # any failure: skip, and say why
        return f"RabbitMQ not reachable at {url}: {type(exc).__name__}: {exc}"


def _rabbitmqctl(*args: str) -> bool:
    tool = shutil.which("rabbitmqctl")
    if tool is None:
        return False
    done = subprocess.run([tool, *args], capture_output=True, timeout=120)
    return done.returncode == 0


def broker_for_session() -> Iterator[Broker]:
    """A private vhost (or a unique queue prefix) on the local RabbitMQ; skips when it is unreachable."""
    reason = _broker_reachable(BROKER_HOST + "//")
    if reason:
        pytest.skip(reason)
    vhost = f"monitor-test-{uuid.uuid4().hex[:10]}"
    if _rabbitmqctl("add_vhost", vhost) and _rabbitmqctl(
        "set_permissions", "-p", vhost, "guest", ".*", ".*", ".*"
    ):
        try:
            yield Broker(f"{BROKER_HOST}/{vhost}", "")
        finally:
            _rabbitmqctl("delete_vhost", vhost)
    else:
        yield Broker(BROKER_HOST + "//", f"{vhost}.")


def queue_depth(broker: Broker, queue: str) -> int:
    """Messages ready in one queue (0 when the queue does not exist yet)."""
    from kombu import Connection

    with Connection(broker.url, connect_timeout=5) as connection:
        channel = connection.channel()
        try:
            return channel.queue_declare(broker.prefix + queue, passive=True).message_count
        except Exception:
            return 0
        finally:
            channel.close()


def purge(broker: Broker, *queues: str) -> None:
    from kombu import Connection

    with Connection(broker.url, connect_timeout=5) as connection:
        for queue in queues:
            channel = connection.channel()
            try:
                channel.queue_purge(broker.prefix + queue)
            except Exception:
                pass  # not declared yet: nothing to purge
            finally:
                channel.close()


def monitor_env(home: Path, db_url: str, broker: Broker, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MONITOR_")}
    env.update(
        MONITOR_HOME=str(home),
        MONITOR_DATABASE_URL=db_url,
        MONITOR_DISTRIBUTED__BROKER_URL=broker.url,
        MONITOR_DISTRIBUTED__QUEUE_PREFIX=broker.prefix,
        MONITOR_PATHS__KEYWORDS_FILE=str(REPO / "config" / "keywords.yml"),
        PYTHONPATH=str(REPO) + os.pathsep + env.get("PYTHONPATH", ""),
        PYTHONUNBUFFERED="1",
        **extra,
    )
    return env


_LIVE: list[Proc] = []


def kill_leftovers() -> None:
    """SIGKILL every process a test started and did not stop (a failed assertion leaves them running)."""
    while _LIVE:
        proc = _LIVE.pop()
        if proc.popen.poll() is None:
            proc.kill9()


class Proc:
    """A `monitor ...` process in its own process group, its output in a file the test can poll."""

    def __init__(self, args: list[str], env: dict[str, str], log: Path) -> None:
        self.log = log
        self._out: IO[bytes] = open(log, "wb")  # noqa: SIM115  (closed in stop/kill)
        self.popen = subprocess.Popen(
            [sys.executable, "-m", "monitor.cli", *args],
            env=env,
            cwd=env["MONITOR_HOME"],
            stdout=self._out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        _LIVE.append(self)

    def output(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")

    def kill9(self) -> None:
        """SIGKILL the whole group (the worker's main process and its pool children)."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.popen.pid, signal.SIGKILL)
        self.popen.wait(30)
        if not self._out.closed:
            self._out.close()

    def stop(self, timeout: float = 120) -> int:
        """SIGTERM to the main process (a warm shutdown: the task in hand finishes), then wait."""
        if self.popen.poll() is None:
            os.kill(self.popen.pid, signal.SIGTERM)
        try:
            code = self.popen.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill9()
            raise
        self._out.close()
        return code

    def wait_for(self, text: str, timeout: float = 180) -> None:
        wait_until(lambda: text in self.output(), timeout, f"{self.log.name} never said {text!r}", self)


def wait_until(check: Callable[[], bool], timeout: float, what: str, proc: Proc | None = None) -> None:
    """Poll `check` until true; fail naming `what` (and the process's output) at the deadline."""
    deadline = time.monotonic() + timeout
    while not check():
        if proc is not None and proc.popen.poll() is not None and not check():
            pytest.fail(f"{what}: the process exited ({proc.popen.returncode}):\n{proc.output()[-4000:]}")
        if time.monotonic() > deadline:
            tail = proc.output()[-4000:] if proc is not None else ""
            pytest.fail(f"{what} (after {timeout:.0f} s)\n{tail}")
        time.sleep(0.05)

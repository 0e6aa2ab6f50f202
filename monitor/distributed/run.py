"""Starting a worker or the beat of the distributed mode (what `monitor worker` and `monitor beat` call)."""

from __future__ import annotations

import os
import socket
from collections.abc import Sequence
from typing import Any

from celery import platforms

from monitor.config import Settings
from monitor.distributed.app import QUEUES, configure, queue_name
from monitor.distributed.beat import BEAT_LOCK, StoreScheduler
from monitor.store import Database, claiming


def _beat_class(app: Any) -> Any:
    """Celery's Beat, stopped by SIGTERM/SIGINT without any I/O inside the signal handler.

    Celery's own handler closes the broker connection from inside the handler; when the signal lands in
    the middle of a publish that can hang (seen under load in the restart test). Here the handler only
    asks the loop to stop, and the loop wakes at least every `beat_max_loop_interval` seconds."""

    class QuietStopBeat(app.Beat):  # type: ignore[misc,name-defined]
        def install_sync_handler(self, service: Any) -> None:
            def stop(_signum: int, _frame: Any) -> None:
                service.stop()

            platforms.signals.update(SIGTERM=stop, SIGINT=stop)

    return QuietStopBeat


class BeatAlreadyRunning(RuntimeError):
    """Another `monitor beat` holds this store's beat lock."""


def parse_queues(text: str) -> list[str]:
    """`collect,score` -> ["collect", "score"]; an unknown name is an error naming the known ones."""
    names = [part.strip() for part in text.split(",") if part.strip()]
    unknown = [name for name in names if name not in QUEUES]
    if unknown or not names:
        given = ", ".join(unknown) or "(none given)"
        raise ValueError(f"--queues: unknown queue(s) {given}; choose from {','.join(QUEUES)}")
    return names


def run_worker(
    settings: Settings,
    queues: Sequence[str],
    *,
    concurrency: int | None = None,
    pool: str = "prefork",
    loglevel: str = "INFO",
    hostname: str | None = None,
) -> int:
    """Consume `queues` until stopped (SIGTERM: finish the tasks in hand, then exit); returns the exit code.

    Each pool process keeps its own database engine and classifier (monitor.distributed.tasks)."""
    app = configure(settings)
    import monitor.distributed.tasks  # noqa: F401  (registers the tasks on the app)

    worker = app.Worker(
        queues=[queue_name(settings, queue) for queue in queues],
        concurrency=concurrency or os.cpu_count() or 1,
        pool=pool,
        loglevel=loglevel,
        hostname=hostname or f"monitor-{'-'.join(queues)}-{os.getpid()}@{socket.gethostname()}",
        # No gossip, mingle or events: workers share nothing but the broker and the store.
        without_gossip=True,
        without_mingle=True,
        optimization="fair",
        quiet=True,
    )
    worker.start()
    return int(worker.exitcode or 0)


def run_beat(settings: Settings, db: Database, *, loglevel: str = "INFO") -> int:
    """Send the configured schedule's tasks until stopped; raises BeatAlreadyRunning for a second beat."""
    app = configure(settings)
    import monitor.distributed.tasks  # noqa: F401

    with claiming.hold_lock(db, BEAT_LOCK) as got:
        if not got:
            raise BeatAlreadyRunning(
                f"another `monitor beat` is already running against {db.safe_url}; one beat per store"
            )
        StoreScheduler.database, StoreScheduler.settings = db, settings
        try:
            _beat_class(app)(scheduler=StoreScheduler, loglevel=loglevel, quiet=True).run()
        finally:
            StoreScheduler.database = StoreScheduler.settings = None
    return 0

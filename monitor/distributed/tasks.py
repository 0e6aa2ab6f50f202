"""The tasks workers run. Each one is a thin call into a service, made safe to run twice or at once.

- `monitor.collect(source)`: one source through `monitor.collection.collect_source`, under the store-wide
  lock of its target (a PostgreSQL advisory lock), so two workers never collect one target at once and
  its rate limit and cursor hold across the cluster; a second task finding the lock held skips, and so
  does a task for a source switched off (the switch is read at every run, as `monitor run` does).
- `monitor.score(limit)`: a bounded slice of the backlog through `monitor.scoring.score_backlog` (pages
  claimed with SKIP LOCKED, scores upserted); a full slice enqueues the next one.
- `monitor.alerts()`, `monitor.weekly_report()`: the alert check and the Monday report.

A worker process keeps its settings, its database engine and the loaded classifier between tasks; they
are made after the fork (keyed by process id), never shared with the parent.
"""

from __future__ import annotations

import logging
import os
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from celery import Task

from monitor.collection import collect_source, find_source, source_enabled
from monitor.collectors.base import CollectorError
from monitor.config import Settings, load_settings
from monitor.distributed.app import app
from monitor.store import Database, claiming
from monitor.store.runs import close_stale_runs

log = logging.getLogger(__name__)


def target_key(source: str) -> str:
    """The lock a collection holds. A source walks all its targets in one task: they share the source's
    cursor row and, on every platform, the source's credentials and their rate limit, so splitting them
    over workers would only race on the cursor and spend one API quota twice as fast. Locking the source
    keeps every one of its targets to one worker at a time; per-target holds (Retry-After) live in
    `source_targets` and are read by whichever worker runs the source next."""
    return f"collect:{source}"


@dataclass
class Runtime:
    """What one worker process keeps between tasks."""

    settings: Settings
    db: Database
    stop_event: threading.Event = field(default_factory=threading.Event)
    model: Any = None
    model_dir: Path | None = None


_RUNTIME: dict[int, Runtime] = {}


def runtime() -> Runtime:
    """This process's settings and database (made on first use after the fork)."""
    pid = os.getpid()
    current = _RUNTIME.get(pid)
    if current is None:
        settings = load_settings()
        current = Runtime(settings, Database(settings.resolved_database_url))
        _RUNTIME.clear()  # a parent's entry is of no use in this child
        _RUNTIME[pid] = current
    return current


@app.task(name="monitor.collect", bind=True)
def collect(self: Task, source: str) -> dict[str, Any]:
    """Collect one configured source once; the answer says what happened (also logged)."""
    ctx = runtime()
    try:
        config = find_source(ctx.settings, source)
    except CollectorError as exc:
        log.error("collect %s: %s", source, exc)
        return {"source": source, "ok": False, "error": str(exc)}
    with claiming.hold_lock(ctx.db, target_key(source)) as got:
        if not got:
            log.info("collect %s: another worker is collecting it now; skipped", source)
            return {"source": source, "ok": True, "skipped": "busy"}
        with ctx.db.session() as session:
            enabled = source_enabled(session, config)  # the Sumber page's switch, read at every run
        if not enabled:
            log.info("collect %s: the source is switched off; skipped", source)
            return {"source": source, "ok": True, "skipped": "switched off"}
        # Under the source's lock, a run of it still open belongs to a worker that died mid-collection.
        close_stale_runs(ctx.db, source_names=[source])
        result = collect_source(ctx.db, ctx.settings, config, stop_event=ctx.stop_event)
    redelivered = bool(self.request.delivery_info and self.request.delivery_info.get("redelivered"))
    return {
        "source": source,
        "ok": result.ok,
        "items": result.items,
        "new": result.stats.new,
        "updated": result.stats.updated,
        "error": result.error,
        "redelivered": redelivered,
    }


def _model(ctx: Runtime) -> Any:
    """The active classifier, loaded once per process and again when another version becomes active."""
    from monitor.scoring.registry import active_model_dir, load_configured

    folder = active_model_dir(ctx.settings, ctx.db)
    if ctx.model is None or folder != ctx.model_dir:
        ctx.model, ctx.model_dir = load_configured(folder, ctx.settings), folder
    return ctx.model


@app.task(name="monitor.score", bind=True)
def score(self: Task, limit: int | None = None, group: bool = True) -> dict[str, Any]:
    """Score up to `limit` waiting posts (default `distributed.score_task_limit`), then group them into
    narratives unless `group` is false (the bench measures classification alone)."""
    from monitor.scoring import score_backlog

    ctx = runtime()
    limit = limit or ctx.settings.distributed.score_task_limit
    scored = score_backlog(ctx.db, ctx.settings, limit=limit, model=_model(ctx), group=group)
    if scored >= limit:
        # More is waiting: the next slice goes to whichever worker is free (pages are claimed, so
        # slices running at once never score a post twice).
        self.apply_async(kwargs={"limit": limit, "group": group})
    return {"scored": scored, "more": scored >= limit}


@app.task(name="monitor.alerts")
def alerts() -> dict[str, Any]:
    """Group waiting posts, fire alerts for new spikes and deliver them (monitor.alerts.scheduled_check)."""
    from monitor.alerts import scheduled_check

    ctx = runtime()
    # The check groups posts into narratives too: one grouper at a time across the cluster.
    with claiming.hold_lock(ctx.db, claiming.NARRATIVES_LOCK, wait=True):
        report = scheduled_check(ctx.settings)
    return {"grouped": report.grouped, "sent": report.sent, "failed": report.failed}


@app.task(name="monitor.weekly_report")
def weekly_report() -> dict[str, Any]:
    """Write last week's PDF report into `paths.reports_dir` (of the machine running this worker)."""
    from monitor.reports import scheduled_weekly_report

    ctx = runtime()
    with claiming.hold_lock(ctx.db, "reports:weekly") as got:
        if not got:
            return {"skipped": "busy"}
        path = scheduled_weekly_report(ctx.settings)
    return {"path": str(path)}

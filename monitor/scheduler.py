"""`monitor run`: APScheduler in the foreground (interfaces floor).

Jobs (all with coalesce, max_instances=1 and a misfire grace time, time zone Asia/Jakarta), rebuilt from
the configuration at every start and kept in memory only:

- one per configured source, at its `interval_minutes` (continuing from the source's last run); each run
  first reads the source's on/off switch (`collection.source_enabled`), so the Sumber page's switch is
  honoured without a restart. Every source job can run at once (one worker each, plus two for the other
  jobs): a source whose server drips or never ends holds only its own worker, and only until its deadline;
- scoring of the backlog;
- the weekly report (Monday 07:00 WIB by default, `monitor.reports.scheduled_weekly_report`) and the alerts
  check (`monitor.alerts.scheduled_check`), both imported when due because they load heavy libraries;
- freezing the evidence of escalated items that have no packet yet (`monitor.evidence.freeze_pending`);
- when `config/tipline.yml` enables a tipline channel: putting officers' verdicts on decided tips in the
  tipline's outbox for the citizens who asked (`monitor.tipline.queue_decided_verdicts`), every
  `notify.every_seconds`. The running bot (`monitor tipline run`) sends what is in the outbox, each message
  once; the job keeps verdicts flowing into it even while the bot is restarting.

No job is ever read back from the database or a file: APScheduler's SQLAlchemy job store keeps jobs as
pickles, and unpickling a row someone slipped into its table runs their code. What must survive a restart
is plain data in our own tables (each source's `last_run_at` sets its first run). What the jobs need
(settings, database, shutdown event) is in a process-wide context set by `run()`.

SIGTERM/SIGINT set the shutdown event: running collections stop after the post in hand, the pipeline
commits that batch with its cursor, the scheduler waits for the jobs and `run()` returns 0. A second
`monitor run` (or `monitor collect`) against the same database is refused by the runner lock.
"""

from __future__ import annotations

import logging
import signal
import threading
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.jobstores.memory import MemoryJobStore
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from monitor.collection import (
    close_crashed_runs,
    collect_source,
    find_source,
    schedulable_sources,
    source_enabled,
)
from monitor.collectors.base import CollectorError
from monitor.config import ConfigError, Settings, load_sources
from monitor.store import Database, queries
from monitor.store.locks import RunnerLock

if TYPE_CHECKING:
    from monitor.tipline import TiplineConfig

log = logging.getLogger(__name__)

SCORE_JOB = "score-backlog"
WEEKLY_JOB = "weekly-report"
ALERTS_JOB = "alerts"
EVIDENCE_JOB = "evidence-pending"
TIPLINE_JOB = "tipline-verdicts"
MISFIRE_GRACE_SECONDS = 600
# Coalesce missed runs into one, never run a job twice at once, and still run a job that is late by less
# than the grace time (e.g. after the machine slept). Given per job too, so they show before start().
JOB_OPTIONS: dict[str, Any] = {
    "coalesce": True,
    "max_instances": 1,
    "misfire_grace_time": MISFIRE_GRACE_SECONDS,
}


@dataclass
class SchedulerContext:
    settings: Settings
    db: Database
    stop_event: threading.Event


_CONTEXT: SchedulerContext | None = None


def _context() -> SchedulerContext:
    if _CONTEXT is None:
        raise RuntimeError("scheduler jobs run only inside `monitor run`")
    return _CONTEXT


# -- jobs ---------------------------------------------------------------------------------------------------
def run_source_job(source_name: str) -> None:
    ctx = _context()
    if ctx.stop_event.is_set():
        return
    try:
        source = find_source(ctx.settings, source_name)
    except CollectorError as exc:
        log.error("job for %s: %s", source_name, exc)
        return
    with ctx.db.session() as session:
        enabled = source_enabled(session, source)
    if not enabled:
        log.info("source %s is switched off: skipped", source_name)
        return
    collect_source(ctx.db, ctx.settings, source, stop_event=ctx.stop_event)


def score_backlog_job() -> None:
    from monitor.scoring import score_backlog  # the classifier's libraries load with the first scoring

    ctx = _context()
    if ctx.stop_event.is_set():
        return
    try:
        scored = score_backlog(ctx.db, ctx.settings)
    except Exception:
        log.exception("scoring the backlog failed")
        return
    if scored:
        log.info("scored %d post(s)", scored)


def weekly_report_job() -> None:
    from monitor.reports import scheduled_weekly_report  # heavy (matplotlib, reportlab): load when due

    ctx = _context()
    path = scheduled_weekly_report(ctx.settings)
    log.info("weekly report written to %s", path)


def alerts_job() -> None:
    from monitor.alerts import scheduled_check

    ctx = _context()
    scheduled_check(ctx.settings)


def evidence_job() -> None:
    """Freeze escalated items that have no evidence packet since their escalation (issue 16)."""
    from monitor.evidence import freeze_pending

    ctx = _context()
    if ctx.stop_event.is_set():
        return
    frozen = freeze_pending(ctx.db, ctx.settings)
    if frozen:
        log.info("froze evidence of %d escalated item(s)", len(frozen))


def tipline_job(config: TiplineConfig) -> None:
    """Queue the officers' verdicts on newly decided tips for the citizens who asked (issue 17)."""
    from monitor.tipline import queue_decided_verdicts

    ctx = _context()
    if ctx.stop_event.is_set():
        return
    queued = queue_decided_verdicts(ctx.db, config, timezone=ctx.settings.timezone)
    if queued:
        log.info("tipline: %d verdict(s) queued for citizens who asked", queued)


def tipline_config(settings: Settings, path: Path | None = None) -> TiplineConfig | None:
    """The tipline's settings when the file exists and enables a channel; None otherwise. A broken file is
    logged (naming file, line and key) and the tipline job left out: collection must still start."""
    from monitor.tipline import load_tipline_config
    from monitor.tipline.config import CONFIG_FILE

    file = path if path is not None else settings.path(CONFIG_FILE)
    if not file.is_file():
        return None
    try:
        config = load_tipline_config(settings, file)
    except ConfigError as exc:
        log.error("tipline verdicts are not scheduled: %s", exc)
        return None
    if not (config.telegram.enabled or config.whatsapp.enabled):
        log.info("tipline verdicts are not scheduled: %s enables no channel", file.name)
        return None
    return config


# -- building --------------------------------------------------------------------------------------------
def _first_run(last_run: datetime | None, interval: timedelta, now: datetime) -> datetime:
    """Continue the source's rhythm across restarts: its last run plus the interval, or now."""
    if last_run is None:
        return now
    if last_run.tzinfo is None:
        last_run = last_run.replace(tzinfo=UTC)
    return max(now, last_run + interval)


def build_scheduler(
    settings: Settings,
    db: Database,
    *,
    score_minutes: float = 10.0,
    alert_minutes: float = 15.0,
    workers: int = 2,
    tipline_file: Path | None = None,
) -> BlockingScheduler:
    """A BlockingScheduler with every job of the configuration (not started). `tipline_file` stands in
    for config/tipline.yml under the project home."""
    tz = settings.tz
    configured = load_sources(settings)
    scheduler = BlockingScheduler(
        jobstores={"default": MemoryJobStore()},
        executors={"default": ThreadPoolExecutor(max_workers=max(workers, min(len(configured) + 2, 32)))},
        job_defaults=JOB_OPTIONS,
        timezone=tz,
    )
    now = datetime.now(UTC)
    with db.session() as session:
        last_runs = {s.name: s.last_run_at for s in queries.list_sources(session)}
    for source in schedulable_sources(settings, configured):
        interval = timedelta(minutes=source.interval_minutes)
        job_id = f"source:{source.name}"
        scheduler.add_job(
            run_source_job,
            IntervalTrigger(seconds=interval.total_seconds(), timezone=tz),
            args=[source.name],
            id=job_id,
            name=f"collect {source.name}",
            replace_existing=True,
            next_run_time=_first_run(last_runs.get(source.name), interval, now),
            **JOB_OPTIONS,
        )
    scheduler.add_job(
        score_backlog_job,
        IntervalTrigger(seconds=score_minutes * 60, timezone=tz),
        id=SCORE_JOB,
        name="score backlog",
        replace_existing=True,
        **JOB_OPTIONS,
    )
    scheduler.add_job(
        weekly_report_job,
        CronTrigger(day_of_week=settings.report.weekday, hour=settings.report.hour, minute=0, timezone=tz),
        id=WEEKLY_JOB,
        name="weekly report",
        replace_existing=True,
        **JOB_OPTIONS,
    )
    scheduler.add_job(
        alerts_job,
        IntervalTrigger(seconds=alert_minutes * 60, timezone=tz),
        id=ALERTS_JOB,
        name="alerts",
        replace_existing=True,
        **JOB_OPTIONS,
    )
    scheduler.add_job(
        evidence_job,
        IntervalTrigger(seconds=settings.evidence.pending_minutes * 60, timezone=tz),
        id=EVIDENCE_JOB,
        name="freeze evidence of escalations",
        replace_existing=True,
        **JOB_OPTIONS,
    )
    tipline = tipline_config(settings, tipline_file)
    if tipline is not None:
        scheduler.add_job(
            tipline_job,
            IntervalTrigger(seconds=tipline.notify.every_seconds, timezone=tz),
            args=[tipline],
            id=TIPLINE_JOB,
            name="tipline verdicts to citizens",
            replace_existing=True,
            **JOB_OPTIONS,
        )
    return scheduler


def run(
    settings: Settings,
    db: Database,
    *,
    score_minutes: float = 10.0,
    alert_minutes: float = 15.0,
    install_signals: bool = True,
) -> int:
    """Run the scheduler in the foreground until SIGTERM/SIGINT; returns the exit code (0).

    Raises store.locks.LockHeld when another runner holds this database.
    """
    global _CONTEXT
    stop_event = threading.Event()
    with RunnerLock(db.url):
        close_crashed_runs(db, settings)  # the lock is ours: any open collection run is a dead process's
        _CONTEXT = SchedulerContext(settings, db, stop_event)
        scheduler = build_scheduler(settings, db, score_minutes=score_minutes, alert_minutes=alert_minutes)
        stopper: list[threading.Thread] = []

        def request_stop(signum: int, _frame: Any) -> None:
            if stop_event.is_set():
                return
            log.info("signal %s: finishing the batch in hand, then stopping", signal.Signals(signum).name)
            stop_event.set()
            # shutdown(wait=True) waits for running jobs; never block inside the signal handler itself.
            thread = threading.Thread(target=scheduler.shutdown, kwargs={"wait": True}, name="scheduler-stop")
            stopper.append(thread)
            thread.start()

        previous = {}
        if install_signals:
            for sig in (signal.SIGTERM, signal.SIGINT):
                previous[sig] = signal.signal(sig, request_stop)
        try:
            jobs = ", ".join(sorted(job.id for job in scheduler.get_jobs()))
            log.info("scheduler started (%s): %s", settings.timezone, jobs)
            scheduler.start()
            for thread in stopper:
                thread.join()
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
            _CONTEXT = None
    log.info("scheduler stopped")
    return 0

"""`monitor beat`: the distributed mode's periodic schedule, on Celery beat with a store-backed scheduler.

The schedule is built from the configuration: one `monitor.collect` entry per source of
`config/sources.yml` at its `interval_minutes` (sources without their credentials are left out, and the
task reads the source's on/off switch at every run, as in `monitor run`), scoring every
`distributed.score_minutes`, the alert check every `distributed.alert_minutes`, and the weekly report at
`report.weekday`/`report.hour` (in the configured time zone).

Why not Celery's default scheduler: it keeps its state in a `celerybeat-schedule` shelve (pickle) file on
the beat machine — lost with the container, unsafe to share, and a restarted beat with a fresh file sends
every entry again at once. `StoreScheduler` keeps the state in the store instead:

- the `beat_entries` table holds when each entry was last enqueued; a restarted beat continues from there;
- every send first wins its slot with one conditional UPDATE (`store.claiming.claim_beat_slot`): an entry
  enqueued less than half its period ago is not enqueued again, whoever asks;
- `monitor beat` holds the store-wide lock "beat" for its lifetime, so a second beat refuses to start.

A beat killed between winning a slot and sending loses that one slot (the next comes one period later);
a slot is never sent twice. Collections are incremental from their cursors, so a lost slot loses no posts.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from typing import Any

from celery.beat import ScheduleEntry, Scheduler
from celery.schedules import crontab, schedule

from monitor.collection import schedulable_sources
from monitor.config import Settings
from monitor.store import Database, claiming

log = logging.getLogger(__name__)

BEAT_LOCK = "beat"
WEEKDAYS = {"mon": 1, "tue": 2, "wed": 3, "thu": 4, "fri": 5, "sat": 6, "sun": 0}


def build_schedule(settings: Settings) -> dict[str, dict[str, Any]]:
    """Celery beat entries for the configuration (see the module docstring)."""
    entries: dict[str, dict[str, Any]] = {}
    for source in schedulable_sources(settings):
        every = timedelta(minutes=source.interval_minutes)
        entries[f"collect:{source.name}"] = {
            "task": "monitor.collect",
            "schedule": schedule(every),
            "args": (source.name,),
            # A collection not started within its own period is stale: the next one covers it.
            "options": {"expires": every.total_seconds()},
        }
    dist = settings.distributed
    entries["score"] = {
        "task": "monitor.score",
        "schedule": schedule(timedelta(minutes=dist.score_minutes)),
        "options": {"expires": dist.score_minutes * 60},
    }
    entries["alerts"] = {
        "task": "monitor.alerts",
        "schedule": schedule(timedelta(minutes=dist.alert_minutes)),
        "options": {"expires": dist.alert_minutes * 60},
    }
    entries["weekly-report"] = {
        "task": "monitor.weekly_report",
        "schedule": crontab(
            minute=0, hour=settings.report.hour, day_of_week=WEEKDAYS[settings.report.weekday]
        ),
    }
    return entries


def period(entry: ScheduleEntry, now: datetime) -> timedelta:
    """About how long from one run of the entry to the next."""
    if isinstance(entry.schedule, crontab):
        return timedelta(seconds=max(entry.schedule.remaining_estimate(now).total_seconds(), 60.0))
    return entry.schedule.run_every


class StoreScheduler(Scheduler):
    """Celery beat's scheduler with its state in the store's `beat_entries` (no shelve file)."""

    #: set by `run_beat` before Celery builds the scheduler
    database: Database | None = None
    settings: Settings | None = None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.pop("schedule_filename", None)
        super().__init__(*args, **kwargs)

    @property
    def db(self) -> Database:
        if self.database is None:
            raise RuntimeError("StoreScheduler runs only inside `monitor beat`")
        return self.database

    def setup_schedule(self) -> None:
        if self.settings is None:
            raise RuntimeError("StoreScheduler runs only inside `monitor beat`")
        now = datetime.now(UTC)
        with self.db.session() as session:
            last = claiming.beat_last_enqueued(session)
        self.data = {}
        for name, options in build_schedule(self.settings).items():
            entry = ScheduleEntry(name=name, app=self.app, **options)
            if name in last:
                entry.last_run_at = last[name]  # a restart continues the rhythm
            elif not isinstance(entry.schedule, crontab):
                entry.last_run_at = now - entry.schedule.run_every  # never sent: due now
            self.data[name] = entry
        log.info("beat: %d entries: %s", len(self.data), ", ".join(sorted(self.data)))

    def apply_async(
        self, entry: ScheduleEntry, producer: Any = None, advance: bool = True, **kwargs: Any
    ) -> Any:
        now = datetime.now(UTC)
        with self.db.session() as session:
            won = claiming.claim_beat_slot(session, entry.name, entry.task, now, period(entry, now) / 2)
        if not won:
            log.info("beat: %s was enqueued less than half a period ago; not sent again", entry.name)
            return None
        return super().apply_async(entry, producer=producer, advance=advance, **kwargs)

    def sync(self) -> None:
        """Nothing to write: every send is recorded in the store as it is made."""

    @property
    def info(self) -> str:
        return f"    . db -> {self.db.safe_url} (table beat_entries)"

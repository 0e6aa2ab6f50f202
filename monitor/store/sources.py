"""Sources, their targets' health, collection runs and the on/off switch (the only SQL for these).

The collection service, the CLI (`monitor sources`), the scheduler and the Sumber page all read and write
sources through these functions, so the switch and the health they show are one fact each.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from monitor.store.schema import IngestRun, Source, SourceTarget, utcnow


# -- sources -------------------------------------------------------------------------------------------------
def get_source(session: Session, name: str) -> Source | None:
    return session.scalar(select(Source).where(Source.name == name))


def ensure_source(session: Session, name: str, type_: str) -> Source:
    source = get_source(session, name)
    if source is None:
        source = Source(name=name, type=type_, enabled=True, consecutive_failures=0, items_last_run=0)
        session.add(source)
        session.flush()
    return source


def save_cursor(session: Session, name: str, cursor: dict[str, Any] | None) -> None:
    session.execute(update(Source).where(Source.name == name).values(cursor=cursor))


def list_sources(session: Session) -> list[Source]:
    return list(session.scalars(select(Source).order_by(Source.name)))


def record_source_health(session: Session, name: str, ok: bool, items: int, error: str | None) -> None:
    source = get_source(session, name)
    if source is None:
        raise KeyError(f"unknown source {name!r}")
    now = utcnow()
    source.last_run_at = now
    source.items_last_run = items
    if ok:
        source.last_success_at = now
        source.consecutive_failures = 0
    else:
        source.last_error = error
        source.last_error_at = now
        source.consecutive_failures = (source.consecutive_failures or 0) + 1


# -- the on/off switch ---------------------------------------------------------------------------------------
def sync_source_switch(session: Session, name: str, type_: str, config_enabled: bool) -> bool:
    """The source's effective on/off, after taking in config/sources.yml's `enabled`.

    The database flag is the switch (the Sumber page writes it). The file's value is its default: a new
    source starts as the file says, and when the file's value changes, that change is applied too. So the
    later change wins, whichever of the two made it.
    """
    source = ensure_source(session, name, type_)
    if source.config_enabled is None:
        if not config_enabled:
            source.enabled = False
        source.config_enabled = config_enabled
    elif source.config_enabled != config_enabled:
        source.enabled = config_enabled
        source.config_enabled = config_enabled
    return bool(source.enabled)


def set_source_enabled(session: Session, name: str, enabled: bool) -> bool:
    """Write the switch; returns the value before. KeyError for a source never seen."""
    source = get_source(session, name)
    if source is None:
        raise KeyError(f"unknown source {name!r}")
    before = bool(source.enabled)
    source.enabled = enabled
    return before


# -- targets -------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class TargetHealth:
    """One target's state as health shows it: ok, failing (with the last error) or never run."""

    source: str
    target: str
    state: str  # ok | failing | never
    last_run_at: datetime | None
    last_success_at: datetime | None
    last_error: str | None
    last_error_kind: str | None
    consecutive_failures: int
    items_last_run: int
    posts_total: int
    retry_at: datetime | None


def _state(row: SourceTarget) -> str:
    if row.last_run_at is None:
        return "never"
    return "failing" if row.consecutive_failures else "ok"


def record_target_reports(
    session: Session, source_name: str, reports: Iterable[Any], *, now: datetime | None = None
) -> None:
    """Store each target's outcome of a run (objects with target, ok, items, error, kind, retry_after).

    A target that was not tried (ok is None: held back or the run stopped first) only gets its row.
    """
    now = now or utcnow()
    rows = {
        row.target: row
        for row in session.scalars(select(SourceTarget).where(SourceTarget.source_name == source_name))
    }
    for report in reports:
        row = rows.get(report.target)
        if row is None:
            row = SourceTarget(
                source_name=source_name,
                target=report.target,
                consecutive_failures=0,
                items_last_run=0,
                posts_total=0,
            )
            session.add(row)
            rows[report.target] = row
        if report.ok is None:
            continue
        row.last_run_at = now
        row.items_last_run = report.items
        row.posts_total = (row.posts_total or 0) + report.items
        if report.ok:
            row.last_success_at = now
            row.consecutive_failures = 0
            row.retry_at = None
        else:
            row.last_error = report.error
            row.last_error_kind = report.kind
            row.last_error_at = now
            row.consecutive_failures = (row.consecutive_failures or 0) + 1
            wait = report.retry_after if report.kind == "rate_limited" else None
            row.retry_at = now + timedelta(seconds=wait) if wait else None
    session.flush()


def held_targets(session: Session, source_name: str, *, now: datetime | None = None) -> dict[str, datetime]:
    """Targets to leave out of this run, with the time they may run again (rate limits with Retry-After)."""
    now = now or utcnow()
    query = select(SourceTarget.target, SourceTarget.retry_at).where(
        SourceTarget.source_name == source_name, SourceTarget.retry_at > now
    )
    return {target: retry_at for target, retry_at in session.execute(query)}


def target_health(session: Session, source_name: str | None = None) -> list[TargetHealth]:
    """Every known target's health, by source then target (for `monitor sources` and the Sumber page)."""
    query = select(SourceTarget).order_by(SourceTarget.source_name, SourceTarget.target)
    if source_name is not None:
        query = query.where(SourceTarget.source_name == source_name)
    return [
        TargetHealth(
            source=row.source_name,
            target=row.target,
            state=_state(row),
            last_run_at=row.last_run_at,
            last_success_at=row.last_success_at,
            last_error=row.last_error if row.consecutive_failures else None,
            last_error_kind=row.last_error_kind if row.consecutive_failures else None,
            consecutive_failures=row.consecutive_failures or 0,
            items_last_run=row.items_last_run or 0,
            posts_total=row.posts_total or 0,
            retry_at=row.retry_at,
        )
        for row in session.scalars(query)
    ]


# -- runs ----------------------------------------------------------------------------------------------------
def start_run(session: Session, source_name: str) -> int:
    now = utcnow()
    run = IngestRun(source_name=source_name, started_at=now, heartbeat_at=now)
    session.add(run)
    session.flush()
    return run.id


def add_to_run(session: Session, run_id: int, stats: Any) -> None:
    """Add a batch's counts to a run (in the batch's own transaction, so counts survive a crash)."""
    session.execute(
        update(IngestRun)
        .where(IngestRun.id == run_id)
        .values(
            read=IngestRun.read + stats.read,
            relevant=IngestRun.relevant + stats.relevant,
            new=IngestRun.new + stats.new,
            updated=IngestRun.updated + stats.updated,
            rejected=IngestRun.rejected + stats.rejected,
            heartbeat_at=utcnow(),
        )
    )


def finish_run(session: Session, run_id: int, error: str | None = None) -> None:
    session.execute(update(IngestRun).where(IngestRun.id == run_id).values(finished_at=utcnow(), error=error))

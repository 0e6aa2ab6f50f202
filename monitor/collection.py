"""Running a source: collector → pipeline, with the run and the source's health recorded (services floor).

A failing source never stops the others, and inside a source a failing target (channel, hashtag, feed URL)
never stops the source's other targets: the collector reports each target's outcome, recorded here per
target (`store.sources.record_target_reports`) and summed up in the source's health. When a collector
raises mid-stream, what it yielded before the error is still committed together with a cursor covering
exactly that, so the next run continues from there. A target that hit a rate limit with Retry-After is
held back until then.

The on/off switch has one home, the `sources.enabled` flag (written by the Sumber page, defaulting to
config/sources.yml's `enabled`): `monitor run`, `monitor collect` and the page all go through
`source_enabled` / `set_source_enabled` here.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from monitor.collectors.base import Collector, CollectorError, Interrupted, SourceConfigError, TargetReport
from monitor.collectors.registry import build_collector
from monitor.config import Settings, SourceConfig, load_sources
from monitor.i18n import format_time
from monitor.pipeline import IngestStats, Pipeline
from monitor.store import Database
from monitor.store import sources as source_store
from monitor.store.runs import close_stale_runs

log = logging.getLogger(__name__)

SWITCHED_OFF = "switched off (config/sources.yml or the Sumber page); --force collects it anyway"


@dataclass
class CollectionResult:
    """What one run of one source did."""

    source: str
    ok: bool
    items: int = 0
    stats: IngestStats = field(default_factory=IngestStats)
    error: str | None = None
    skipped: str | None = None
    interrupted: bool = False
    run_id: int | None = None
    targets: list[TargetReport] = field(default_factory=list)


class _Feed:
    """Wraps a collector's stream: counts posts, stops after the current post on shutdown, and turns a
    collector error into the end of the stream (kept for later), so the pipeline commits what came before."""

    def __init__(self, posts: Iterable[Any], stop_event: threading.Event, source_kind: str | None) -> None:
        self._posts = posts
        self._stop = stop_event
        self._kind = source_kind
        self.items = 0
        self.error: BaseException | None = None
        self.stopped = False

    def __iter__(self) -> Iterator[Any]:
        try:
            for post in self._posts:
                self.items += 1
                if self._kind is not None:
                    post.raw.setdefault("source_kind", self._kind)
                yield post
                if self._stop.is_set():
                    self.stopped = True
                    return
        except Interrupted as exc:
            self.stopped = True
            self.error = exc
        except Exception as exc:  # recorded in health; the batch in hand is still committed
            self.error = exc


def find_source(settings: Settings, name: str) -> SourceConfig:
    for source in load_sources(settings):
        if source.name == name:
            return source
    known = ", ".join(s.name for s in load_sources(settings)) or "(none)"
    raise SourceConfigError(f"{settings.paths.sources_file}: no source named {name!r}; configured: {known}")


def make_collector(settings: Settings, source: SourceConfig) -> Collector:
    return build_collector(
        source.name, source.type, source.options, origin=str(settings.paths.sources_file), home=settings.home
    )


def schedulable_sources(
    settings: Settings, sources: Iterable[SourceConfig] | None = None
) -> list[SourceConfig]:
    """The configured sources a schedule runs (`monitor run` and `monitor beat` alike): those whose
    collector can be built and has its credentials; the others are logged and left out."""
    out = []
    for source in load_sources(settings) if sources is None else sources:
        try:
            missing = make_collector(settings, source).missing_credentials()
        except CollectorError as exc:
            log.error("source %s is not scheduled: %s", source.name, exc)
            continue
        if missing:
            log.info("source %s is not scheduled: %s", source.name, missing)
            continue
        out.append(source)
    return out


# -- the on/off switch ---------------------------------------------------------------------------------------
def source_enabled(session: Session, source: SourceConfig) -> bool:
    """Whether `source` runs: the database switch, defaulting to (and following edits of) the config file."""
    return source_store.sync_source_switch(session, source.name, source.type, source.enabled)


def set_source_enabled(session: Session, name: str, enabled: bool) -> bool:
    """Switch a source on or off (what the Sumber page calls); returns the value before."""
    return source_store.set_source_enabled(session, name, enabled)


def switch_states(session: Session, settings: Settings) -> dict[str, bool]:
    """Every configured source's effective on/off by name (for the Sumber page and `monitor sources`)."""
    return {source.name: source_enabled(session, source) for source in load_sources(settings)}


def enabled_sources(db: Database, settings: Settings) -> list[SourceConfig]:
    """The configured sources whose switch is on, in config order."""
    configured = load_sources(settings)
    with db.session() as session:
        return [source for source in configured if source_enabled(session, source)]


def close_crashed_runs(db: Database, settings: Settings) -> list[int]:
    """Close collection runs left open by a killed process (call while holding the runner lock)."""
    closed = close_stale_runs(db, source_names=[source.name for source in load_sources(settings)])
    if closed:
        log.warning("closed %d collection run(s) left open by a stopped process: %s", len(closed), closed)
    return closed


# -- one run ---------------------------------------------------------------------------------------------
def _summary(reports: list[TargetReport]) -> str | None:
    failed = [r for r in reports if r.ok is False]
    if not failed:
        return None
    if len(reports) == 1:
        return failed[0].error  # the source is its one target: its error says it all
    detail = "; ".join(f"{r.target}: {r.error}" for r in failed)
    return f"{len(failed)} of {len(reports)} targets failing: {detail}"


def _record(
    db: Database,
    source: SourceConfig,
    run_id: int | None,
    ok: bool,
    items: int,
    error: str | None,
    *,
    run_note: str | None = None,
    reports: list[TargetReport] | None = None,
) -> None:
    with db.session() as session:
        source_store.ensure_source(session, source.name, source.type)
        if run_id is not None:
            source_store.finish_run(session, run_id, error or run_note)
        source_store.record_source_health(session, source.name, ok, items, error)
        if reports:
            source_store.record_target_reports(session, source.name, reports)


def collect_source(
    db: Database,
    settings: Settings,
    source: SourceConfig,
    *,
    stop_event: threading.Event | None = None,
    pipeline: Pipeline | None = None,
    collector: Collector | None = None,
) -> CollectionResult:
    """Collect one source once. Never raises for source problems: they are in the result and in health."""
    stop_event = stop_event or threading.Event()
    try:
        collector = collector or make_collector(settings, source)
    except CollectorError as exc:
        message = str(exc)
        log.error("source %s: %s", source.name, message)
        _record(db, source, None, False, 0, message)
        return CollectionResult(source.name, ok=False, error=message)
    collector.bind_stop_event(stop_event)
    with db.session() as session:
        row = source_store.ensure_source(session, source.name, source.type)
        cursor = row.cursor
        held = source_store.held_targets(session, source.name)
        run_id = source_store.start_run(session, source.name)
    collector.hold = {t: f"rate limited until {format_time(u, settings.tz)}" for t, u in held.items()}
    kind = "official" if getattr(collector.options, "official", False) else None
    feed: _Feed | None = None
    stats = IngestStats()
    error: BaseException | None = None
    try:
        pipeline = pipeline or Pipeline(db, settings)
        feed = _Feed(collector.fetch(cursor), stop_event, kind)
        stats = pipeline.ingest(feed, source=source.name, checkpoint=collector.checkpoint, run_id=run_id)
        error = feed.error
        if error is None or isinstance(error, Interrupted):
            finish = getattr(collector, "finish", None)
            if callable(finish):
                finish()  # everything yielded is committed: the collector may settle (inbox moves files)
    except Exception as exc:
        error = exc
    finally:
        collector.close()
    items = feed.items if feed is not None else 0
    interrupted = isinstance(error, Interrupted) or (feed is not None and feed.stopped)
    reports = [collector.reports.get(t) or TargetReport(t) for t in collector.targets()]
    if error is not None and not isinstance(error, Interrupted):
        if isinstance(error, CollectorError):
            message = str(error)
            log.warning("source %s failed after %d item(s): %s", source.name, items, message)
        else:
            message = f"internal error: {error.__class__.__name__}: {error}"
            log.error("source %s failed after %d item(s)", source.name, items, exc_info=error)
        for report in reports:
            if report.ok is None and report.held is None:  # the whole source failed before or at it
                report.ok, report.error, report.kind = False, message, getattr(error, "kind", "internal")
        _record(db, source, run_id, False, items, message, reports=reports)
        return CollectionResult(source.name, False, items, stats, message, run_id=run_id, targets=reports)
    failing = _summary(reports)
    if failing is not None:
        log.warning("source %s: %s", source.name, failing)
        _record(db, source, run_id, False, items, failing, reports=reports)
        return CollectionResult(source.name, False, items, stats, failing, run_id=run_id, targets=reports)
    note = "interrupted by shutdown" if interrupted else None
    _record(db, source, run_id, True, items, None, run_note=note, reports=reports)
    log.info(
        "source %s: %d item(s), %d new, %d updated%s",
        source.name,
        items,
        stats.new,
        stats.updated,
        f" ({note})" if note else "",
    )
    return CollectionResult(
        source.name, True, items, stats, None, interrupted=interrupted, run_id=run_id, targets=reports
    )


def collect_all(
    db: Database,
    settings: Settings,
    *,
    only: str | None = None,
    force: bool = False,
    stop_event: threading.Event | None = None,
) -> list[CollectionResult]:
    """Collect every switched-on source once (or just `only`), one after another.

    A switched-off source is skipped with the reason, also when named with `only`, unless `force`.
    Sources whose credentials are missing are skipped with the reason (unless named with `only`, in
    which case the run fails and health says what to set).
    """
    stop_event = stop_event or threading.Event()
    sources = [find_source(settings, only)] if only else load_sources(settings)
    pipeline = Pipeline(db, settings)
    results = []
    for source in sources:
        if stop_event.is_set():
            break
        with db.session() as session:
            enabled = source_enabled(session, source)
        if not enabled and not force:
            log.info("source %s skipped: switched off", source.name)
            results.append(CollectionResult(source.name, ok=True, skipped=SWITCHED_OFF))
            continue
        if not only:
            try:
                missing = make_collector(settings, source).missing_credentials()
            except CollectorError:
                missing = None  # collect_source records the config error in health
            if missing:
                log.info("source %s skipped: %s", source.name, missing)
                results.append(CollectionResult(source.name, ok=True, skipped=missing))
                continue
        results.append(collect_source(db, settings, source, stop_event=stop_event, pipeline=pipeline))
    return results

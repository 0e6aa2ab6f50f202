"""Running a source: collector → pipeline, with the run and the source's health recorded (services floor).

A failing source never stops the others: every error is caught here, recorded in the run and in the
source's health (last error, consecutive failures), and the next source goes on. When a collector raises
mid-stream, what it yielded before the error is still committed together with a cursor covering exactly
that, so the next run continues from there.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from monitor.collectors.base import Collector, CollectorError, Interrupted, SourceConfigError
from monitor.collectors.registry import build_collector
from monitor.config import Settings, SourceConfig, load_sources
from monitor.pipeline import IngestStats, Pipeline
from monitor.store import Database, queries

log = logging.getLogger(__name__)


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


class _Feed:
    """Wraps a collector's stream: counts posts, stops after the current post on shutdown, and turns a
    collector error into the end of the stream (kept for later), so the pipeline commits what came before."""

    def __init__(self, posts: Iterable[Any], stop_event: threading.Event) -> None:
        self._posts = posts
        self._stop = stop_event
        self.items = 0
        self.error: BaseException | None = None
        self.stopped = False

    def __iter__(self) -> Iterator[Any]:
        try:
            for post in self._posts:
                self.items += 1
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


def _record(
    db: Database,
    source: SourceConfig,
    run_id: int | None,
    ok: bool,
    items: int,
    error: str | None,
    *,
    run_note: str | None = None,
) -> None:
    with db.session() as session:
        queries.ensure_source(session, source.name, source.type)
        if run_id is not None:
            queries.finish_run(session, run_id, error or run_note)
        queries.record_source_health(session, source.name, ok, items, error)


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
        row = queries.ensure_source(session, source.name, source.type)
        cursor = row.cursor
        run_id = queries.start_run(session, source.name)
    feed: _Feed | None = None
    stats = IngestStats()
    error: BaseException | None = None
    try:
        pipeline = pipeline or Pipeline(db, settings)
        feed = _Feed(collector.fetch(cursor), stop_event)
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
    if error is not None and not isinstance(error, Interrupted):
        if isinstance(error, CollectorError):
            message = str(error)
            log.warning("source %s failed after %d item(s): %s", source.name, items, message)
        else:
            message = f"internal error: {error.__class__.__name__}: {error}"
            log.error("source %s failed after %d item(s)", source.name, items, exc_info=error)
        _record(db, source, run_id, False, items, message)
        return CollectionResult(source.name, False, items, stats, message, run_id=run_id)
    note = "interrupted by shutdown" if interrupted else None
    _record(db, source, run_id, True, items, None, run_note=note)
    log.info(
        "source %s: %d item(s), %d new, %d updated%s",
        source.name,
        items,
        stats.new,
        stats.updated,
        f" ({note})" if note else "",
    )
    return CollectionResult(source.name, True, items, stats, None, interrupted=interrupted, run_id=run_id)


def collect_all(
    db: Database,
    settings: Settings,
    *,
    only: str | None = None,
    stop_event: threading.Event | None = None,
) -> list[CollectionResult]:
    """Collect every enabled source once (or just `only`, enabled or not), one after another.

    Sources whose credentials are missing are skipped with the reason (unless named with `only`, in
    which case the run fails and health says what to set).
    """
    stop_event = stop_event or threading.Event()
    sources = [find_source(settings, only)] if only else [s for s in load_sources(settings) if s.enabled]
    pipeline = Pipeline(db, settings)
    results = []
    for source in sources:
        if stop_event.is_set():
            break
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

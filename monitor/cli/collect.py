"""Collection commands: `collect`, `run` (the scheduler) and `sources` (health table)."""

from __future__ import annotations

import signal
import threading
from typing import Any

import typer
from rich.table import Table

from monitor.cli.app import UserError, app, console, handles_errors, open_database, settings
from monitor.collection import close_crashed_runs, collect_all, switch_states
from monitor.collectors.base import SourceConfigError
from monitor.collectors.registry import collector_class, validate_sources
from monitor.config import Settings, load_sources
from monitor.i18n import format_time
from monitor.store import queries
from monitor.store.locks import LockHeld, RunnerLock
from monitor.store.sources import target_health
from monitor.text.display import shorten


def _short(text: str | None, width: int = 70) -> str:
    return shorten(text, width) if text else "-"


def _check_sources(cfg: Settings) -> None:
    problems = validate_sources(load_sources(cfg), origin=str(cfg.path(cfg.paths.sources_file)))
    if problems:
        raise UserError("invalid source configuration:\n  " + "\n  ".join(problems))


@app.command()
@handles_errors
def collect(
    source: str | None = typer.Option(None, "--source", "-s", help="Only this source (by name)."),
    once: bool = typer.Option(
        True, "--once/--loop", help="One pass over the sources (default), or repeat until Ctrl-C."
    ),
    pause: float = typer.Option(60.0, "--pause", help="Seconds between passes with --loop."),
    force: bool = typer.Option(
        False, "--force", help="Collect switched-off sources too (switch: config or the Sumber page)."
    ),
) -> None:
    """Collect from the configured sources without the scheduler. Mengumpulkan unggahan dari sumber."""
    cfg = settings()
    _check_sources(cfg)
    stop = threading.Event()

    def request_stop(_signum: int, _frame: Any) -> None:
        stop.set()

    previous = {sig: signal.signal(sig, request_stop) for sig in (signal.SIGTERM, signal.SIGINT)}
    failed = False
    try:
        with open_database(cfg) as db:
            try:
                lock = RunnerLock(db.url).acquire()
            except LockHeld as exc:
                raise UserError(str(exc)) from None
            try:
                close_crashed_runs(db, cfg)  # the lock is ours: an open run is a killed process's
                while True:
                    try:
                        results = collect_all(db, cfg, only=source, force=force, stop_event=stop)
                    except SourceConfigError as exc:
                        raise UserError(exc.message) from None
                    table = Table(title="Hasil pengumpulan / collection results")
                    for column in ("source", "status", "items", "new", "updated", "error"):
                        table.add_column(column)
                    for result in results:
                        if result.skipped:
                            status = "skipped"
                        elif result.ok:
                            status = "stopped" if result.interrupted else "ok"
                        else:
                            status = "[red]failed[/]"
                            failed = True
                        table.add_row(
                            result.source,
                            status,
                            str(result.items),
                            str(result.stats.new),
                            str(result.stats.updated),
                            _short(result.error or result.skipped, 80),
                        )
                    console.print(table)
                    if once or stop.is_set() or stop.wait(pause):
                        break
            finally:
                lock.release()
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    if failed and source:
        raise typer.Exit(1)


@app.command()
@handles_errors
def run(
    score_minutes: float = typer.Option(
        10.0, "--score-minutes", min=0.01, help="Score the backlog every N minutes."
    ),
    alert_minutes: float = typer.Option(
        15.0, "--alert-minutes", min=0.01, help="Check alerts every N minutes."
    ),
) -> None:
    """Run the scheduler in the foreground (Ctrl-C / SIGTERM stops it cleanly). Menjalankan penjadwal."""
    from monitor import scheduler

    cfg = settings()
    _check_sources(cfg)
    with open_database(cfg) as db:
        try:
            code = scheduler.run(cfg, db, score_minutes=score_minutes, alert_minutes=alert_minutes)
        except LockHeld as exc:
            raise UserError(str(exc)) from None
    raise typer.Exit(code)


@app.command()
@handles_errors
def sources(
    targets: bool = typer.Option(True, "--targets/--no-targets", help="Also list each target's health."),
) -> None:
    """Show each source's health, and each target's. Menampilkan kesehatan setiap sumber dan targetnya."""
    cfg = settings()
    configured = {s.name: s for s in load_sources(cfg)}
    with open_database(cfg) as db, db.session() as session:
        switches = switch_states(session, cfg)
        rows = {row.name: row for row in queries.list_sources(session)}
        per_target = target_health(session) if targets else []
    table = Table(title="Sumber / sources")
    for column in (
        "name",
        "type",
        "enabled",
        "last run",
        "last success",
        "failures",
        "items",
        "last error",
    ):
        table.add_column(column, overflow="fold")
    for name in sorted(set(configured) | set(rows)):
        config = configured.get(name)
        row = rows.get(name)
        enabled = "no (removed from config)" if config is None else ("yes" if switches.get(name) else "no")
        note = None
        if config is not None and switches.get(name):
            try:
                cls = collector_class(config.type, source=name)
                note = cls.from_config(name, config.options).missing_credentials()
            except SourceConfigError as exc:
                note = exc.message
        if note:
            enabled = f"{enabled}; {_short(note, 60)}"
        table.add_row(
            name,
            config.type if config is not None else (row.type if row is not None else "-"),
            enabled,
            format_time(row.last_run_at if row else None, cfg.tz),
            format_time(row.last_success_at if row else None, cfg.tz),
            str(row.consecutive_failures if row else 0),
            str(row.items_last_run if row else 0),
            _short(row.last_error if row and row.consecutive_failures else None),
        )
    console.print(table)
    if not per_target:
        return
    detail = Table(title="Target / targets")
    for column in ("source", "target", "state", "last success", "failures", "posts", "last error"):
        detail.add_column(column, overflow="fold")
    for health in per_target:
        state = {"ok": "ok", "never": "never run", "failing": "[red]failing[/]"}[health.state]
        if health.retry_at is not None:
            state += f" (retry {format_time(health.retry_at, cfg.tz)})"
        detail.add_row(
            health.source,
            health.target,
            state,
            format_time(health.last_success_at, cfg.tz),
            str(health.consecutive_failures),
            str(health.posts_total),
            _short(health.last_error),
        )
    console.print(detail)

"""Core commands: init, import, score, dashboard."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import typer
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from monitor.cli.app import UserError, app, console, err_console, handles_errors, open_database, settings
from monitor.collectors.files import (
    FileFormatError,
    RejectedLine,
    parse_mapping,
    read_records,
)
from monitor.collectors.rejects import RejectLog, default_rejects_path
from monitor.config import Settings
from monitor.pipeline import IngestStats, Pipeline
from monitor.store import Database, queries
from monitor.store.runs import close_stale_runs, tracked_run

MAX_REJECTS_SHOWN = 20  # on the terminal; the reject file lists them all


def seed_known_claims(db: Database, cfg: Settings) -> int:
    """Load the project's known debunked claims (data/known_hoaxes.jsonl) through the claim importer."""
    from monitor.claims import ClaimFileError, import_claims, seed_file

    path = seed_file(cfg)
    if not path.is_file():
        return 0
    try:
        summary = import_claims(db, path, "jsonl")
    except ClaimFileError as exc:
        raise UserError(str(exc)) from None
    if summary.rejected_items:
        first = summary.rejected_items[0]
        raise UserError(f"{path}: {first.where}: {first.reason}")
    return summary.new


@app.command()
@handles_errors
def init() -> None:
    """Create or upgrade the database and load the known debunked claims. Membuat/memperbarui basis data."""
    cfg = settings()
    with open_database(cfg, check=False) as db:
        before, after = db.upgrade()
        claims = seed_known_claims(db, cfg)
    state = "created" if before is None else ("upgraded" if before != after else "already current")
    console.print(f"database {db.safe_url}: schema {state} (revision {after})")
    console.print(f"known debunked claims added: {claims}")


def _count_lines(path: Path) -> int:
    count = 0
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            count += chunk.count(b"\n")
    return count


def _summary_table(stats: IngestStats, title: str) -> Table:
    table = Table(title=title, show_header=True)
    for name in ("read", "relevant", "new", "updated", "rejected"):
        table.add_column(name, justify="right")
    table.add_row(*(str(getattr(stats, name)) for name in ("read", "relevant", "new", "updated", "rejected")))
    return table


def _score_with_progress(db: Database, cfg: Settings, limit: int | None, show_progress: bool) -> int:
    from monitor.scoring import score_backlog  # loads the classifier's libraries: only when scoring

    with Progress(
        TextColumn("scoring"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err_console,
        disable=not show_progress,
        transient=True,
    ) as progress:
        task = progress.add_task("score", total=None)
        return score_backlog(db, cfg, limit=limit, on_batch=lambda n: progress.advance(task, n))


@app.command("import")
@handles_errors
def import_file(
    file: Path = typer.Argument(..., help="A JSONL or CSV export of posts."),
    fmt: str = typer.Option(None, "--format", help="jsonl or csv (default: from the file name)."),
    platform: str = typer.Option(None, "--platform", help="Platform of every row (overrides the file)."),
    mapping: list[str] = typer.Option(None, "--map", help="field=column, e.g. --map text=isi (repeatable)."),
    rejects: Path = typer.Option(
        None, "--rejects", help="Where to list every rejected line (default: <file>.rejects.jsonl)."
    ),
    score: bool = typer.Option(True, "--score/--no-score", help="Score the new posts after importing."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar."),
) -> None:
    """Import an exported file: stores relevant posts once, updates engagement on re-import.

    A line that cannot be imported is rejected with its number and reason and the import goes on; every
    rejected line is listed in the reject file."""
    cfg = settings()
    if fmt is not None and fmt not in ("jsonl", "csv"):
        raise UserError(f"--format must be jsonl or csv, got {fmt!r}")
    try:
        column_of = parse_mapping(mapping)
        read_records(file, fmt, platform, column_of)  # type: ignore[arg-type]  (file and format, early)
    except FileFormatError as exc:
        raise UserError(str(exc)) from None
    reject_log = RejectLog(rejects or default_rejects_path(file))

    def report_reject(rejected: RejectedLine) -> None:
        reject_log.write(rejected)
        if reject_log.count <= MAX_REJECTS_SHOWN:
            err_console.print(f"rejected {rejected}", highlight=False, markup=False)

    with open_database(cfg) as db:
        crashed = close_stale_runs(db, prefix="import:")
        if crashed:
            err_console.print(
                f"closed {len(crashed)} earlier import run(s) left unfinished by a crash", highlight=False
            )
        pipeline = Pipeline(db, cfg)
        total = _count_lines(file)
        with (
            tracked_run(db, f"import:{file.name}"[:200]) as run_id,
            reject_log,
            Progress(
                TextColumn("importing"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                console=err_console,
                disable=quiet,
                transient=True,
            ) as progress,
        ):
            task = progress.add_task("import", total=total)
            error: str | None = None
            try:
                stats = pipeline.ingest_file(
                    file,
                    fmt,
                    platform,
                    column_of,
                    run_id=run_id,
                    on_reject=report_reject,
                    on_batch=lambda b: progress.advance(task, b.read + b.rejected),
                )
            except FileFormatError as exc:
                error = str(exc)
                raise UserError(str(exc)) from None
            except BaseException as exc:
                error = f"{type(exc).__name__}: {exc}"[:2000]
                raise
            finally:
                with db.session() as session:
                    queries.finish_run(session, run_id, error)
        if reject_log.count > MAX_REJECTS_SHOWN:
            err_console.print(
                f"... and {reject_log.count - MAX_REJECTS_SHOWN} more rejected lines",
                highlight=False,
                markup=False,
            )
        if reject_log.count:
            err_console.print(
                f"all {reject_log.count} rejected lines (number, reason, excerpt): {reject_log.path}",
                highlight=False,
                markup=False,
            )
        console.print(_summary_table(stats, escape(f"import {file}")))
        console.print(
            f"read={stats.read} relevant={stats.relevant} new={stats.new} updated={stats.updated} "
            f"rejected={stats.rejected}",
            highlight=False,
        )
        if score and stats.relevant:
            scored = _score_with_progress(db, cfg, None, not quiet)
            console.print(f"scored={scored}", highlight=False)


@app.command()
@handles_errors
def score(
    limit: int = typer.Option(None, "--limit", help="Score at most this many posts."),
    quiet: bool = typer.Option(False, "--quiet", "-q"),
) -> None:
    """Score stored posts the active model has not scored yet; flagged ones enter the queue."""
    cfg = settings()
    with open_database(cfg) as db:
        done = _score_with_progress(db, cfg, limit, not quiet)
        with db.session() as session:
            flagged = queries.count_flagged(session)
    console.print(f"scored={done} flagged_total={flagged}", highlight=False)


@app.command()
@handles_errors
def dashboard(
    port: int = typer.Option(None, "--port", help="Port (default: dashboard.port, 8501)."),
    address: str = typer.Option("localhost", "--address", help="Address to listen on."),
) -> None:
    """Start the Streamlit dashboard. Membuka dasbor di http://localhost:8501."""
    cfg = settings()
    with open_database(cfg):
        pass  # refuse to start on a database without schema
    app_file = cfg.home / "dashboards" / "app.py"
    if not app_file.is_file():
        raise UserError(f"{app_file}: dashboard app not found")
    chosen = port or cfg.dashboard.port
    env = {**os.environ, "MONITOR_HOME": str(cfg.home)}
    console.print(f"dashboard on http://{address}:{chosen}", highlight=False)
    command = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(app_file),
        "--server.port",
        str(chosen),
        "--server.address",
        address,
        "--server.headless",
        "true",
        "--browser.gatherUsageStats",
        "false",
    ]
    raise typer.Exit(subprocess.call(command, env=env))

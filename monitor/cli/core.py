"""Core commands: init, import, score, dashboard."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from monitor.cli.app import UserError, app, console, err_console, handles_errors, open_database, settings
from monitor.collectors.files import FileFormatError, RejectedLine, parse_mapping, read_records
from monitor.config import Settings
from monitor.pipeline import IngestStats, Pipeline, score_backlog
from monitor.records import iter_json_objects
from monitor.store import Database, queries

MAX_REJECTS_SHOWN = 100


def seed_known_claims(db: Database, cfg: Settings) -> int:
    """Load the project's known debunked claims (data/known_hoaxes.jsonl) into the store."""
    path = cfg.path(cfg.paths.data_dir) / "known_hoaxes.jsonl"
    if not path.is_file():
        return 0
    rows = []
    for line_no, item in iter_json_objects(path, UserError):
        if not isinstance(item.get("id"), str) or not isinstance(item.get("claim"), str):
            raise UserError(f"{path}:{line_no}: a known claim needs string fields 'id' and 'claim'")
        rows.append(
            {
                "key": item["id"],
                "claim": item["claim"],
                "verdict": item.get("verdict", "salah"),
                "claim_date": item.get("date"),
                "source": item.get("source"),
                "source_url": item.get("source_url"),
                "explanation": item.get("explanation"),
                "topics": item.get("topics", []),
            }
        )
    with db.session() as session:
        return queries.upsert_known_claims(session, rows)


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
    score: bool = typer.Option(True, "--score/--no-score", help="Score the new posts after importing."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar."),
) -> None:
    """Import an exported file: stores relevant posts once, updates engagement on re-import."""
    cfg = settings()
    if fmt is not None and fmt not in ("jsonl", "csv"):
        raise UserError(f"--format must be jsonl or csv, got {fmt!r}")
    try:
        column_of = parse_mapping(mapping)
        read_records(file, fmt, platform, column_of)  # type: ignore[arg-type]  (file and format, early)
    except FileFormatError as exc:
        raise UserError(str(exc)) from None
    shown = 0

    def report_reject(rejected: RejectedLine) -> None:
        nonlocal shown
        shown += 1
        if shown <= MAX_REJECTS_SHOWN:
            err_console.print(f"rejected {rejected}", highlight=False, markup=False)

    with open_database(cfg) as db:
        pipeline = Pipeline(db, cfg)
        with db.session() as session:
            run_id = queries.start_run(session, f"import:{file.name}")
        total = _count_lines(file)
        with Progress(
            TextColumn("importing"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=err_console,
            disable=quiet,
            transient=True,
        ) as progress:
            task = progress.add_task("import", total=total)
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
                raise UserError(str(exc)) from None
            finally:
                with db.session() as session:
                    queries.finish_run(session, run_id)
        if shown > MAX_REJECTS_SHOWN:
            err_console.print(f"... and {shown - MAX_REJECTS_SHOWN} more rejected lines", highlight=False)
        console.print(_summary_table(stats, f"import {file}"))
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
            flagged = len(queries.flagged_posts(session, limit=1_000_000))
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
    # server.py wraps app.py in Streamlit's ASGI app: frame protection, no /_stcore/metrics, and the
    # HttpOnly login cookie; the other options are in dashboards/.streamlit/config.toml.
    app_file = cfg.home / "dashboards" / "server.py"
    if not app_file.is_file():
        raise UserError(f"{app_file.name}: dashboard app not found under the project folder")
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
        "--client.toolbarMode",
        "viewer",
        "--client.showErrorDetails",
        "none",
    ]
    # Become the server (no child left behind when a service manager stops `monitor dashboard`).
    sys.stdout.flush()
    os.execve(sys.executable, command, env)

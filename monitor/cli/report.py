"""`monitor report`: the weekly PDF/HTML report for the coffee-morning forum. Laporan mingguan."""

from __future__ import annotations

from pathlib import Path

import typer

from monitor.cli.app import UserError, app, console, handles_errors, open_database, settings
from monitor.reports import (
    FORMATS,
    WeekError,
    build_weekly_report,
    default_filename,
    previous_week,
    write_report,
)
from monitor.store.weeks import parse_week


@app.command()
@handles_errors
def report(
    week: str = typer.Option(
        None, "--week", help="ISO week in WIB, e.g. 2024-W07 (default: the last complete week)."
    ),
    fmt: str = typer.Option("pdf", "--format", help="pdf or html."),
    out: Path = typer.Option(
        None, "--out", help="Output file (default: paths.reports_dir/laporan-mingguan-WEEK)."
    ),
) -> None:
    """Write the weekly report for one ISO week. Menulis laporan mingguan (PDF/HTML)."""
    cfg = settings()
    fmt = (fmt or "").lower()
    if fmt not in FORMATS:
        raise UserError(f"--format: {fmt!r} is not one of {', '.join(FORMATS)}")
    try:
        window = parse_week(week, cfg.tz) if week else previous_week(cfg)
    except WeekError as exc:
        raise UserError(f"--week: {exc}") from None
    target = out or cfg.path(cfg.paths.reports_dir) / default_filename(window.label, fmt)
    with open_database(cfg) as db:
        content = build_weekly_report(db, cfg, window.label, fmt)
    try:
        write_report(content, target)
    except OSError as exc:
        raise UserError(f"--out: cannot write {target}: {exc.strerror or exc}") from None
    console.print(
        f"report {window.label} ({fmt}, {len(content):,} bytes) written to {target}", highlight=False
    )

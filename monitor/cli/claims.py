"""Claim base commands: `monitor claims import FILE` adds fact-checks that scoring matches posts against."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from monitor.cli.app import UserError, app, console, err_console, handles_errors, open_database, settings

claims_app = typer.Typer(
    help="The claim base: debunks and facts posts are matched against. Basis klaim.", no_args_is_help=True
)
app.add_typer(claims_app, name="claims")

MAX_REJECTS_SHOWN = 100
_COLUMNS = ("read", "new", "updated", "unchanged", "debunks", "facts", "other", "rejected")


@claims_app.command("import")
@handles_errors
def import_(
    file: Path = typer.Argument(..., help="JSONL claims, or ClaimReview JSON-LD (.json, .jsonld, .html)."),
    fmt: str = typer.Option(
        "auto", "--format", help="auto (from the name and content), jsonl or claimreview."
    ),
) -> None:
    """Import fact-checks into the claim base. Mengimpor hasil cek fakta ke basis klaim.

    JSONL lines: {"claim", "verdict", "publisher", "url", "published_at"}. ClaimReview: one object, a list,
    an @graph or HTML pages with <script type="application/ld+json">. Only false verdicts (SALAH, HOAKS,
    MENYESATKAN, ...) are debunks; BENAR/FAKTA are kept as facts; unknown verdicts are rejected.
    Re-importing a file changes nothing (rows are keyed by the fact-check URL, else the claim).
    """
    from monitor.claims import FORMATS, ClaimFileError, import_claims

    if fmt not in FORMATS:
        raise UserError(f"--format must be one of {', '.join(FORMATS)}, got {fmt!r}")
    cfg = settings()
    with open_database(cfg) as db:
        try:
            summary = import_claims(db, file, fmt)
        except ClaimFileError as exc:
            raise UserError(str(exc)) from None
    for rejected in summary.rejected_items[:MAX_REJECTS_SHOWN]:
        err_console.print(
            f"rejected {file}: {rejected.where}: {rejected.reason}", highlight=False, markup=False
        )
    if summary.rejected > MAX_REJECTS_SHOWN:
        err_console.print(
            f"... and {summary.rejected - MAX_REJECTS_SHOWN} more rejected items", highlight=False
        )
    if summary.duplicates:
        err_console.print(
            f"{summary.duplicates} item(s) repeat an earlier key in the file; the later one was kept",
            highlight=False,
        )
    table = Table(title=f"claims import {file}")
    for name in _COLUMNS:
        table.add_column(name, justify="right")
    table.add_row(*(str(getattr(summary, name)) for name in _COLUMNS))
    console.print(table)
    console.print(" ".join(f"{name}={getattr(summary, name)}" for name in _COLUMNS), highlight=False)
    if summary.read and summary.rejected == summary.read:
        raise typer.Exit(1)

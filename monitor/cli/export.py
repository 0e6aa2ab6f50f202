"""`monitor export ...`: hand lists to the forum and to fact-checkers (queue as CSV / JSON lines, decided
hoaxes as schema.org ClaimReview JSON-LD). Runs on the server as the `cli` admin, like `monitor users`."""

from __future__ import annotations

from pathlib import Path

import typer

from monitor import auth, triage
from monitor.cli.app import UserError, app, console, handles_errors, open_database, settings
from monitor.store import queue
from monitor.triage import export

export_app = typer.Typer(help="Export lists. Ekspor daftar.", no_args_is_help=True)
app.add_typer(export_app, name="export")


def _write(out: Path, text: str) -> None:
    try:
        out.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise UserError(f"{out}: cannot write: {exc.strerror}") from None


@export_app.command("queue")
@handles_errors
def export_queue(
    out: Path = typer.Option(..., "--out", help="File to write (.csv or .jsonl)."),
    status: list[str] = typer.Option([], "--status", help=f"Stage(s): {', '.join(triage.STATUSES)}."),
    verdict: str = typer.Option(None, "--verdict", help=f"One of: {', '.join(triage.VERDICTS)}."),
    holder: str = typer.Option(None, "--holder", help=f"One of: {', '.join(triage.AGENCIES)}."),
    lang: str = typer.Option("id", "--lang", help="Headers and labels of the CSV: id or en."),
) -> None:
    """The triage queue (most urgent first) as CSV for people or JSON lines for programs."""
    for value, allowed, flag in (
        (verdict, triage.VERDICTS, "--verdict"),
        (holder, triage.AGENCIES, "--holder"),
    ):
        if value is not None and value not in allowed:
            raise UserError(f"{flag}: expected one of {', '.join(allowed)}, got {value!r}")
    unknown = [s for s in status if s not in triage.STATUSES]
    if unknown:
        raise UserError(f"--status: expected one of {', '.join(triage.STATUSES)}, got {', '.join(unknown)}")
    if out.suffix not in (".csv", ".jsonl"):
        raise UserError(f"--out {out.name}: the name must end in .csv or .jsonl")
    cfg = settings()
    f = queue.QueueFilter(statuses=tuple(status), verdict=verdict, holder=holder)
    with open_database(cfg) as db, db.session() as session:
        rows = export.queue_rows(session, auth.SYSTEM_ADMIN, f)
    text = export.to_csv(rows, cfg.tz, lang) if out.suffix == ".csv" else export.to_jsonl(rows)
    _write(out, text)
    console.print(f"exported {len(rows)} rows to {out.name}", highlight=False)


@export_app.command("claimreview")
@handles_errors
def export_claimreview(
    out: Path = typer.Option(..., "--out", help="File to write (JSON-LD)."),
    publisher: str = typer.Option(None, "--publisher", help="Default: report.district_label."),
    base_url: str = typer.Option(None, "--base-url", help="Dashboard address for item links."),
) -> None:
    """Every post with a hoaks / bukan hoaks verdict as schema.org ClaimReview (JSON-LD list)."""
    cfg = settings()
    with open_database(cfg) as db, db.session() as session:
        reviews = list(
            export.claim_reviews(
                session, publisher or cfg.report.district_label, base_url or cfg.dashboard.public_url
            )
        )
    _write(out, export.dumps_jsonld(reviews))
    console.print(f"exported {len(reviews)} ClaimReview items to {out.name}", highlight=False)

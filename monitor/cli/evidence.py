"""`monitor evidence ...`: freeze, show, export, verify and release evidence packets (issue 16)."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.table import Table
from sqlalchemy.exc import SQLAlchemyError

from monitor import auth
from monitor.cli.app import UserError, app, console, handles_errors, open_database, settings
from monitor.config import ConfigError
from monitor.store import Database, DatabaseNotInitialised

evidence_app = typer.Typer(
    help="Evidence packets: frozen, hashed, chained. Paket bukti digital.", no_args_is_help=True
)
app.add_typer(evidence_app, name="evidence")


def _actor(db: Database, username: str | None) -> auth.Actor:
    """The officer the command acts for (`--by`), else the server's own admin identity `cli`."""
    if not username:
        return auth.SYSTEM_ADMIN
    with db.session() as session:
        actor = auth.current_actor(session, username)
    if actor is None:
        raise UserError(f"--by: no active user named {username!r}")
    return actor


@evidence_app.command("freeze")
@handles_errors
def freeze(
    item: int = typer.Argument(None, help="The item (post id) to freeze."),
    by: str = typer.Option(None, "--by", help="Freeze on behalf of this user (default: cli, admin)."),
    pending: bool = typer.Option(
        False,
        "--pending",
        help="Freeze escalated items that have no packet since their escalation (as the escalating officer).",
    ),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object per packet."),
) -> None:
    """Freeze an item now: the post, a fresh fetch of its page, a screenshot, the debunk, the audit trail."""
    from monitor import evidence

    if (item is None) == (not pending):
        raise UserError("give an ITEM or --pending (not both)")
    cfg = settings()
    with open_database(cfg) as db:
        actor = _actor(db, by)
        if pending:
            packets = evidence.freeze_pending(db, cfg)
        else:
            try:
                packets = [evidence.freeze(db, cfg, actor, item)]
            except (evidence.EvidenceError, auth.PermissionDenied) as exc:
                raise UserError(str(exc)) from None
        for packet in packets:
            if as_json:
                typer.echo(json.dumps(packet.as_dict(), ensure_ascii=False))
                continue
            console.print(
                f"frozen item={packet.post_id} seq={packet.seq} manifest_sha256={packet.manifest_sha256} "
                f"files={len(packet.files)} missing={len(packet.missing)}",
                highlight=False,
            )
            for gap in packet.missing:
                console.print(f"  missing {gap['file']}: {gap['reason']}", highlight=False)
        if pending and not packets and not as_json:
            console.print("no escalated item waits for a packet", highlight=False)


@evidence_app.command("show")
@handles_errors
def show(
    item: int = typer.Argument(..., help="The item (post id)."),
    as_json: bool = typer.Option(False, "--json", help="One JSON object per packet."),
) -> None:
    """The item's packets: when, by whom, the manifest hash, each file and what is missing."""
    from monitor import evidence

    cfg = settings()
    with open_database(cfg) as db:
        try:
            packets = evidence.packets_for(db, auth.SYSTEM_ADMIN, item)
        except evidence.EvidenceError as exc:
            raise UserError(str(exc)) from None
    if as_json:
        for packet in packets:
            typer.echo(json.dumps(packet.as_dict(), ensure_ascii=False))
        return
    if not packets:
        console.print(f"item {item}: no evidence packet yet", highlight=False)
        return
    for packet in packets:
        state = f" RELEASED by {packet.released_by}: {packet.release_reason}" if packet.released_by else ""
        console.print(
            f"packet seq={packet.seq} frozen_at={packet.frozen_at} by={packet.frozen_by} ({packet.role}) "
            f"trigger={packet.trigger}{state}\n  manifest_sha256={packet.manifest_sha256}",
            highlight=False,
        )
        table = Table(show_header=True)
        for column in ("file", "bytes", "sha256"):
            table.add_column(column)
        for entry in packet.files:
            table.add_row(entry["name"], f"{entry['size']:,}", entry["sha256"])
        console.print(table)
        for gap in packet.missing:
            console.print(f"  missing {gap['file']}: {gap['reason']}", highlight=False)


@evidence_app.command("export")
@handles_errors
def export(
    item: int = typer.Argument(..., help="The item (post id)."),
    out: Path = typer.Option(..., "--out", help="The zip file to write."),
    seq: int = typer.Option(None, "--seq", help="A given packet of the item (default: its latest)."),
) -> None:
    """Write the item's packet as a zip with the case-file PDF (berkas-kasus.pdf) and the chain proof."""
    from monitor import evidence

    cfg = settings()
    with open_database(cfg) as db:
        try:
            path = evidence.export_zip(db, cfg, auth.SYSTEM_ADMIN, item, out, seq=seq)
        except evidence.EvidenceError as exc:
            raise UserError(str(exc)) from None
    console.print(f"exported item={item} to {path} ({path.stat().st_size:,} bytes)", highlight=False)


@evidence_app.command("verify")
@handles_errors
def verify(
    zip_file: Path = typer.Argument(None, help="An exported packet (FILE.zip)."),
    all_: bool = typer.Option(False, "--all", help="The whole chain in the store and every stored file."),
    offline: bool = typer.Option(
        False, "--offline", help="FILE.zip only: do not match its chain proof against this database."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the result as JSON."),
) -> None:
    """Check hashes, sizes and the chain; name each file or chain link that fails (exit code 1)."""
    from monitor import evidence

    if (zip_file is None) == (not all_):
        raise UserError("give FILE.zip or --all (not both)")
    if zip_file is not None:
        if not zip_file.is_file():
            raise UserError(f"{zip_file}: no such file")
        result = evidence.verify_zip(zip_file)
        if not offline and result.ok:
            try:
                cfg = settings()
                with open_database(cfg) as db:
                    result = evidence.verify_zip(zip_file, db)
            except (ConfigError, DatabaseNotInitialised, SQLAlchemyError) as exc:
                result.notes.append(
                    f"basis data tidak tersedia ({exc.__class__.__name__}); hanya pemeriksaan mandiri"
                )
    else:
        cfg = settings()
        with open_database(cfg) as db:
            result = evidence.verify_store(db, cfg)
    if as_json:
        typer.echo(json.dumps(result.as_dict(), ensure_ascii=False))
    else:
        for note in result.notes:
            console.print(f"note: {note}", highlight=False)
        for problem in result.problems:
            console.print(f"FAIL: {problem}", highlight=False)
        verdict = "OK" if result.ok else "FAILED"
        console.print(
            f"{verdict}: {result.subject} links={result.links} files={result.files} "
            f"head_sha256={result.head_sha256 or '-'}",
            highlight=False,
        )
    if not result.ok:
        raise typer.Exit(1)


@evidence_app.command("release")
@handles_errors
def release(
    seq: int = typer.Argument(..., help="The packet's seq (see `monitor evidence show ITEM`)."),
    reason: str = typer.Option(..., "--reason", help="Why (audited; at least 10 characters)."),
    by: str = typer.Option(None, "--by", help="The admin releasing it (default: cli)."),
) -> None:
    """Delete the files of a packet whose item was decided "bukan hoaks"; the chain records the release."""
    from monitor import evidence

    cfg = settings()
    with open_database(cfg) as db:
        actor = _actor(db, by)
        try:
            link = evidence.release(db, cfg, actor, seq, reason)
        except (evidence.EvidenceError, auth.PermissionDenied) as exc:
            raise UserError(str(exc)) from None
    console.print(f"released packet seq={seq} (release link seq={link.seq})", highlight=False)

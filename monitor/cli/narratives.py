"""`monitor narratives ...`: list, show, assign, and an analyst's merge and split."""

from __future__ import annotations

import getpass
import json

import typer
from rich.table import Table

from monitor.cli.app import UserError, app, console, handles_errors, open_database, settings
from monitor.i18n import format_time
from monitor.store import narratives as store
from monitor.store.schema import Narrative
from monitor.text.display import shorten

narratives_app = typer.Typer(help="Narratives: retellings of one claim. Narasi.", no_args_is_help=True)
app.add_typer(narratives_app, name="narratives")


def _narrative_dict(n: Narrative) -> dict[str, object]:
    return {
        "id": n.id,
        "label": n.label,
        "topic": n.topic,
        "candidates": list(n.candidates or []),
        "platforms": list(n.platforms or []),
        "post_count": n.post_count,
        "total_reach": n.total_reach,
        "max_score": n.max_score,
        "first_seen": n.first_seen.isoformat(),
        "last_seen": n.last_seen.isoformat(),
        "known_claim_id": n.known_claim_id,
        "status": n.status,
    }


@narratives_app.command("list")
@handles_errors
def list_(
    limit: int = typer.Option(20, "--limit", min=1, help="How many narratives."),
    topic: str = typer.Option(None, "--topic", help="Only this topic (sidalih, sirekap, procedure, ...)."),
    order: str = typer.Option(
        "rank", "--order", help="rank (flagged posts × reach × growth), last_seen, posts or reach."
    ),
    as_json: bool = typer.Option(False, "--json", help="One JSON object per line."),
) -> None:
    """The narratives that matter most (or the most recent, or biggest)."""
    cfg = settings()
    with open_database(cfg) as db, db.session() as session:
        if order == "rank":
            from monitor.narratives.ranking import ranking_time, top_narratives

            now = ranking_time(session)
            rows = [r.narrative for r in top_narratives(session, now=now, limit=limit, topic=topic)]
        else:
            try:
                rows = store.list_narratives(session, limit=limit, topic=topic, order=order)
            except ValueError as exc:
                raise UserError(f"--order: rank, {exc}") from None
        if as_json:
            for n in rows:
                typer.echo(json.dumps(_narrative_dict(n), ensure_ascii=False))
            return
        table = Table(show_header=True)
        for column in ("id", "posts", "reach", "topic", "paslon", "last seen", "narrative"):
            table.add_column(column)
        for n in rows:
            table.add_row(
                str(n.id),
                str(n.post_count),
                str(n.total_reach),
                n.topic or "-",
                ",".join(n.candidates or []) or "-",
                format_time(n.last_seen, cfg.tz),
                shorten(n.label, 70),
            )
        console.print(table)
        if not rows:
            console.print("no narratives yet (run `monitor narratives assign` after scoring)")


@narratives_app.command("show")
@handles_errors
def show(
    narrative_id: int = typer.Argument(..., help="The narrative's id."),
    posts: int = typer.Option(10, "--posts", min=0, help="How many member posts to list."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """One narrative: its numbers, its debunk and its first posts."""
    cfg = settings()
    with open_database(cfg) as db, db.session() as session:
        n = store.get_narrative(session, narrative_id)
        if n is None:
            raise UserError(f"no narrative with id {narrative_id}")
        claim = store.known_claim_text(session, n.known_claim_id)
        members = store.narrative_posts(session, narrative_id, limit=posts)
        responses = store.narrative_responses(session, narrative_id, limit=posts)
        if as_json:
            data = _narrative_dict(n)
            data["known_claim"] = claim.claim if claim else None
            data["responses"] = [
                {"id": p.id, "kind": kind, "platform": p.platform, "text": p.text} for p, kind in responses
            ]
            data["posts"] = [
                {
                    "id": p.id,
                    "platform": p.platform,
                    "created_at": p.created_at.isoformat(),
                    "reach": p.reach,
                    "hoax_score": p.hoax_score,
                    "joined_by": method,
                    "text": p.text,
                }
                for p, method in members
            ]
            typer.echo(json.dumps(data, ensure_ascii=False))
            return
        console.print(f"[bold]Narasi #{n.id}[/]: {n.label}", highlight=False)
        console.print(
            f"posts={n.post_count} reach={n.total_reach} topic={n.topic or '-'} "
            f"paslon={','.join(n.candidates or []) or '-'} platforms={','.join(n.platforms or []) or '-'}",
            highlight=False,
        )
        console.print(
            f"first seen {format_time(n.first_seen, cfg.tz)}, last seen {format_time(n.last_seen, cfg.tz)}",
            highlight=False,
        )
        if claim is not None:
            console.print(f"known debunk: {claim.claim} ({claim.source or claim.verdict})", highlight=False)
        table = Table(show_header=True)
        for column in ("post", "time", "platform", "reach", "score", "joined by", "text"):
            table.add_column(column)
        for p, method in members:
            table.add_row(
                str(p.id),
                format_time(p.created_at, cfg.tz),
                p.platform,
                str(p.reach),
                f"{p.hoax_score:.2f}" if p.hoax_score is not None else "-",
                method or "-",
                shorten(p.text, 60),
            )
        console.print(table)
        for p, kind in responses:
            console.print(f"response ({kind}) #{p.id}: {shorten(p.text, 90)}", highlight=False)


@narratives_app.command("assign")
@handles_errors
def assign(limit: int = typer.Option(None, "--limit", min=1, help="Assign at most this many posts.")) -> None:
    """Group scored posts that have no narrative yet (incrementally; nothing is re-clustered)."""
    cfg = settings()
    with open_database(cfg) as db:
        with db.session() as session:
            waiting = store.count_posts_to_group(session, cfg.narratives.score_floor)
        from monitor.narratives import NarrativeGrouper  # heavy (scikit-learn, datasketch): when used

        grouper = NarrativeGrouper(db, cfg)
        stats = grouper.assign_pending(limit)
    console.print(
        f"waiting={waiting} assigned={stats.assigned} new_narratives={stats.new_narratives} "
        f"duplicates={stats.duplicates} similar={stats.similar} space={grouper.space.fingerprint}",
        highlight=False,
    )


@narratives_app.command("similar")
@handles_errors
def similar(
    narrative_id: int = typer.Argument(..., help="The narrative to compare."),
    limit: int = typer.Option(5, "--limit", min=1, help="How many narratives to list."),
    as_json: bool = typer.Option(False, "--json", help="One JSON object per line."),
) -> None:
    """The live narratives most similar to one: candidates for `monitor narratives merge`."""
    from monitor.narratives.similar import similar_narratives  # heavy (scikit-learn): when used

    cfg = settings()
    with open_database(cfg) as db:
        try:
            found = similar_narratives(db, cfg, narrative_id, limit=limit)
        except LookupError as exc:
            raise UserError(str(exc)) from None
    if as_json:
        for n in found:
            typer.echo(
                json.dumps(
                    {
                        "id": n.narrative_id,
                        "similarity": round(n.similarity, 4),
                        "post_count": n.post_count,
                        "topic": n.topic,
                        "candidates": n.candidates,
                        "last_seen": n.last_seen.isoformat(),
                        "label": n.label,
                    },
                    ensure_ascii=False,
                )
            )
        return
    table = Table(show_header=True)
    for column in ("id", "similarity", "posts", "topic", "paslon", "narrative"):
        table.add_column(column)
    for n in found:
        table.add_row(
            str(n.narrative_id),
            f"{n.similarity:.2f}",
            str(n.post_count),
            n.topic or "-",
            ",".join(n.candidates) or "-",
            shorten(n.label, 70),
        )
    console.print(table)
    if not found:
        console.print("no other live narrative to compare with", highlight=False)
    else:
        console.print(f"merge one that tells the same claim: monitor narratives merge {narrative_id} ID")


@narratives_app.command("merge")
@handles_errors
def merge(
    keep: int = typer.Argument(..., help="The narrative that stays."),
    absorb: int = typer.Argument(..., help="The narrative whose posts move into it (it is left empty)."),
    by: str = typer.Option(None, "--by", help="Who merges (for the audit log; default: your login)."),
    note: str = typer.Option(None, "--note", help="Why (kept in the audit log)."),
) -> None:
    """Merge two narratives that retell one claim (audited)."""
    from monitor.narratives.curation import CurationError, merge_narratives
    from monitor.narratives.grouping import title_neutraliser

    cfg = settings()
    with open_database(cfg) as db:
        try:
            result = merge_narratives(
                db, keep, absorb, actor=by or getpass.getuser(), note=note, neutral=title_neutraliser(cfg)
            )
        except CurationError as exc:
            raise UserError(str(exc)) from None
    console.print(f"merged narrative {absorb} into {keep}: {result.moved} post(s) moved", highlight=False)


@narratives_app.command("split")
@handles_errors
def split(
    narrative_id: int = typer.Argument(..., help="The narrative to split."),
    posts: str = typer.Option(..., "--posts", help="Comma-separated ids of the member posts to move out."),
    by: str = typer.Option(None, "--by", help="Who splits (for the audit log; default: your login)."),
    note: str = typer.Option(None, "--note", help="Why (kept in the audit log)."),
) -> None:
    """Move some posts of a narrative into a new narrative (audited)."""
    from monitor.narratives.curation import CurationError, split_narrative
    from monitor.narratives.grouping import title_neutraliser

    try:
        post_ids = [int(part) for part in posts.replace(" ", "").split(",") if part]
    except ValueError:
        raise UserError(f"--posts: expected comma-separated post ids, got {posts!r}") from None
    cfg = settings()
    with open_database(cfg) as db:
        try:
            result = split_narrative(
                db,
                narrative_id,
                post_ids,
                actor=by or getpass.getuser(),
                note=note,
                neutral=title_neutraliser(cfg),
            )
        except CurationError as exc:
            raise UserError(str(exc)) from None
    console.print(
        f"split {result.moved} post(s) off narrative {narrative_id} into new narrative {result.narrative_id}",
        highlight=False,
    )

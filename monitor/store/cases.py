"""The triage case of a post: reading it, the versioned write behind every officer action, and the
decided posts that exports publish. monitor.triage holds the rules; this module only reads and writes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from monitor.store.schema import Narrative, Post, TriageEvent


@dataclass(frozen=True, slots=True)
class CaseRow:
    """The triage fields of one post as stored (monitor.triage turns this into an ItemState)."""

    post_id: int
    status: str | None
    assigned_to: str | None
    escalated_to: str | None
    version: int
    verdict: str | None
    violation: bool
    holder: str | None
    chain: tuple[str, ...]


def _case_columns() -> tuple[Any, ...]:
    return (
        Post.id,
        Post.triage_status,
        Post.assigned_to,
        Post.escalated_to,
        Post.triage_version,
        Post.verdict,
        Post.violation,
        Post.holder,
        Post.escalation_chain,
    )


def _case_row(r: Any) -> CaseRow:
    return CaseRow(r[0], r[1], r[2], r[3], r[4] or 0, r[5], bool(r[6]), r[7], tuple(r[8] or ()))


def read_case(session: Session, post_id: int) -> CaseRow | None:
    row = session.execute(select(*_case_columns()).where(Post.id == post_id)).one_or_none()
    return _case_row(row) if row is not None else None


def narrative_cases(session: Session, narrative_id: int) -> list[CaseRow]:
    """The queued posts of one narrative (those that ever entered triage), in id order."""
    query = (
        select(*_case_columns())
        .where(Post.narrative_id == narrative_id, Post.triage_status.is_not(None))
        .order_by(Post.id)
    )
    return [_case_row(r) for r in session.execute(query)]


def write_case(
    session: Session, post_id: int, expected_version: int, values: dict[str, Any], decided_at: datetime | None
) -> bool:
    """Write the case fields only if the post is still at `expected_version` (optimistic concurrency).

    `decided_at` is set only when the post has none (response time = first decision − flagged).
    False means someone else changed the post first and nothing was written."""
    if decided_at is not None:
        session.execute(
            update(Post).where(Post.id == post_id, Post.decided_at.is_(None)).values(decided_at=decided_at)
        )
    statement = (
        update(Post)
        .where(Post.id == post_id, Post.triage_version == expected_version)
        .values(**values, triage_version=expected_version + 1)
        .execution_options(synchronize_session=False)
    )
    return session.execute(statement).rowcount == 1


def last_actor(session: Session, post_id: int) -> str | None:
    """Who wrote the latest audit event of the post (named in a Conflict message)."""
    return session.scalar(
        select(TriageEvent.actor)
        .where(TriageEvent.post_id == post_id)
        .order_by(TriageEvent.id.desc())
        .limit(1)
    )


def narrative_exists(session: Session, narrative_id: int) -> bool:
    return session.get(Narrative, narrative_id) is not None


def set_narrative_status(session: Session, narrative_id: int, status: str | None) -> None:
    """A narrative's status follows the last action applied to all its posts at once."""
    narrative = session.get(Narrative, narrative_id)
    if narrative is not None:
        narrative.status = status


def decided_posts(
    session: Session, verdicts: tuple[str, ...], limit: int
) -> list[tuple[Post, datetime | None, str | None]]:
    """Posts with one of `verdicts`, newest decision first, each with its latest clarification note."""
    posts = list(
        session.scalars(
            select(Post)
            .where(Post.verdict.in_(verdicts))
            .order_by(Post.decided_at.desc().nulls_last(), Post.id.desc())
            .limit(limit)
        )
    )
    notes: dict[int, str] = {}
    ids = [p.id for p in posts]
    for start in range(0, len(ids), 500):
        query = (
            select(TriageEvent.post_id, TriageEvent.note)
            .where(TriageEvent.post_id.in_(ids[start : start + 500]), TriageEvent.action == "clarify")
            .order_by(TriageEvent.id)
        )
        for post_id, note in session.execute(query):
            notes[post_id] = note  # the last one wins
    return [(p, p.decided_at, notes.get(p.id)) for p in posts]

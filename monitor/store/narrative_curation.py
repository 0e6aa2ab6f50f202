"""Writes and reads for an analyst's merge and split of narratives (see monitor/narratives/curation.py)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from monitor.store.schema import Narrative, NarrativeMember, NarrativeResponse, Post, TriageEvent, utcnow


def move_members(session: Session, post_ids: Sequence[int] | None, source: int, target: int) -> int:
    """Move members (all of `source`'s, or only `post_ids`) and, on a whole move, its responses too."""
    members = update(NarrativeMember).where(NarrativeMember.narrative_id == source)
    posts = update(Post).where(Post.narrative_id == source)
    if post_ids is not None:
        members = members.where(NarrativeMember.post_id.in_(post_ids))
        posts = posts.where(Post.id.in_(post_ids))
    else:
        session.execute(
            update(NarrativeResponse)
            .where(NarrativeResponse.narrative_id == source)
            .values(narrative_id=target)
            .execution_options(synchronize_session=False)
        )
    session.execute(members.values(narrative_id=target).execution_options(synchronize_session=False))
    moved = session.execute(posts.values(narrative_id=target).execution_options(synchronize_session=False))
    return int(moved.rowcount or 0)


def earliest_post(session: Session, post_ids: Sequence[int]) -> Post:
    query = select(Post).where(Post.id.in_(post_ids)).order_by(Post.created_at, Post.id).limit(1)
    return session.scalars(query).one()


def member_ids(session: Session, narrative_id: int) -> set[int]:
    return set(session.scalars(select(Post.id).where(Post.narrative_id == narrative_id)))


def mark_curated(
    session: Session, narrative_id: int, *, status: str | None = None, emptied: bool = False
) -> None:
    """Drop a curated narrative's centroid (recomputed from its members on the next load); an emptied one
    keeps its row (alerts and the audit log point at it) with no posts and the given status."""
    values: dict[str, Any] = {"centroid": None, "centroid_model": None, "updated_at": utcnow()}
    if status is not None:
        values["status"] = status
    if emptied:
        values["post_count"] = 0
    session.execute(update(Narrative).where(Narrative.id == narrative_id).values(**values))


CURATION_ACTIONS = ("narrative_merge", "narrative_split")


def curated_since(session: Session, since: datetime) -> bool:
    """Whether an analyst merged or split narratives since `since` (another process must reload its index)."""
    query = select(TriageEvent.id).where(
        TriageEvent.action.in_(CURATION_ACTIONS), TriageEvent.created_at >= since
    )
    return session.scalar(query.limit(1)) is not None

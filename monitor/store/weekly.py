"""SQL aggregations for one ISO week (Monday 00:00 to Monday 00:00 in the report's time zone, WIB).

Everything that scales with the number of posts is aggregated by the database (GROUP BY, conditional
sums); only rows that scale with human work (triage events, decisions) or with the size of the
report (five example posts) are returned individually. Days are the seven UTC ranges between the
week's local midnights (monitor/store/weeks.py), so the same statements run on SQLite and PostgreSQL
and respect the time zone.
"""

from __future__ import annotations

import itertools
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Integer,
    Text,
    and_,
    case,
    cast,
    func,
    literal,
    not_,
    or_,
    select,
)
from sqlalchemy.orm import Session

from monitor.store.weeks import WeekError, WeekWindow, make_week, parse_week, week_of

__all__ = ["TOPIC_GROUPS", "TOPIC_PATTERNS", "WeekError", "WeekWindow", "make_week", "parse_week", "week_of"]

from monitor.store.schema import IngestRun, KnownClaim, Narrative, Post, Source, TriageEvent

# Topic groups of the report: key -> LIKE pattern on the posts.topics JSON list (rendered as text).
# A post may carry several topics; "other" is whatever carries none of the four.
TOPIC_PATTERNS: dict[str, str] = {
    "sidalih": '%"sidalih"%',
    "sirekap": '%"sirekap"%',
    "candidates": '%"candidate:%',
    "procedure": '%"procedure"%',
}
TOPIC_GROUPS = (*TOPIC_PATTERNS, "other")


# -- building blocks ----------------------------------------------------------------------------------------
def _in_window(column: Any, window: WeekWindow) -> Any:
    return and_(column >= window.start, column < window.end)


def _day_index(column: Any, window: WeekWindow) -> Any:
    """0..6: the local day of the week an instant falls on (the caller keeps it inside the window)."""
    whens = [(column < bound, index) for index, bound in enumerate(window.bounds[1:7])]
    return case(*whens, else_=literal(6))


def _topic_like(key: str) -> Any:
    return cast(Post.topics, Text).like(TOPIC_PATTERNS[key])


def _sum_if(condition: Any) -> Any:
    return func.sum(case((condition, 1), else_=0))


def _as_int(value: Any) -> int:
    return int(value or 0)


# -- posts --------------------------------------------------------------------------------------------------
def daily_counts(session: Session, window: WeekWindow) -> list[dict[str, int]]:
    """Per local day of the week: posts, flagged, confirmed hoaxes and, per topic group, posts and
    flagged posts.

    One plain aggregate per day over its range of ix_posts_created_at: without a GROUP BY the database
    streams the rows instead of sorting them (on SQLite a grouped scan of a busy week costs several
    times more)."""
    flagged = Post.flagged.is_(True)
    likes = {key: _topic_like(key) for key in TOPIC_PATTERNS}
    any_topic = or_(*likes.values())
    columns: list[Any] = [
        func.count().label("posts"),
        _sum_if(flagged).label("flagged"),
        _sum_if(Post.verdict == "hoax").label("hoax"),
    ]
    for key, like in likes.items():
        columns.append(_sum_if(like).label(f"{key}_posts"))
        columns.append(_sum_if(and_(flagged, like)).label(f"{key}_flagged"))  # the flag first: cheap test
    columns.append(_sum_if(not_(any_topic)).label("other_posts"))
    columns.append(_sum_if(and_(flagged, not_(any_topic))).label("other_flagged"))
    days = []
    for day, (start, end) in enumerate(itertools.pairwise(window.bounds)):
        query = select(*columns).where(Post.created_at >= start, Post.created_at < end)
        row = session.execute(query).mappings().one()
        days.append({"day": day, **{key: _as_int(value) for key, value in row.items()}})
    return days


def platform_versions(session: Session, window: WeekWindow) -> list[dict[str, Any]]:
    """The week's posts per (platform, scoring model version): posts and flagged."""
    query = (
        select(
            Post.platform,
            Post.scored_version,
            func.count().label("posts"),
            _sum_if(Post.flagged.is_(True)).label("flagged"),
        )
        .where(_in_window(Post.created_at, window))
        .group_by(Post.platform, Post.scored_version)
    )
    return [
        {
            "platform": row.platform,
            "version": row.scored_version or "",
            "posts": _as_int(row.posts),
            "flagged": _as_int(row.flagged),
        }
        for row in session.execute(query)
    ]


def triage_status_counts(session: Session, window: WeekWindow) -> dict[str, int]:
    """Current triage status of the week's flagged posts (None: flagged before the queue existed)."""
    # The verdict where there is one (it survives escalation, migration 0007), else the workflow stage.
    outcome = func.coalesce(Post.verdict, Post.triage_status)
    query = (
        select(outcome, func.count())
        .where(_in_window(Post.created_at, window), Post.flagged.is_(True))
        .group_by(outcome)
    )
    counts = {str(status or "none"): _as_int(n) for status, n in session.execute(query)}
    return dict(sorted(counts.items()))


def newest_post_at(session: Session, window: WeekWindow) -> datetime | None:
    return session.scalar(select(func.max(Post.created_at)).where(_in_window(Post.created_at, window)))


def decisions(session: Session, window: WeekWindow) -> list[dict[str, Any]]:
    """Posts decided during the week: flag time, decision time, status and whether the model flagged it.

    Bounded by what officers did that week, not by the number of posts. A decided post always has a
    triage status; saying so (with both values of `flagged`) lets the database walk the queue index
    (flagged, triage_status, ...) instead of scanning every post for decided_at."""
    query = (
        select(Post.id, Post.flagged, Post.flagged_at, Post.decided_at, Post.triage_status, Post.verdict)
        .where(
            Post.flagged.in_([True, False]),
            Post.triage_status.is_not(None),
            _in_window(Post.decided_at, window),
        )
        .order_by(Post.id)
    )
    return [
        {
            "post_id": row.id,
            "flagged": bool(row.flagged),
            "flagged_at": row.flagged_at,
            "decided_at": row.decided_at,
            # The verdict (kept through escalation, migration 0007) says more than the workflow stage.
            "status": row.verdict or row.triage_status,
        }
        for row in session.execute(query)
    ]


def triage_events(session: Session, window: WeekWindow) -> list[dict[str, Any]]:
    """The audit events of the week (officer actions), oldest first."""
    query = (
        select(
            TriageEvent.id,
            TriageEvent.post_id,
            TriageEvent.narrative_id,
            TriageEvent.action,
            TriageEvent.before,
            TriageEvent.after,
        )
        .where(_in_window(TriageEvent.created_at, window))
        .order_by(TriageEvent.created_at, TriageEvent.id)
    )
    return [dict(row) for row in session.execute(query).mappings()]


# -- narratives and groups of posts -------------------------------------------------------------------------
def week_has_narratives(session: Session, window: WeekWindow) -> bool:
    query = (
        select(Post.id).where(_in_window(Post.created_at, window), Post.narrative_id.is_not(None)).limit(1)
    )
    return session.scalar(query) is not None


def _group_column(by: str) -> Any:
    if by == "narrative":
        return Post.narrative_id
    if by == "text_hash":
        return Post.text_hash
    raise ValueError(f"unknown grouping {by!r} (narrative or text_hash)")


def top_groups(session: Session, window: WeekWindow, by: str, limit: int = 5) -> list[dict[str, Any]]:
    """The week's largest groups of posts: by narrative, or (no narratives yet) identical flagged texts.

    Each: key, posts, flagged, reach, example_id (the group's highest-scoring post of the week)."""
    column = _group_column(by)
    conditions = [_in_window(Post.created_at, window), column.is_not(None)]
    if by == "text_hash":
        conditions.append(Post.flagged.is_(True))
    query = (
        select(
            column.label("key"),
            func.count().label("posts"),
            _sum_if(Post.flagged.is_(True)).label("flagged"),
            func.coalesce(func.sum(Post.reach), 0).label("reach"),
        )
        .where(*conditions)
        .group_by(column)
        .order_by(func.count().desc(), _sum_if(Post.flagged.is_(True)).desc(), column)
        .limit(limit)
    )
    groups = [
        {
            "key": row.key,
            "posts": _as_int(row.posts),
            "flagged": _as_int(row.flagged),
            "reach": _as_int(row.reach),
        }
        for row in session.execute(query)
    ]
    for group in groups:
        example = session.execute(
            select(Post.id)
            .where(_in_window(Post.created_at, window), column == group["key"])
            .order_by(func.coalesce(Post.hoax_score, -1.0).desc(), Post.id)
            .limit(1)
        ).scalar()
        group["example_id"] = example
    return groups


def group_counts(session: Session, window: WeekWindow, by: str, keys: list[Any]) -> dict[Any, int]:
    """Posts per group key in a window (the previous week's size, for growth)."""
    if not keys:
        return {}
    column = _group_column(by)
    conditions = [_in_window(Post.created_at, window), column.in_(keys)]
    if by == "text_hash":
        conditions.append(Post.flagged.is_(True))
    query = select(column, func.count()).where(*conditions).group_by(column)
    return {key: _as_int(n) for key, n in session.execute(query)}


def group_statuses(
    session: Session, window: WeekWindow, by: str, keys: list[Any]
) -> dict[Any, dict[str, int]]:
    """Per group key: how many of its posts of the week are in each triage status (flagged posts only)."""
    if not keys:
        return {}
    column = _group_column(by)
    query = (
        select(column, func.coalesce(Post.verdict, Post.triage_status), func.count())
        .where(_in_window(Post.created_at, window), column.in_(keys), Post.flagged.is_(True))
        .group_by(column, func.coalesce(Post.verdict, Post.triage_status))
    )
    result: dict[Any, dict[str, int]] = {}
    for key, status, n in session.execute(query):
        result.setdefault(key, {})[str(status or "none")] = _as_int(n)
    return {key: dict(sorted(value.items())) for key, value in result.items()}


def group_claims(session: Session, window: WeekWindow, by: str, keys: list[Any]) -> dict[Any, int]:
    """Per group key: the known claim its posts of the week matched most often (ties: lowest id)."""
    if not keys:
        return {}
    column = _group_column(by)
    query = (
        select(column, Post.matched_claim_id, func.count().label("n"))
        .where(_in_window(Post.created_at, window), column.in_(keys), Post.matched_claim_id.is_not(None))
        .group_by(column, Post.matched_claim_id)
    )
    best: dict[Any, tuple[int, int]] = {}
    for key, claim_id, n in session.execute(query):
        current = best.get(key)
        if current is None or (n, -claim_id) > (current[0], -current[1]):
            best[key] = (int(n), int(claim_id))
    return {key: claim_id for key, (_, claim_id) in best.items()}


def narratives_by_id(session: Session, ids: list[int]) -> dict[int, dict[str, Any]]:
    if not ids:
        return {}
    query = select(
        Narrative.id, Narrative.label, Narrative.topic, Narrative.status, Narrative.known_claim_id
    ).where(Narrative.id.in_(ids))
    return {row.id: dict(row._mapping) for row in session.execute(query)}


def posts_by_id(session: Session, ids: list[int]) -> dict[int, dict[str, Any]]:
    if not ids:
        return {}
    query = select(
        Post.id,
        Post.platform,
        Post.author_handle,
        Post.text,
        Post.created_at,
        Post.hoax_score,
        Post.triage_status,
        Post.matched_claim_id,
    ).where(Post.id.in_(ids))
    return {row.id: dict(row._mapping) for row in session.execute(query)}


def claims_by_id(session: Session, ids: list[int]) -> dict[int, dict[str, Any]]:
    if not ids:
        return {}
    query = select(
        KnownClaim.id, KnownClaim.key, KnownClaim.claim, KnownClaim.source, KnownClaim.source_url
    ).where(KnownClaim.id.in_(ids))
    return {row.id: dict(row._mapping) for row in session.execute(query)}


# -- collection and sources ---------------------------------------------------------------------------------
def ingest_by_source_day(session: Session, window: WeekWindow) -> list[dict[str, Any]]:
    """Collection runs started in the week, per source and local day: runs, counts and failed runs."""
    inner = (
        select(
            IngestRun.source_name.label("source"),
            _day_index(IngestRun.started_at, window).label("day"),
            IngestRun.read,
            IngestRun.relevant,
            IngestRun.new,
            IngestRun.updated,
            IngestRun.rejected,
            case((IngestRun.error.is_not(None), 1), else_=0).label("failed"),
        )
        .where(_in_window(IngestRun.started_at, window))
        .subquery()
    )
    query = (
        select(
            inner.c.source,
            inner.c.day,
            func.count().label("runs"),
            func.sum(inner.c.read).label("read"),
            func.sum(inner.c.relevant).label("relevant"),
            func.sum(inner.c.new).label("new"),
            func.sum(inner.c.updated).label("updated"),
            func.sum(inner.c.rejected).label("rejected"),
            func.sum(cast(inner.c.failed, Integer)).label("failed"),
        )
        .group_by(inner.c.source, inner.c.day)
        .order_by(inner.c.source, inner.c.day)
    )
    return [
        {key: (value if key == "source" else _as_int(value)) for key, value in row.items()}
        for row in session.execute(query).mappings()
    ]


def configured_sources(session: Session) -> list[dict[str, Any]]:
    """The sources table (collectors the deployment knows), by name."""
    query = select(Source.name, Source.type, Source.enabled).order_by(Source.name)
    return [
        {"name": row.name, "type": row.type, "enabled": bool(row.enabled)} for row in session.execute(query)
    ]

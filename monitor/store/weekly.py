"""SQL aggregations for one ISO week (Monday 00:00 to Monday 00:00 in the report's time zone, WIB).

Everything that scales with the number of posts is aggregated by the database (GROUP BY, conditional
sums); only rows that scale with human work (triage events, decisions) or with the size of the
report (five example posts) are returned individually. Days are bucketed with a CASE over the seven
UTC day boundaries, so the same statement runs on SQLite and PostgreSQL and respects the time zone.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Integer, Select, Text, and_, case, cast, func, literal, select
from sqlalchemy.orm import Session

from monitor.store.schema import IngestRun, KnownClaim, Narrative, Post, Source, TriageEvent

WEEK_PATTERN = re.compile(r"^\s*(\d{4})-?W(\d{1,2})\s*$", re.IGNORECASE)

# Topic groups of the report: key -> LIKE pattern on the posts.topics JSON list (rendered as text).
# A post may carry several topics; "other" is whatever carries none of the four.
TOPIC_PATTERNS: dict[str, str] = {
    "sidalih": '%"sidalih"%',
    "sirekap": '%"sirekap"%',
    "candidates": '%"candidate:%',
    "procedure": '%"procedure"%',
}
TOPIC_GROUPS = (*TOPIC_PATTERNS, "other")


class WeekError(ValueError):
    """The week is not an ISO week such as 2024-W07."""


@dataclass(frozen=True, slots=True)
class WeekWindow:
    """One ISO week in a time zone; `bounds` are the eight UTC instants that delimit its seven days."""

    year: int
    week: int
    tz: ZoneInfo
    bounds: tuple[datetime, ...]

    @property
    def label(self) -> str:
        return f"{self.year}-W{self.week:02d}"

    @property
    def start(self) -> datetime:
        return self.bounds[0]

    @property
    def end(self) -> datetime:
        return self.bounds[-1]

    @property
    def days(self) -> tuple[date, ...]:
        first = date.fromisocalendar(self.year, self.week, 1)
        return tuple(first + timedelta(days=i) for i in range(7))

    def previous(self) -> WeekWindow:
        monday = date.fromisocalendar(self.year, self.week, 1) - timedelta(days=7)
        iso = monday.isocalendar()
        return make_week(iso.year, iso.week, self.tz)

    def contains(self, moment: datetime) -> bool:
        return self.start <= moment < self.end


def make_week(year: int, week: int, tz: ZoneInfo) -> WeekWindow:
    try:
        monday = date.fromisocalendar(year, week, 1)
    except ValueError:
        raise WeekError(f"{year}-W{week:02d} does not exist (year {year} has no ISO week {week})") from None
    bounds = tuple(
        datetime.combine(monday + timedelta(days=i), datetime.min.time(), tzinfo=tz).astimezone(UTC)
        for i in range(8)
    )
    return WeekWindow(year=year, week=week, tz=tz, bounds=bounds)


def parse_week(text: str, tz: ZoneInfo) -> WeekWindow:
    """'2024-W07' (or '2024W07', '2024-w7') -> the week's window in `tz`."""
    match = WEEK_PATTERN.match(text or "")
    if not match:
        raise WeekError(f"week {text!r} is not an ISO week such as 2024-W07")
    year, week = int(match.group(1)), int(match.group(2))
    if not 1 <= week <= 53:
        raise WeekError(f"week {text!r}: the week number must be 01..53")
    return make_week(year, week, tz)


def week_of(moment: datetime, tz: ZoneInfo) -> WeekWindow:
    """The ISO week (in `tz`) holding an aware instant."""
    iso = moment.astimezone(tz).date().isocalendar()
    return make_week(iso.year, iso.week, tz)


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
def week_breakdown(session: Session, window: WeekWindow) -> list[dict[str, Any]]:
    """The week's posts counted per (local day, platform, scoring model version): posts, flagged,
    confirmed hoaxes and, per topic group, posts and flagged posts.

    One scan of the week's posts (a range on ix_posts_created_at) gives the daily series, the platform
    split and the model versions; the result has at most 7 x platforms x versions rows."""
    flagged = Post.flagged.is_(True)
    inner = (
        select(
            _day_index(Post.created_at, window).label("day"),
            Post.platform.label("platform"),
            func.coalesce(Post.scored_version, "").label("version"),
            case((flagged, 1), else_=0).label("is_flagged"),
            case((Post.triage_status == "hoax", 1), else_=0).label("is_hoax"),
            *[case((_topic_like(key), 1), else_=0).label(f"t_{key}") for key in TOPIC_PATTERNS],
        )
        .where(_in_window(Post.created_at, window))
        .subquery()
    )
    # Grouping on the subquery's columns (not on a repeated CASE) keeps PostgreSQL's server-side
    # parameters from making the GROUP BY and SELECT expressions look different.
    is_other = case((sum(inner.c[f"t_{key}"] for key in TOPIC_PATTERNS) == 0, 1), else_=0)
    columns: list[Any] = [
        inner.c.day,
        inner.c.platform,
        inner.c.version,
        func.count().label("posts"),
        func.sum(inner.c.is_flagged).label("flagged"),
        func.sum(inner.c.is_hoax).label("hoax"),
    ]
    for key in TOPIC_PATTERNS:
        columns.append(func.sum(inner.c[f"t_{key}"]).label(f"{key}_posts"))
        columns.append(func.sum(inner.c[f"t_{key}"] * inner.c.is_flagged).label(f"{key}_flagged"))
    columns.append(func.sum(is_other).label("other_posts"))
    columns.append(func.sum(is_other * inner.c.is_flagged).label("other_flagged"))
    keys = (inner.c.day, inner.c.platform, inner.c.version)
    query: Select[Any] = select(*columns).group_by(*keys).order_by(*keys)
    rows = []
    for row in session.execute(query).mappings():
        rows.append({k: (v if k in ("platform", "version") else _as_int(v)) for k, v in row.items()})
    return rows


def triage_status_counts(session: Session, window: WeekWindow) -> dict[str, int]:
    """Current triage status of the week's flagged posts (None: flagged before the queue existed)."""
    query = (
        select(Post.triage_status, func.count())
        .where(_in_window(Post.created_at, window), Post.flagged.is_(True))
        .group_by(Post.triage_status)
    )
    counts = {str(status or "none"): _as_int(n) for status, n in session.execute(query)}
    return dict(sorted(counts.items()))


def newest_post_at(session: Session, window: WeekWindow) -> datetime | None:
    return session.scalar(select(func.max(Post.created_at)).where(_in_window(Post.created_at, window)))


def decisions(session: Session, window: WeekWindow) -> list[dict[str, Any]]:
    """Posts decided during the week: flag time, decision time, status and whether the model flagged it.

    Bounded by what officers did that week, not by the number of posts."""
    query = (
        select(Post.id, Post.flagged, Post.flagged_at, Post.decided_at, Post.triage_status)
        .where(_in_window(Post.decided_at, window))
        .order_by(Post.id)
    )
    return [
        {
            "post_id": row.id,
            "flagged": bool(row.flagged),
            "flagged_at": row.flagged_at,
            "decided_at": row.decided_at,
            "status": row.triage_status,
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
        select(column, Post.triage_status, func.count())
        .where(_in_window(Post.created_at, window), column.in_(keys), Post.flagged.is_(True))
        .group_by(column, Post.triage_status)
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

"""Aggregates for the Tren page and the health of collectors (Sumber page).

Days are calendar days in the configured time zone (WIB by default): PostgreSQL converts with
`AT TIME ZONE`; SQLite, which has no zone database, shifts by the zone's UTC offset at the end of the
range (Asia/Jakarta has no daylight saving, so this is exact there).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, and_, func, select
from sqlalchemy.orm import Session

from monitor.store.schema import IngestRun, Narrative, Post, Source, TriageEvent


def _day(session: Session, column: Any, tz: ZoneInfo, at: datetime) -> ColumnElement[Any]:
    if session.get_bind().dialect.name == "postgresql":
        return func.date(func.timezone(tz.key, column))
    offset = at.astimezone(tz).utcoffset()
    seconds = int(offset.total_seconds()) if offset else 0
    return func.date(column, f"{seconds:+d} seconds")


def _as_date(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))


@dataclass(frozen=True, slots=True)
class DayCount:
    day: date
    key: str
    count: int


@dataclass(frozen=True, slots=True)
class DayShare:
    day: date
    total: int
    flagged: int

    @property
    def share(self) -> float:
        return self.flagged / self.total if self.total else 0.0


@dataclass(frozen=True, slots=True)
class PlatformCount:
    platform: str
    total: int
    flagged: int


@dataclass(frozen=True, slots=True)
class PostTrends:
    """The Tren page's post-date charts: posts per day and topic, flagged share per day, platform split."""

    per_topic: list[DayCount]
    shares: list[DayShare]
    platforms: list[PlatformCount]


def post_trends(session: Session, start: datetime, end: datetime, tz: ZoneInfo) -> PostTrends:
    """All three post-date aggregates from ONE pass over the range's posts.

    Why one grouped query: at 1M posts a 30-day range holds ~500k posts, and three separate scans took
    15-60 s cold. Grouping by (day, platform, flagged, topics) yields a few thousand rows; the index
    `ix_posts_trend` (created_at, platform, flagged, topics) covers the query, so the database reads the
    index alone, never the posts' text. The topic counts are split in Python from those groups."""
    day = _day(session, Post.created_at, tz, end)
    query = (
        select(day, Post.platform, Post.flagged, Post.topics, func.count())
        .where(Post.created_at >= start, Post.created_at < end)
        .group_by(day, Post.platform, Post.flagged, Post.topics)
    )
    topic_days: dict[tuple[date, str], int] = {}
    day_totals: dict[date, list[int]] = {}
    platform_totals: dict[str, list[int]] = {}
    for raw_day, platform, flagged, topics, n in session.execute(query):
        when = _as_date(raw_day)
        hit = n if flagged else 0
        totals = day_totals.setdefault(when, [0, 0])
        totals[0] += n
        totals[1] += hit
        per_platform = platform_totals.setdefault(platform, [0, 0])
        per_platform[0] += n
        per_platform[1] += hit
        for topic in set(topics or ()):  # a post with two topics counts once in each
            topic_days[(when, topic)] = topic_days.get((when, topic), 0) + n
    return PostTrends(
        per_topic=[DayCount(d, topic, n) for (d, topic), n in sorted(topic_days.items())],
        shares=[DayShare(d, total, hit) for d, (total, hit) in sorted(day_totals.items())],
        platforms=[
            PlatformCount(p, total, hit)
            for p, (total, hit) in sorted(platform_totals.items(), key=lambda item: (-item[1][0], item[0]))
        ],
    )


def posts_per_day_by_topic(session: Session, start: datetime, end: datetime, tz: ZoneInfo) -> list[DayCount]:
    """Relevant posts per day and topic (a post with two topics counts once in each)."""
    return post_trends(session, start, end, tz).per_topic


def flagged_share_per_day(session: Session, start: datetime, end: datetime, tz: ZoneInfo) -> list[DayShare]:
    return post_trends(session, start, end, tz).shares


def platform_split(session: Session, start: datetime, end: datetime) -> list[PlatformCount]:
    """Posts and flagged posts per platform (the day split uses UTC: it is summed away)."""
    return post_trends(session, start, end, ZoneInfo("UTC")).platforms


def confirmed_hoaxes_per_day(
    session: Session, start: datetime, end: datetime, tz: ZoneInfo
) -> list[DayCount]:
    """Posts confirmed as hoaxes per day of the decision (from the audit log)."""
    day = _day(session, TriageEvent.created_at, tz, end)
    query = (
        select(day, func.count(func.distinct(TriageEvent.post_id)))
        .where(TriageEvent.action == "hoax", TriageEvent.created_at >= start, TriageEvent.created_at < end)
        .group_by(day)
        .order_by(day)
    )
    return [DayCount(_as_date(d), "hoax", n) for d, n in session.execute(query)]


def top_narratives(session: Session, start: datetime, end: datetime, limit: int = 10) -> list[Narrative]:
    query = (
        select(Narrative)
        .where(Narrative.last_seen >= start, Narrative.first_seen < end)
        .order_by(Narrative.post_count.desc(), Narrative.total_reach.desc())
        .limit(limit)
    )
    return list(session.scalars(query))


@dataclass(frozen=True, slots=True)
class ResponseTime:
    post_id: int
    decided_at: datetime
    hours: float
    status: str | None


def response_times(session: Session, start: datetime, end: datetime) -> list[ResponseTime]:
    """Hours from flagging to the first officer decision, for posts decided in the range."""
    query = select(Post.id, Post.flagged_at, Post.decided_at, Post.triage_status).where(
        and_(Post.decided_at >= start, Post.decided_at < end, Post.flagged_at.is_not(None))
    )
    out = []
    for post_id, flagged_at, decided_at, status in session.execute(query):
        hours = max(0.0, (decided_at - flagged_at).total_seconds() / 3600)
        out.append(ResponseTime(post_id, decided_at, hours, status))
    return out


# -- collector health -----------------------------------------------------------------------------------
def sources_health(session: Session) -> list[Source]:
    return list(session.scalars(select(Source).order_by(Source.name)))


def recent_runs(session: Session, limit: int = 50, source_name: str | None = None) -> list[IngestRun]:
    query = select(IngestRun).order_by(IngestRun.started_at.desc(), IngestRun.id.desc()).limit(limit)
    if source_name:
        query = query.where(IngestRun.source_name == source_name)
    return list(session.scalars(query))


def label_counts(session: Session, since: datetime | None = None) -> dict[str, int]:
    """Officer verdicts usable as training labels: hoax and not_hoax (kept through escalation); with
    `since`, only those decided after it (what a model made then has not learned)."""
    query = select(Post.verdict, func.count()).where(Post.verdict.in_(("hoax", "not_hoax")))
    if since is not None:
        query = query.where(Post.decided_at > since)
    query = query.group_by(Post.verdict)
    counts = {"hoax": 0, "not_hoax": 0}
    counts.update({status: n for status, n in session.execute(query)})
    return counts


def latest_post_time(session: Session, not_after: datetime | None = None) -> datetime | None:
    """When the newest stored post was published (the Tren page's default range ends there); posts dated
    after `not_after` (a clock error or a forged date such as year 9999) are not taken as the newest."""
    query = select(func.max(Post.created_at))
    if not_after is not None:
        query = query.where(Post.created_at <= not_after)
    return session.scalar(query)


def latest_decision_time(session: Session) -> datetime | None:
    """When an officer last decided an item (the default range of the decision charts ends there)."""
    return session.scalar(select(func.max(Post.decided_at)))

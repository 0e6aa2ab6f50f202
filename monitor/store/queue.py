"""Read queries behind the dashboard: the triage queue, one item in full, and the audit log.

The queue query is built to stay fast on a million posts: it always starts from the flagged posts (a few
percent), walks an index in priority order and stops after one page; counts are capped so a broad filter
never has to count the whole table. Trend and health queries live in `monitor.store.trends`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Text,
    and_,
    cast,
    func,
    literal,
    literal_column,
    or_,
    select,
    text,
    true,
    type_coerce,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Session

from monitor.store.schema import KnownClaim, Narrative, Post, Score, TriageEvent

COUNT_CAP = 1_000  # shown as "1.000+"; counting further would cost a scan on big databases
SNIPPET_CHARS = 280


@dataclass(frozen=True, slots=True)
class QueueFilter:
    """What an officer narrows the queue to; every field is optional. Times are aware datetimes."""

    statuses: tuple[str, ...] = ()
    topic: str | None = None
    candidate: str | None = None  # "01" | "02" | "03"
    platform: str | None = None
    source: str | None = None
    start: datetime | None = None  # created_at >= start
    end: datetime | None = None  # created_at < end
    escalated_to: str | None = None
    assigned_to: str | None = None
    narrative_id: int | None = None  # the posts of one narrative (alert messages link here)
    holder: str | None = None  # the agency holding the item now (an agency's inbox)
    verdict: str | None = None
    unlabelled: bool = False  # no hoaks / bukan hoaks verdict yet (the analyst's label queue)
    include_closed: bool = True


@dataclass(frozen=True, slots=True)
class QueueRow:
    id: int
    platform: str
    created_at: datetime
    author: str | None
    snippet: str
    hoax_score: float | None
    reach: int
    priority: float
    status: str | None
    assigned_to: str | None
    escalated_to: str | None
    source_name: str | None
    narrative_id: int | None
    version: int
    topics: list[str]
    candidates: list[str]
    verdict: str | None = None
    violation: bool = False
    holder: str | None = None
    debunk_match: bool = False  # the post matches a known debunk (evidence, not only wording)


@dataclass(frozen=True, slots=True)
class QueuePage:
    rows: list[QueueRow]
    total: int | None  # capped at COUNT_CAP; None when counting would need to read the posts themselves
    total_capped: bool
    page: int
    page_size: int
    has_more: bool

    @property
    def pages(self) -> int:
        """Known pages: from the count when there is one, else up to the next page."""
        if self.total is not None:
            return max(1, -(-self.total // self.page_size))
        return self.page + 1 if self.has_more else self.page


def _countable(f: QueueFilter) -> bool:
    """Only a status filter can be counted from the queue index alone (fast on any size)."""
    return not any(
        (
            f.topic,
            f.candidate,
            f.platform,
            f.source,
            f.start,
            f.end,
            f.escalated_to,
            f.assigned_to,
            f.narrative_id,
            f.holder,
            f.verdict,
            f.unlabelled,
            not f.include_closed,
        )
    )


def _json_list_has(session: Session, column: Any, value: str) -> ColumnElement[bool]:
    """`value` is an element of the JSON list in `column` (JSONB containment on PostgreSQL)."""
    if session.get_bind().dialect.name == "postgresql":
        return type_coerce(column, JSONB).contains([value])
    # SQLite stores the list as JSON text; an element is always written as "value" with quotes, and
    # the values we filter on (topic keys, "01".."03") contain no quote, backslash or LIKE wildcard.
    if any(ch in value for ch in '"\\%_'):
        raise ValueError(f"invalid filter value {value!r}")
    return cast(column, Text).like(f'%"{value}"%')


def queue_conditions(session: Session, f: QueueFilter) -> list[ColumnElement[bool]]:
    # `= true` (not `IS true`) so PostgreSQL can use the (flagged, priority) index.
    conditions: list[ColumnElement[bool]] = [Post.flagged == true()]
    if f.statuses:
        conditions.append(Post.triage_status.in_(f.statuses))
    else:
        conditions.append(Post.triage_status.is_not(None))
    if f.topic:
        conditions.append(_json_list_has(session, Post.topics, f.topic))
    if f.candidate:
        conditions.append(_json_list_has(session, Post.candidates, f.candidate))
    if f.platform:
        conditions.append(Post.platform == f.platform)
    if f.source:
        conditions.append(Post.source_name == f.source)
    created = Post.created_at
    if session.get_bind().dialect.name == "sqlite":
        # SQLite's planner would pick the created_at index for any date range and then sort every flagged
        # post in it; a unary + (a no-op on the value) keeps it on the priority index, which stops after
        # one page. PostgreSQL chooses well from its statistics.
        created = literal_column("+posts.created_at", type_=Post.created_at.type)
    if f.start:
        conditions.append(created >= f.start)
    if f.end:
        conditions.append(created < f.end)
    if f.escalated_to:
        conditions.append(Post.escalated_to == f.escalated_to)
    if f.assigned_to:
        conditions.append(Post.assigned_to == f.assigned_to)
    if f.narrative_id is not None:
        conditions.append(Post.narrative_id == f.narrative_id)
    if f.holder == "kpu":
        # A flagged post nobody escalated is KPU's (scoring enters it without a holder).
        conditions.append(or_(Post.holder.is_(None), Post.holder == "kpu"))
    elif f.holder:
        conditions.append(Post.holder == f.holder)
    if f.verdict:
        conditions.append(Post.verdict == f.verdict)
    if f.unlabelled:
        conditions.append(or_(Post.verdict.is_(None), Post.verdict == "needs_check"))
    if not f.include_closed:
        conditions.append(Post.triage_status != "closed")
    return conditions


def _row_columns() -> tuple[Any, ...]:
    """The columns a queue row is read from, in QueueRow's field order."""
    return (
        Post.id,
        Post.platform,
        Post.created_at,
        func.coalesce(Post.author_name, Post.author_handle),
        func.substr(Post.text, 1, SNIPPET_CHARS),
        Post.hoax_score,
        Post.reach,
        Post.priority,
        Post.triage_status,
        Post.assigned_to,
        Post.escalated_to,
        Post.source_name,
        Post.narrative_id,
        Post.triage_version,
        Post.topics,
        Post.candidates,
        Post.verdict,
        Post.violation,
        Post.holder,
        Post.matched_claim_id,
    )


def _queue_row(r: Any) -> QueueRow:
    return QueueRow(
        id=r[0],
        platform=r[1],
        created_at=r[2],
        author=r[3],
        snippet=r[4] or "",
        hoax_score=r[5],
        reach=r[6] or 0,
        priority=r[7] or 0.0,
        status=r[8],
        assigned_to=r[9],
        escalated_to=r[10],
        source_name=r[11],
        narrative_id=r[12],
        version=r[13] or 0,
        topics=list(r[14] or []),
        candidates=list(r[15] or []),
        verdict=r[16],
        violation=bool(r[17]),
        holder=r[18],
        debunk_match=r[19] is not None,
    )


def queue_page(session: Session, f: QueueFilter, page: int = 1, page_size: int = 25) -> QueuePage:
    """One page of the queue, most urgent first (posts.priority: evidence first, then score × reach; see
    `monitor.triage.rules.priority_of`)."""
    page = max(1, page)
    conditions = queue_conditions(session, f)
    if session.get_bind().dialect.name == "postgresql":
        # psycopg prepares statements it sees often; a generic plan cannot know how selective a topic or
        # platform is and falls back to sorting every queued post. Plan each call for its own values.
        session.execute(text("SET LOCAL plan_cache_mode = force_custom_plan"))
    query = (
        select(*_row_columns())
        .where(and_(*conditions))
        # Both keys descending, so one backward walk of ix_posts_queue_priority serves the order.
        .order_by(Post.priority.desc(), Post.id.desc())
        .limit(page_size + 1)
        .offset((page - 1) * page_size)
    )
    rows = [_queue_row(r) for r in session.execute(query)]
    has_more = len(rows) > page_size
    rows = rows[:page_size]
    if not _countable(f):
        return QueuePage(rows, None, False, page, page_size, has_more)
    capped = select(literal(1)).select_from(Post).where(and_(*conditions)).limit(COUNT_CAP + 1).subquery()
    total = session.scalar(select(func.count()).select_from(capped)) or 0
    return QueuePage(rows, min(total, COUNT_CAP), total > COUNT_CAP, page, page_size, has_more)


def status_counts(session: Session, escalated_to: str | None = None) -> dict[str, int]:
    """How many flagged posts are in each triage status."""
    query = select(Post.triage_status, func.count()).where(
        Post.flagged.is_(True), Post.triage_status.is_not(None)
    )
    if escalated_to:
        query = query.where(Post.escalated_to == escalated_to)
    return {status: n for status, n in session.execute(query.group_by(Post.triage_status))}


def source_names(session: Session) -> list[str]:
    """Distinct source names of stored posts (for the queue's source filter)."""
    query = (
        select(Post.source_name).where(Post.source_name.is_not(None)).distinct().order_by(Post.source_name)
    )
    return [name for (name,) in session.execute(query)]


# -- one item -------------------------------------------------------------------------------------------
@dataclass(slots=True)
class ItemDetail:
    post: Post
    reasons: list[str]
    claim: KnownClaim | None
    claim_similarity: float | None
    claim_status: str | None
    narrative: Narrative | None
    narrative_posts: list[QueueRow] = field(default_factory=list)
    events: list[TriageEvent] = field(default_factory=list)
    narrative_label_hidden: bool = False  # the label quotes a post this reader may not see


def item_detail(session: Session, post_id: int, narrative_limit: int = 20) -> ItemDetail | None:
    post = session.get(Post, post_id)
    if post is None:
        return None
    score = None
    if post.scored_version:
        score = session.scalar(
            select(Score).where(Score.post_id == post_id, Score.model_version == post.scored_version)
        )
    claim_id = post.matched_claim_id or (score.matched_claim_id if score else None)
    claim = session.get(KnownClaim, claim_id) if claim_id else None
    narrative = session.get(Narrative, post.narrative_id) if post.narrative_id else None
    siblings: list[QueueRow] = []
    if narrative is not None:
        query = (
            select(*_row_columns())
            .where(Post.narrative_id == narrative.id, Post.id != post_id)
            .order_by(Post.priority.desc(), Post.id)
            .limit(narrative_limit)
        )
        siblings = [_queue_row(r) for r in session.execute(query)]
    events = list(
        session.scalars(
            select(TriageEvent)
            .where(TriageEvent.post_id == post_id)
            .order_by(TriageEvent.id.desc())
            .limit(100)
        )
    )
    return ItemDetail(
        post=post,
        reasons=list(score.reasons or []) if score else [],
        claim=claim,
        claim_similarity=score.claim_similarity if score else None,
        claim_status=score.claim_status if score else None,
        narrative=narrative,
        narrative_posts=siblings,
        events=events,
    )


def capped_count(session: Session, f: QueueFilter) -> tuple[int, bool]:
    """How many queue rows match (stops at COUNT_CAP): the inbox badges in the sidebar."""
    capped = (
        select(literal(1)).select_from(Post).where(and_(*queue_conditions(session, f))).limit(COUNT_CAP + 1)
    ).subquery()
    total = session.scalar(select(func.count()).select_from(capped)) or 0
    return min(total, COUNT_CAP), total > COUNT_CAP

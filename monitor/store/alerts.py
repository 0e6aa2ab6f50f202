"""Queries and writes for alerts and their deliveries."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from monitor.store.schema import Alert, AlertDelivery, Narrative, Post, utcnow


def alert_exists(session: Session, key: str) -> bool:
    return session.scalar(select(Alert.id).where(Alert.key == key)) is not None


def add_alert(session: Session, alert: dict[str, Any], deliveries: Sequence[dict[str, Any]]) -> int | None:
    """Store an alert and its pending deliveries; None when an alert with the same key already exists."""
    try:
        with session.begin_nested():
            row = Alert(**alert)
            session.add(row)
            session.flush()
            for delivery in deliveries:
                session.add(AlertDelivery(alert_id=row.id, status="pending", attempts=0, **delivery))
            session.flush()
    except IntegrityError:
        return None  # another process fired the same spike first
    return row.id


@dataclass(slots=True)
class DueDelivery:
    id: int
    alert_id: int
    channel: str
    attempts: int
    subject: str
    message: str
    payload: dict[str, Any]


def due_deliveries(session: Session, now: datetime, limit: int = 200) -> list[DueDelivery]:
    query = (
        select(AlertDelivery, Alert)
        .join(Alert, Alert.id == AlertDelivery.alert_id)
        .where(AlertDelivery.status == "pending", AlertDelivery.next_attempt_at <= now)
        .order_by(AlertDelivery.next_attempt_at, AlertDelivery.id)
        .limit(limit)
    )
    return [
        DueDelivery(
            d.id,
            a.id,
            d.channel,
            d.attempts,
            (a.payload or {}).get("subject") or a.rule,
            a.message,
            dict(a.payload or {}),
        )
        for d, a in session.execute(query)
    ]


def record_attempt(
    session: Session,
    delivery_id: int,
    *,
    ok: bool,
    error: str | None = None,
    next_attempt_at: datetime | None = None,
    give_up: bool = False,
) -> None:
    delivery = session.get(AlertDelivery, delivery_id)
    if delivery is None:
        raise KeyError(f"alert delivery {delivery_id} does not exist")
    delivery.attempts = (delivery.attempts or 0) + 1
    if ok:
        delivery.status = "sent"
        delivery.delivered_at = utcnow()
        delivery.next_attempt_at = None
        delivery.last_error = error  # a note such as "refused: x@y" on partial success
    else:
        delivery.last_error = (error or "unknown error")[:2000]
        delivery.status = "failed" if give_up else "pending"
        delivery.next_attempt_at = None if give_up else next_attempt_at


def deliveries_of(session: Session, alert_id: int) -> list[AlertDelivery]:
    return list(
        session.scalars(
            select(AlertDelivery).where(AlertDelivery.alert_id == alert_id).order_by(AlertDelivery.id)
        )
    )


def recent_alerts(session: Session, limit: int = 20) -> list[Alert]:
    return list(session.scalars(select(Alert).order_by(Alert.fired_at.desc(), Alert.id.desc()).limit(limit)))


def narrative_facets(session: Session, ids: Sequence[int]) -> dict[int, tuple[str | None, list[str]]]:
    """Per narrative: (primary topic, candidate pairs it names) — what a narrative rule filters on."""
    found: dict[int, tuple[str | None, list[str]]] = {}
    for start in range(0, len(ids), 500):
        chunk = list(ids[start : start + 500])
        query = select(Narrative.id, Narrative.topic, Narrative.candidates).where(Narrative.id.in_(chunk))
        for narrative_id, topic, candidates in session.execute(query):
            found[int(narrative_id)] = (topic, list(candidates or []))
    return found


def spike_source_rows(
    session: Session, since: datetime, *, min_score: float | None = None
) -> Iterator[tuple[datetime, list[str], int | None]]:
    """(created_at, topics, narrative_id) of posts created since `since` (for the spike series)."""
    query = select(Post.created_at, Post.topics, Post.narrative_id).where(Post.created_at >= since)
    if min_score is not None:
        query = query.where(and_(Post.hoax_score.is_not(None), Post.hoax_score >= min_score))
    for created_at, topics, narrative_id in session.execute(query.execution_options(yield_per=5000)):
        yield created_at, list(topics or []), narrative_id


def alerted_near(
    session: Session,
    rule: str,
    *,
    narrative_id: int | None,
    topic: str | None,
    start: datetime,
    margin: timedelta,
) -> bool:
    """Whether this rule already alerted this subject for a window starting within `margin` of `start`.

    Posts collected late can move an episode's first window earlier; this keeps it one alert."""
    query = select(Alert.id).where(
        Alert.rule == rule, Alert.window_start >= start - margin, Alert.window_start <= start + margin
    )
    query = query.where(Alert.narrative_id == narrative_id) if narrative_id is not None else query
    query = query.where(Alert.topic == topic) if topic is not None else query
    return session.scalar(query.limit(1)) is not None


def posts_in_window(
    session: Session,
    start: datetime,
    end: datetime,
    *,
    narrative_id: int | None = None,
    topic: str | None = None,
    min_score: float | None = None,
) -> list[Post]:
    """Posts created in [start, end) of one narrative or one topic, most reach first."""
    query = select(Post).where(Post.created_at >= start, Post.created_at < end)
    if narrative_id is not None:
        query = query.where(Post.narrative_id == narrative_id)
    if min_score is not None:
        query = query.where(Post.hoax_score.is_not(None), Post.hoax_score >= min_score)
    posts = list(session.scalars(query.order_by(Post.reach.desc(), Post.id)))
    if topic is not None:
        posts = [p for p in posts if topic in (p.topics or [])]
    return posts


def main_narrative(posts: Sequence[Post]) -> int | None:
    counts = Counter(p.narrative_id for p in posts if p.narrative_id is not None)
    return counts.most_common(1)[0][0] if counts else None

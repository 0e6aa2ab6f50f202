"""The audit log: appending one event, and the filtered, paged read behind the Audit page.

Every decision, login, lockout and admin change goes through `add_audit_event`; the table itself refuses
UPDATE and DELETE (triggers in the migrations), so this module only ever appends and reads.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, func, literal, or_, select
from sqlalchemy.orm import Session

from monitor.store.schema import TriageEvent, utcnow

COUNT_CAP = 1_000


def add_audit_event(
    session: Session,
    *,
    actor: str,
    action: str,
    role: str | None = None,
    post_id: int | None = None,
    narrative_id: int | None = None,
    note: str | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    at: datetime | None = None,
) -> TriageEvent:
    """Append one audit event (the table refuses updates and deletes)."""
    event = TriageEvent(
        actor=actor,
        role=role,
        action=action,
        post_id=post_id,
        narrative_id=narrative_id,
        note=note,
        before=before,
        after=after,
        created_at=at or utcnow(),
    )
    session.add(event)
    session.flush()
    return event


@dataclass(frozen=True, slots=True)
class AuditFilter:
    text: str | None = None  # in actor, action or note
    actor: str | None = None
    action: str | None = None
    post_id: int | None = None
    start: datetime | None = None
    end: datetime | None = None


@dataclass(frozen=True, slots=True)
class AuditPage:
    events: list[TriageEvent]
    total: int
    total_capped: bool
    page: int
    page_size: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.page_size))


def audit_page(session: Session, f: AuditFilter, page: int = 1, page_size: int = 50) -> AuditPage:
    """Audit events, newest first, filtered; the text search is case-insensitive."""
    page = max(1, page)
    conditions: list[ColumnElement[bool]] = []
    if f.text:
        pattern = "%" + f.text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        conditions.append(
            or_(
                TriageEvent.actor.ilike(pattern, escape="\\"),
                TriageEvent.action.ilike(pattern, escape="\\"),
                TriageEvent.note.ilike(pattern, escape="\\"),
            )
        )
    if f.actor:
        conditions.append(TriageEvent.actor == f.actor)
    if f.action:
        conditions.append(TriageEvent.action == f.action)
    if f.post_id is not None:
        conditions.append(TriageEvent.post_id == f.post_id)
    if f.start:
        conditions.append(TriageEvent.created_at >= f.start)
    if f.end:
        conditions.append(TriageEvent.created_at < f.end)
    where = and_(*conditions) if conditions else None
    query = (
        select(TriageEvent).order_by(TriageEvent.id.desc()).limit(page_size).offset((page - 1) * page_size)
    )
    capped_query = select(literal(1)).select_from(TriageEvent)
    if where is not None:
        query = query.where(where)
        capped_query = capped_query.where(where)
    events = list(session.scalars(query))
    total = (
        session.scalar(select(func.count()).select_from(capped_query.limit(COUNT_CAP + 1).subquery())) or 0
    )
    return AuditPage(events, min(total, COUNT_CAP), total > COUNT_CAP, page, page_size)


def audit_actions(session: Session) -> list[str]:
    return [a for (a,) in session.execute(select(TriageEvent.action).distinct().order_by(TriageEvent.action))]

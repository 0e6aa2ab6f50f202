"""The tipline's outbox in SQL: every message to a citizen is a row before it is sent, and is sent once.

pending → sending (claimed by one sender with a conditional UPDATE) → sent | back to pending | failed.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from monitor.store.schema import Tip, TipReply


def enqueue_reply(
    session: Session,
    *,
    asker_id: int,
    channel: str,
    address: str,
    kind: str,
    text: str,
    now: datetime,
    tip_id: int | None = None,
    message_ref: str | None = None,
) -> TipReply:
    reply = TipReply(
        asker_id=asker_id,
        message_ref=message_ref,
        tip_id=tip_id,
        channel=channel,
        address=address,
        kind=kind,
        text=text,
        status="pending",
        attempts=0,
        next_attempt_at=now,
        created_at=now,
    )
    session.add(reply)
    return reply


def abandon_sending(session: Session, now: datetime) -> int:
    """Replies a stopped process left mid-send: failed for good, since they may have gone out."""
    result = session.execute(
        update(TipReply)
        .where(TipReply.status == "sending")
        .values(status="failed", address="", last_error="stopped while sending; not resent")
    )
    return int(result.rowcount or 0)


def claim_due_replies(session: Session, channel: str, now: datetime, limit: int) -> list[TipReply]:
    """Pending replies due now, each moved to `sending` by this caller only (oldest first)."""
    ids = session.scalars(
        select(TipReply.id)
        .where(TipReply.channel == channel, TipReply.status == "pending", TipReply.next_attempt_at <= now)
        .order_by(TipReply.id)
        .limit(limit)
    ).all()
    claimed = []
    for reply_id in ids:
        result = session.execute(
            update(TipReply)
            .where(TipReply.id == reply_id, TipReply.status == "pending")
            .values(status="sending", attempts=TipReply.attempts + 1)
        )
        if result.rowcount == 1:
            claimed.append(reply_id)
    if not claimed:
        return []
    return list(session.scalars(select(TipReply).where(TipReply.id.in_(claimed)).order_by(TipReply.id)))


def replies_sent(session: Session, sent: Sequence[tuple[int, datetime]]) -> None:
    """Mark replies sent (forgetting their addresses) and stamp the tips they answered."""
    if not sent:
        return
    when = dict(sent)
    # Plain UPDATEs, not ORM objects: a citizen's /hapus may delete a reply between this read and the write,
    # and an UPDATE of a row that is gone simply matches nothing (an ORM flush would raise StaleDataError).
    rows = session.execute(
        select(TipReply.id, TipReply.kind, TipReply.tip_id).where(TipReply.id.in_(list(when)))
    ).all()
    for reply_id, kind, tip_id in rows:
        at = when[reply_id]
        session.execute(
            update(TipReply)
            .where(TipReply.id == reply_id)
            .values(status="sent", sent_at=at, address="", last_error=None)
        )
        if tip_id is None:
            continue
        if kind == "verdict":  # the claim stamped the time it was queued; keep the time it went out
            session.execute(update(Tip).where(Tip.id == tip_id).values(verdict_sent_at=at))
        else:
            session.execute(
                update(Tip).where(Tip.id == tip_id, Tip.answered_at.is_(None)).values(answered_at=at)
            )


def reply_failed(session: Session, reply_id: int, error: str, retry_at: datetime | None) -> None:
    """Back to pending for another try at `retry_at`, or `failed` for good (address forgotten)."""
    values: dict[str, Any] = {"last_error": error[:2000]}
    if retry_at is None:
        values.update(status="failed", address="")
    else:
        values.update(status="pending", next_attempt_at=retry_at)
    session.execute(update(TipReply).where(TipReply.id == reply_id).values(values))


def reply_counts(session: Session) -> dict[str, int]:
    rows = session.execute(select(TipReply.status, func.count()).group_by(TipReply.status))
    return {status: int(count) for status, count in rows}

"""The citizen tipline's SQL: askers, tips, queued tip posts, channel positions, privacy, weekly numbers.

The outbox (replies to send) is `monitor.store.tip_outbox`.

Rules (what an answer says, who is notified, rate limits) live in `monitor.tipline`; this module only
reads and writes. Writes that must happen once even with two processes running (claiming a reply to
send, claiming a verdict to notify) are conditional UPDATEs whose row count says who won.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, exists, func, select, update
from sqlalchemy.orm import Session

from monitor.store import bulk
from monitor.store.schema import (
    KnownClaim,
    Post,
    Tip,
    TipAsker,
    TiplineChannel,
    TipReply,
    TriageEvent,
    utcnow,
)

TIPLINE_PLATFORM = "tipline"  # posts.platform and posts.source_name of citizens' tips
OFFICER_VERDICTS = ("hoax", "not_hoax")  # triage actions that decide whether a tip is a hoax
AUTO_KINDS = ("debunk", "fact", "decided", "dpt")  # tips answered without an officer


# -- channel positions -----------------------------------------------------------------------------------
def channel_cursor(session: Session, channel: str) -> dict[str, Any] | None:
    row = session.get(TiplineChannel, channel)
    return dict(row.cursor) if row is not None and row.cursor is not None else None


def save_channel_cursor(session: Session, channel: str, cursor: dict[str, Any]) -> None:
    row = session.get(TiplineChannel, channel)
    if row is None:
        session.add(TiplineChannel(name=channel, cursor=cursor, updated_at=utcnow()))
    else:
        row.cursor = cursor
        row.updated_at = utcnow()
    session.flush()


# -- askers ----------------------------------------------------------------------------------------------
def askers(session: Session, keys: set[tuple[str, str]], now: datetime) -> dict[tuple[str, str], TipAsker]:
    """The asker rows for (channel, pseudonym) pairs, created on first contact; all seen `now`.

    Two processes creating the same new asker at once: the second one's transaction fails on the unique
    constraint and its caller reads the messages again (polling) or the platform redelivers (webhooks)."""
    found: dict[tuple[str, str], TipAsker] = {}
    by_channel: dict[str, list[str]] = {}
    for channel, pseudonym in keys:
        by_channel.setdefault(channel, []).append(pseudonym)
    for channel, pseudonyms in by_channel.items():
        query = select(TipAsker).where(TipAsker.channel == channel, TipAsker.pseudonym.in_(pseudonyms))
        found.update(((row.channel, row.pseudonym), row) for row in session.scalars(query))
    fresh = [
        TipAsker(channel=c, pseudonym=p, created_at=now, last_seen_at=now) for c, p in keys - found.keys()
    ]
    if fresh:
        session.add_all(fresh)
        session.flush()
        found.update(((row.channel, row.pseudonym), row) for row in fresh)
    for row in found.values():
        if row.last_seen_at < now:
            row.last_seen_at = now
    return found


def set_consent(asker: TipAsker, address: str | None, now: datetime) -> None:
    """Opt in (an encrypted address to send verdicts to) or out (None: the address is forgotten)."""
    asker.address = address
    asker.consented_at = now if address is not None else None


# -- tips ------------------------------------------------------------------------------------------------
def seen_messages(session: Session, pairs: Sequence[tuple[int, str]]) -> set[tuple[int, str]]:
    """The (asker id, message ref) pairs already handled: a tip or a reply exists for them, so a replayed
    update or a redelivered webhook is never answered twice."""
    if not pairs:
        return set()
    ids, refs = sorted({a for a, _ in pairs}), sorted({r for _, r in pairs})
    found: set[tuple[int, str]] = set()
    for table in (Tip, TipReply):
        query = select(table.asker_id, table.message_ref).where(
            table.asker_id.in_(ids), table.message_ref.in_(refs)
        )
        found.update((int(a), str(r)) for a, r in session.execute(query))
    return found & set(pairs)


def known_claims_by_key(session: Session, keys: Sequence[str]) -> dict[str, KnownClaim]:
    if not keys:
        return {}
    return {row.key: row for row in session.scalars(select(KnownClaim).where(KnownClaim.key.in_(keys)))}


@dataclass(frozen=True, slots=True)
class TipPost:
    """The queued post that identical tips share, with the officers' verdict once there is one."""

    post_id: int
    text: str
    verdict: str | None  # "hoax" | "not_hoax" | None
    decided_at: datetime | None
    matched_claim_id: int | None
    explanation: str | None  # the matched known claim's explanation, if any


def officer_verdicts(session: Session, post_ids: Sequence[int]) -> dict[int, tuple[str, datetime]]:
    """The latest hoax / not-hoax decision per post, from the append-only audit log."""
    if not post_ids:
        return {}
    latest = (
        select(TriageEvent.post_id, func.max(TriageEvent.id).label("event_id"))
        .where(TriageEvent.post_id.in_(post_ids), TriageEvent.action.in_(OFFICER_VERDICTS))
        .group_by(TriageEvent.post_id)
        .subquery()
    )
    rows = session.execute(
        select(TriageEvent.post_id, TriageEvent.action, TriageEvent.created_at).join(
            latest, latest.c.event_id == TriageEvent.id
        )
    )
    return {post_id: (action, at) for post_id, action, at in rows}


def tip_posts_by_hash(session: Session, hashes: Sequence[str]) -> dict[str, TipPost]:
    if not hashes:
        return {}
    rows = session.execute(
        select(Post.id, Post.native_id, Post.text, Post.matched_claim_id, KnownClaim.explanation)
        .outerjoin(KnownClaim, KnownClaim.id == Post.matched_claim_id)
        .where(Post.platform == TIPLINE_PLATFORM, Post.native_id.in_(list(set(hashes))))
    ).all()
    verdicts = officer_verdicts(session, [row.id for row in rows])
    found = {}
    for row in rows:
        verdict, at = verdicts.get(row.id, (None, None))
        found[row.native_id] = TipPost(row.id, row.text, verdict, at, row.matched_claim_id, row.explanation)
    return found


def upsert_tip_post(session: Session, row: dict[str, Any], now: datetime) -> int:
    """Insert the queued post for a tip (or see it again); returns its id."""
    bulk.insert_or_refresh(session, [row], now)
    post_id = session.scalar(
        select(Post.id).where(Post.platform == row["platform"], Post.native_id == row["native_id"])
    )
    assert post_id is not None
    return int(post_id)


def add_tip(session: Session, **values: Any) -> Tip:
    """A new tip (its id is assigned at the caller's next flush)."""
    tip = Tip(**values)
    session.add(tip)
    return tip


def demand(session: Session, post_ids: Sequence[int]) -> dict[int, int]:
    """How many distinct citizens asked about each post (the tipline's demand signal)."""
    if not post_ids:
        return {}
    rows = session.execute(
        select(Tip.post_id, func.count(func.distinct(Tip.asker_id)))
        .where(Tip.post_id.in_(list(post_ids)))
        .group_by(Tip.post_id)
    )
    return {int(post_id): int(count) for post_id, count in rows}


def post_scores(session: Session, post_ids: Sequence[int]) -> dict[int, float | None]:
    rows = session.execute(select(Post.id, Post.hoax_score).where(Post.id.in_(list(post_ids))))
    return {int(post_id): score for post_id, score in rows}


def set_demand(session: Session, post_id: int, priority: float, label: str) -> None:
    """A tip post's rank and the "Ditanya N warga" label shown where the queue shows an author."""
    session.execute(update(Post).where(Post.id == post_id).values(priority=priority, author_name=label))


# -- verdicts for those who asked ---------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class TipToNotify:
    tip_id: int
    asker_id: int
    channel: str
    address: str
    received_at: datetime
    post_id: int
    text: str
    verdict: str
    decided_at: datetime
    claim: KnownClaim | None


def tips_to_notify(session: Session, limit: int) -> list[TipToNotify]:
    """Queued tips of consenting askers whose post officers have decided, not yet notified (oldest first)."""
    rows = session.execute(
        select(Tip.id, Tip.asker_id, TipAsker.channel, TipAsker.address, Tip.received_at, Tip.post_id)
        .join(TipAsker, TipAsker.id == Tip.asker_id)
        .where(
            Tip.kind == "queued",
            Tip.notify.is_(True),
            Tip.verdict_sent_at.is_(None),
            Tip.post_id.is_not(None),
            TipAsker.address.is_not(None),
            exists().where(TriageEvent.post_id == Tip.post_id, TriageEvent.action.in_(OFFICER_VERDICTS)),
        )
        .order_by(Tip.id)
        .limit(limit)
    ).all()
    post_ids = sorted({row.post_id for row in rows})
    verdicts = officer_verdicts(session, post_ids)
    posts = {p.id: p for p in session.scalars(select(Post).where(Post.id.in_(post_ids)))}
    out = []
    for row in rows:
        post = posts[row.post_id]
        verdict, at = verdicts[row.post_id]
        claim = session.get(KnownClaim, post.matched_claim_id) if post.matched_claim_id else None
        out.append(
            TipToNotify(
                row.id,
                row.asker_id,
                row.channel,
                row.address,
                row.received_at,
                post.id,
                post.text,
                verdict,
                at,
                claim,
            )
        )
    return out


def claim_notification(session: Session, tip_id: int, now: datetime) -> bool:
    """Stamp the tip as notified unless someone else did first; True when this caller won."""
    result = session.execute(
        update(Tip).where(Tip.id == tip_id, Tip.verdict_sent_at.is_(None)).values(verdict_sent_at=now)
    )
    return result.rowcount == 1


# -- privacy: deletion and retention --------------------------------------------------------------------
def _drop_orphan_tip_posts(session: Session, post_ids: set[int]) -> int:
    """Delete tip posts no citizen's tip points to any more and no officer has acted on."""
    if not post_ids:
        return 0
    result = session.execute(
        delete(Post)
        .where(
            Post.id.in_(sorted(post_ids)),
            Post.platform == TIPLINE_PLATFORM,
            ~exists().where(Tip.post_id == Post.id),
            ~exists().where(TriageEvent.post_id == Post.id),
        )
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount or 0)


def delete_asker_data(session: Session, asker: TipAsker) -> tuple[int, int]:
    """/hapus: the asker's tips, pending replies and address go; returns (tips, posts) deleted.

    A queued post also goes when no other citizen asked about it and no officer has acted on it; one
    officers already worked stays (the audit log is append-only) but no longer points to this citizen."""
    session.flush()  # this batch's earlier tips and replies of the citizen go too
    asker_id = asker.id
    post_ids = {pid for pid in session.scalars(select(Tip.post_id).where(Tip.asker_id == asker_id)) if pid}
    session.execute(
        delete(TipReply).where(TipReply.asker_id == asker_id).execution_options(synchronize_session=False)
    )
    tips = session.execute(
        delete(Tip).where(Tip.asker_id == asker_id).execution_options(synchronize_session=False)
    ).rowcount
    set_consent(asker, None, utcnow())
    return int(tips or 0), _drop_orphan_tip_posts(session, post_ids)


def purge_expired(session: Session, before: datetime) -> dict[str, int]:
    """Retention: tips received before `before`, replies queued before it (sent or stale), and askers
    silent since then."""
    post_ids = {pid for pid in session.scalars(select(Tip.post_id).where(Tip.received_at < before)) if pid}
    replies = session.execute(delete(TipReply).where(TipReply.created_at < before)).rowcount
    tips = session.execute(delete(Tip).where(Tip.received_at < before)).rowcount
    posts = _drop_orphan_tip_posts(session, post_ids)
    askers = session.execute(
        delete(TipAsker).where(
            TipAsker.last_seen_at < before,
            ~exists().where(Tip.asker_id == TipAsker.id),
            ~exists().where(TipReply.asker_id == TipAsker.id),
        )
    ).rowcount
    return {"tips": int(tips or 0), "replies": int(replies or 0), "posts": posts, "askers": int(askers or 0)}


# -- the weekly report's "Pertanyaan warga" --------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class TiplineWeek:
    received: int
    answered_automatically: int
    answered_by_officers: int
    waiting: int
    median_answer_seconds: float | None


def tipline_week(session: Session, start: datetime, end: datetime) -> TiplineWeek:
    """Tips received in [start, end): how many were answered at once, by officers, or still wait.

    An answer's time is from receipt to the message that answered it: the automatic reply, or for a
    queued tip the officers' verdict (its "sedang kami periksa" acknowledgement does not count)."""
    rows = session.execute(
        select(Tip.kind, Tip.received_at, Tip.answered_at, Tip.verdict_sent_at, Tip.post_id).where(
            Tip.received_at >= start, Tip.received_at < end
        )
    ).all()
    decided = officer_verdicts(session, sorted({r.post_id for r in rows if r.kind == "queued" and r.post_id}))
    auto = officers = 0
    waits: list[float] = []
    for kind, received, answered, verdict_sent, post_id in rows:
        if kind in AUTO_KINDS and answered is not None:
            auto += 1
            waits.append((answered - received).total_seconds())
        elif kind == "queued" and (verdict_sent is not None or post_id in decided):
            # Officers answered: the verdict message, or (asker not opted in) the decision itself.
            officers += 1
            answered_at = verdict_sent if verdict_sent is not None else decided[post_id][1]
            waits.append(max(0.0, (answered_at - received).total_seconds()))
    return TiplineWeek(
        received=len(rows),
        answered_automatically=auto,
        answered_by_officers=officers,
        waiting=len(rows) - auto - officers,
        median_answer_seconds=statistics.median(waits) if waits else None,
    )

"""SQL of the evidence hash chain (table `evidence_packets`) and what a packet needs from other tables.

The rules (what goes into a packet, who may freeze or release, how the chain is verified) live in
`monitor.evidence`; this module only reads and appends rows.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from monitor.store.schema import EvidencePacket, KnownClaim, Post, Score, Source, TriageEvent

__all__ = [
    "ChainHead",
    "ChainRace",
    "append_link",
    "as_dict",
    "chain",
    "chain_head",
    "chain_until",
    "claim_of",
    "escalated_post_ids",
    "events_until",
    "last_event",
    "link_by_seq",
    "lock_chain",
    "packets_of",
    "post_by_id",
    "released_seqs",
    "score_of",
    "source_type",
]


class ChainRace(Exception):
    """Another freeze appended a link first; build the manifest again on the new head."""


@dataclass(frozen=True, slots=True)
class ChainHead:
    """The last link: the next link gets `seq + 1` and names `manifest_sha256` as its previous."""

    seq: int
    manifest_sha256: str | None


# Any 64-bit number unique to this use: the PostgreSQL advisory lock that serialises chain appends.
_CHAIN_LOCK_KEY = 0x45564944454E4345  # "EVIDENCE"


def lock_chain(session: Session) -> None:
    """Serialise appends to the chain until this transaction ends; call it first in the transaction.

    Optimistic retries alone starve under many concurrent freezes (each loser rebuilds on a head that
    has moved again). PostgreSQL takes a transaction-scoped advisory lock; SQLite takes its write lock
    with a write that touches no row (the first statement, so WAL never hands it a stale snapshot), and
    its busy timeout queues the other writers."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _CHAIN_LOCK_KEY})
    else:
        session.execute(text("UPDATE evidence_packets SET seq = seq WHERE 0 = 1"))


def chain_head(session: Session) -> ChainHead:
    row = session.execute(
        select(EvidencePacket.seq, EvidencePacket.manifest_sha256)
        .order_by(EvidencePacket.seq.desc())
        .limit(1)
    ).one_or_none()
    return ChainHead(0, None) if row is None else ChainHead(row[0], row[1])


def append_link(
    session: Session,
    *,
    seq: int,
    kind: str,
    manifest: str,
    manifest_sha256: str,
    previous_sha256: str | None,
    actor: str,
    role: str | None,
    trigger: str,
    created_at: datetime,
    post_id: int | None = None,
    releases_seq: int | None = None,
) -> EvidencePacket:
    """Append one link in a savepoint; raises ChainRace if `seq` or `previous_sha256` is already taken."""
    link = EvidencePacket(
        seq=seq,
        kind=kind,
        post_id=post_id,
        releases_seq=releases_seq,
        manifest=manifest,
        manifest_sha256=manifest_sha256,
        previous_sha256=previous_sha256,
        actor=actor,
        role=role,
        trigger=trigger,
        created_at=created_at,
    )
    try:
        with session.begin_nested():
            session.add(link)
            session.flush()
    except IntegrityError as exc:
        raise ChainRace(f"chain link {seq} was taken meanwhile") from exc
    return link


def chain(session: Session, batch: int = 500) -> Iterator[EvidencePacket]:
    """Every link in seq order, read in batches (the chain of a long election can be long)."""
    after = 0
    while True:
        rows = list(
            session.scalars(
                select(EvidencePacket)
                .where(EvidencePacket.seq > after)
                .order_by(EvidencePacket.seq)
                .limit(batch)
            )
        )
        yield from rows
        if len(rows) < batch:
            return
        after = rows[-1].seq


def chain_until(session: Session, seq: int) -> list[tuple[int, str]]:
    """(seq, manifest) of every link up to `seq`, for the chain proof inside an export."""
    return [
        (row[0], row[1])
        for row in session.execute(
            select(EvidencePacket.seq, EvidencePacket.manifest)
            .where(EvidencePacket.seq <= seq)
            .order_by(EvidencePacket.seq)
        )
    ]


def link_by_seq(session: Session, seq: int) -> EvidencePacket | None:
    return session.scalar(select(EvidencePacket).where(EvidencePacket.seq == seq))


def packets_of(session: Session, post_id: int) -> list[EvidencePacket]:
    """The packets frozen for one item, oldest first (release links are not included)."""
    return list(
        session.scalars(
            select(EvidencePacket)
            .where(EvidencePacket.post_id == post_id, EvidencePacket.kind == "packet")
            .order_by(EvidencePacket.seq)
        )
    )


def released_seqs(session: Session) -> dict[int, EvidencePacket]:
    """Released packet seq → the release link that released it."""
    rows = session.scalars(select(EvidencePacket).where(EvidencePacket.releases_seq.is_not(None)))
    return {row.releases_seq: row for row in rows if row.releases_seq is not None}


def events_until(session: Session, post_id: int, until: datetime) -> list[TriageEvent]:
    """The item's audit trail up to (and including) `until`, oldest first."""
    return list(
        session.scalars(
            select(TriageEvent)
            .where(TriageEvent.post_id == post_id, TriageEvent.created_at <= until)
            .order_by(TriageEvent.id)
        )
    )


def last_event(session: Session, post_id: int, actions: tuple[str, ...]) -> TriageEvent | None:
    """The item's latest audit event with one of these actions (e.g. its last escalation)."""
    return session.scalar(
        select(TriageEvent)
        .where(TriageEvent.post_id == post_id, TriageEvent.action.in_(actions))
        .order_by(TriageEvent.id.desc())
        .limit(1)
    )


def escalated_post_ids(session: Session) -> list[int]:
    """Items that were ever escalated (Bawaslu or Polri), oldest first."""
    return list(session.scalars(select(Post.id).where(Post.escalated_to.is_not(None)).order_by(Post.id)))


def score_of(session: Session, post: Post) -> Score | None:
    """The active model's verdict on the post (the one the queue shows)."""
    if not post.scored_version:
        return None
    return session.scalar(
        select(Score).where(Score.post_id == post.id, Score.model_version == post.scored_version)
    )


def claim_of(session: Session, post: Post, score: Score | None) -> KnownClaim | None:
    claim_id = post.matched_claim_id or (score.matched_claim_id if score else None)
    return session.get(KnownClaim, claim_id) if claim_id else None


def source_type(session: Session, source_name: str | None) -> str | None:
    """The collector type of a configured source (telegram, mastodon, feed, ...), if it is known."""
    if not source_name:
        return None
    return session.scalar(select(Source.type).where(Source.name == source_name))


def post_by_id(session: Session, post_id: int) -> Post | None:
    return session.get(Post, post_id)


def as_dict(event: TriageEvent) -> dict[str, Any]:
    return {
        "id": event.id,
        "at": event.created_at.isoformat(),
        "actor": event.actor,
        "role": event.role,
        "action": event.action,
        "note": event.note,
        "before": event.before,
        "after": event.after,
    }

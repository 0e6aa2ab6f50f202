"""Queries and writes for narratives: which posts to group, loading the index, saving assignments, listing."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import case, func, or_, select, update
from sqlalchemy.orm import Session

from monitor.store.schema import (
    KnownClaim,
    Narrative,
    NarrativeMember,
    NarrativeResponse,
    Post,
    utcnow,
)

CHUNK = 500


def _chunks(values: Sequence[Any], size: int = CHUNK) -> Iterator[Sequence[Any]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


@dataclass(slots=True)
class PostToGroup:
    id: int
    text: str
    created_at: datetime
    platform: str
    candidates: list[str]
    topics: list[str]
    matched_claim_id: int | None
    flagged: bool = False
    hoax_score: float | None = None
    author_handle: str | None = None
    author_name: str | None = None


def _waiting(score_floor: float) -> list[Any]:
    """Scored, not yet a member nor a response, and flagged, matched to a debunk or scoring >= floor.

    Grouping progress is exactly this condition: a run killed half-way leaves its unsaved posts waiting."""
    done = select(NarrativeResponse.post_id).where(NarrativeResponse.post_id == Post.id).exists()
    return [
        Post.narrative_id.is_(None),
        Post.hoax_score.is_not(None),
        or_(Post.flagged.is_(True), Post.matched_claim_id.is_not(None), Post.hoax_score >= score_floor),
        ~done,
    ]


def posts_to_group(session: Session, score_floor: float, limit: int) -> list[PostToGroup]:
    """The waiting posts (see `_waiting`), oldest first."""
    query = (
        select(
            Post.id,
            Post.text,
            Post.created_at,
            Post.platform,
            Post.candidates,
            Post.topics,
            Post.matched_claim_id,
            Post.flagged,
            Post.hoax_score,
            Post.author_handle,
            Post.author_name,
        )
        .where(*_waiting(score_floor))
        .order_by(Post.created_at, Post.id)
        .limit(limit)
    )
    return [
        PostToGroup(
            r.id,
            r.text,
            r.created_at,
            r.platform,
            list(r.candidates or []),
            list(r.topics or []),
            r.matched_claim_id,
            bool(r.flagged),
            r.hoax_score,
            r.author_handle,
            r.author_name,
        )
        for r in session.execute(query)
    ]


def count_posts_to_group(session: Session, score_floor: float) -> int:
    return session.scalar(select(func.count()).where(*_waiting(score_floor))) or 0


def save_responses(session: Session, rows: Sequence[dict[str, Any]]) -> None:
    """Rows: post_id, narrative_id (or None), kind (debunk | news | official | none), similarity."""
    if rows:
        now = utcnow()
        session.execute(NarrativeResponse.__table__.insert(), [{**row, "linked_at": now} for row in rows])


def narrative_responses(session: Session, narrative_id: int, limit: int = 20) -> list[tuple[Post, str]]:
    """Debunks, news and official posts answering a narrative, earliest first, with their kind."""
    query = (
        select(Post, NarrativeResponse.kind)
        .join(NarrativeResponse, NarrativeResponse.post_id == Post.id)
        .where(NarrativeResponse.narrative_id == narrative_id)
        .order_by(Post.created_at, Post.id)
        .limit(limit)
    )
    return [(post, kind) for post, kind in session.execute(query)]


def response_counts(session: Session, narrative_ids: Sequence[int]) -> dict[int, dict[str, int]]:
    """Per narrative: how many responses of each kind."""
    result: dict[int, dict[str, int]] = {}
    for chunk in _chunks(sorted(set(narrative_ids))):
        query = (
            select(NarrativeResponse.narrative_id, NarrativeResponse.kind, func.count())
            .where(NarrativeResponse.narrative_id.in_(chunk))
            .group_by(NarrativeResponse.narrative_id, NarrativeResponse.kind)
        )
        for narrative_id, kind, n in session.execute(query):
            result.setdefault(int(narrative_id), {})[kind] = int(n)
    return result


# -- loading the index ---------------------------------------------------------------------------------------
def active_narratives(session: Session, since: datetime) -> list[Narrative]:
    return list(session.scalars(select(Narrative).where(Narrative.last_seen >= since).order_by(Narrative.id)))


def newest_activity(session: Session) -> datetime | None:
    return session.scalar(select(func.max(Narrative.last_seen)))


def last_change(session: Session) -> datetime | None:
    """When any narrative last changed (grouping, a merge or a split): a cache key for what is read from
    them."""
    return session.scalar(select(func.max(Narrative.updated_at)))


def narratives_by_id(session: Session, ids: Iterable[int]) -> list[Narrative]:
    wanted = sorted(set(ids))
    found: list[Narrative] = []
    for chunk in _chunks(wanted):
        found.extend(session.scalars(select(Narrative).where(Narrative.id.in_(chunk))))
    return found


@dataclass(slots=True)
class MemberRow:
    post_id: int
    narrative_id: int
    signature: bytes
    topics: list[str]
    matched_claim_id: int | None


def member_rows(
    session: Session, *, since: datetime | None = None, assigned_after: datetime | None = None
) -> Iterator[MemberRow]:
    """Members of narratives seen since `since` (or assigned after `assigned_after`), in assignment order."""
    query = (
        select(
            NarrativeMember.post_id,
            NarrativeMember.narrative_id,
            NarrativeMember.signature,
            Post.topics,
            Post.matched_claim_id,
        )
        .join(Post, Post.id == NarrativeMember.post_id)
        .order_by(NarrativeMember.assigned_at, NarrativeMember.post_id)
    )
    if since is not None:
        query = query.join(Narrative, Narrative.id == NarrativeMember.narrative_id).where(
            Narrative.last_seen >= since
        )
    if assigned_after is not None:
        query = query.where(NarrativeMember.assigned_at >= assigned_after)
    for row in session.execute(query.execution_options(yield_per=5000)):
        yield MemberRow(
            row.post_id, row.narrative_id, bytes(row.signature), list(row.topics or []), row.matched_claim_id
        )


def member_texts(session: Session, narrative_id: int, limit: int = 50) -> list[str]:
    """The most recent member texts (to recompute a centroid made in another vector space)."""
    query = (
        select(Post.text)
        .where(Post.narrative_id == narrative_id)
        .order_by(Post.created_at.desc(), Post.id.desc())
        .limit(limit)
    )
    return list(session.scalars(query))


# -- saving assignments --------------------------------------------------------------------------------------
def insert_narrative(
    session: Session, *, label: str, first_seen: datetime, topic: str | None, candidates: list[str]
) -> int:
    narrative = Narrative(
        label=label[:1000],
        topic=topic,
        candidates=candidates,
        platforms=[],
        first_seen=first_seen,
        last_seen=first_seen,
        post_count=0,
        total_reach=0,
    )
    session.add(narrative)
    session.flush()
    return narrative.id


def save_members(session: Session, rows: Sequence[dict[str, Any]]) -> None:
    """Rows: post_id, narrative_id, method, similarity, signature. Also sets posts.narrative_id."""
    if not rows:
        return
    now = utcnow()
    session.execute(NarrativeMember.__table__.insert(), [{**row, "assigned_at": now} for row in rows])
    by_narrative: dict[int, list[int]] = {}
    for row in rows:
        by_narrative.setdefault(row["narrative_id"], []).append(row["post_id"])
    for narrative_id, post_ids in by_narrative.items():
        for chunk in _chunks(post_ids):
            session.execute(
                update(Post)
                .where(Post.id.in_(chunk), Post.narrative_id.is_(None))
                .values(narrative_id=narrative_id)
                .execution_options(synchronize_session=False)
            )


def debunked_claims(session: Session) -> list[tuple[int, str]]:
    """(id, wording) of every known debunk ("false" claims), for anchoring posts to their claim."""
    rows = session.execute(
        select(KnownClaim.id, KnownClaim.claim).where(KnownClaim.kind == "false").order_by(KnownClaim.id)
    )
    return [(claim_id, text) for claim_id, text in rows if text and text.strip()]


def save_vectors(session: Session, rows: Sequence[dict[str, Any]]) -> None:
    """Rows: id, centroid (bytes), centroid_model, topic, candidates, and optionally claim_id (the claim the
    narrative is anchored to; kept until a member's own classifier match names a better one)."""
    for row in rows:
        anchor = {"known_claim_id": row["claim_id"]} if row.get("claim_id") is not None else {}
        session.execute(
            update(Narrative)
            .where(Narrative.id == row["id"])
            .values(
                centroid=row["centroid"],
                centroid_model=row["centroid_model"],
                topic=row["topic"],
                candidates=row["candidates"],
                **anchor,
                updated_at=utcnow(),
            )
            .execution_options(synchronize_session=False)
        )


def refresh_stats(
    session: Session, narrative_ids: Iterable[int], *, neutral: Callable[[str], str] | None = None
) -> None:
    """Recompute count, first/last seen, reach, top score, platforms, the candidate pairs named and the best
    debunk from the member posts (so a merge or a split leaves them right too).

    `neutral` rewrites the title of a narrative whose members name two or more candidate pairs so that it
    names none (the claim's wording of one pair's debunk would otherwise stand for all of them)."""
    ids = sorted(set(narrative_ids))
    for chunk in _chunks(ids):
        stats = {
            r.narrative_id: r
            for r in session.execute(
                select(
                    Post.narrative_id,
                    func.count().label("n"),
                    func.min(Post.created_at).label("first"),
                    func.max(Post.created_at).label("last"),
                    func.coalesce(func.sum(Post.reach), 0).label("reach"),
                    func.max(Post.hoax_score).label("score"),
                )
                .where(Post.narrative_id.in_(chunk))
                .group_by(Post.narrative_id)
            )
        }
        platforms: dict[int, set[str]] = {}
        for narrative_id, platform in session.execute(
            select(Post.narrative_id, Post.platform).where(Post.narrative_id.in_(chunk)).distinct()
        ):
            platforms.setdefault(narrative_id, set()).add(platform)
        pairs: dict[int, set[str]] = {}
        for narrative_id, candidates in session.execute(
            select(Post.narrative_id, Post.candidates).where(Post.narrative_id.in_(chunk)).distinct()
        ):
            pairs.setdefault(narrative_id, set()).update(candidates or ())
        claims: dict[int, tuple[int, int]] = {}
        for narrative_id, claim_id, n in session.execute(
            select(Post.narrative_id, Post.matched_claim_id, func.count())
            .where(Post.narrative_id.in_(chunk), Post.matched_claim_id.is_not(None))
            .group_by(Post.narrative_id, Post.matched_claim_id)
        ):
            best = claims.get(narrative_id)
            if best is None or (n, -claim_id) > (best[1], -best[0]):
                claims[narrative_id] = (claim_id, n)
        anchors: dict[int, int | None] = {}
        current: dict[int, str | None] = {}
        for narrative_id, known_claim_id, label in session.execute(
            select(Narrative.id, Narrative.known_claim_id, Narrative.label).where(Narrative.id.in_(chunk))
        ):
            anchors[narrative_id] = known_claim_id
            current[narrative_id] = label
        for narrative_id, row in stats.items():
            best_claim = claims.get(narrative_id)
            claim_id = best_claim[0] if best_claim else anchors.get(narrative_id)
            label = _claim_or_central_text(session, narrative_id, claim_id)
            if neutral is not None and len(pairs.get(narrative_id, ())) >= 2:
                label = label or current.get(narrative_id)
                label = neutral(label) if label else None
            session.execute(
                update(Narrative)
                .where(Narrative.id == narrative_id)
                .values(
                    **({"label": label[:1000]} if label else {}),
                    post_count=row.n,
                    first_seen=row.first,
                    last_seen=row.last,
                    total_reach=int(row.reach),
                    max_score=row.score,
                    platforms=sorted(platforms.get(narrative_id, ())),
                    candidates=sorted(pairs.get(narrative_id, ())),
                    # No member matched by the classifier: the claim the narrative was anchored to stays.
                    known_claim_id=claim_id,
                    updated_at=utcnow(),
                )
                .execution_options(synchronize_session=False)
            )


def _claim_or_central_text(session: Session, narrative_id: int, claim_id: int | None) -> str | None:
    """A narrative's title: the matched debunk's wording of the claim, else its most central member.

    "Most central" is the paraphrase that joined closest to the narrative's centroid (the founder when no
    paraphrase joined yet: then None is returned and the founder's text stays)."""
    if claim_id is not None:
        claim = session.scalar(select(KnownClaim.claim).where(KnownClaim.id == claim_id))
        if claim:
            return " ".join(str(claim).split())
    text = session.scalar(
        select(Post.text)
        .join(NarrativeMember, NarrativeMember.post_id == Post.id)
        .where(NarrativeMember.narrative_id == narrative_id, NarrativeMember.method.in_(("similar", "claim")))
        .order_by(NarrativeMember.similarity.desc(), Post.id)
        .limit(1)
    )
    return " ".join(text.split()) if text else None


# -- ranking -------------------------------------------------------------------------------------------------
@dataclass(slots=True)
class RankRow:
    narrative: Narrative
    flagged: int
    reach: int
    recent: int  # member posts in the recent window
    previous: int  # member posts in the window before it


def rank_inputs(
    session: Session, *, now: datetime, window: timedelta, topic: str | None = None, limit: int = 500
) -> list[RankRow]:
    """Flagged posts, reach and posts per window for narratives active in the last two windows."""
    start = now - 2 * window
    middle = now - window
    flagged_n = func.sum(case((Post.flagged.is_(True), 1), else_=0))
    recent_n = func.sum(case((Post.created_at >= middle, 1), else_=0))
    query = (
        select(
            Post.narrative_id,
            flagged_n.label("flagged"),
            func.coalesce(func.sum(Post.reach), 0).label("reach"),
            recent_n.label("recent"),
            func.count().label("n"),
        )
        .where(Post.narrative_id.is_not(None), Post.created_at >= start, Post.created_at < now)
        .group_by(Post.narrative_id)
        .order_by(flagged_n.desc())
        .limit(limit)
    )
    rows = {r.narrative_id: r for r in session.execute(query)}
    narratives = {n.id: n for n in narratives_by_id(session, rows)}
    out = []
    for narrative_id, r in rows.items():
        narrative = narratives.get(narrative_id)
        if narrative is None or (topic and narrative.topic != topic):
            continue
        recent = int(r.recent or 0)
        out.append(RankRow(narrative, int(r.flagged or 0), int(r.reach or 0), recent, int(r.n) - recent))
    return out


# -- reading for people --------------------------------------------------------------------------------------
def list_narratives(
    session: Session,
    *,
    limit: int = 20,
    topic: str | None = None,
    since: datetime | None = None,
    min_posts: int = 1,
    order: str = "last_seen",
) -> list[Narrative]:
    orders = {
        "last_seen": (Narrative.last_seen.desc(), Narrative.id.desc()),
        "posts": (Narrative.post_count.desc(), Narrative.id),
        "reach": (Narrative.total_reach.desc(), Narrative.id),
    }
    if order not in orders:
        raise ValueError(f"order must be one of {', '.join(orders)}, got {order!r}")
    query = select(Narrative).where(Narrative.post_count >= max(min_posts, 1))
    if topic:
        query = query.where(Narrative.topic == topic)
    if since is not None:
        query = query.where(Narrative.last_seen >= since)
    return list(session.scalars(query.order_by(*orders[order]).limit(limit)))


def get_narrative(session: Session, narrative_id: int) -> Narrative | None:
    return session.get(Narrative, narrative_id)


def narrative_posts(session: Session, narrative_id: int, limit: int = 20) -> list[tuple[Post, str | None]]:
    """Member posts, earliest first, each with how it joined (new, duplicate, similar, claim)."""
    query = (
        select(Post, NarrativeMember.method)
        .outerjoin(NarrativeMember, NarrativeMember.post_id == Post.id)
        .where(Post.narrative_id == narrative_id)
        .order_by(Post.created_at, Post.id)
        .limit(limit)
    )
    return [(post, method) for post, method in session.execute(query)]


def known_claim_text(session: Session, claim_id: int | None) -> KnownClaim | None:
    return session.get(KnownClaim, claim_id) if claim_id is not None else None

"""Reusable queries and writes. Services and the dashboard call these instead of writing SQL."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from monitor.store import bulk
from monitor.store.audit import add_audit_event  # noqa: F401  (its old home; kept one release)
from monitor.store.schema import (
    KnownClaim,
    Post,
    Score,
    utcnow,
)
from monitor.store.sources import (  # noqa: F401  (re-exported: callers use queries.<name>)
    add_to_run,
    ensure_source,
    finish_run,
    get_source,
    list_sources,
    record_source_health,
    save_cursor,
    start_run,
)


def _dialect_insert(session: Session) -> Any:
    """The INSERT construct with ON CONFLICT of the session's database (SQLite or PostgreSQL)."""
    return {"postgresql": postgresql.insert, "sqlite": sqlite.insert}[session.get_bind().dialect.name]


# -- posts ---------------------------------------------------------------------------------------------
@dataclass(slots=True)
class UpsertResult:
    new: int = 0
    updated: int = 0


def upsert_posts(session: Session, rows: Sequence[dict[str, Any]]) -> UpsertResult:
    """Insert posts, or refresh engagement of ones already stored (unique on platform + native_id).

    Existing keys are looked up first so the caller learns how many rows were new; the insert itself
    still uses ON CONFLICT so a concurrent writer cannot cause a duplicate or an error."""
    if not rows:
        return UpsertResult()
    # Within one batch the same post may appear twice: the last sighting wins.
    unique: dict[tuple[str, str], dict[str, Any]] = {}
    for row in rows:
        unique[(row["platform"], row["native_id"])] = row
    # One lookup per platform with native_id IN (...): the unique index is then searched, where a row-value
    # IN over (platform, native_id) made SQLite scan the whole index for every batch.
    by_platform: dict[str, list[str]] = {}
    for platform, native_id in unique:
        by_platform.setdefault(platform, []).append(native_id)
    existing: set[tuple[str, str]] = set()
    for platform, native_ids in by_platform.items():
        for start in range(0, len(native_ids), 500):
            chunk = native_ids[start : start + 500]
            found = session.scalars(
                select(Post.native_id).where(Post.platform == platform, Post.native_id.in_(chunk))
            )
            existing.update((platform, native_id) for native_id in found)
    bulk.insert_or_refresh(session, list(unique.values()), utcnow())
    updated = len(existing)
    return UpsertResult(new=len(unique) - updated, updated=updated)


def posts_to_score(
    session: Session, model_version: str, limit: int, after_id: int = 0
) -> list[tuple[int, str, int]]:
    """Posts the given model version has not scored yet, past `after_id`: (id, text, reach), by id.

    Callers walk forward with `after_id` (the last id of the previous page), so every page starts at an
    index seek instead of re-reading all the posts already scored."""
    query = (
        select(Post.id, Post.text, Post.reach)
        .where(Post.id > after_id)
        .where((Post.scored_version.is_(None)) | (Post.scored_version != model_version))
        .order_by(Post.id)
        .limit(limit)
    )
    return [(row.id, row.text, row.reach) for row in session.execute(query)]


# Posts a fact-checker or an election body published: they report or answer hoaxes, they are not hoaxes.
def queue_states(session: Session, post_ids: Sequence[int]) -> dict[int, Any]:
    """What the queue-entry rule needs to know of each post (stage, flag time, platform, raw, priority,
    author handle)."""
    query = select(
        Post.id,
        Post.triage_status,
        Post.flagged_at,
        Post.platform,
        Post.raw,
        Post.priority,
        Post.author_handle,
    ).where(Post.id.in_(list(post_ids)))
    return {row.id: row for row in session.execute(query)}


def save_scores(session: Session, model_version: str, results: Sequence[dict[str, Any]]) -> int:
    """Write one model version's scores and copy them, with their queue placement, onto the posts.

    Each result: post_id, score, flagged (the model's), reasons, matched_claim_id, claim_similarity,
    claim_status, and the placement the triage rules decided (`monitor.triage.record_scores` fills it):
    post_flagged, priority, triage_status, flagged_at. Results without a placement only write scores."""
    if not results:
        return 0
    now = utcnow()
    # One statement that inserts or replaces: two scorers writing the same post (concurrent `monitor
    # score` runs, a redelivered task) both succeed and leave one row, where delete-then-insert let the
    # second insert fail on uq_scores_post_model.
    insert = _dialect_insert(session)(Score.__table__)
    session.execute(
        insert.on_conflict_do_update(
            index_elements=["post_id", "model_version"],
            set_={
                name: insert.excluded[name]
                for name in (
                    "score",
                    "flagged",
                    "reasons",
                    "matched_claim_id",
                    "claim_similarity",
                    "claim_status",
                    "created_at",
                )
            },
        ),
        [
            {
                "post_id": r["post_id"],
                "model_version": model_version,
                "score": r["score"],
                "flagged": r["flagged"],
                "reasons": r.get("reasons", []),
                "matched_claim_id": r.get("matched_claim_id"),
                "claim_similarity": r.get("claim_similarity"),
                "claim_status": r.get("claim_status"),
                "created_at": now,
            }
            for r in results
        ],
    )
    updates = [
        {
            "b_id": r["post_id"],
            "hoax_score": r["score"],
            "flagged": r["post_flagged"],
            "priority": r["priority"],
            "scored_version": model_version,
            "matched_claim_id": r.get("matched_claim_id"),
            "triage_status": r["triage_status"],
            "flagged_at": r["flagged_at"],
        }
        for r in results
        if "post_flagged" in r
    ]
    if not updates:
        return len(results)

    session.execute(
        update(Post.__table__)
        .where(Post.__table__.c.id == bindparam("b_id"))
        .values(
            hoax_score=bindparam("hoax_score"),
            flagged=bindparam("flagged"),
            priority=bindparam("priority"),
            scored_version=bindparam("scored_version"),
            matched_claim_id=bindparam("matched_claim_id"),
            triage_status=bindparam("triage_status"),
            flagged_at=bindparam("flagged_at"),
        ),
        updates,
    )
    return len(results)


def count_flagged(session: Session) -> int:
    """How many posts are flagged, counted by the database (the queue may hold many thousands)."""
    return session.scalar(select(func.count()).select_from(Post).where(Post.flagged.is_(True))) or 0


def flagged_posts(session: Session, limit: int = 50, offset: int = 0) -> list[Post]:
    """Flagged posts, most urgent first (score weighted by reach)."""
    query = (
        select(Post)
        .where(Post.flagged.is_(True))
        .order_by(Post.priority.desc(), Post.id)
        .limit(limit)
        .offset(offset)
    )
    return list(session.scalars(query))


# -- known claims ---------------------------------------------------------------------------------------
def upsert_known_claims(session: Session, claims: Iterable[dict[str, Any]]) -> int:
    """Add debunked claims not yet known (keyed by `key`); returns how many were new."""
    added = 0
    insert = _dialect_insert(session)
    for claim in claims:
        key = claim["key"]
        if session.scalar(select(KnownClaim.id).where(KnownClaim.key == key)) is not None:
            continue
        # ON CONFLICT DO NOTHING: two collectors reading the same fact-check at once both succeed.
        values = {"verdict": "salah", "topics": [], "added_at": utcnow(), **claim}
        inserted = session.execute(
            insert(KnownClaim)
            .values(**values)
            .on_conflict_do_nothing(index_elements=["key"])
            .returning(KnownClaim.id)
        ).scalar()
        added += inserted is not None
    session.flush()
    return added


def known_claims(session: Session) -> list[KnownClaim]:
    return list(session.scalars(select(KnownClaim).order_by(KnownClaim.id)))


def claim_ids_by_key(session: Session) -> dict[str, int]:
    return {key: cid for cid, key in session.execute(select(KnownClaim.id, KnownClaim.key))}


# -- labels and models ----------------------------------------------------------------------------------
# Officer verdicts that count as labels for retraining.
LABEL_OF_STATUS = {"hoax": 1, "not_hoax": 0}


def triage_labels(session: Session) -> Iterator[tuple[str, int]]:
    """(text, label) pairs from officers' verdicts (hoaks = 1, bukan hoaks = 0), escalated or not."""
    query = select(Post.text, Post.verdict).where(Post.verdict.in_(LABEL_OF_STATUS))
    for text, status in session.execute(query):
        yield text, LABEL_OF_STATUS[status]

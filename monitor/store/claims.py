"""Known claims (debunks, true facts, clarifications): the claim base that posts are matched against.

Rows are keyed by `key` (a seed id, the fact-check URL or a hash of the claim), so importing the same file
twice adds nothing; a changed verdict, text or date on an existing key updates that row.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from monitor.store.schema import KnownClaim, utcnow

__all__ = ["ClaimUpsert", "claim_rows", "upsert_claims"]

# Columns an import may set; `key` identifies the row and is never updated.
_FIELDS = (
    "claim",
    "verdict",
    "kind",
    "claim_date",
    "source",
    "source_url",
    "explanation",
    "topics",
    "language",
    "appearances",
    "review",
)
_CHUNK = 500


@dataclass(slots=True)
class ClaimUpsert:
    """What an upsert did: rows added, rows changed, and the keys of each (in input order)."""

    new: int = 0
    updated: int = 0
    unchanged: int = 0


def upsert_claims(session: Session, rows: Iterable[dict[str, Any]]) -> ClaimUpsert:
    """Insert claims with a new key and update the ones whose fields changed.

    Each row needs `key` and `claim`; other columns are optional (missing ones keep the stored value on an
    update). A key repeated within `rows` is applied once per occurrence, the last one winning.
    """
    result = ClaimUpsert()
    pending = list(rows)
    for start in range(0, len(pending), _CHUNK):
        chunk = pending[start : start + _CHUNK]
        keys = {row["key"] for row in chunk}
        stored = {c.key: c for c in session.scalars(select(KnownClaim).where(KnownClaim.key.in_(keys)))}
        for row in chunk:
            existing = stored.get(row["key"])
            if existing is None:
                claim = KnownClaim(key=row["key"], **{f: row[f] for f in _FIELDS if f in row})
                session.add(claim)
                stored[row["key"]] = claim
                result.new += 1
                continue
            changed = False
            for name in _FIELDS:
                if name in row and getattr(existing, name) != row[name]:
                    setattr(existing, name, row[name])
                    changed = True
            if changed:
                existing.updated_at = utcnow()
                result.updated += 1
            else:
                result.unchanged += 1
        session.flush()
    return result


def claim_rows(session: Session, kinds: Collection[str] | None = None) -> list[KnownClaim]:
    """Stored claims in id order, optionally only those of the given kinds ("false", "true", "other")."""
    query = select(KnownClaim).order_by(KnownClaim.id)
    if kinds is not None:
        query = query.where(KnownClaim.kind.in_(list(kinds)))
    return list(session.scalars(query))

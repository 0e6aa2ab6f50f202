"""The claim base: importing fact-checks into it and loading it for scoring.

`import_claims` reads a JSONL or ClaimReview file (monitor.claims.readers) and upserts every good item into
the database by key (fact-check URL, seed id or claim hash), so re-importing a file changes nothing.
`load_claim_base` is the one place that decides which claims scoring matches posts against: the database's
when one is configured, else the active model's own claim file.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from monitor.claims.readers import ClaimItem, Rejected, read_claims
from monitor.classify.base import KnownClaim
from monitor.config import Settings
from monitor.store import Database
from monitor.store.claims import claim_rows, upsert_claims
from monitor.text.verdicts import verdict_kind

__all__ = [
    "SEED_FILE",
    "ImportSummary",
    "claims_for_model",
    "import_claims",
    "load_claim_base",
    "seed_file",
]

SEED_FILE = "known_hoaxes.jsonl"
MODEL_CLAIMS_FILE = "claims.jsonl"  # inside a model folder (monitor/classify/persist.py)


@dataclass(slots=True)
class ImportSummary:
    """Counts of one import; `rejected_items` says where and why, in file order."""

    read: int = 0
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    debunks: int = 0
    facts: int = 0
    other: int = 0
    duplicates: int = 0  # the same key again later in the file (the later item is kept)
    rejected_items: list[Rejected] = field(default_factory=list)

    @property
    def rejected(self) -> int:
        return len(self.rejected_items)


def import_claims(db: Database, path: Path, fmt: str = "auto") -> ImportSummary:
    """Add or update the claims of one file in the database; bad items are counted, not fatal.

    Raises `monitor.claims.readers.ClaimFileError` when the file as a whole cannot be read.
    """
    summary = ImportSummary()
    items: dict[str, ClaimItem] = {}
    for entry in read_claims(path, fmt):
        summary.read += 1
        if isinstance(entry, Rejected):
            summary.rejected_items.append(entry)
            continue
        if entry.key in items:
            summary.duplicates += 1
            del items[entry.key]  # keep the later one, in its own position
        items[entry.key] = entry
    for item in items.values():
        if item.kind == "false":
            summary.debunks += 1
        elif item.kind == "true":
            summary.facts += 1
        else:
            summary.other += 1
    with db.session() as session:
        result = upsert_claims(session, (item.row() for item in items.values()))
    summary.new, summary.updated, summary.unchanged = result.new, result.updated, result.unchanged
    return summary


def seed_file(settings: Settings) -> Path:
    """The project's own known debunks (data/known_hoaxes.jsonl), loaded by `monitor init`."""
    return settings.path(settings.paths.known_claims)


def load_claim_base(
    settings: Settings,
    db: Database | None = None,
    *,
    kinds: Collection[str] | None = None,
) -> list[KnownClaim]:
    """The claims that posts are matched against, each with its verdict.

    With a database (given, or configured and initialised) these are its known_claims rows; without one,
    the active model's claim file. `kinds` limits them to "false" (debunks), "true" (facts) or "other";
    by default all are returned and the classifier decides by `verdict` (see `claims_for_model`).
    """
    from monitor.scoring import registry

    if db is None and registry.database_available(settings):
        own = Database(settings.resolved_database_url)
        try:
            return load_claim_base(settings, own, kinds=kinds)
        finally:
            own.dispose()
    if db is not None:
        with db.session() as session:
            rows = claim_rows(session, kinds)
            return [
                KnownClaim(
                    id=row.key,
                    claim=row.claim,
                    verdict=row.verdict,
                    source_url=row.source_url,
                    date=row.claim_date,
                )
                for row in rows
            ]
    from monitor.classify.claims import read_known_claims

    claim_file = registry.active_model_dir(settings) / MODEL_CLAIMS_FILE
    if not claim_file.is_file():
        return []
    claims = list(read_known_claims(claim_file))
    if kinds is None:
        return claims
    return [c for c in claims if verdict_kind(c.verdict) in kinds]


def claims_for_model(model: object, claims: Iterable[KnownClaim]) -> list[KnownClaim]:
    """The claims a classifier may be given: all of them if it tells debunks from true facts by verdict
    (it sets `matches_true_claims = True`), else only the debunks, so a true fact never raises a score."""
    if getattr(model, "matches_true_claims", False):
        return list(claims)
    return [c for c in claims if verdict_kind(c.verdict) == "false"]

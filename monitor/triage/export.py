"""Exports for the forum and for fact-checkers: a queue view as CSV or JSON lines, and the decided hoaxes
as schema.org ClaimReview JSON-LD (the machine-readable form fact-check aggregators read).

CSV cells that a spreadsheet would run as a formula (starting with = + - @, or a tab / carriage return)
are prefixed with an apostrophe; post texts are written as they are otherwise, by the csv module.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from monitor.auth import Actor
from monitor.i18n import format_time, holder_label, status_label, verdict_label
from monitor.store import cases, queue
from monitor.store.schema import Post
from monitor.triage.actions import queue_for

MAX_EXPORT_ROWS = 10_000
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
VERDICT_RATING = {"hoax": (1, "Hoaks"), "not_hoax": (5, "Bukan hoaks")}


def neutralise(value: Any) -> Any:
    """A cell a spreadsheet would evaluate becomes plain text ("=1+1" → "'=1+1")."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def queue_rows(
    session: Session, actor: Actor, f: queue.QueueFilter, limit: int = MAX_EXPORT_ROWS
) -> list[queue.QueueRow]:
    """Every row of the view (as this officer may see it), most urgent first, up to `limit`."""
    rows: list[queue.QueueRow] = []
    page = 1
    while len(rows) < limit:
        result = queue_for(session, actor, f, page, min(500, limit))
        rows.extend(result.rows)
        if not result.has_more:
            break
        page += 1
    return rows[:limit]


@dataclass(frozen=True, slots=True)
class Column:
    key: str  # JSON key
    title: tuple[str, str]  # (Indonesian, English) CSV header


COLUMNS = (
    Column("id", ("ID", "ID")),
    Column("platform", ("Platform", "Platform")),
    Column("created_at", ("Waktu unggah", "Posted at")),
    Column("author", ("Akun", "Account")),
    Column("text", ("Teks", "Text")),
    Column("hoax_score", ("Skor hoaks", "Hoax score")),
    Column("reach", ("Jangkauan", "Reach")),
    Column("status", ("Tahap", "Stage")),
    Column("verdict", ("Putusan", "Verdict")),
    Column("violation", ("Pelanggaran pemilu", "Election violation")),
    Column("holder", ("Dipegang", "Held by")),
    Column("topics", ("Topik", "Topics")),
    Column("candidates", ("Paslon", "Candidates")),
    Column("source", ("Sumber", "Source")),
    Column("narrative_id", ("Narasi", "Narrative")),
)


def row_record(row: queue.QueueRow) -> dict[str, Any]:
    """One queue row as plain JSON values (codes, not labels: this is for programs)."""
    return {
        "id": row.id,
        "platform": row.platform,
        "created_at": row.created_at.isoformat(),
        "author": row.author,
        "text": row.snippet,
        "hoax_score": row.hoax_score,
        "reach": row.reach,
        "status": row.status,
        "verdict": row.verdict,
        "violation": row.violation,
        "holder": row.holder or "kpu",
        "topics": row.topics,
        "candidates": row.candidates,
        "source": row.source_name,
        "narrative_id": row.narrative_id,
    }


def to_jsonl(rows: Iterable[queue.QueueRow]) -> str:
    return "".join(json.dumps(row_record(r), ensure_ascii=False) + "\n" for r in rows)


def to_csv(rows: Iterable[queue.QueueRow], tz: ZoneInfo, lang: str = "id") -> str:
    """The rows with headers and labels in the officer's language, times in `tz`, formulas neutralised."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([c.title[1] if lang == "en" else c.title[0] for c in COLUMNS])
    yes, no = ("yes", "no") if lang == "en" else ("ya", "tidak")
    for row in rows:
        record = row_record(row)
        record["created_at"] = format_time(row.created_at, tz, with_zone=False)
        record["status"] = status_label(row.status, lang)
        record["verdict"] = verdict_label(row.verdict, lang)
        record["violation"] = yes if row.violation else no
        record["holder"] = holder_label(row.holder, lang)
        record["topics"] = ", ".join(row.topics)
        record["candidates"] = ", ".join(row.candidates)
        writer.writerow([neutralise(record[c.key]) for c in COLUMNS])
    return out.getvalue()


# -- ClaimReview ------------------------------------------------------------------------------------------
def claim_review(
    post: Post, decided_at: datetime | None, note: str | None, publisher: str, item_url: str | None
) -> dict[str, Any]:
    """One schema.org ClaimReview for a post the officers decided (hoaks or bukan hoaks)."""
    rating, alternate = VERDICT_RATING[post.verdict or ""]
    review: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "ClaimReview",
        "claimReviewed": post.text,
        "author": {"@type": "Organization", "name": publisher},
        "reviewRating": {
            "@type": "Rating",
            "ratingValue": rating,
            "bestRating": 5,
            "worstRating": 1,
            "alternateName": alternate,
        },
        "itemReviewed": {
            "@type": "Claim",
            "appearance": {"@type": "SocialMediaPosting", "url": post.url} if post.url else None,
            "datePublished": post.created_at.date().isoformat(),
            "author": {"@type": "Person", "name": post.author_name or post.author_handle or "-"},
        },
        "inLanguage": post.lang or "id",
    }
    if decided_at is not None:
        review["datePublished"] = decided_at.date().isoformat()
    if note:
        review["reviewBody"] = note
    if item_url:
        review["url"] = item_url
    review["itemReviewed"] = {k: v for k, v in review["itemReviewed"].items() if v is not None}
    return review


def claim_reviews(
    session: Session, publisher: str, base_url: str | None = None, limit: int = MAX_EXPORT_ROWS
) -> Iterator[dict[str, Any]]:
    """ClaimReviews for every post with a hoaks / bukan hoaks verdict, with its clarification note if any."""
    for post, decided_at, note in cases.decided_posts(session, tuple(VERDICT_RATING), limit):
        url = f"{base_url.rstrip('/')}/antrian?item={post.id}" if base_url else None
        yield claim_review(post, decided_at, note, publisher, url)


def dumps_jsonld(reviews: list[dict[str, Any]]) -> str:
    """ClaimReviews as one JSON-LD document (a list), for a file or a web page."""
    return json.dumps(reviews, ensure_ascii=False, indent=2) + "\n"

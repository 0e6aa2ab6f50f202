"""The report's rules that are not SQL: pseudonyms for authors, quotes fit for print, what counts as an
escalation, the response-time median and the officers' measured precision."""

from __future__ import annotations

import hashlib
import re
from typing import Any

import pandas as pd

AGENCIES = ("bawaslu", "polri")
QUOTE_CHARS = 180
URL_RE = re.compile(r"https?://\S+|www\.\S+", re.IGNORECASE)
MENTION_RE = re.compile(r"(?<![\w@])@([A-Za-z0-9_][A-Za-z0-9_.]{0,49})")


# -- pseudonyms and quotes ----------------------------------------------------------------------------------
def pseudonym(platform: str, handle: str | None, salt: str) -> str:
    """A stable, salted stand-in for an author handle ("akun-3f2a"); the same account keeps its name."""
    if not handle:
        return "akun-anonim"
    digest = hashlib.sha256(
        f"{salt}\x1f{platform.lower()}\x1f{handle.lower().lstrip('@')}".encode()
    ).hexdigest()
    return f"akun-{digest[:4]}"


def quote_of(text: str, platform: str, salt: str, limit: int = QUOTE_CHARS) -> str:
    """A short example for print: mentions pseudonymised, links removed, cut at a word boundary."""
    cleaned = MENTION_RE.sub(lambda m: "@" + pseudonym(platform, m.group(1), salt), text)
    cleaned = URL_RE.sub("[tautan]", cleaned)
    cleaned = " ".join(cleaned.split())
    if len(cleaned) <= limit:
        return cleaned
    cut = cleaned[:limit].rsplit(" ", 1)[0]
    return cut.rstrip(",.;:") + " …"


# -- escalations and decisions ------------------------------------------------------------------------------
def escalation_target(action: str, before: dict[str, Any] | None, after: dict[str, Any] | None) -> str | None:
    """The agency an audit event escalated a post to (bawaslu/polri), or None when it was no escalation.

    monitor/triage.py records item states before and after: an event escalates when `escalated_to`
    changes to an agency. An event without states counts by its action name ("escalate_polri").
    Narrative-wide summary events ("narrative.escalate_polri") are skipped: their posts have their own."""
    if isinstance(after, dict) and "escalated_to" in after:
        target = after.get("escalated_to")
        if not isinstance(target, str) or target.lower() not in AGENCIES:
            return None
        previous = (before or {}).get("escalated_to")
        return target.lower() if previous != target else None
    name = (action or "").lower()
    if name.startswith(("escalat", "eskalasi")):
        for agency in AGENCIES:
            if agency in name:
                return agency
    return None


def count_escalations(events: list[dict[str, Any]]) -> dict[str, int]:
    """Distinct items escalated to each agency (an item escalated twice to Polri counts once)."""
    seen: dict[str, set[tuple[str, int]]] = {agency: set() for agency in AGENCIES}
    for event in events:
        target = escalation_target(event["action"], event.get("before"), event.get("after"))
        if target is None:
            continue
        if event.get("post_id") is not None:
            item = ("post", int(event["post_id"]))
        elif event.get("narrative_id") is not None:
            item = ("narrative", int(event["narrative_id"]))
        else:
            item = ("event", int(event["id"]))
        seen[target].add(item)
    return {agency: len(items) for agency, items in seen.items()}


def median_decision_seconds(decisions: list[dict[str, Any]]) -> float | None:
    spans = [
        (row["decided_at"] - row["flagged_at"]).total_seconds()
        for row in decisions
        if row["flagged_at"] is not None
        and row["decided_at"] is not None
        and row["decided_at"] >= row["flagged_at"]
    ]
    if not spans:
        return None
    return float(pd.Series(spans, dtype="float64").median())


def week_precision(decisions: list[dict[str, Any]]) -> dict[str, Any]:
    """Officers' verdicts on flagged posts decided this week: the flag's measured precision."""
    confirmed = sum(1 for row in decisions if row["flagged"] and row["status"] == "hoax")
    rejected = sum(1 for row in decisions if row["flagged"] and row["status"] == "not_hoax")
    total = confirmed + rejected
    return {
        "confirmed": confirmed,
        "rejected": rejected,
        "precision": round(confirmed / total, 4) if total else None,
    }

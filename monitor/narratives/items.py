"""What the narrative index keeps and returns: a post to assign, an assignment, a narrative's state."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime


@dataclass(slots=True)
class PostItem:
    """What the index needs to know of a post."""

    post_id: int
    text: str  # normalised
    created_at: datetime
    candidates: tuple[str, ...] = ()
    topics: tuple[str, ...] = ()
    claim_id: int | None = None
    may_found: bool = True  # flagged or debunk-matched: may open a narrative; otherwise it may only join one


@dataclass(slots=True)
class Assignment:
    post_id: int
    slot: int | None  # the narrative's row in the index (see NarrativeIndex.narrative_id); None: no narrative
    method: str  # "new" | "duplicate" | "similar" | "claim" | "none"
    similarity: float | None
    signature: bytes
    created: bool = False  # this post opened the narrative


@dataclass(slots=True)
class NarrativeState:
    """What the index keeps per narrative besides its centroid row."""

    narrative_id: int | None
    count: int
    mask: int
    last_seen: datetime
    topics: Counter[str] = field(default_factory=Counter)
    claims: Counter[int] = field(default_factory=Counter)
    label: str | None = None

    @property
    def claim_id(self) -> int | None:
        return self.claims.most_common(1)[0][0] if self.claims else None

    @property
    def topic(self) -> str | None:
        return primary_topic(self.topics)


# The topic of a narrative about candidates whose members name two or more pairs: it names none, as its
# title does not (the weekly report and alerts are read by the press and every camp).
SEVERAL_PAIRS = "candidates"


def primary_topic(topics: Counter[str]) -> str | None:
    """The most frequent specific topic; candidate topics and "other" only when nothing specific is there,
    and `SEVERAL_PAIRS` instead of one pair's topic when the members name two or more pairs."""
    if not topics:
        return None
    pairs = [topic for topic in topics if topic.startswith("candidate:")]

    def rank(item: tuple[str, int]) -> tuple[int, int, str]:
        topic, count = item
        generic = topic == "other" or topic.startswith("candidate:")
        return (1 if generic else 0, -count, topic)

    ranked = sorted(topics.items(), key=rank)
    best = ranked[1][0] if ranked[0][0] == "other" and len(ranked) > 1 else ranked[0][0]
    if best.startswith("candidate:") and len(pairs) > 1:
        return SEVERAL_PAIRS
    return best

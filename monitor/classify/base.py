"""The classifier contract: what a score looks like, what a known claim is, what a classifier offers.

Outside checks and the pipeline depend on these names and fields; keep them exactly. This module imports no
sibling (an import-linter contract checks it): the implementation depends on the contract, never the reverse;
`load_classifier` lives in the package face, `monitor.classify`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

TOPIC_KEYS = ("sidalih", "sirekap", "procedure", "candidate:01", "candidate:02", "candidate:03", "other")
CANDIDATE_KEYS = ("01", "02", "03")
CLAIM_SUGGESTED = "suggested"
CLAIM_CONFIRMED = "confirmed"


class ClassifierError(RuntimeError):
    """A model folder is missing, unreadable or holds something we refuse to load."""


@dataclass(slots=True)
class Score:
    """One post's verdict from the classifier."""

    hoax_score: float  # calibrated 0..1
    flagged: bool
    topics: list[str]  # "sidalih","sirekap","procedure","candidate:01|02|03","other"
    candidates: list[str]  # "01","02","03" mentioned
    matched_claim: str | None  # text of the nearest known debunked claim when above the suggest threshold
    matched_claim_id: str | None  # its id (e.g. "kh-012", or the fact-check URL for feed-added claims)
    claim_similarity: float | None
    claim_status: str | None  # "suggested" | "confirmed" | None
    reasons: list[str] = field(default_factory=list)  # short Bahasa Indonesia strings
    # The nearest known TRUE fact when the post is at least as close to it as to any debunk: never a reason to
    # flag ("sesuai fakta"), but what a tipline answers with. Status as for claims: "suggested" | "confirmed".
    matched_fact_id: str | None = None
    fact_similarity: float | None = None
    fact_status: str | None = None

    def to_output(self, post_id: object) -> dict[str, object]:
        """The `monitor classify` output line for this score (field names are a contract)."""
        return {
            "id": post_id,
            "hoax_score": round(float(self.hoax_score), 6),
            "flagged": bool(self.flagged),
            "topics": list(self.topics),
            "candidates": list(self.candidates),
            "matched_claim": self.matched_claim,
            "reasons": list(self.reasons),
        }


@dataclass(frozen=True, slots=True)
class KnownClaim:
    """A debunked claim that posts are matched against."""

    id: str
    claim: str
    verdict: str
    source_url: str | None
    date: str | None


@runtime_checkable
class Classifier(Protocol):
    version: str
    threshold: float

    def fit(self, texts: Sequence[str], labels: Sequence[int]) -> Classifier: ...

    def predict(self, texts: Sequence[str]) -> list[Score]: ...

    def add_claims(self, claims: Iterable[KnownClaim]) -> None: ...

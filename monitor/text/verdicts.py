"""Fact-check verdicts: one vocabulary for feeds, claim imports, ClaimReview markup and the tipline.

Fact-checkers label their articles in many ways: "[SALAH] …", "[HOAKS] …", "Menyesatkan, …", a WordPress
category "Disinformasi", or a schema.org ClaimReview `alternateName` of "Keliru". Only a *false* verdict makes
a known debunk that raises a post's score. A *true* verdict ("[BENAR] KPU memperpanjang …") is kept as a
known true fact, and a clarification or news tag ("[KLARIFIKASI]", "[BERITA]") is neither: on turnbackhoax a
[KLARIFIKASI] item usually confirms an earlier debunk, so it must not be read as "this claim is true" either.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Literal

VerdictKind = Literal["false", "true", "other"]

# Canonical verdict (stored in known_claims.verdict) for each label a fact-checker uses, lower case.
_CANONICAL: dict[str, str] = {
    # false: these are debunks
    "salah": "salah",
    "keliru": "salah",
    "hoaks": "hoaks",
    "hoax": "hoaks",
    "hoaxs": "hoaks",
    "berita bohong": "hoaks",
    "bohong": "hoaks",
    "palsu": "salah",
    "konten palsu": "salah",
    "konten yang menyesatkan": "menyesatkan",
    "menyesatkan": "menyesatkan",
    "sebagian benar": "menyesatkan",
    "disinformasi": "disinformasi",
    "misinformasi": "misinformasi",
    "malinformasi": "disinformasi",
    "fitnah": "fitnah",
    "penipuan": "penipuan",
    "scam": "penipuan",
    "konten yang dimanipulasi": "dimanipulasi",
    "konten manipulatif": "dimanipulasi",
    "dimanipulasi": "dimanipulasi",
    "manipulasi": "dimanipulasi",
    "konten tiruan": "salah",
    "koneksi yang salah": "menyesatkan",
    "konteks yang salah": "menyesatkan",
    "false": "salah",
    "fake": "salah",
    "misleading": "menyesatkan",
    "partly false": "menyesatkan",
    "altered": "dimanipulasi",
    "satire": "satire",
    "satir": "satire",
    # true: known facts, never debunks
    "benar": "benar",
    "fakta": "benar",
    "true": "benar",
    "correct": "benar",
    # neither: clarifications and plain news items
    "klarifikasi": "klarifikasi",
    "clarification": "klarifikasi",
    "koreksi": "klarifikasi",
    "berita": "berita",
    "edukasi": "berita",
    "news": "berita",
}

# Every canonical verdict, for messages that list what is accepted.
KNOWN_VERDICTS: tuple[str, ...] = tuple(sorted(set(_CANONICAL.values())))

_COMBINED = re.compile(r"\s*[+/,&]\s*")

_FALSE = frozenset(
    {"salah", "hoaks", "menyesatkan", "disinformasi", "misinformasi", "fitnah", "penipuan", "dimanipulasi"}
)
_TRUE = frozenset({"benar"})

# "[SALAH] claim", "(HOAKS) claim", "[Keliru]: claim", "HOAKS: claim", "Menyesatkan, claim", "Salah - claim"
_BRACKET = re.compile(r"^\s*[\[(【]\s*([^\])】]{2,40}?)\s*[\])】]\s*[:\-–—,]?\s*")
_LEADING_WORD = re.compile(r"^\s*([A-Za-z][A-Za-z ]{1,30}?)\s*[:,\-–—]\s+")


def _fold(label: str) -> str:
    text = unicodedata.normalize("NFKC", label).strip().lower()
    return re.sub(r"\s+", " ", text.strip(" .!:"))


def canonical_verdict(label: str | None) -> str | None:
    """'Keliru' → 'salah', '[HOAX]' → 'hoaks', 'Fakta' → 'benar'; None for a label we do not know."""
    if not label:
        return None
    folded = _fold(label.strip("[]() "))
    known = _CANONICAL.get(folded)
    if known is None and _COMBINED.search(folded):
        # "DISINFORMASI + HASUT", "HOAX/FITNAH", "BERITA, EDUKASI": the first label we know
        for part in _COMBINED.split(folded):
            known = _CANONICAL.get(part.strip())
            if known is not None:
                break
    return known


def verdict_kind(verdict: str | None) -> VerdictKind:
    """'false' for a debunk, 'true' for a confirmed fact, 'other' for clarifications, news and unknowns."""
    canonical = canonical_verdict(verdict) if verdict else None
    if canonical in _FALSE:
        return "false"
    if canonical in _TRUE:
        return "true"
    return "other"


def is_debunk(verdict: str | None) -> bool:
    """True only for false verdicts: the only kind of fact-check that may raise a post's hoax score."""
    return verdict_kind(verdict) == "false"


def split_verdict(title: str) -> tuple[str | None, str]:
    """Split a fact-check title into (canonical verdict or None, the claim it is about).

    '[SALAH] Tinta pemilu mengandung babi' → ('salah', 'Tinta pemilu mengandung babi');
    'Menyesatkan, Video KPU …' → ('menyesatkan', 'Video KPU …');
    a title with no known verdict is returned whole.
    """
    for pattern in (_BRACKET, _LEADING_WORD):
        match = pattern.match(title)
        if match:
            verdict = canonical_verdict(match.group(1))
            if verdict is not None:
                return verdict, title[match.end() :].strip()
    return None, title.strip()


def verdict_from_labels(labels: list[str]) -> str | None:
    """The first known verdict among free labels (feed categories, ClaimReview alternateName, tags)."""
    for label in labels:
        verdict = canonical_verdict(label)
        if verdict is not None:
            return verdict
    return None

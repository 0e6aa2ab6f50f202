"""Text preparation and the small hand-made signals the classifier adds to its n-gram features.

Every feature is computed from the *masked* text (candidate references replaced by one neutral token), so
swapping one pair's names, nicknames, numbers or slogans for another's can never change a score.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer

from monitor.text import NEUTRAL_TOKEN, CandidateMasker, KeywordMatcher, Relevance, load_keywords, normalize

# Fact-check / clarification vocabulary: a post carrying these is usually a debunk quoting a hoax.
DEBUNK_MARKERS = (
    r"faktanya",
    r"fakta(?:nya)? sebenarnya",
    r"\[\s*(?:hoaks|hoax|salah|disinformasi|misinformasi|klarifikasi|menyesatkan)\s*\]",
    r"cek\s*fakta",
    r"periksa fakta",
    r"klarifikasi",
    r"turnbackhoax",
    r"(?:adalah|merupakan|dipastikan|dinyatakan|terbukti|ternyata|itu|ini) (?:hoaks|hoax|tidak benar|keliru|"
    r"salah|menyesatkan|tidak berdasar|fitnah)",
    r"(?:kabar|informasi|klaim|narasi|isu|unggahan|pesan) (?:itu |tersebut |ini )?"
    r"(?:tidak benar|keliru|salah|hoaks|hoax|menyesatkan)",
    r"tidak benar",
    r"tidak berdasar",
    r"menyesatkan",
    r"disinformasi",
    r"\w*bantah\w*",
    r"meluruskan|diluruskan|luruskan",
    r"tidak ada (?:bukti|buktinya|aturan|ketentuan)",
    r"(?:pesan|kabar|info|video|narasi) (?:berantai |yang )?(?:beredar|viral)",
    r"jangan (?:mudah |langsung )?(?:percaya|termakan|terprovokasi|ikut menyebar|sebar|disebar|menyebar)",
    r"waspada (?:hoaks|hoax|penipuan)",
)
# Chain-message vocabulary: "sebarkan!", "info dari grup sebelah", "sebelum dihapus".
FORWARD_MARKERS = (
    r"sebarkan",
    r"viralkan",
    r"teruskan",
    r"forward(?:kan)?",
    r"copas|copy ?paste",
    r"grup sebelah|group sebelah|dari grup",
    r"sebelum dihapus|sebelum di ?take ?down",
    r"share (?:ke|sebanyak)",
    r"bagikan (?:ke|sebanyak)",
    r"(?:ini )?bukan (?:hoaks|hoax)",
    r"media (?:tidak|nggak) (?:akan )?(?:berani )?(?:memberitakan|meliput)",
    r"info (?:a1|valid|akurat|penting)",
)

_DEBUNK_RE = re.compile(r"(?<!\w)(?:" + "|".join(DEBUNK_MARKERS) + r")", re.UNICODE)
_FORWARD_RE = re.compile(r"(?<!\w)(?:" + "|".join(FORWARD_MARKERS) + r")", re.UNICODE)

EXTRA_FEATURE_NAMES = ("debunk_marker", "forward_marker", "off_topic", "not_relevant")


@dataclass(slots=True)
class PreparedBatch:
    """A batch of texts after normalisation, relevance matching and candidate masking."""

    masked: list[str]
    relevance: list[Relevance]
    debunk: np.ndarray  # bool per text
    forward: np.ndarray  # bool per text
    debunk_terms: list[str | None]  # the first debunk marker found (shown in reasons)

    def extra_features(self) -> np.ndarray:
        """Dense hand-made features, one row per text (see EXTRA_FEATURE_NAMES)."""
        off_topic = np.fromiter((bool(getattr(r, "off_topic", False)) for r in self.relevance), dtype=bool)
        not_relevant = np.fromiter((not r.relevant for r in self.relevance), dtype=bool)
        return np.column_stack([self.debunk, self.forward, off_topic, not_relevant]).astype(np.float32)


class TextPreparer:
    """normalise → keyword relevance → mask candidates, plus the debunk / chain-message signals."""

    def __init__(self, keywords_file: Path) -> None:
        self.keywords_file = Path(keywords_file)
        keywords = load_keywords(self.keywords_file)
        self.keywords_version = str(getattr(keywords, "version", "unknown"))
        self.matcher = KeywordMatcher(keywords)
        self.masker = CandidateMasker(keywords)

    def mask_one(self, text: str) -> str:
        return self.masker.mask(normalize(text))

    def candidates_of(self, text: str) -> tuple[str, ...]:
        return tuple(self.matcher.match(text).candidates)

    def prepare(self, texts: Sequence[str]) -> PreparedBatch:
        masked: list[str] = []
        relevance: list[Relevance] = []
        debunk = np.zeros(len(texts), dtype=bool)
        forward = np.zeros(len(texts), dtype=bool)
        debunk_terms: list[str | None] = []
        match, mask = self.matcher.match, self.masker.mask
        for i, raw in enumerate(texts):
            norm = normalize(raw if isinstance(raw, str) else str(raw))
            relevance.append(match(norm))
            text = mask(norm)
            masked.append(text)
            found = _DEBUNK_RE.search(text)
            debunk[i] = found is not None
            debunk_terms.append(found.group(0) if found is not None else None)
            forward[i] = _FORWARD_RE.search(text) is not None
        return PreparedBatch(masked, relevance, debunk, forward, debunk_terms)


def readable_term(term: str) -> str:
    """An n-gram as an officer should read it (the neutral token shown as "[paslon]")."""
    return term.replace(NEUTRAL_TOKEN, "[paslon]")


def word_tfidf(**overrides: Any) -> TfidfVectorizer:
    params: dict[str, Any] = {
        "analyzer": "word",
        "ngram_range": (1, 2),
        "min_df": 2,
        "max_features": 100_000,
        "sublinear_tf": True,
        "lowercase": False,
        "dtype": np.float32,
    }
    params.update(overrides)
    return TfidfVectorizer(**params)

"""Candidate swapping for neutrality checks: rewrite a post about one pair as the same post about another.

Every name, nickname, slogan and coalition label of pair A is replaced by the term at the same position in
pair B's list (cycling when B's list is shorter), and a number in context ("paslon 01", "nomor urut 1") by
B's number of the same form. A neutral classifier must give the swapped post the same score and decision.
"""

from __future__ import annotations

import re
from itertools import permutations
from pathlib import Path

from monitor.text import load_keywords
from monitor.text.keywords import KeywordsConfig

_NUMBER_CONTEXT = r"(?:paslon|pasangan calon|capres|cawapres|nomor urut|no\.? urut|no\.|nomor|nomer|calon)"


class CandidateSwapper:
    def __init__(self, keywords: KeywordsConfig) -> None:
        self.keywords = keywords
        self.keys = sorted(keywords.candidates)

    @classmethod
    def from_file(cls, path: Path) -> CandidateSwapper:
        return cls(load_keywords(path))

    def swap(self, text: str, mapping: dict[str, str]) -> str:
        """Rewrite references to each pair `a` as references to `mapping[a]` (simultaneously)."""
        replacement: dict[str, str] = {}
        numbers: dict[str, str] = {}
        for source, target in mapping.items():
            a, b = self.keywords.candidates[source], self.keywords.candidates[target]
            for field in ("names", "nicknames", "slogans", "coalition"):
                src_terms, dst_terms = getattr(a, field), getattr(b, field)
                if not dst_terms:
                    dst_terms = b.names
                for i, term in enumerate(src_terms):
                    replacement.setdefault(term.lower(), dst_terms[i % len(dst_terms)])
            for i, number in enumerate(a.numbers):
                numbers[number] = b.numbers[i % len(b.numbers)]
        terms = sorted(replacement, key=len, reverse=True)
        pattern = re.compile(
            r"(?<![\w])(" + "|".join(re.escape(t) for t in terms) + r")(?![\w])", re.IGNORECASE
        )

        def swap_term(match: re.Match[str]) -> str:
            new = replacement[match.group(1).lower()]
            original = match.group(1)
            if original.isupper():
                return new.upper()
            if original[:1].isupper():
                return new.title()
            return new

        swapped = pattern.sub(swap_term, text)
        if numbers:
            number_alt = "|".join(re.escape(n) for n in sorted(numbers, key=len, reverse=True))
            num_pattern = re.compile(rf"({_NUMBER_CONTEXT}\s*)({number_alt})(?![\w])", re.IGNORECASE)
            swapped = num_pattern.sub(lambda m: m.group(1) + numbers[m.group(2).lower()], swapped)
        return swapped

    def variants(self, text: str) -> list[str]:
        """The text under every non-identity permutation of the pairs (5 variants for three pairs)."""
        out = []
        for perm in permutations(self.keys):
            mapping = dict(zip(self.keys, perm, strict=True))
            if any(k != v for k, v in mapping.items()):
                out.append(self.swap(text, mapping))
        return out

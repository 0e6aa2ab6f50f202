"""Compiled term patterns shared by the relevance matcher and the candidate masker.

All terms of one kind are compiled into a single regex whose alternation is a character trie (common
prefixes shared), so the regex engine decides at each position with one character test per trie level
instead of trying hundreds of alternatives. The word-boundary rules live here, once:

- a term starts at a word boundary ("dpt" never matches inside "adpt");
- the words of a multi-word term may be joined by any run of non-word characters or by nothing
  ("cek dpt", "cek-dpt", "cekdpt");
- a term may be followed by a clitic suffix (-nya, -ku, -mu, -lah, -kah, -pun) and/or digits, and then by
  anything but a letter ("dpt-nya", "sirekapnya", "pemilu2024" match; "pemiluan" does not).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from monitor.text.normalize import normalize
from monitor.text.trie import SEP as _SEP
from monitor.text.trie import trie_regex

__all__ = [
    "CandidateNumbers",
    "NumberContext",
    "NumberHit",
    "TermPattern",
    "term_key",
    "term_pieces",
]

# A term starts at a word boundary. `\b` is the regex engine's fastest boundary test (measured: about twice
# as fast as a look-behind on a character class); the only difference from "no letter or digit before" is
# that "_" also counts as a word character, so "cek_dpt" does not match "dpt" (in @mentions, which are
# matched too, the matcher turns "_" into a space first).
_LEAD = r"\b"
_CLITICS = r"(?:nya|ku|mu|lah|kah|pun)"
_TAIL = r"(?:" + _CLITICS + r"?\d*)(?![^\W\d_])"
_PIECE_SPLIT = re.compile(r"[\W_]+")


def term_pieces(term: str) -> tuple[str, ...]:
    """The words of `term`, normalised: "Cek-DPT" -> ("cek", "dpt"), "#Pemilu2024" -> ("pemilu2024",)."""
    return tuple(p for p in _PIECE_SPLIT.split(normalize(term).text) if p)


def term_key(term: str) -> str:
    """The form in which a term and matched text are compared: its words joined ("si rekap" -> "sirekap")."""
    return "".join(term_pieces(term))


class TermPattern:
    """One compiled regex over a set of terms.

    `finditer` yields (start, body_end, end, key) per match: `body_end` is where the term itself ends and
    `end` is after any clitic suffix or digits; `key` is the matched term's words joined with nothing, as
    returned by `term_key` ("DPT-nya" -> "dpt"; "pemilu2024" -> "pemilu2024" if that term exists, else
    "pemilu").
    """

    __slots__ = ("_regex", "keys")

    def __init__(self, terms: Iterable[str]) -> None:
        spaced: set[str] = set()
        self.keys: set[str] = set()
        for term in terms:
            pieces = term_pieces(term)
            if pieces:
                spaced.add(" ".join(pieces))
                self.keys.add("".join(pieces))
        if spaced:
            self._regex: re.Pattern[str] | None = re.compile(_LEAD + "(" + trie_regex(spaced) + ")" + _TAIL)
        else:
            self._regex = None

    def finditer(self, text: str) -> Iterator[tuple[int, int, int, str]]:
        if self._regex is None:
            return
        split = _PIECE_SPLIT.sub
        for m in self._regex.finditer(text):
            body = m.group(1)
            yield m.start(), m.end(1), m.end(), (body if body.isalnum() else split("", body))

    def keys_in(self, text: str) -> list[str]:
        """The keys of all matches, in order (faster than `finditer` when positions are not needed)."""
        if self._regex is None:
            return []
        split = _PIECE_SPLIT.sub
        return [body if body.isalnum() else split("", body) for body in self._regex.findall(text)]

    def search(self, text: str) -> bool:
        return self._regex is not None and self._regex.search(text) is not None


@dataclass(frozen=True, slots=True)
class NumberHit:
    """A candidate number used as a reference to a pair ("paslon 02", "nomor urut 2")."""

    candidate: str
    start: int  # start of the reference: the number, or "nomor urut" when that is the context itself
    end: int


@dataclass(frozen=True, slots=True)
class NumberContext:
    strong: bool  # any number form counts after it, not only the two-digit one
    ordinal: bool  # the context is itself "nomor urut", so it is part of the reference


_ORDINAL_WORDS = ("nomor", "nomer", "nmr", "no")
_ORDINAL = r"(?:nomor|nomer|nmr|no)(?:" + _SEP + r"urut)?"


class CandidateNumbers:
    """Candidate numbers used in context, found right after a context word that the term pass matched.

    After a *strong* context ("paslon", "capres", "nomor urut") any listed number form counts ("paslon 1",
    "capres nomor dua"). After a *weak* one ("pendukung", "coblos") only the two-digit form counts
    ("pendukung 02"), or any form when "nomor"/"no" comes between ("coblos no. 2"). A term that ends with a
    context word counts as that context ("debat capres 01", "hak memilih 02").

    The context words are added to the caller's `TermPattern` (see `context_terms`), so finding them costs
    no extra pass over the text; only a hit is followed by one anchored match for the number.
    """

    __slots__ = ("_by_number", "_contexts", "_tail", "_weak_ok", "context_terms")

    def __init__(self, numbers: dict[str, str], strong: Iterable[str], weak: Iterable[str]) -> None:
        """`numbers` maps each number form ("02", "2", "dua") to its candidate key ("02")."""
        self._by_number = {n.lower(): c for n, c in numbers.items()}
        self._weak_ok = frozenset(n for n in self._by_number if len(n) == 2 and n.startswith("0"))
        self._contexts: dict[tuple[str, ...], bool] = {}
        for term in weak:
            self._contexts[term_pieces(term)] = False
        for term in strong:
            self._contexts[term_pieces(term)] = True
        self._contexts.pop((), None)
        self.context_terms: tuple[str, ...] = tuple(" ".join(p) for p in self._contexts)
        num_alt = "|".join(re.escape(n) for n in sorted(self._by_number, key=lambda n: (-len(n), n)))
        self._tail: re.Pattern[str] | None = (
            re.compile(_SEP + "(?:(" + _ORDINAL + ")" + _SEP + ")?(" + num_alt + r")(?!\w)")
            if num_alt
            else None
        )

    def context_of(self, term: str) -> NumberContext | None:
        """How `term` works as a number context: as itself or through the context words it ends with."""
        pieces = term_pieces(term)
        best: NumberContext | None = None
        for i in range(len(pieces)):
            strong = self._contexts.get(pieces[i:])
            if strong is not None:
                ordinal = i == 0 and pieces[0] in _ORDINAL_WORDS
                if best is None or (strong and not best.strong):
                    best = NumberContext(strong=strong, ordinal=ordinal)
        return best

    def after(self, text: str, context: NumberContext, start: int, body_end: int) -> NumberHit | None:
        """The candidate number right after a context word spanning text[start:body_end], if any."""
        if self._tail is None:
            return None
        m = self._tail.match(text, body_end)
        if m is None:
            return None
        num = m.group(2)
        if not context.strong and m.group(1) is None and num not in self._weak_ok:
            return None
        return NumberHit(self._by_number[num], start if context.ordinal else body_end, m.end())

"""Candidate masking: every reference to a candidate pair becomes one neutral token before scoring.

The masker is built from the *active* keywords (config/keywords.yml), so a new election's pairs are masked
without retraining. Party names become a second token (PARTY_TOKEN), because a party tells its pair apart.

If a post about pair 01 and the same post rewritten about pair 02 or 03 mask to the same string, no model
trained on masked text can score one pair differently from another. References are names, nicknames,
slogans and coalition/campaign-team labels from keywords.yml, candidate numbers in context ("paslon 02",
"nomor urut 2", "capres no. 1") and bare two-digit numbers "01"/"02"/"03" unless they number something else
("tps 01", "rt 02", dates and times).
"""

from __future__ import annotations

import re

from monitor.text.keywords import KeywordsConfig
from monitor.text.normalize import NormalizedText, normalize
from monitor.text.patterns import CandidateNumbers, NumberContext, TermPattern, term_key

__all__ = ["NEUTRAL_TOKEN", "PARTY_TOKEN", "CandidateMasker"]

NEUTRAL_TOKEN = "paslonx"
NEUTRAL_PHRASE = "paslon tertentu"  # what a neutral title says instead of a pair ("a certain pair")
# A role word before a masked pair keeps the role: "capres [pair]" -> "capres tertentu".
_ROLE_PHRASE = {
    "pasangan": "calon tertentu",
    "paslon": "tertentu",
    "capres": "tertentu",
    "cawapres": "tertentu",
    "calon": "tertentu",
}
_NAMED_ROLE = re.compile(rf"\b({'|'.join(_ROLE_PHRASE)})\s+{NEUTRAL_TOKEN}\b", re.IGNORECASE)
PARTY_TOKEN = "partaix"
_REFERENCE_TOKENS = re.compile(rf"\b(?:{NEUTRAL_TOKEN}|{PARTY_TOKEN})\b")
# Pair numbers of any election, so that a Pilkada's "paslon 04" or "nomor urut 5" is masked even when the
# active keywords list fewer pairs; masking them costs nothing where they number something else.
_ANY_PAIR_NUMBERS = {
    **{f"0{n}": "xx" for n in range(1, 10)},
    **{str(n): "xx" for n in range(1, 10)},
    **{
        word: "xx"
        for word in ("satu", "dua", "tiga", "empat", "lima", "enam", "tujuh", "delapan", "sembilan")
    },
}

# Several references in a row ("prabowo-gibran", "anies & cak imin", "ganjar / mahfud md") are one reference:
# pairs are named with one or two names in many styles, and the count must not tell pairs apart.
_RUN_OF_TOKENS = re.compile(rf"{NEUTRAL_TOKEN}(?:[\s\-–—&/+,]*{NEUTRAL_TOKEN}(?![a-z0-9]))+")
_MASK_ONLY_CONTEXTS = ("nomor", "nomer", "nmr", "no", "calon")
# Words after which a bare "01".."03" numbers something other than a candidate pair ("tps 01", "rt 02").
_OTHER_NUMBERING = frozenset(
    {
        "tps",
        "rt",
        "rw",
        "dapil",
        "kelas",
        "blok",
        "lantai",
        "gang",
        "gg",
        "jalur",
        "pukul",
        "jam",
        "tanggal",
        "tgl",
        "bulan",
        "lembar",
        "halaman",
        "hal",
        "pasal",
        "ayat",
        "lampiran",
        "formulir",
        "form",
        "model",
        "kode",
        "zona",
        "kamar",
        "pintu",
        "loket",
        "antrean",
        "antrian",
        "meja",
    }
)


class CandidateMasker:
    """Replaces candidate references in (normalised) text by `NEUTRAL_TOKEN`."""

    def __init__(self, keywords: KeywordsConfig) -> None:
        terms: list[str] = []
        numbers: dict[str, str] = {}
        bare: set[str] = set()
        for cand_key, cand in keywords.candidates.items():
            terms.extend(term for _field, term in cand.reference_terms())
            for number in cand.numbers:
                numbers[number] = cand_key
                if len(number) == 2 and number.startswith("0"):
                    bare.add(number)
        # Masking may over-apply (a masked "nomor 2" costs nothing) while relevance must not, so the masker
        # also treats a bare ordinal ("nomor 2", "no. 1") and "calon 3" as candidate numbers, and any pair
        # number 1-9 after a context word (a regional election's "paslon 04").
        self._numbers = CandidateNumbers(
            {**_ANY_PAIR_NUMBERS, **numbers},
            [*keywords.number_context.strong, *_MASK_ONLY_CONTEXTS],
            keywords.number_context.weak,
        )
        # One pass finds both the references and the context words that numbers follow; a key that is only
        # a context word ("pendukung") is not masked itself.
        self._reference_keys = frozenset(term_key(t) for t in terms)
        self._contexts: dict[str, NumberContext] = {}
        for term in [*terms, *self._numbers.context_terms]:
            context = self._numbers.context_of(term)
            if context is not None:
                self._contexts[term_key(term)] = context
        # Party names share the one pass: "koalisi pdip" (a coalition) still wins over "pdip" (a party).
        self._terms = TermPattern([*terms, *self._numbers.context_terms, *keywords.parties.names])
        if bare:
            alternation = "|".join(sorted(bare))
            # The optional preceding word is captured so that the replacement can leave "tps 01" alone.
            self._bare: re.Pattern[str] | None = re.compile(
                rf"(?:\b(?P<prev>\w+)(?P<sep>[^\w\n]{{1,3}}))?(?<![\w/.:,-])(?P<num>{alternation})(?![\w/:-]|[.,]\d)"
            )
        else:
            self._bare = None
        self._bare_forms = tuple(sorted(bare))
        acronyms = sorted({a for cand in keywords.candidates.values() for a in cand.acronyms})
        self._acronym_set = frozenset(acronyms)
        self._acronym_words = {a: re.compile(rf"(?<!\w){a.lower()}(?!\w)") for a in acronyms}
        # Parties: names in any case, acronyms only when written in capitals (see keywords.yml).
        self._party_keys = frozenset(term_key(n) for n in keywords.parties.names) - self._reference_keys
        self._party_acronyms = frozenset(keywords.parties.acronyms)
        self._party_words = {a: re.compile(rf"(?<!\w){a.lower()}(?!\w)") for a in keywords.parties.acronyms}

    def mask(self, text: str | NormalizedText) -> str:
        """The normalised text with every candidate reference replaced by NEUTRAL_TOKEN.

        A raw string is normalised first (normalisation is idempotent, so already-normalised text is safe to
        pass); pass the `NormalizedText` from the pipeline to skip that work.
        """
        nt = normalize(text) if isinstance(text, str) else text
        s = nt.text
        spans: list[tuple[int, int, str]] = []
        references = self._reference_keys
        contexts = self._contexts
        for start, body_end, end, key in self._terms.finditer(s):
            if key in references:
                spans.append((start, end, NEUTRAL_TOKEN))
            elif key in self._party_keys:
                spans.append((start, end, PARTY_TOKEN))
            context = contexts.get(key)
            if context is not None:
                hit = self._numbers.after(s, context, start, body_end)
                if hit is not None:
                    spans.append((hit.start, hit.end, NEUTRAL_TOKEN))
        out = _replace(s, spans) if spans else s
        if nt.acronyms and self._acronym_set:
            # After the terms, so that a listed phrase containing the word ("timnas amin") masks whole.
            for acronym in self._acronym_set.intersection(nt.acronyms):
                out = self._acronym_words[acronym].sub(f" {NEUTRAL_TOKEN} ", out)
        if self._bare is not None and any(form in out for form in self._bare_forms):
            out = self._bare.sub(_replace_bare, out)
        if nt.acronyms and self._party_acronyms:
            for acronym in self._party_acronyms.intersection(nt.acronyms):
                out = self._party_words[acronym].sub(f" {PARTY_TOKEN} ", out)
        if NEUTRAL_TOKEN not in out:
            return " ".join(out.split()) if PARTY_TOKEN in out else out
        out = _RUN_OF_TOKENS.sub(NEUTRAL_TOKEN, out)
        return " ".join(out.split())

    @staticmethod
    def drop_references(masked: str) -> str:
        """A masked text without its candidate and party tokens: what is said, not whom it names
        ("paslonx resmi mundur dari partaix" -> "resmi mundur dari"). Naming a pair is then no evidence either
        way, and a claim told about one pair reads the same as about another."""
        if NEUTRAL_TOKEN not in masked and PARTY_TOKEN not in masked:
            return masked
        return " ".join(_REFERENCE_TOKENS.sub(" ", masked).split())

    def mask_unnamed(self, text: str | NormalizedText) -> str:
        """The masked text with the references then dropped (`drop_references`): how the classifier's
        feature set 4 and the narratives compare texts."""
        return self.drop_references(self.mask(text))

    def neutral_phrasing(self, text: str, phrase: str = NEUTRAL_PHRASE) -> str:
        """`text` as a title that names no candidate pair: every reference becomes `phrase` ("paslon
        tertentu"), the other words keep the case the text wrote them in. For a narrative told about several
        pairs, whose claim wording (one debunk per pair) would otherwise name one of them. A text naming no
        pair comes back unchanged."""
        masked = self.mask(text)
        if NEUTRAL_TOKEN not in masked:
            return " ".join(text.split())
        out = _restore_case(masked, text)
        # "pasangan [pair]" -> "pasangan calon tertentu", "capres [pair]" -> "capres tertentu", ...
        out = _NAMED_ROLE.sub(lambda m: f"{m.group(1)} {_ROLE_PHRASE[m.group(1).lower()]}", out)
        out = re.sub(rf"\b{NEUTRAL_TOKEN}\b", phrase, out, flags=re.IGNORECASE)
        out = re.sub(r"\s+([,.!?;:])", r"\1", out)
        return out[:1].upper() + out[1:]


def _restore_case(masked: str, original: str) -> str:
    """Each word of a normalised text written as the original wrote it, where the original has it."""
    written: dict[str, str] = {}
    for word in original.split():
        written.setdefault(word.lower(), word)
    return " ".join(written.get(word, word) for word in masked.split())


def _replace_bare(match: re.Match[str]) -> str:
    prev = match.group("prev")
    if prev is None:
        return NEUTRAL_TOKEN
    if prev in _OTHER_NUMBERING:
        return match.group(0)
    return prev + match.group("sep") + NEUTRAL_TOKEN


def _replace(s: str, spans: list[tuple[int, int, str]]) -> str:
    """Replace each span by its token, padded with spaces (overlapping spans merge, first token kept)."""
    spans.sort()
    parts: list[str] = []
    pos = 0
    cur_start, cur_end, cur_token = spans[0]
    for start, end, token in spans[1:]:
        if start < cur_end:
            cur_end = max(cur_end, end)
            continue
        parts.append(s[pos:cur_start])
        parts.append(f" {cur_token} ")
        pos = cur_end
        cur_start, cur_end, cur_token = start, end, token
    parts.append(s[pos:cur_start])
    parts.append(f" {cur_token} ")
    parts.append(s[cur_end:])
    return "".join(parts)

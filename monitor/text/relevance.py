"""Election relevance: which keywords.yml terms, topics and candidate pairs a post mentions.

`KeywordMatcher` compiles every term once (see monitor/text/patterns.py for the boundary rules) and then
runs one regex pass for terms, one for candidate numbers in context and one for off-topic phrases per post.
Web addresses and @mentions, which normalisation removes from the text, are matched too: their words are
appended after a line break that no multi-word term can cross.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from monitor.text.keywords import SPECIFIC_TOPICS, KeywordsConfig, load_keywords
from monitor.text.normalize import NormalizedText, normalize
from monitor.text.patterns import CandidateNumbers, NumberContext, TermPattern, term_key

__all__ = ["TOPIC_ORDER", "KeywordMatcher", "Relevance"]

_URL_SCHEME = re.compile(r"^[a-z][a-z0-9+.-]*://")
_NON_WORD = re.compile(r"[\W_]+")
_PREV_WORD = re.compile(r"(\w+)[^\w\n]*$")
_NEXT_WORD = re.compile(r"[^\w\n]*(\w+)")


@dataclass(frozen=True, slots=True)
class Relevance:
    """What a post mentions. A post is relevant when at least one term (or candidate reference) matched,
    unless those terms are about another country's election (`abroad`: "Trump didakwa soal pemilu AS")."""

    terms: tuple[str, ...] = ()
    topics: tuple[str, ...] = ()
    candidates: tuple[str, ...] = ()
    off_topic: bool = False
    abroad: bool = False

    @property
    def relevant(self) -> bool:
        return bool(self.terms) and not self.abroad


@dataclass(frozen=True, slots=True)
class _TermInfo:
    canonical: str | None  # as written in keywords.yml (first listing wins: "sirekap" over "si rekap");
    # None for a word that is only a candidate-number context ("pendukung")
    topics: frozenset[str]  # specific topic keys and "candidate:NN"; empty for institutions/general
    candidate: str | None
    number_context: NumberContext | None = None


def _topic_order(candidates: list[str]) -> dict[str, int]:
    order = [*SPECIFIC_TOPICS, *(f"candidate:{c}" for c in sorted(candidates)), "other"]
    return {topic: i for i, topic in enumerate(order)}


_NOTHING = Relevance()
_OFF_TOPIC = Relevance(off_topic=True)

TOPIC_ORDER: tuple[str, ...] = (*SPECIFIC_TOPICS, "candidate:01", "candidate:02", "candidate:03", "other")


class KeywordMatcher:
    """Matches normalised post text against the election vocabulary."""

    def __init__(self, keywords: KeywordsConfig) -> None:
        self.keywords = keywords
        self.version = keywords.version
        infos: dict[str, _TermInfo] = {}

        spellings: list[str] = []  # every way a term is written; several may share one key

        def add(term: str, topic: str | None, candidate: str | None) -> None:
            spellings.append(term)
            key = term_key(term)
            specific = frozenset({topic}) if topic in SPECIFIC_TOPICS else frozenset()
            if candidate is not None:
                specific = frozenset({f"candidate:{candidate}"})
            known = infos.get(key)
            if known is None:
                infos[key] = _TermInfo(term, specific, candidate)
            else:
                infos[key] = _TermInfo(known.canonical, known.topics | specific, known.candidate or candidate)

        for topic_key, topic in keywords.topics.items():
            for term in topic.terms:
                add(term, topic_key, None)
        for term in keywords.regional_terms:
            add(term, "general", None)
        # In a national config a pair number next to a regional-election word is a regional pair.
        self._regional: frozenset[str] = (
            frozenset(term_key(t) for t in keywords.regional_terms)
            if keywords.scope == "national"
            else frozenset()
        )
        self._ambiguous = {
            term_key(term): (
                frozenset(term_key(w) for w in rule.before),
                frozenset(term_key(w) for w in rule.after),
                term_key(term).upper() if rule.capitals else None,
            )
            for term, rule in keywords.ambiguous.items()
        }
        numbers: dict[str, str] = {}
        self._acronyms = {a: key for key, cand in keywords.candidates.items() for a in cand.acronyms}
        for cand_key, cand in keywords.candidates.items():
            for _field, term in cand.reference_terms():
                add(term, None, cand_key)
            for number in cand.numbers:
                numbers[number] = cand_key

        self._numbers = CandidateNumbers(
            numbers, keywords.number_context.strong, keywords.number_context.weak
        )
        spelled = {key: info.canonical for key, info in infos.items()}
        for term in self._numbers.context_terms:
            spelled.setdefault(term_key(term), term)
            infos.setdefault(term_key(term), _TermInfo(None, frozenset(), None))
        for key, info in list(infos.items()):
            context = self._numbers.context_of(spelled[key])
            if context is not None:
                infos[key] = _TermInfo(info.canonical, info.topics, info.candidate, context)
        self._terms = TermPattern([*spellings, *self._numbers.context_terms])
        self._infos = {key: infos[key] for key in self._terms.keys}
        self._off_topic = TermPattern(keywords.off_topic)
        # Elections abroad: a country after a context word ("pemilu AS", "PM Kamboja") or a leader's name.
        # Only posts whose election words are all general ones can be about one (see `_abroad_only`).
        abroad = keywords.abroad
        foreign = [f"{word} {country}" for word in abroad.context for country in abroad.countries]
        self._abroad = TermPattern([*foreign, *abroad.leaders]) if foreign or abroad.leaders else None
        self._home = TermPattern(abroad.home) if abroad.home else None
        not_general = {
            term_key(t) for key, topic in keywords.topics.items() if key != "general" for t in topic.terms
        }
        not_general |= {term_key(t) for t in keywords.regional_terms}
        general = {term_key(t) for t in keywords.topics.general.terms} - not_general
        # As `match` reports them (canonical spellings), so a post's terms are checked without re-keying.
        self._general_only = frozenset(
            info.canonical for key, info in self._infos.items() if key in general and info.canonical
        )
        self._order = _topic_order(list(keywords.candidates))
        # Every topic a post can get under this configuration, in display order ("candidate:04" in a
        # four-pair Pilkada); TOPIC_ORDER is the shipped presidential file's.
        self.topic_order: tuple[str, ...] = tuple(self._order)

    def _drop_unconfirmed(self, nt: NormalizedText, keys: list[str]) -> list[str]:
        """`keys` without the ambiguous terms ("dpt" = "dapat") that nothing in the post confirms.

        A term is confirmed by its capitals ("DPT"), a clitic or digits ("dptnya", "dpt2024"), a `before` or
        `after` word next to it, or another term of the same topic ("dpt" next to "daftar pemilih"). An
        election term of another kind keeps the post relevant but does not make "sy dpt undangan dari KPU"
        a voter-roll post.
        """
        infos = self._infos
        present = set(keys)
        confirmed: set[str] = set()
        for key in present.intersection(self._ambiguous):
            topics = infos[key].topics
            if any(k != key and k not in self._ambiguous and infos[k].topics & topics for k in present):
                confirmed.add(key)
        text = nt.text
        for start, body_end, end, key in self._terms.finditer(text):
            rule = self._ambiguous.get(key)
            if rule is None or key in confirmed:
                continue
            before, after, capitals = rule
            # "DPT" in capitals; "dpt-nya", "dpt2024" with a clitic or digits
            if (capitals is not None and capitals in nt.acronyms) or end > body_end:
                confirmed.add(key)
                continue
            prev = _PREV_WORD.search(text, 0, start)
            nxt = _NEXT_WORD.match(text, end)
            if (prev is not None and prev.group(1) in before) or (nxt is not None and nxt.group(1) in after):
                confirmed.add(key)
        return [k for k in keys if k not in self._ambiguous or k in confirmed]

    @classmethod
    def from_file(cls, path: Path) -> KeywordMatcher:
        return cls(load_keywords(path))

    def match(self, text: str | NormalizedText) -> Relevance:
        """Terms, topics and candidates mentioned in `text` (a raw string is normalised first)."""
        nt = normalize(text) if isinstance(text, str) else text
        haystack = nt.text
        if nt.urls or nt.mentions:
            extra = [_NON_WORD.sub(" ", _URL_SCHEME.sub("", url.lower())) for url in nt.urls]
            extra.extend(m.replace("_", " ") for m in nt.mentions)
            haystack = haystack + "\n" + "\n".join(extra)

        keys = self._terms.keys_in(haystack)
        acronyms = [a for a in nt.acronyms if a in self._acronyms] if nt.acronyms else ()
        if self._ambiguous and keys and not self._ambiguous.keys().isdisjoint(keys):
            keys = self._drop_unconfirmed(nt, keys)
        if not keys and not acronyms:  # most posts: nothing election-related at all
            return _OFF_TOPIC if self._off_topic.search(haystack) else _NOTHING
        terms: set[str] = set(acronyms)
        candidates: set[str] = {self._acronyms[a] for a in acronyms}
        topics: set[str] = {f"candidate:{c}" for c in candidates}
        infos = self._infos
        with_numbers = False
        for key in keys:
            info = infos[key]
            if info.canonical is not None:
                terms.add(info.canonical)
                topics.update(info.topics)
                if info.candidate is not None:
                    candidates.add(info.candidate)
            if info.number_context is not None:
                with_numbers = True
        if with_numbers and self._regional and not self._regional.isdisjoint(keys):
            # "pilbup paslon 02": the number is a regional pair's, not the presidential pair 02's.
            with_numbers = False
        if with_numbers:
            # A context word ("paslon", "pendukung") was seen: look for a candidate number right after it.
            text = nt.text
            for start, body_end, _end, key in self._terms.finditer(text):
                context = infos[key].number_context
                if context is not None:
                    hit = self._numbers.after(text, context, start, body_end)
                    if hit is not None:
                        terms.add(hit.candidate)
                        candidates.add(hit.candidate)
                        topics.add(f"candidate:{hit.candidate}")
        if not terms:  # only context words such as "pendukung"
            return _OFF_TOPIC if self._off_topic.search(haystack) else _NOTHING

        if not topics:
            topics.add("other")
        order = self._order
        return Relevance(
            terms=tuple(sorted(terms)),
            topics=tuple(sorted(topics, key=order.__getitem__)),
            candidates=tuple(sorted(candidates)),
            off_topic=self._off_topic.search(haystack),
            abroad=not candidates and self._abroad_only(nt.text, terms),
        )

    def _abroad_only(self, text: str, terms: set[str]) -> bool:
        """Whether the post's election `terms` (no candidate among them) are about another country's
        election: all general words ("pemilu", "kampanye"; no institution, Pilkada or specific-topic term),
        a foreign election named, and no home word ("Indonesia", "WNI")."""
        if self._abroad is None or not self._general_only.issuperset(terms):
            return False
        return self._abroad.search(text) and not (self._home is not None and self._home.search(text))

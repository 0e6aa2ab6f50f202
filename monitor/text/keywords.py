"""The election vocabulary in config/keywords.yml: schema, loading and error messages.

A broken file fails with one message that names the file, the line and the key path of every problem
("config/keywords.yml, line 31: topics.sidalih.terms[3]: expected a term with at least one letter or digit").
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path
from typing import Annotated, Any, Literal, get_args

import yaml
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError, model_validator

from monitor.text.patterns import term_key

__all__ = [
    "Abroad",
    "AmbiguousTerm",
    "Candidate",
    "KeywordsConfig",
    "KeywordsError",
    "NumberContext",
    "Parties",
    "Topic",
    "Topics",
    "load_keywords",
]

TOPIC_KEYS = ("sidalih", "sirekap", "procedure", "institutions", "general")
SPECIFIC_TOPICS = ("sidalih", "sirekap", "procedure")
_CANDIDATE_KEY = re.compile(r"^\d{2}$")
_NUMBER_FORM = re.compile(r"^(?:\d{1,2}|[a-z]+)$")


class KeywordsError(ValueError):
    """config/keywords.yml (or a dict given as keywords) is unreadable or invalid.

    `problems` holds one (key path, line or None, message) per problem; str() lists them all.
    """

    def __init__(self, source: str, problems: list[tuple[str, int | None, str]]) -> None:
        self.source = source
        self.problems = problems
        lines = []
        for key, line, message in problems:
            where = f"{source}, line {line}" if line is not None else source
            lines.append(f"{where}: {key}: {message}" if key else f"{where}: {message}")
        super().__init__("\n".join(lines))


class _PathError(ValueError):
    """A cross-field problem that knows which key it is about."""

    def __init__(self, path: tuple[str | int, ...], message: str) -> None:
        super().__init__(message)
        self.path = path


def _check_term(value: str) -> str:
    value = value.strip()
    if not term_key(value):
        raise ValueError(f"expected a term with at least one letter or digit, got {value!r}")
    return value


def _check_number(value: str) -> str:
    value = value.strip().lower()
    if not _NUMBER_FORM.match(value):
        raise ValueError(f'expected a number such as "02", "2" or "dua", got {value!r}')
    return value


def _check_acronym(value: str) -> str:
    value = value.strip()
    if not re.fullmatch(r"[A-Z]{3,6}", value):
        raise ValueError(f'expected 3 to 6 capital letters such as "AMIN", got {value!r}')
    return value


Term = Annotated[str, AfterValidator(_check_term)]
Acronym = Annotated[str, AfterValidator(_check_acronym)]
NumberForm = Annotated[str, AfterValidator(_check_number)]
Label = Annotated[str, Field(min_length=1)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


class Topic(_Strict):
    label_id: Label
    label_en: Label
    terms: list[Term] = Field(min_length=1)


class Topics(_Strict):
    sidalih: Topic
    sirekap: Topic
    procedure: Topic
    institutions: Topic
    general: Topic

    def items(self) -> list[tuple[str, Topic]]:
        return [(key, getattr(self, key)) for key in TOPIC_KEYS]


class Candidate(_Strict):
    label: Label
    names: list[Term] = Field(min_length=1)
    nicknames: list[Term] = []
    numbers: list[NumberForm] = Field(min_length=1)
    slogans: list[Term] = []
    coalition: list[Term] = []
    # Capitalised short names ("AMIN", "GAMA") that refer to the pair only when written in capitals.
    acronyms: list[Acronym] = []

    def reference_terms(self) -> list[tuple[str, str]]:
        """(field, term) for every textual reference to this pair: names, nicknames, slogans, coalition."""
        out: list[tuple[str, str]] = []
        for field in ("names", "nicknames", "slogans", "coalition"):
            out.extend((field, term) for term in getattr(self, field))
        return out


class NumberContext(_Strict):
    strong: list[Term] = Field(min_length=1)
    weak: list[Term] = []


class Parties(_Strict):
    """Party names, masked like candidate references (parties line up with pairs, so they would leak a pair).

    `names` are masked in any case ("gerindra", "pdi perjuangan"); `acronyms` only when written in capitals
    in mixed-case text, because in lowercase they are ordinary words ("pan", "pbb" = the United Nations).
    Party names alone do not make a post election-relevant: parties are in the news all year.
    """

    names: list[Term] = []
    acronyms: list[Acronym] = []


class AmbiguousTerm(_Strict):
    """A topic term that is also an everyday chat abbreviation ("dpt" = "dapat").

    It counts only when written in capitals in mixed-case text ("DPT", if `capitals` is true: the term is an
    acronym), right after a `before` word ("cek dpt", "di dpt"), right before an `after` word ("dpt ganda",
    "dpt pemilu"), or when the post also has another term of the same topic.
    """

    capitals: bool = False
    before: list[Term] = []
    after: list[Term] = []


class Abroad(_Strict):
    """Other countries' elections, which an Indonesian election monitor does not watch.

    A post is about one when a country in `countries` follows a word of `context` ("pemilu AS", "pilpres
    Amerika", "PM Kamboja") or a leader in `leaders` is named ("Trump"). Such a post is not relevant if its
    only election words are general ones (topic `general`) and no `home` word ("indonesia", "wni") says the
    story is ours; see `monitor.text.relevance.KeywordMatcher`.
    """

    context: list[Term] = []
    countries: list[Term] = []
    leaders: list[Term] = []
    home: list[Term] = []

    @model_validator(mode="after")
    def _countries_need_context(self) -> Abroad:
        if self.countries and not self.context:
            raise _PathError(("context",), "countries need context words (pemilu, presiden, ...) to follow")
        return self


class KeywordsConfig(_Strict):
    """The validated content of config/keywords.yml."""

    version: Label
    # "national": the candidates are presidential pairs, and a pair number in a post that names a regional
    # election ("pilbup paslon 02") is a regional pair, not one of them. "regional": the candidates are
    # the pairs of that regional election (a Pilkada with four pairs), so its words do not change numbers.
    scope: Literal["national", "regional"] = "national"
    topics: Topics
    candidates: dict[str, Candidate] = Field(min_length=1)
    number_context: NumberContext
    # Words naming a regional election (pilkada, pilbup, cagub). They are election terms (topic "general").
    regional_terms: list[Term] = []
    parties: Parties = Parties()
    ambiguous: dict[str, AmbiguousTerm] = {}
    off_topic: list[Term] = []
    # Elections abroad: general election words about another country do not make a post relevant.
    abroad: Abroad = Abroad()
    # The district's own places (its province, kabupaten, kecamatan, desa): no evidence either way, so the
    # classifier (feature set 9) does not read them. They take no part in relevance.
    places: list[Term] = []

    def topic_names(self, lang: str = "id") -> dict[str, str]:
        """Each topic's name as officers read it: English for "en", else Indonesian."""
        return {key: spec.label_en if lang == "en" else spec.label_id for key, spec in self.topics}

    @property
    def fingerprint(self) -> str:
        """A short hash of the whole vocabulary: it changes with any term, even when `version` does not.

        Compare a model's `fingerprint` with the active file's to tell whether masking and relevance at
        scoring time are the ones the model was trained with (see `compare_keywords`).
        """
        canonical = json.dumps(self.model_dump(mode="json"), sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:16]

    @model_validator(mode="after")
    def _cross_check(self) -> KeywordsConfig:
        topic_keys = {term_key(t) for _k, topic in self.topics.items() for t in topic.terms}
        for term in self.ambiguous:
            if term_key(term) not in topic_keys:
                raise _PathError(("ambiguous", term), "an ambiguous term must also be listed in a topic")
        owner_of_term: dict[str, tuple[str, str, int]] = {}
        owner_of_number: dict[str, str] = {}
        for cand_key, cand in self.candidates.items():
            if not _CANDIDATE_KEY.match(cand_key):
                raise _PathError(("candidates", cand_key), 'expected a two-digit key such as "01"')
            for i, number in enumerate(cand.numbers):
                other = owner_of_number.setdefault(number, cand_key)
                if other != cand_key:
                    raise _PathError(
                        ("candidates", cand_key, "numbers", i),
                        f"number {number!r} is already listed for candidate {other}",
                    )
            for i, acronym in enumerate(cand.acronyms):
                other = owner_of_number.setdefault("acronym:" + acronym, cand_key)
                if other != cand_key:
                    raise _PathError(
                        ("candidates", cand_key, "acronyms", i),
                        f"acronym {acronym!r} is already listed for candidate {other}",
                    )
            counters: dict[str, int] = {}
            for field, term in cand.reference_terms():
                index = counters.get(field, 0)
                counters[field] = index + 1
                key = term_key(term)
                other_owner = owner_of_term.setdefault(key, (cand_key, field, index))
                if other_owner[0] != cand_key:
                    raise _PathError(
                        ("candidates", cand_key, field, index),
                        f"term {term!r} is already listed for candidate {other_owner[0]} "
                        "(one term cannot refer to two pairs)",
                    )
        for i, name in enumerate(self.parties.names):
            owner = owner_of_term.get(term_key(name))
            if owner is not None:
                raise _PathError(
                    ("parties", "names", i),
                    f"party name {name!r} is already listed for candidate {owner[0]}",
                )
        return self


def load_keywords(path: Path) -> KeywordsConfig:
    """Read and validate a keywords file; raise `KeywordsError` naming file, line and key on any problem."""
    path = Path(path)
    source = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise KeywordsError(source, [("", None, f"cannot read the file: {exc.strerror or exc}")]) from exc
    except UnicodeDecodeError as exc:
        raise KeywordsError(source, [("", None, f"the file is not UTF-8 text: {exc}")]) from exc
    return parse_keywords(text, source=source)


def parse_keywords(text: str, source: str = "<keywords>") -> KeywordsConfig:
    """Validate keywords given as YAML text; `source` names it in error messages."""
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            raise KeywordsError(
                source, [("", None, "the file is empty; expected version, topics, candidates")]
            )
        problems = _duplicate_keys(node)
        if problems:
            raise KeywordsError(source, problems)
        data = loader.construct_document(node)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        line = mark.line + 1 if mark is not None else None
        problem = getattr(exc, "problem", None) or str(exc)
        raise KeywordsError(source, [("", line, f"invalid YAML: {problem}")]) from exc
    finally:
        loader.dispose()

    if not isinstance(data, dict):
        raise KeywordsError(
            source, [("", node.start_mark.line + 1, "expected a mapping with version, topics, candidates")]
        )
    problems = _unquoted_candidate_keys(data, node)
    if problems:
        raise KeywordsError(source, problems)
    try:
        return KeywordsConfig.model_validate(data)
    except ValidationError as exc:
        raise KeywordsError(source, _explain(exc, node)) from exc


def _format_path(path: tuple[str | int, ...]) -> str:
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out


def _node_line(root: yaml.Node, path: tuple[str | int, ...]) -> int:
    """1-based line of the deepest node along `path` that exists in the document."""
    node = root
    for part in path:
        child = None
        if isinstance(node, yaml.MappingNode):
            for key_node, value_node in node.value:
                if str(key_node.value) == str(part):
                    child = value_node
                    break
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and 0 <= part < len(node.value):
            child = node.value[part]
        if child is None:
            break
        node = child
    return node.start_mark.line + 1


def _allowed_keys(loc: tuple[str | int, ...]) -> list[str]:
    """The keys the schema allows in the mapping that holds the last element of `loc`."""
    model: Any = KeywordsConfig
    for part in loc[:-1]:
        if isinstance(model, type) and issubclass(model, BaseModel):
            field = model.model_fields.get(str(part))
            if field is None:
                return []
            model = field.annotation
        else:  # dict[str, Candidate] or list[...]: step over the key or index
            args = get_args(model)
            model = args[-1] if args else None
    if isinstance(model, type) and issubclass(model, BaseModel):
        return list(model.model_fields)
    return []


def _expected(error: dict[str, Any]) -> str:
    kind = error["type"]
    given = error.get("input")
    shown = repr(given) if not isinstance(given, dict | list) else type(given).__name__
    if kind == "missing":
        return "required key is missing"
    if kind == "extra_forbidden":
        allowed = _allowed_keys(tuple(error["loc"]))
        return "unknown key" + (f" (expected one of: {', '.join(allowed)})" if allowed else "")
    if kind == "string_type":
        return f"expected text, got {shown}"
    if kind == "list_type":
        return f"expected a list, got {shown}"
    if kind in ("dict_type", "model_type"):
        return f"expected a mapping, got {shown}"
    if kind == "too_short":
        return "expected at least one entry"
    if kind == "string_too_short":
        return "expected non-empty text"
    if kind == "value_error":
        return str(error["ctx"]["error"])
    return f"{error['msg']} (got {shown})"


def _explain(exc: ValidationError, root: yaml.Node) -> list[tuple[str, int | None, str]]:
    problems = []
    for error in exc.errors():
        loc = tuple(error["loc"])
        cause = error.get("ctx", {}).get("error")
        if isinstance(cause, _PathError):
            loc = loc + cause.path
        problems.append((_format_path(loc), _node_line(root, loc), _expected(error)))
    return problems


def _duplicate_keys(node: yaml.Node, path: tuple[str | int, ...] = ()) -> list[tuple[str, int | None, str]]:
    problems: list[tuple[str, int | None, str]] = []
    if isinstance(node, yaml.MappingNode):
        seen: dict[str, int] = {}
        for key_node, value_node in node.value:
            key = str(key_node.value)
            line = key_node.start_mark.line + 1
            if key in seen:
                problems.append(
                    (_format_path((*path, key)), line, f"duplicate key (first defined on line {seen[key]})")
                )
            else:
                seen[key] = line
            problems.extend(_duplicate_keys(value_node, (*path, key)))
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            problems.extend(_duplicate_keys(item, (*path, i)))
    return problems


def _unquoted_candidate_keys(data: dict[str, Any], root: yaml.Node) -> list[tuple[str, int | None, str]]:
    candidates = data.get("candidates")
    if not isinstance(candidates, dict):
        return []
    problems: list[tuple[str, int | None, str]] = []
    for key in candidates:
        if not isinstance(key, str):
            problems.append(
                (
                    _format_path(("candidates", str(key))),
                    _node_line(root, ("candidates", str(key))),
                    f'expected a quoted two-digit key such as "01"; YAML read the unquoted key as {key!r}',
                )
            )
    return problems

"""Readers for claim files: JSONL lines and schema.org ClaimReview as fact-checkers publish it.

Each reader yields `ClaimItem` for a good item and `Rejected` (where, reason) for a bad one, so one bad line
never stops an import. ClaimReview comes as JSON-LD: one object, a list, an `@graph`, objects nested in
an Article (`review`, `mainEntity`), or HTML pages with `<script type="application/ld+json">` blocks,
which the standard library's HTMLParser extracts (no extra dependency for the one tag we need).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from html.parser import HTMLParser
from pathlib import Path
from typing import Any, Literal

from monitor.text.normalize import normalize
from monitor.text.verdicts import KNOWN_VERDICTS, canonical_verdict, verdict_kind

__all__ = ["FORMATS", "ClaimFileError", "ClaimItem", "Rejected", "detect_format", "read_claims"]

Format = Literal["auto", "jsonl", "claimreview"]
FORMATS: tuple[str, ...] = ("auto", "jsonl", "claimreview")
_KNOWN_VERDICTS = ", ".join(KNOWN_VERDICTS)
_TYPE = re.compile(r"(?:^|[/#:])ClaimReview$")


class ClaimFileError(ValueError):
    """The file as a whole cannot be read (missing, not UTF-8, not JSON); names the file and position."""


@dataclass(frozen=True, slots=True)
class ClaimItem:
    """One claim ready for the store; `where` says where it came from ("line 3", "@graph[2]")."""

    where: str
    claim: str
    verdict: str  # canonical ("salah", "hoaks", "benar", "klarifikasi", ...)
    kind: str  # "false", "true" or "other"
    key: str
    publisher: str | None = None
    url: str | None = None
    published: str | None = None  # YYYY-MM-DD
    explanation: str | None = None
    topics: tuple[str, ...] = ()
    language: str | None = None
    appearances: tuple[str, ...] = ()
    review: dict[str, Any] | None = field(default=None, compare=False)

    def row(self) -> dict[str, Any]:
        """The known_claims columns for this item."""
        return {
            "key": self.key,
            "claim": self.claim,
            "verdict": self.verdict,
            "kind": self.kind,
            "claim_date": self.published,
            "source": self.publisher,
            "source_url": self.url,
            "explanation": self.explanation,
            "topics": list(self.topics),
            "language": self.language,
            "appearances": list(self.appearances) or None,
            "review": self.review,
        }


@dataclass(frozen=True, slots=True)
class Rejected:
    where: str
    reason: str


class _ItemError(ValueError):
    pass


def claim_key(url: str | None, claim: str) -> str:
    """The fact-check URL when there is one, else a hash of the normalised claim text."""
    if url:
        return url[:500]
    return "claim:" + hashlib.sha1(normalize(claim).text.encode("utf-8")).hexdigest()


def detect_format(path: Path, head: str) -> str:
    """'claimreview' for .json/.jsonld/.html files or content starting with '<', '[' or a JSON-LD object."""
    suffix = path.suffix.lower()
    if suffix == ".jsonl":
        return "jsonl"
    if suffix in (".json", ".jsonld", ".html", ".htm"):
        return "claimreview"
    stripped = head.lstrip("\ufeff \t\r\n")
    if stripped.startswith(("<", "[")):
        return "claimreview"
    first_line = stripped.split("\n", 1)[0]
    return "claimreview" if '"@context"' in first_line or '"@type"' in first_line else "jsonl"


def read_claims(path: Path, fmt: str = "auto") -> Iterator[ClaimItem | Rejected]:
    """Every item of a claim file (see module doc); raises ClaimFileError if the file cannot be read."""
    path = Path(path)
    if fmt not in FORMATS:
        raise ClaimFileError(f"{path}: unknown format {fmt!r} (expected one of: {', '.join(FORMATS)})")
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise ClaimFileError(f"{path}: file not found") from None
    except UnicodeDecodeError as exc:
        raise ClaimFileError(f"{path}: not UTF-8 text (byte {exc.start})") from None
    except OSError as exc:
        raise ClaimFileError(f"{path}: cannot read the file: {exc.strerror or exc}") from None
    if fmt == "auto":
        fmt = detect_format(path, text[:4096])
    if fmt == "jsonl":
        yield from _read_jsonl(text)
    else:
        yield from _read_claimreview(path, text)


# -- JSONL ----------------------------------------------------------------------------------------------

_ALIASES = {  # field -> accepted names, first wins (the seed file's names are accepted too)
    "publisher": ("publisher", "source"),
    "url": ("url", "source_url"),
    "published_at": ("published_at", "date"),
}


def _read_jsonl(text: str) -> Iterator[ClaimItem | Rejected]:
    for line_no, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        where = f"line {line_no}"
        try:
            item = json.loads(line)
        except json.JSONDecodeError as exc:
            yield Rejected(where, f"not valid JSON ({exc.msg} at column {exc.colno})")
            continue
        if not isinstance(item, dict):
            yield Rejected(where, "expected a JSON object")
            continue
        try:
            yield _jsonl_item(where, item)
        except _ItemError as exc:
            yield Rejected(where, str(exc))


def _jsonl_item(where: str, item: dict[str, Any]) -> ClaimItem:
    claim = _text(item, "claim", required=True)
    verdict, kind = _verdict(item.get("verdict"), "verdict")
    values = {name: _first(item, names) for name, names in _ALIASES.items()}
    url = _url(values["url"][1], values["url"][0])
    published = _date(values["published_at"][1], values["published_at"][0])
    key = _text(item, "id") or claim_key(url, claim)
    topics = item.get("topics") or []
    if not isinstance(topics, list) or not all(isinstance(t, str) for t in topics):
        raise _ItemError("field 'topics' must be a list of strings")
    return ClaimItem(
        where=where,
        claim=claim,
        verdict=verdict,
        kind=kind,
        key=key,
        publisher=_plain(values["publisher"][1], values["publisher"][0], 200),
        url=url,
        published=published,
        explanation=_text(item, "explanation"),
        topics=tuple(topics),
        language=_text(item, "language"),
    )


# -- ClaimReview ----------------------------------------------------------------------------------------


class _JsonLdScripts(HTMLParser):
    """Collects the text of every <script type="application/ld+json"> with the line it starts on."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.blocks: list[tuple[int, str]] = []
        self._current: list[str] | None = None
        self._line = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "script" and any(
            k == "type" and (v or "").split(";")[0].strip().lower() == "application/ld+json" for k, v in attrs
        ):
            self._current, self._line = [], self.getpos()[0]

    def handle_data(self, data: str) -> None:
        if self._current is not None:
            self._current.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "script" and self._current is not None:
            self.blocks.append((self._line, "".join(self._current)))
            self._current = None


def _read_claimreview(path: Path, text: str) -> Iterator[ClaimItem | Rejected]:
    if text.lstrip("\ufeff \t\r\n").startswith("<"):
        parser = _JsonLdScripts()
        parser.feed(text)
        parser.close()
        if not parser.blocks:
            raise ClaimFileError(f'{path}: no <script type="application/ld+json"> block in the page')
        documents: list[tuple[str, Any]] = []
        for line, block in parser.blocks:
            try:
                documents.append((f"script at line {line}", json.loads(block)))
            except json.JSONDecodeError as exc:
                yield Rejected(
                    f"script at line {line}", f"not valid JSON-LD ({exc.msg}, line {line + exc.lineno - 1})"
                )
    else:
        try:
            documents = [("", json.loads(text))]
        except json.JSONDecodeError as exc:
            raise ClaimFileError(
                f"{path}, line {exc.lineno}, column {exc.colno}: not valid JSON ({exc.msg}); "
                "use --format jsonl for one claim per line"
            ) from None
    found = 0
    for prefix, document in documents:
        nodes = _nodes_by_id(document)
        for json_path, node in _claim_reviews(document, ""):
            found += 1
            where = f"{prefix}: {json_path}" if prefix else json_path
            try:
                yield _review_item(where, node, nodes)
            except _ItemError as exc:
                yield Rejected(where, str(exc))
    if not found and documents:
        raise ClaimFileError(f'{path}: no ClaimReview object found (expected "@type": "ClaimReview")')


def _is_review(node: dict[str, Any]) -> bool:
    types = node.get("@type")
    types = types if isinstance(types, list) else [types]
    return any(isinstance(t, str) and _TYPE.search(t) for t in types)


def _claim_reviews(node: Any, where: str) -> Iterator[tuple[str, dict[str, Any]]]:
    """(JSON path, object) of every ClaimReview in a JSON-LD document, in document order."""
    if isinstance(node, dict):
        if _is_review(node):
            yield where or "$", node
            return
        for key, value in node.items():
            yield from _claim_reviews(value, f"{where}.{key}" if where else key)
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _claim_reviews(value, f"{where}[{i}]")


def _nodes_by_id(document: Any) -> dict[str, dict[str, Any]]:
    """Every object with an `@id` and content of its own, so that references ({"@id": ...}) resolve.

    WordPress SEO plugins publish the author and the reviewed claim as separate @graph nodes and refer to
    them by `@id` from the ClaimReview.
    """
    found: dict[str, dict[str, Any]] = {}
    stack = [document]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            ident = node.get("@id")
            if isinstance(ident, str) and len(node) > 1:
                found.setdefault(ident, node)
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return found


def _resolve(value: Any, nodes: dict[str, dict[str, Any]]) -> Any:
    """A bare reference {"@id": X} replaced by the node X (values of other shapes unchanged)."""
    if isinstance(value, dict) and set(value) == {"@id"} and isinstance(value["@id"], str):
        return nodes.get(value["@id"], value)
    if isinstance(value, list):
        return [_resolve(v, nodes) for v in value]
    return value


def _review_item(where: str, node: dict[str, Any], nodes: dict[str, dict[str, Any]]) -> ClaimItem:
    claim = _text(node, "claimReviewed", required=True)
    rating = _resolve(node.get("reviewRating"), nodes)
    if isinstance(rating, list):
        rating = rating[0] if rating else None
    if not isinstance(rating, dict):
        raise _ItemError("field 'reviewRating' is missing (expected an object with 'alternateName')")
    label = rating.get("alternateName") or rating.get("name")
    verdict, kind = _verdict(label, "reviewRating.alternateName")
    url = _url(node.get("url"), "url")
    reviewed = _resolve(node.get("itemReviewed"), nodes)
    item = reviewed if isinstance(reviewed, dict) else {}
    appearances = [*_urls(item.get("firstAppearance")), *_urls(item.get("appearance"))]
    language = node.get("inLanguage")
    return ClaimItem(
        where=where,
        claim=claim,
        verdict=verdict,
        kind=kind,
        key=claim_key(url, claim),
        publisher=_name(_resolve(node.get("author"), nodes)) or _name(_resolve(node.get("publisher"), nodes)),
        url=url,
        published=_date(node.get("datePublished"), "datePublished"),
        explanation=_plain(node.get("description"), "description"),
        language=language if isinstance(language, str) else _name(language),
        appearances=tuple(dict.fromkeys(appearances)),
        review=node,
    )


# -- field helpers --------------------------------------------------------------------------------------


def _first(item: dict[str, Any], names: tuple[str, ...]) -> tuple[str, Any]:
    for name in names:
        if item.get(name) not in (None, ""):
            return name, item[name]
    return names[0], None


def _text(item: dict[str, Any], name: str, *, required: bool = False) -> str | None:
    value = item.get(name)
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise _ItemError(f"field {name!r} is missing or empty")
        return None
    if not isinstance(value, str):
        raise _ItemError(f"field {name!r} must be text, got {type(value).__name__}")
    return value.strip()


def _plain(value: Any, name: str, limit: int | None = None) -> str | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise _ItemError(f"field {name!r} must be text, got {type(value).__name__}")
    return value.strip()[:limit]


def _verdict(label: Any, name: str) -> tuple[str, str]:
    if not isinstance(label, str) or not label.strip():
        raise _ItemError(f"field {name!r} is missing or empty")
    verdict = canonical_verdict(label)
    if verdict is None:
        raise _ItemError(f"field {name!r}: unknown verdict {label!r} (known: {_KNOWN_VERDICTS})")
    return verdict, verdict_kind(verdict)


def _url(value: Any, name: str) -> str | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str) or not re.match(r"^https?://\S+$", value.strip()):
        raise _ItemError(f"field {name!r} must be an http(s) address, got {value!r}")
    return value.strip()


def _urls(value: Any) -> list[str]:
    """URLs of an appearance: a string, an object with `url`, or a list of either."""
    if isinstance(value, str):
        return [value] if value.startswith(("http://", "https://")) else []
    if isinstance(value, dict):
        return _urls(value.get("url"))
    if isinstance(value, list):
        return [u for v in value for u in _urls(v)]
    return []


def _name(value: Any) -> str | None:
    """A person/organisation name: a string, an object with `name`, or the first of a list."""
    if isinstance(value, list):
        value = value[0] if value else None
    if isinstance(value, dict):
        value = value.get("name")
    return value.strip()[:200] if isinstance(value, str) and value.strip() else None


def _date(value: Any, name: str) -> str | None:
    """YYYY-MM-DD from an ISO date or date-time ("2024-01-05", "2024-01-05T10:00:00+07:00")."""
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise _ItemError(f"field {name!r} must be an ISO date such as 2024-01-05, got {value!r}")
    text = value.strip()
    try:
        parsed = (
            datetime.fromisoformat(text).date() if "T" in text or " " in text else date.fromisoformat(text)
        )
    except ValueError:
        raise _ItemError(f"field {name!r} must be an ISO date such as 2024-01-05, got {value!r}") from None
    return parsed.isoformat()

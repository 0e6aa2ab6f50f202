"""Exported files (JSONL or CSV) read as a stream of RawPost records.

Used by `monitor import` and by the inbox collector. A malformed line is yielded as a RejectedLine with its
line number and the reason, and reading goes on: one bad row never costs the good ones.
"""

from __future__ import annotations

import csv
import json
import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from monitor.records import RawPost, RecordError, check_json

Format = Literal["jsonl", "csv"]

# Fields of RawPost a file may provide, and other names exports commonly use for them.
FIELD_ALIASES: dict[str, tuple[str, ...]] = {
    "platform": ("platform", "source_platform"),
    "native_id": ("native_id", "id", "post_id", "tweet_id", "message_id"),
    "text": ("text", "content", "message", "body", "tweet", "full_text"),
    "created_at": ("created_at", "date", "timestamp", "published_at", "time"),
    "url": ("url", "link", "permalink"),
    "author_handle": ("author_handle", "username", "handle", "screen_name", "author"),
    "author_name": ("author_name", "name", "display_name"),
    "author_followers": ("author_followers", "followers", "followers_count"),
    "lang": ("lang", "language"),
    "likes": ("likes", "like_count", "favorite_count", "reactions"),
    "shares": ("shares", "share_count", "retweet_count", "forwards"),
    "replies": ("replies", "reply_count", "comments"),
    "views": ("views", "view_count", "impressions"),
}
REQUIRED = ("native_id", "text", "created_at")
INT_FIELDS = ("author_followers", "likes", "shares", "replies", "views")


EXCERPT_CHARS = 2000  # of a rejected line, kept in the reject file


class FileFormatError(ValueError):
    """The file as a whole cannot be read (unknown format, missing header, bad mapping)."""


@dataclass(frozen=True, slots=True)
class Limits:
    """Bounds on one input line, from `[pipeline]` in monitor.toml.

    Text over `max_text_chars` is rejected, not truncated: a post cut short could lose the very sentence
    that makes it a hoax, and an officer should see in the reject file that it was not imported. Lines
    over `max_line_bytes` are skipped without being held in memory whole."""

    max_text_chars: int = 100_000
    max_line_bytes: int = 2_000_000


@dataclass(frozen=True, slots=True)
class RejectedLine:
    path: str
    line_no: int
    reason: str
    excerpt: str = ""

    def __str__(self) -> str:
        return f"{self.path}:{self.line_no}: {self.reason}"


def excerpt_of(raw: bytes | str) -> str:
    """At most EXCERPT_CHARS of a line as text, whatever its bytes (invalid UTF-8 is backslash-escaped)."""
    if isinstance(raw, bytes):
        raw = raw[: EXCERPT_CHARS * 4].decode("utf-8", "backslashreplace")
    return raw[:EXCERPT_CHARS].rstrip("\r\n")


def _from_epoch(seconds: float, original: Any) -> datetime:
    if not math.isfinite(seconds):
        raise ValueError(f"epoch seconds must be a finite number, got {original!r}")
    try:
        return datetime.fromtimestamp(seconds, tz=UTC)
    except (OverflowError, OSError, ValueError):
        raise ValueError(f"epoch seconds {str(original)[:40]} are out of range") from None


def parse_timestamp(value: Any) -> datetime:
    """ISO 8601 (with Z or an offset; naive means UTC) or Unix epoch seconds."""
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, int | float) and not isinstance(value, bool):
        return _from_epoch(float(value), value)
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"expected an ISO 8601 date-time, got {str(value)[:60]!r}")
    text = value.strip()
    if text.replace(".", "", 1).isdigit():
        return _from_epoch(float(text), text)
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        raise ValueError(f"expected an ISO 8601 date-time, got {text[:60]!r}") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def parse_mapping(pairs: list[str] | None) -> dict[str, str]:
    """`--map field=column` options into {field: column}; unknown fields are an error."""
    mapping: dict[str, str] = {}
    for pair in pairs or []:
        field, sep, column = pair.partition("=")
        field, column = field.strip(), column.strip()
        if not sep or not field or not column:
            raise FileFormatError(f"--map expects field=column, got {pair!r}")
        if field not in FIELD_ALIASES:
            known = ", ".join(FIELD_ALIASES)
            raise FileFormatError(f"--map: unknown field {field!r} (known fields: {known})")
        mapping[field] = column
    return mapping


def detect_format(path: Path) -> Format:
    suffix = path.suffix.lower()
    if suffix in {".jsonl", ".ndjson", ".json"}:
        return "jsonl"
    if suffix in {".csv", ".tsv"}:
        return "csv"
    raise FileFormatError(f"{path}: cannot tell the format from the file name; pass --format jsonl|csv")


@lru_cache(maxsize=256)
def _lookup_plan(
    keys: frozenset[str], mapping: tuple[tuple[str, str], ...]
) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """For an item with these keys: each field and the names that may supply it, in preference order.

    Exports repeat one shape line after line, so this is worked out once per shape, not once per line."""
    chosen = dict(mapping)
    plan = []
    for field, aliases in FIELD_ALIASES.items():
        names = (chosen[field],) if field in chosen else aliases
        present = tuple(name for name in names if name in keys)
        if present:
            plan.append((field, present))
    return tuple(plan)


def to_raw_post(
    item: Mapping[str, Any],
    *,
    platform: str | None,
    mapping: Mapping[str, str],
    limits: Limits | None = None,
    origin: tuple[str, int] | None = None,
) -> RawPost:
    """Map one exported item to a RawPost; raises RecordError naming the field at fault."""
    limits = limits or Limits()
    values: dict[str, Any] = {}
    used: set[str] = set()
    for field, names in _lookup_plan(frozenset(item), tuple(mapping.items())):
        for name in names:
            value = item[name]
            if value is not None and value != "":
                values[field] = value
                used.add(name)
                break
    if platform:
        values["platform"] = platform
    values.setdefault("platform", "file")
    for field in REQUIRED:
        if field not in values:
            column = mapping.get(field, field)
            raise RecordError(column, "required field is missing or empty")
    try:
        values["created_at"] = parse_timestamp(values["created_at"])
    except ValueError as exc:
        raise RecordError(mapping.get("created_at", "created_at"), str(exc)) from None
    for field in INT_FIELDS:
        if field in values and isinstance(values[field], str):
            values[field] = values[field].replace(",", "").replace("_", "")
    for field in ("native_id", "text", "url", "author_handle", "author_name", "lang", "platform"):
        if field in values and not isinstance(values[field], str):
            value = values[field]
            # A numeric id, handle or url is taken as its text; a list, object or boolean is not text.
            if field != "text" and isinstance(value, int | float) and not isinstance(value, bool):
                values[field] = str(value)
            else:
                raise RecordError(
                    mapping.get(field, field), f"expected text, got {type(values[field]).__name__}"
                )
    text = values["text"]
    if len(text) > limits.max_text_chars:
        raise RecordError(
            mapping.get("text", "text"),
            f"is {len(text):,} characters long, over the limit of {limits.max_text_chars:,} "
            "(pipeline.max_text_chars)",
        )
    extra = {key: value for key, value in item.items() if key not in used}
    if extra:
        check_json("extra fields", extra)
    try:
        return RawPost(raw=extra, origin=origin, **values)
    except RecordError as exc:
        field = exc.field
        raise RecordError(mapping.get(field, field), exc.message) from None


def _finite_float(text: str) -> float:
    number = float(text)
    if not math.isfinite(number):
        raise ValueError(f"number {text[:40]} is out of range")
    return number


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number JSON allows")


# One decoder for every line (json.loads with hooks would build a new one per call).
_DECODER = json.JSONDecoder(parse_float=_finite_float, parse_constant=_no_constant)


def _physical_lines(handle: Any, limit: int) -> Iterator[tuple[int, bytes, int]]:
    """(line number, bytes, full length) of each line; a line longer than `limit` comes as its first
    `limit` bytes with its full length, the rest skipped in chunks and never held whole."""
    line_no = 0
    while chunk := handle.readline(limit + 1):
        line_no += 1
        if len(chunk) <= limit or chunk.endswith(b"\n"):
            yield line_no, chunk, len(chunk)
            continue
        length, tail = len(chunk), chunk
        while not tail.endswith(b"\n") and (tail := handle.readline(1 << 20)):
            length += len(tail)
        yield line_no, chunk, length


def _too_long(length: int, limits: Limits) -> str:
    limit = limits.max_line_bytes
    return f"line is {length:,} bytes long, over the limit of {limit:,} (pipeline.max_line_bytes)"


def _read_jsonl(
    path: Path, platform: str | None, mapping: Mapping[str, str], limits: Limits
) -> Iterator[RawPost | RejectedLine]:
    # Binary lines decoded one by one, so an invalid byte costs only its own line.
    name = str(path)
    with path.open("rb") as handle:
        for line_no, raw_line, length in _physical_lines(handle, limits.max_line_bytes):
            if length > limits.max_line_bytes:
                yield RejectedLine(name, line_no, _too_long(length, limits), excerpt_of(raw_line))
                continue
            try:
                line = raw_line.decode("utf-8-sig" if line_no == 1 else "utf-8")
            except UnicodeDecodeError as exc:
                reason = f"not UTF-8 text ({exc.reason} at byte {exc.start})"
                yield RejectedLine(name, line_no, reason, excerpt_of(raw_line))
                continue
            if not line.strip():
                continue
            try:
                item = _DECODER.decode(line)
            except json.JSONDecodeError as exc:
                reason = f"invalid JSON: {exc.msg} at column {exc.colno}"
                yield RejectedLine(name, line_no, reason, excerpt_of(line))
                continue
            except RecursionError:
                yield RejectedLine(name, line_no, "invalid JSON: nested too deeply", excerpt_of(line))
                continue
            except ValueError as exc:  # a number out of range, NaN/Infinity, an integer of 4,300+ digits
                yield RejectedLine(name, line_no, f"invalid JSON: {exc}", excerpt_of(line))
                continue
            if not isinstance(item, dict):
                reason = f"expected a JSON object, got {type(item).__name__}"
                yield RejectedLine(name, line_no, reason, excerpt_of(line))
                continue
            try:
                yield to_raw_post(
                    item, platform=platform, mapping=mapping, limits=limits, origin=(name, line_no)
                )
            except RecordError as exc:
                yield RejectedLine(name, line_no, f"field {exc.field!r}: {exc.message}", excerpt_of(line))


class _DecodedLines:
    """The csv module's input: physical lines decoded one at a time, strictly. A line that is not UTF-8
    or too long is noted in `bad` (and handed on replaced, so the CSV structure around it survives)."""

    def __init__(self, handle: Any, limits: Limits) -> None:
        self.bad: dict[int, tuple[str, str]] = {}
        self.text: dict[int, str] = {}
        self._lines = _physical_lines(handle, limits.max_line_bytes)
        self._limits = limits

    def __iter__(self) -> _DecodedLines:
        return self

    def __next__(self) -> str:
        line_no, raw, length = next(self._lines)
        if length > self._limits.max_line_bytes:
            self.bad[line_no] = (_too_long(length, self._limits), excerpt_of(raw))
            return "\n"
        try:
            line = raw.decode("utf-8-sig" if line_no == 1 else "utf-8")
        except UnicodeDecodeError as exc:
            self.bad[line_no] = (f"not UTF-8 text ({exc.reason} at byte {exc.start})", excerpt_of(raw))
            line = raw.decode("utf-8", "replace")
        self.text[line_no] = line
        return line


def _read_csv(
    path: Path, platform: str | None, mapping: Mapping[str, str], limits: Limits
) -> Iterator[RawPost | RejectedLine]:
    csv.field_size_limit(limits.max_line_bytes)
    delimiter = "\t" if path.suffix.lower() == ".tsv" else ","
    name = str(path)
    with path.open("rb") as handle:
        lines = _DecodedLines(handle, limits)
        reader = csv.reader(lines, delimiter=delimiter)
        header: list[str] | None = None
        start = 1
        while True:
            try:
                row = next(reader)
            except StopIteration:
                break
            except csv.Error as exc:
                yield RejectedLine(name, reader.line_num, f"malformed CSV: {exc}")
                start = reader.line_num + 1
                continue
            line_no, end, start = start, reader.line_num, reader.line_num + 1
            excerpt = excerpt_of("".join(lines.text.get(n, "") for n in range(line_no, end + 1)))
            for text_line in range(line_no, end + 1):
                lines.text.pop(text_line, None)
            bad = [n for n in sorted(lines.bad) if n <= end]
            if header is None:
                if bad:
                    reason = lines.bad[bad[0]][0]
                    raise FileFormatError(f"{path}:{bad[0]}: the header line is unreadable: {reason}")
                if not row:
                    continue
                header = row
                for column in mapping.values():
                    if column not in header:
                        raise FileFormatError(
                            f"{path}: --map names column {column!r}, which the header lacks"
                        )
                continue
            problems = {n: lines.bad.pop(n) for n in bad}
            for n in bad:
                if n < line_no:  # a line that made no row of its own (too long, so skipped)
                    yield RejectedLine(name, n, *problems[n])
            inside = [n for n in bad if n >= line_no]
            if inside:
                reason = problems[inside[0]][0]
                if inside[0] != line_no:
                    reason = f"line {inside[0]} of this record: {reason}"
                yield RejectedLine(name, line_no, reason, excerpt)
                continue
            if not row:
                continue
            if len(row) > len(header):
                yield RejectedLine(name, line_no, "more fields than the header has", excerpt)
                continue
            item: dict[str, Any] = dict.fromkeys(header)
            item.update(zip(header, row, strict=False))
            try:
                yield to_raw_post(
                    item, platform=platform, mapping=mapping, limits=limits, origin=(name, line_no)
                )
            except RecordError as exc:
                yield RejectedLine(name, line_no, f"column {exc.field!r}: {exc.message}", excerpt)
        for n in sorted(lines.bad):
            yield RejectedLine(name, n, *lines.bad.pop(n))


def read_records(
    path: Path | str,
    fmt: Format | None = None,
    platform: str | None = None,
    mapping: Mapping[str, str] | None = None,
    limits: Limits | None = None,
) -> Iterator[RawPost | RejectedLine]:
    """Stream the records of one exported file; never loads the whole file."""
    path = Path(path)
    if not path.is_file():
        raise FileFormatError(f"{path}: no such file")
    fmt = fmt or detect_format(path)
    reader = _read_jsonl if fmt == "jsonl" else _read_csv
    return reader(path, platform, dict(mapping or {}), limits or Limits())

"""Exported files (JSONL or CSV) read as a stream of RawPost records.

Used by `monitor import` and by the inbox collector. A malformed line is yielded as a RejectedLine with its
line number and the reason, and reading goes on: one bad row never costs the good ones.
"""

from __future__ import annotations

import csv
import json
import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from monitor.records import RawPost, RecordError

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


class FileFormatError(ValueError):
    """The file as a whole cannot be read (unknown format, missing header, bad mapping)."""


@dataclass(frozen=True, slots=True)
class RejectedLine:
    path: str
    line_no: int
    reason: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line_no}: {self.reason}"


def parse_timestamp(value: Any) -> datetime:
    """ISO 8601 (with Z or an offset; naive means UTC) or Unix epoch seconds."""
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, int | float) and not isinstance(value, bool):
        return datetime.fromtimestamp(float(value), tz=UTC)
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"expected an ISO 8601 date-time, got {value!r}")
    text = value.strip()
    if text.replace(".", "", 1).isdigit():
        return datetime.fromtimestamp(float(text), tz=UTC)
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        raise ValueError(f"expected an ISO 8601 date-time, got {value!r}") from None
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


def to_raw_post(item: Mapping[str, Any], *, platform: str | None, mapping: Mapping[str, str]) -> RawPost:
    """Map one exported item to a RawPost; raises RecordError naming the field at fault."""
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
            cleaned = values[field].replace(",", "").replace("_", "").strip()
            try:
                values[field] = int(float(cleaned))
            except ValueError:
                raise RecordError(
                    mapping.get(field, field), f"expected a number, got {values[field]!r}"
                ) from None
    for field in ("native_id", "text", "url", "author_handle", "author_name", "lang", "platform"):
        if field in values and not isinstance(values[field], str):
            if field == "native_id" and isinstance(values[field], int):
                values[field] = str(values[field])
            elif field == "text":
                raise RecordError(
                    mapping.get(field, field), f"expected text, got {type(values[field]).__name__}"
                )
            else:
                values[field] = str(values[field])
    extra = {key: value for key, value in item.items() if key not in used}
    return RawPost(raw=extra, **values)


def _read_jsonl(
    path: Path, platform: str | None, mapping: Mapping[str, str]
) -> Iterator[RawPost | RejectedLine]:
    # Binary lines decoded one by one, so an invalid byte costs only its own line.
    with path.open("rb") as handle:
        for line_no, raw_line in enumerate(handle, 1):
            try:
                line = raw_line.decode("utf-8-sig" if line_no == 1 else "utf-8")
            except UnicodeDecodeError as exc:
                yield RejectedLine(str(path), line_no, f"not UTF-8 text ({exc.reason} at byte {exc.start})")
                continue
            if not line.strip():
                continue
            try:
                item = json.loads(line)
            except json.JSONDecodeError as exc:
                yield RejectedLine(str(path), line_no, f"invalid JSON: {exc.msg} at column {exc.colno}")
                continue
            if not isinstance(item, dict):
                yield RejectedLine(str(path), line_no, f"expected a JSON object, got {type(item).__name__}")
                continue
            try:
                yield to_raw_post(item, platform=platform, mapping=mapping)
            except RecordError as exc:
                yield RejectedLine(str(path), line_no, f"field {exc.field!r}: {exc.message}")


def _read_csv(
    path: Path, platform: str | None, mapping: Mapping[str, str]
) -> Iterator[RawPost | RejectedLine]:
    csv.field_size_limit(min(sys.maxsize, 2**31 - 1))
    delimiter = "\t" if path.suffix.lower() == ".tsv" else ","
    with path.open("r", encoding="utf-8-sig", errors="replace", newline="") as handle:
        reader = csv.DictReader(handle, delimiter=delimiter)
        if reader.fieldnames is None:
            return
        for column in mapping.values():
            if column not in reader.fieldnames:
                raise FileFormatError(f"{path}: --map names column {column!r}, which the header lacks")
        start = reader.line_num + 1
        while True:
            try:
                row = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                yield RejectedLine(str(path), reader.line_num, f"malformed CSV: {exc}")
                start = reader.line_num + 1
                continue
            line_no, start = start, reader.line_num + 1
            if None in row:
                yield RejectedLine(str(path), line_no, "more fields than the header has")
                continue
            try:
                yield to_raw_post(row, platform=platform, mapping=mapping)
            except RecordError as exc:
                yield RejectedLine(str(path), line_no, f"column {exc.field!r}: {exc.message}")


def read_records(
    path: Path | str,
    fmt: Format | None = None,
    platform: str | None = None,
    mapping: Mapping[str, str] | None = None,
) -> Iterator[RawPost | RejectedLine]:
    """Stream the records of one exported file; never loads the whole file."""
    path = Path(path)
    if not path.is_file():
        raise FileFormatError(f"{path}: no such file")
    fmt = fmt or detect_format(path)
    reader = _read_jsonl if fmt == "jsonl" else _read_csv
    return reader(path, platform, dict(mapping or {}))

"""Typed records that cross floors: what a collector or a file reader yields.

`RawPost` is the one shape every source maps its items to (like 4CAT's `map_item`), so the pipeline
never needs to know which platform a post came from.
"""

from __future__ import annotations

import dataclasses
import json
import math
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

PLATFORMS = (
    "telegram",
    "mastodon",
    "x",
    "youtube",
    "facebook",
    "instagram",
    "tiktok",
    "whatsapp",
    "news",
    "factcheck",
    "file",
    "tipline",
    "other",
)


ENGAGEMENT_FIELDS = ("likes", "shares", "replies", "views", "author_followers")


def account_key(handle: str | None) -> str:
    """An account handle as it is compared (configured official accounts against post authors): without
    surrounding spaces and "@", lower case; "" for none."""
    return (handle or "").strip().lstrip("@").lower()


def account_keys(handles: Iterable[str]) -> frozenset[str]:
    """The comparable keys of configured handles (empty ones dropped)."""
    return frozenset(key for key in map(account_key, handles) if key)


class RecordError(ValueError):
    """A record failed validation; `field` names the offending field."""

    def __init__(self, field_name: str, message: str) -> None:
        super().__init__(f"{field_name}: {message}")
        self.field = field_name
        self.message = message


def as_utc(value: datetime) -> datetime:
    """Naive datetimes are taken as UTC; aware ones are converted to UTC."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


# -- bounds every stored post respects -------------------------------------------------------------------
# A value outside these would fail in the database (column sizes of `posts` in store/schema.py, BIGINT,
# PostgreSQL's refusal of NUL and of unpaired surrogates) or break the pages and reports that show it
# (a post dated in year 9999). Checked here, one record at a time, so a bad value costs only its record.
MAX_CHARS = {
    "platform": 30,
    "native_id": 200,
    "author_handle": 200,
    "author_name": 300,
    "lang": 10,
    "url": 4000,
}
MAX_COUNT = 10**12  # likes, shares, views, followers: a trillion is already far beyond any real post
EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
FUTURE_SLACK = timedelta(days=2)  # clock skew and time-zone slips of a source, not posts from the future
MAX_JSON_DEPTH = 20  # nesting of the extra fields kept in `raw`
_LATEST = [datetime.now(UTC) + FUTURE_SLACK]  # the upper bound, re-read only when a post passes it
_FORBIDDEN = re.compile("[\x00\ud800-\udfff]")


def check_text(name: str, value: str) -> None:
    """Refuse text the database cannot store: NUL characters and unpaired UTF-16 surrogates."""
    bad = _FORBIDDEN.search(value)
    if bad is None:
        return
    char = bad.group()
    what = (
        "a NUL character" if char == "\x00" else f"an unpaired surrogate U+{ord(char):04X} (not valid text)"
    )
    raise RecordError(name, f"contains {what} at position {bad.start() + 1}")


def check_json(name: str, value: Any, max_depth: int = MAX_JSON_DEPTH) -> None:
    """Walk a JSON value without recursion: bounded nesting, storable strings, finite numbers."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, str):
            check_text(name, item)
        elif isinstance(item, float):
            if not math.isfinite(item):
                raise RecordError(name, f"holds a number that is not finite ({item!r})")
        elif isinstance(item, dict | list | tuple):
            if depth > max_depth:
                raise RecordError(name, f"is nested deeper than {max_depth} levels")
            if isinstance(item, dict):
                for key, child in item.items():
                    if not isinstance(key, str):
                        raise RecordError(name, f"has a key that is not text ({key!r})")
                    check_text(name, key)
                    stack.append((child, depth + 1))
            else:
                stack.extend((child, depth + 1) for child in item)
        elif not (item is None or isinstance(item, bool | int)):
            raise RecordError(name, f"holds a {type(item).__name__}, not a JSON value")


def whole_number(name: str, value: Any) -> int:
    """A count from any source shape (int, float, "1,234", "1e3") within 0..MAX_COUNT, or RecordError."""
    if isinstance(value, bool):
        raise RecordError(name, f"must be a whole number, got {value!r}")
    number: int | float
    if isinstance(value, int | float):
        number = value
    elif isinstance(value, str):
        text = value.strip()
        try:
            number = int(text)
        except ValueError:
            try:
                number = float(text)
            except ValueError:
                raise RecordError(name, f"expected a number, got {value[:40]!r}") from None
    else:
        raise RecordError(name, f"must be a whole number, got {type(value).__name__}")
    if isinstance(number, float):
        if not math.isfinite(number):
            raise RecordError(name, f"must be a finite number, got {str(value)[:40]!r}")
        if number > MAX_COUNT:
            raise RecordError(name, f"{number:g} is larger than {MAX_COUNT:,}")
        number = int(number)
    if number < 0:
        raise RecordError(name, f"must not be negative, got {number}")
    if number > MAX_COUNT:
        raise RecordError(name, f"{number} is larger than {MAX_COUNT:,}")
    return number


def check_moment(name: str, value: datetime, now: datetime | None = None) -> datetime:
    """The moment in UTC if it lies between EARLIEST and shortly after now; RecordError otherwise."""
    try:
        moment = as_utc(value)
    except (OverflowError, ValueError):
        raise RecordError(name, f"{value.isoformat()} is out of range once converted to UTC") from None
    latest = _LATEST[0] if now is None else now + FUTURE_SLACK
    if moment > latest and now is None:  # the clock moved on since the bound was last read
        latest = _LATEST[0] = datetime.now(UTC) + FUTURE_SLACK
    if not EARLIEST <= moment <= latest:
        raise RecordError(
            name,
            f"{moment.isoformat()} is outside the accepted range "
            f"{EARLIEST.date().isoformat()} … {latest.date().isoformat()}",
        )
    return moment


@dataclass(slots=True)
class RawPost:
    """A public post as a source saw it, before normalisation and scoring."""

    platform: str
    native_id: str
    text: str
    created_at: datetime
    url: str | None = None
    author_handle: str | None = None
    author_name: str | None = None
    author_followers: int | None = None
    lang: str | None = None
    likes: int | None = None
    shares: int | None = None
    replies: int | None = None
    views: int | None = None
    raw: dict[str, Any] = field(default_factory=dict)

    # Where the record came from, (file, line), when it came from a file: for reject reports only.
    origin: tuple[str, int] | None = field(default=None, compare=False, repr=False)

    def __post_init__(self) -> None:
        if not self.platform or not isinstance(self.platform, str):
            raise RecordError("platform", "must be a non-empty string")
        self.platform = self.platform.strip().lower()
        if self.native_id is None or str(self.native_id).strip() == "":
            raise RecordError("native_id", "must be a non-empty string")
        self.native_id = str(self.native_id).strip()
        if self.text is None:
            self.text = ""
        if not isinstance(self.text, str):
            raise RecordError("text", f"must be a string, got {type(self.text).__name__}")
        check_text("text", self.text)
        for name, limit in MAX_CHARS.items():
            value = getattr(self, name)
            if value is None:
                continue
            if not isinstance(value, str):
                raise RecordError(name, f"must be a string, got {type(value).__name__}")
            check_text(name, value)
            if len(value) > limit:
                raise RecordError(name, f"is {len(value):,} characters long, the limit is {limit}")
        if not isinstance(self.created_at, datetime):
            raise RecordError("created_at", "must be a datetime")
        self.created_at = check_moment("created_at", self.created_at)
        for name in ENGAGEMENT_FIELDS:
            value = getattr(self, name)
            if value is not None:
                setattr(self, name, whole_number(name, value))
        if self.raw:
            check_json("raw", self.raw)

    @property
    def reach(self) -> int:
        """A rough audience size: views when known, else followers plus interactions."""
        if self.views:
            return self.views
        return (self.author_followers or 0) + (self.likes or 0) + (self.shares or 0) + (self.replies or 0)

    def to_dict(self) -> dict[str, Any]:
        data = dataclasses.asdict(self)
        data.pop("origin", None)
        data["created_at"] = self.created_at.isoformat()
        return data


def iter_json_objects(
    path: Path, error: type[ValueError] = ValueError
) -> Iterator[tuple[int, dict[str, Any]]]:
    """(line number, object) for each non-blank line of a JSON-lines file; a line that is not a JSON
    object raises `error` naming the file and line."""
    with Path(path).open(encoding="utf-8") as handle:
        for line_no, line in enumerate(handle, 1):
            if not line.strip():
                continue
            try:
                item = json.loads(line)
            except json.JSONDecodeError as exc:
                raise error(f"{path}:{line_no}: not valid JSON ({exc.msg})") from None
            if not isinstance(item, dict):
                raise error(f"{path}:{line_no}: expected a JSON object")
            yield line_no, item

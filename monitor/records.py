"""Typed records that cross floors: what a collector or a file reader yields.

`RawPost` is the one shape every source maps its items to (like 4CAT's `map_item`), so the pipeline
never needs to know which platform a post came from.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
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
        if not isinstance(self.created_at, datetime):
            raise RecordError("created_at", "must be a datetime")
        self.created_at = as_utc(self.created_at)
        for name in ("author_followers", "likes", "shares", "replies", "views"):
            value = getattr(self, name)
            if value is None:
                continue
            try:
                number = int(value)
            except (TypeError, ValueError):
                raise RecordError(name, f"must be a whole number, got {value!r}") from None
            if number < 0:
                raise RecordError(name, f"must not be negative, got {number}")
            setattr(self, name, number)

    @property
    def reach(self) -> int:
        """A rough audience size: views when known, else followers plus interactions."""
        if self.views:
            return self.views
        return (self.author_followers or 0) + (self.likes or 0) + (self.shares or 0) + (self.replies or 0)

    def to_dict(self) -> dict[str, Any]:
        data = dataclasses.asdict(self)
        data["created_at"] = self.created_at.isoformat()
        return data


ENGAGEMENT_FIELDS = ("likes", "shares", "replies", "views", "author_followers")


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

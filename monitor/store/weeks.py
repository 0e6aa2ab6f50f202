"""ISO weeks in a time zone: "2024-W07" -> the UTC instants of its eight day boundaries (WIB by default)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

WEEK_PATTERN = re.compile(r"^\s*(\d{4})-?W(\d{1,2})\s*$", re.IGNORECASE)


class WeekError(ValueError):
    """The week is not an ISO week such as 2024-W07."""


@dataclass(frozen=True, slots=True)
class WeekWindow:
    """One ISO week in a time zone; `bounds` are the eight UTC instants that delimit its seven days."""

    year: int
    week: int
    tz: ZoneInfo
    bounds: tuple[datetime, ...]

    @property
    def label(self) -> str:
        return f"{self.year}-W{self.week:02d}"

    @property
    def start(self) -> datetime:
        return self.bounds[0]

    @property
    def end(self) -> datetime:
        return self.bounds[-1]

    @property
    def days(self) -> tuple[date, ...]:
        first = date.fromisocalendar(self.year, self.week, 1)
        return tuple(first + timedelta(days=i) for i in range(7))

    def previous(self) -> WeekWindow:
        monday = date.fromisocalendar(self.year, self.week, 1) - timedelta(days=7)
        iso = monday.isocalendar()
        return make_week(iso.year, iso.week, self.tz)

    def contains(self, moment: datetime) -> bool:
        return self.start <= moment < self.end


def make_week(year: int, week: int, tz: ZoneInfo) -> WeekWindow:
    try:
        monday = date.fromisocalendar(year, week, 1)
    except ValueError:
        raise WeekError(f"{year}-W{week:02d} does not exist (year {year} has no ISO week {week})") from None
    bounds = tuple(
        datetime.combine(monday + timedelta(days=i), datetime.min.time(), tzinfo=tz).astimezone(UTC)
        for i in range(8)
    )
    return WeekWindow(year=year, week=week, tz=tz, bounds=bounds)


def parse_week(text: str, tz: ZoneInfo) -> WeekWindow:
    """'2024-W07' (or '2024W07', '2024-w7') -> the week's window in `tz`."""
    match = WEEK_PATTERN.match(text or "")
    if not match:
        raise WeekError(f"week {text!r} is not an ISO week such as 2024-W07")
    year, week = int(match.group(1)), int(match.group(2))
    if not 1 <= week <= 53:
        raise WeekError(f"week {text!r}: the week number must be 01..53")
    return make_week(year, week, tz)


def week_of(moment: datetime, tz: ZoneInfo) -> WeekWindow:
    """The ISO week (in `tz`) holding an aware instant."""
    iso = moment.astimezone(tz).date().isocalendar()
    return make_week(iso.year, iso.week, tz)

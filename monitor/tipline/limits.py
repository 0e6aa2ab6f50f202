"""Per-citizen rate limits: sliding windows over the platform's send times.

The platform's clock (Telegram's `date`, WhatsApp's `timestamp`) is used rather than ours, so a backlog
read after a restart is judged by when citizens actually wrote. A citizen over the limit gets one notice
per window and their further messages are dropped unread; other citizens are not affected.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import Enum

MINUTE = timedelta(minutes=1)
DAY = timedelta(days=1)


class Verdict(Enum):
    ALLOW = "allow"
    NOTICE = "notice"  # over the limit: tell them once
    DROP = "drop"  # over the limit and already told


@dataclass(slots=True)
class _Window:
    times: deque[datetime] = field(default_factory=deque)
    noticed_until: datetime | None = None


class RateLimiter:
    """At most `per_minute` messages in any minute and `per_day` in any day, per pseudonym."""

    def __init__(self, per_minute: int, per_day: int) -> None:
        self.per_minute = per_minute
        self.per_day = per_day
        self._windows: dict[str, _Window] = {}
        self._checks = 0

    def check(self, key: str, at: datetime) -> Verdict:
        window = self._windows.setdefault(key, _Window())
        times = window.times
        while times and times[0] <= at - DAY:
            times.popleft()
        in_minute = sum(1 for t in reversed(times) if t > at - MINUTE) if times else 0
        self._sweep(at)
        if in_minute < self.per_minute and len(times) < self.per_day:
            times.append(at)
            return Verdict.ALLOW
        if window.noticed_until is not None and at < window.noticed_until:
            return Verdict.DROP
        window.noticed_until = at + (MINUTE if len(times) < self.per_day else DAY)
        return Verdict.NOTICE

    def forget(self, key: str, at: datetime) -> None:
        """Undo one allowed message (its transaction rolled back, so it will be read again)."""
        window = self._windows.get(key)
        if window is not None and at in window.times:
            window.times.remove(at)

    def _sweep(self, at: datetime) -> None:
        """Forget citizens silent for a day, now and then, so memory follows the active ones."""
        self._checks += 1
        if self._checks % 1000:
            return
        stale = [key for key, w in self._windows.items() if not w.times or w.times[-1] <= at - DAY]
        for key in stale:
            del self._windows[key]

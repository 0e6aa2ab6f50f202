"""Paging of listings served newest first (Telegram previews, Mastodon timelines, X search, YouTube threads).

`NewestFirstCursor` is one target's cursor, `walk_newest_first` drives a target's pages with it, and
`PageBudget` counts the pages a target may fetch in one run (shared by every pass of that run).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any


# -- the descending-listing cursor -------------------------------------------------------------------------
class PageBudgetExhausted(Exception):  # noqa: N818  (a signal, not an error)
    """Raised by a page generator when the run's page budget is spent: the pass stays open for next run."""


class PageBudget:
    """Pages one target may fetch in one run, shared by every pass of that run (not renewed per pass)."""

    def __init__(self, pages: int) -> None:
        self.left = pages

    def spend(self, what: str = "") -> None:
        """Count one page about to be fetched; PageBudgetExhausted when the run's pages are used up."""
        if self.left <= 0:
            raise PageBudgetExhausted(what)
        self.left -= 1


class NewestFirstCursor:
    """Incremental cursor for listings served newest first and paged towards older items.

    Telegram channel previews, Mastodon timelines, X recent search and YouTube comment threads all look
    like this. The state per target is:

    - ``done``: every item with key <= done has been collected (None: nothing yet);
    - ``top``/``low``: a pass in progress collected keys from ``top`` down to ``low`` (both inclusive).

    A run first finishes an interrupted pass (resuming below ``low``), then starts a new pass from the
    newest item down to ``done``. When a pass reaches ``done`` (or the end of the listing, or the
    configured start date), ``done`` becomes ``top``. A crash in the middle of a pass therefore leaves a
    state from which the next run fills exactly the gap. Keys are ints (message/status ids) or strings
    that sort in time order (ISO timestamps).
    """

    def __init__(self, state: dict[str, Any] | None = None) -> None:
        state = state or {}
        self.done = state.get("done")
        self.top = state.get("top")
        self.low = state.get("low")
        self.extra: dict[str, Any] = dict(state.get("extra") or {})

    def as_dict(self) -> dict[str, Any]:
        return {"done": self.done, "top": self.top, "low": self.low, "extra": dict(self.extra)}

    @property
    def in_pass(self) -> bool:
        return self.top is not None

    def is_new(self, key: Any) -> bool:
        """Whether an item still needs collecting (newer than `done`, and not inside the current pass)."""
        if self.done is not None and key <= self.done:
            return False
        return not (self.low is not None and self.top is not None and self.low <= key <= self.top)

    def record(self, key: Any) -> None:
        """Note that the item with `key` is about to be yielded (call before `yield`)."""
        if self.top is None:
            self.top = key
            self.low = key
        else:
            self.top = max(self.top, key)
            self.low = key if self.low is None else min(self.low, key)

    def close_pass(self) -> None:
        """The pass reached `done`, the end of the listing or the start date: everything up to top is in."""
        if self.top is not None:
            self.done = self.top if self.done is None else max(self.done, self.top)
        self.top = None
        self.low = None


def walk_newest_first(
    cursor: NewestFirstCursor,
    pages: Callable[[Any | None], Iterator[tuple[Any, Any]]],
    *,
    stop_before: Any | None = None,
    on_state: Callable[[], None] | None = None,
) -> Iterator[Any]:
    """Drive one target's listing with a NewestFirstCursor.

    `pages(before)` yields (key, item) newest first, starting just below `before` (None: the newest).
    Items with key < `stop_before` (e.g. older than the configured start date) end the pass. `on_state` is
    called whenever the cursor changed without a yield (pass closed), so the owner can publish it.
    Yields items to collect, with the cursor already updated for each.
    """

    def one_pass(before: Any | None) -> Iterator[Any]:
        for key, item in pages(before):
            if stop_before is not None and key < stop_before:
                break
            if cursor.done is not None and key <= cursor.done:
                break
            if not cursor.is_new(key):
                continue
            cursor.record(key)
            yield item
        cursor.close_pass()
        if on_state is not None:
            on_state()

    try:
        if cursor.in_pass:
            # Finish the interrupted pass: everything below `low` down to `done`.
            yield from one_pass(cursor.low)
        yield from one_pass(None)
    except PageBudgetExhausted:
        # The pass stays open; the next run resumes below `low`.
        return

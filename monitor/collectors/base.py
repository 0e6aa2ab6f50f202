"""What every collector is: a typed config schema, `fetch(cursor)` yielding `RawPost`, and a cursor.

A collector knows nothing of the database. The pipeline pulls posts from `fetch()` and, right after the
last post of each batch, asks `checkpoint()` for a cursor that covers exactly what was yielded so far; it
commits that cursor in the same transaction as the batch. So a crash anywhere loses nothing (the next run
resumes from the last committed cursor) and duplicates nothing (posts are unique on platform + native id).

Collectors raise only the typed errors below; the collection service records them in the source's health.
"""

from __future__ import annotations

import copy
import threading
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Iterator
from typing import Any, ClassVar, Self

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from monitor.config import redact_value
from monitor.records import RawPost


# -- typed errors ------------------------------------------------------------------------------------------
class CollectorError(Exception):
    """Base of every error a collector raises. `kind` is a short stable label shown in health."""

    kind: ClassVar[str] = "error"

    def __init__(self, message: str, *, url: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.url = url

    def __str__(self) -> str:
        return f"{self.kind}: {self.message}"


class SourceUnavailable(CollectorError):
    """Network error, timeout or a 5xx status that persisted through every retry."""

    kind = "unavailable"


class RateLimited(CollectorError):
    """HTTP 429 (or the platform's equivalent) that retries could not wait out."""

    kind = "rate_limited"

    def __init__(self, message: str, *, retry_after: float | None = None, url: str | None = None) -> None:
        super().__init__(message, url=url)
        self.retry_after = retry_after


class LoginWall(CollectorError):
    """The platform answered with a login or consent page instead of public content."""

    kind = "login_wall"


class UnexpectedContent(CollectorError):
    """HTML where JSON was expected, invalid JSON/XML, a truncated page, or a layout we do not know."""

    kind = "unexpected_content"


class CredentialsMissing(CollectorError):
    """The environment variable that should hold the API key or token is not set."""

    kind = "credentials_missing"


class CredentialsRejected(CollectorError):
    """The platform refused the key or token (HTTP 401/403)."""

    kind = "credentials_rejected"


class SourceConfigError(CollectorError):
    """A source's options in config/sources.yml are invalid; the message names file, source and field."""

    kind = "config"


class Interrupted(CollectorError):
    """A shutdown was requested while the collector was waiting (backoff, Retry-After, rate limit)."""

    kind = "interrupted"


def find_collector_error(exc: BaseException) -> CollectorError | None:
    """The CollectorError behind `exc`, following the cause/context chain.

    Client libraries (Mastodon.py, snscrape) wrap whatever our HTTP session raises in their own exception
    types; this digs the typed error back out so health shows what really happened.
    """
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        if isinstance(current, CollectorError):
            return current
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return None


# -- options -----------------------------------------------------------------------------------------------
class CollectorOptions(BaseModel):
    """Options shared by every collector. Unknown keys are refused so a typo is never silently ignored."""

    model_config = ConfigDict(extra="forbid")

    max_items: int | None = Field(
        None, ge=1, description="Stop a run after this many posts (the cursor keeps the rest for later)."
    )


def describe_validation_error(exc: ValidationError, *, origin: str, source: str) -> str:
    """One line per problem: 'config/sources.yml: source 'x': options.base_url: <what was expected>'."""
    lines = []
    for err in exc.errors():
        loc = ".".join(str(part) for part in err["loc"]) or "(options)"
        message = err["msg"]
        if err["type"] == "extra_forbidden":
            message = "unknown option (check its spelling)"
        elif err["type"] == "missing":
            message = "required option is missing"
        got = err.get("input")
        got_text = (
            ""
            if err["type"] in ("missing", "extra_forbidden") or isinstance(got, dict)
            else f" (got {redact_value(loc, got)!r})"  # a token's value never reaches a message
        )
        lines.append(f"{origin}: source {source!r}: options.{loc}: {message}{got_text}")
    return "\n".join(lines)


# -- the collector -----------------------------------------------------------------------------------------
class Collector(ABC):
    """One kind of source. Subclasses set `type`, `Options`, and implement `fetch()`.

    Subclasses keep their cursor in `self._cursor` (a JSON-serialisable dict) and update it *before* each
    `yield`, so `checkpoint()` taken after any yield covers that post and everything before it.
    """

    type: ClassVar[str]
    Options: ClassVar[type[BaseModel]] = CollectorOptions
    description: ClassVar[str] = ""

    def __init__(self, name: str, options: BaseModel) -> None:
        if not isinstance(options, self.Options):
            raise SourceConfigError(
                f"source {name!r}: options must be {self.Options.__name__}, got {type(options).__name__}"
            )
        self.name = name
        self.options = options
        self._cursor: dict[str, Any] | None = None
        # Set by the collection service on shutdown; collectors check it while waiting.
        self.stop_event = threading.Event()

    @classmethod
    def parse_options(
        cls, options: dict[str, Any] | None, *, source: str, origin: str = "config"
    ) -> BaseModel:
        """Validate raw options from the config file; errors name origin, source and field."""
        try:
            return cls.Options.model_validate(options or {})
        except ValidationError as exc:
            raise SourceConfigError(describe_validation_error(exc, origin=origin, source=source)) from None

    @classmethod
    def from_config(cls, name: str, options: dict[str, Any] | None, *, origin: str = "config") -> Self:
        return cls(name, cls.parse_options(options, source=name, origin=origin))

    @abstractmethod
    def fetch(self, cursor: dict[str, Any] | None) -> Iterator[RawPost]:
        """Yield posts newer than `cursor` (None: first run). Raises only CollectorError subclasses."""

    def checkpoint(self) -> dict[str, Any] | None:
        """A copy of the cursor covering everything yielded so far and nothing more."""
        return copy.deepcopy(self._cursor)

    def missing_credentials(self) -> str | None:
        """What to set before this source can run (None when nothing is missing). Sources that need an API
        key override this; the scheduler skips them until the key is set."""
        return None

    def bind_stop_event(self, event: threading.Event) -> None:
        """Share the process's shutdown event with this collector and its HTTP session."""
        self.stop_event = event
        session = getattr(self, "session", None)
        if session is not None and hasattr(session, "stop_event"):
            session.stop_event = event

    def close(self) -> None:  # noqa: B027  (optional hook; most collectors hold nothing to release)
        """Release network sessions or files."""

    def _limited(self, posts: Iterable[RawPost]) -> Iterator[RawPost]:
        """Apply `max_items` to a stream of posts."""
        limit = getattr(self.options, "max_items", None)
        for count, post in enumerate(posts, start=1):
            yield post
            if limit is not None and count >= limit:
                return


# -- the descending-listing cursor -------------------------------------------------------------------------
class PageBudgetExhausted(Exception):  # noqa: N818  (a signal, not an error)
    """Raised by a page generator when the run's page budget is spent: the pass stays open for next run."""


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

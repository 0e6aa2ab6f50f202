"""What every collector is: a typed config schema, `fetch(cursor)` yielding `RawPost`, and a cursor.

A collector knows nothing of the database. The pipeline pulls posts from `fetch()` and, right after the
last post of each batch, asks `checkpoint()` for a cursor that covers exactly what was yielded so far; it
commits that cursor in the same transaction as the batch. So a crash anywhere loses nothing (the next run
resumes from the last committed cursor) and duplicates nothing (posts are unique on platform + native id).

A source usually watches several targets (channels, accounts, hashtags, feed URLs). `Collector.walk_targets`
collects each one on its own: a target that fails is reported in `reports` with its typed error and the next
target goes on; only errors that concern the whole source (shutdown, credentials, configuration) stop it.

Collectors raise only the typed errors below; the collection service records them in the source's health.
"""

from __future__ import annotations

import copy
import logging
import threading
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, ClassVar, Self

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from monitor.collectors.paging import (  # noqa: F401  (re-exported: collectors import them from base)
    NewestFirstCursor,
    PageBudget,
    PageBudgetExhausted,
    walk_newest_first,
)
from monitor.config import redact_value
from monitor.records import RawPost, RecordError

log = logging.getLogger(__name__)


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


class DeadlineExceeded(SourceUnavailable):
    """A request did not finish (connect, headers and body) within the source's `deadline`.

    Not retried within the run: a server that drips its answer would hold the collector for every attempt.
    """

    kind = "deadline"


class LoginWall(CollectorError):
    """The platform answered with a login or consent page instead of public content."""

    kind = "login_wall"


class UnexpectedContent(CollectorError):
    """HTML where JSON was expected, invalid JSON/XML, a truncated page, or a layout we do not know."""

    kind = "unexpected_content"


class ResponseTooLarge(UnexpectedContent):
    """The response body grew past the source's `max_bytes`; reading stopped there (not retried)."""

    kind = "too_large"


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


# -- per-target outcome -------------------------------------------------------------------------------------
@dataclass
class TargetReport:
    """What one run did with one target: collected (ok), failed with a typed error, or held back."""

    target: str
    ok: bool | None = None  # None: not tried this run (held back, or the run stopped before it)
    items: int = 0
    error: str | None = None
    kind: str | None = None
    retry_after: float | None = None  # seconds, from a RateLimited error
    held: str | None = None  # why the target was not tried this run
    exception: Exception | None = field(default=None, repr=False)  # the typed error itself


def _source_wide(exc: BaseException) -> bool:
    """Errors that concern every target of the source, so walking the other targets is pointless."""
    return isinstance(exc, (Interrupted, CredentialsMissing, CredentialsRejected, SourceConfigError))


# -- options -----------------------------------------------------------------------------------------------
class CollectorOptions(BaseModel):
    """Options shared by every collector. Unknown keys are refused so a typo is never silently ignored."""

    model_config = ConfigDict(extra="forbid")

    max_items: int | None = Field(
        None, ge=1, description="Stop a run after this many posts (the cursor keeps the rest for later)."
    )
    official: bool = Field(
        False,
        description="An election body's own account (KPU, Bawaslu): its posts are kept and searchable but "
        "marked source_kind=official, so they never enter the triage queue as hoaxes.",
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
        # Per-target outcome of the current run, and targets the service holds back (e.g. rate limited).
        self.reports: dict[str, TargetReport] = {}
        self.hold: dict[str, str] = {}

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

    def try_map(self, item: Any) -> RawPost | None:
        """`map_item(item)`, or None (logged) when the item fails the record checks (a NUL in a message, a
        date in year 9999): one hostile post from a live source is skipped, the rest of the page is kept."""
        try:
            return self.map_item(item)  # type: ignore[attr-defined]
        except RecordError as exc:
            log.warning("source %s: an item was skipped: %s", self.name, exc)
            return None

    def targets(self) -> list[str]:
        """The targets this source watches, as shown in health (e.g. '@kpu_ri', 'tag:pemilu', a feed URL)."""
        return []

    def typed_error(self, exc: Exception, target: str) -> Exception:
        """Map a client library's exception to a CollectorError (collectors override for their library)."""
        return find_collector_error(exc) or exc

    def walk_targets(self, collect_one: Callable[[str], Iterable[RawPost]]) -> Iterator[RawPost]:
        """Collect every target in turn with `collect_one(target)`; one failing target never stops the rest.

        The target's cursor must be updated by `collect_one` before each yield (as for `fetch`). A failure
        is recorded in `reports[target]` and logged; errors that concern the whole source are re-raised.
        """
        for target in self.targets():
            report = self.reports.setdefault(target, TargetReport(target))
            if target in self.hold:
                report.held = self.hold[target]
                continue
            if self.stop_event.is_set():
                return
            try:
                for post in collect_one(target):
                    report.items += 1
                    yield post
            except Exception as exc:
                typed = self.typed_error(exc, target)
                if _source_wide(typed):
                    raise typed from exc
                report.ok = False
                report.exception = typed
                if isinstance(typed, CollectorError):
                    report.error, report.kind = str(typed), typed.kind
                    report.retry_after = getattr(typed, "retry_after", None)
                    log.warning("source %s, target %s: %s", self.name, target, typed)
                else:
                    report.error, report.kind = f"internal error: {exc.__class__.__name__}: {exc}", "internal"
                    log.error("source %s, target %s failed", self.name, target, exc_info=exc)
            else:
                report.ok = True

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

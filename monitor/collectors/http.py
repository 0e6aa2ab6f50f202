"""The one HTTP session every network collector uses: timeouts, retries, backoff, Retry-After, rate limit.

`HttpSession` is a `requests.Session`, so client libraries that accept a session (Mastodon.py) or whose
private session we replace (snscrape) get the same policy as our own JSON and feed requests:

- a timeout on every request;
- retries with exponential backoff and full jitter on connection errors, timeouts, truncated bodies and
  5xx statuses; after the last attempt a typed error (SourceUnavailable, UnexpectedContent);
- HTTP 429 honours Retry-After (seconds or an HTTP date) when it is short enough, else RateLimited;
- a minimum interval between requests (per source), and a polite User-Agent.

`RewriteAdapter` maps a platform's fixed host (https://t.me/) to a configured base URL, so a mirror or a
local test server can stand in for hosts a library hard-codes.
"""

from __future__ import annotations

import email.utils
import json
import logging
import random
import threading
import time
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, ClassVar

import requests
from pydantic import BaseModel, Field, field_validator
from requests.adapters import HTTPAdapter

from monitor import __version__ as _monitor_version
from monitor.collectors.base import (
    Collector,
    CollectorOptions,
    DeadlineExceeded,
    Interrupted,
    LoginWall,
    RateLimited,
    ResponseTooLarge,
    SourceUnavailable,
    UnexpectedContent,
)
from monitor.collectors.body import TruncatedBody, read_body

log = logging.getLogger(__name__)

DEFAULT_USER_AGENT = (
    f"election-monitor/{_monitor_version} (public election-hoax monitoring; KPU/Bawaslu/Polri)"
)
RETRY_STATUSES = frozenset({500, 502, 503, 504, 520, 521, 522, 523, 524})

# Words that mark a login, consent or bot-check page served in place of public content.
_LOGIN_MARKERS = (
    'type="password"',
    "type='password'",
    'name="password"',
    "log in to continue",
    "login to continue",
    "sign in to continue",
    "masuk untuk melanjutkan",
    "you must log in",
    "please log in",
    "/login?",
    'action="/login',
    "consent.",
    "captcha",
)


class HttpOptions(CollectorOptions):
    """Options of every HTTP source (also the retry policy)."""

    base_url: str = Field(description="Root URL of the platform, a mirror, or a local test server.")
    timeout: float = Field(20.0, gt=0, le=600, description="Seconds to wait for connect and for each read.")
    retries: int = Field(3, ge=0, le=10, description="Extra attempts after a transient failure.")
    backoff_base: float = Field(1.0, ge=0, le=60, description="First backoff in seconds; doubles each retry.")
    backoff_max: float = Field(60.0, ge=0, le=3600)
    max_retry_after: float = Field(
        120.0, ge=0, le=86400, description="Wait out a 429 Retry-After up to this many seconds, else give up."
    )
    requests_per_minute: float | None = Field(
        30.0, gt=0, le=6000, description="Per-source rate limit; null for none."
    )
    user_agent: str | None = Field(
        None, description="Override the polite default User-Agent (sent on every request, library ones too)."
    )
    deadline: float = Field(
        60.0, gt=0, le=3600, description="Total seconds for one request: connect, headers and the whole body."
    )
    max_bytes: int = Field(
        20_000_000, ge=1024, le=2_000_000_000, description="Largest response body accepted, in bytes."
    )

    @field_validator("base_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        value = value.strip()
        if not value.startswith(("http://", "https://")):
            raise ValueError("an http:// or https:// URL")
        return value.rstrip("/")


def parse_retry_after(value: str | None, *, now: float | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or HTTP date); None if absent/invalid."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    current = datetime.fromtimestamp(now if now is not None else time.time(), tz=UTC)
    return max(0.0, (when - current).total_seconds())


def parse_rate_limit_reset(headers: Mapping[str, str], *, now: float | None = None) -> float | None:
    """Seconds until a rate-limit window resets, from X-RateLimit-Reset/RateLimit-Reset (epoch or date)."""
    value = (
        headers.get("x-rate-limit-reset")
        or headers.get("X-RateLimit-Reset")
        or headers.get("RateLimit-Reset")
    )
    if not value:
        return None
    current = now if now is not None else time.time()
    try:
        number = float(value)
    except ValueError:
        try:
            when = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        return max(0.0, when.timestamp() - current)
    # Large numbers are epoch seconds (X, GitHub); small ones are delta-seconds (IETF draft).
    return max(0.0, number - current) if number > 1_000_000_000 else max(0.0, number)


def looks_like_login_wall(text: str) -> bool:
    head = text[:20000].lower()
    return any(marker in head for marker in _LOGIN_MARKERS)


class HttpSession(requests.Session):
    """A requests.Session with the retry/backoff/rate-limit policy of one source."""

    def __init__(
        self,
        options: HttpOptions,
        *,
        stop_event: threading.Event | None = None,
        default_user_agent: str | None = DEFAULT_USER_AGENT,
    ) -> None:
        super().__init__()
        self.options = options
        self.stop_event = stop_event or threading.Event()
        agent = options.user_agent or default_user_agent
        if agent:
            self.headers["User-Agent"] = agent
        self._min_interval = 60.0 / options.requests_per_minute if options.requests_per_minute else 0.0
        self._last_request = 0.0
        self._lock = threading.Lock()
        self.attempts = 0  # requests actually sent, for tests and logs
        # Collectors want the whole body read here (deadline + cap, typed errors). An evidence capture wants
        # the raw stream instead, to keep the exact bytes and whatever part arrived before a cut.
        self.read_bodies = True

    # -- waiting -------------------------------------------------------------------------------------------
    def _sleep(self, seconds: float) -> None:
        if seconds <= 0:
            return
        if self.stop_event.wait(seconds):
            raise Interrupted("shutdown requested while waiting to retry")

    def _pace(self) -> None:
        with self._lock:
            wait = self._last_request + self._min_interval - time.monotonic()
        self._sleep(wait)
        with self._lock:
            self._last_request = time.monotonic()

    def _backoff(self, attempt: int) -> float:
        ceiling = min(self.options.backoff_max, self.options.backoff_base * (2**attempt))
        return random.uniform(ceiling / 2, ceiling)  # jitter, never less than half the step

    # -- sending -------------------------------------------------------------------------------------------
    @property
    def user_agent(self) -> str | None:
        return self.headers.get("User-Agent")  # type: ignore[return-value]

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        # Our policy wins over whatever a client library passes: snscrape sends a browser User-Agent and a
        # 10 s timeout of its own. The body is always read here, within the deadline and the size cap.
        kwargs["timeout"] = (self.options.timeout, min(self.options.timeout, self.options.deadline))
        kwargs["stream"] = True
        agent = self.user_agent
        if agent:
            request.headers["User-Agent"] = agent
        url = request.url or ""
        attempts = self.options.retries + 1
        last_problem = ""
        for attempt in range(attempts):
            if self.stop_event.is_set():
                raise Interrupted("shutdown requested", url=url)
            self._pace()
            self.attempts += 1
            started = time.monotonic()
            try:
                response = super().send(request, **kwargs)
                if (
                    self.read_bodies
                    and response.status_code not in (429, *RETRY_STATUSES)
                    and request.method != "HEAD"
                ):
                    read_body(
                        response,
                        started=started,
                        seconds=self.options.deadline,
                        max_bytes=self.options.max_bytes,
                    )
            except (DeadlineExceeded, ResponseTooLarge):
                raise
            except requests.Timeout as exc:
                last_problem = f"timed out after {self.options.timeout:g}s"
                error: Exception = SourceUnavailable(f"{url}: {last_problem}", url=url)
                log.info("%s: %s (attempt %d/%d)", url, exc, attempt + 1, attempts)
            except (requests.exceptions.ChunkedEncodingError, TruncatedBody) as exc:
                last_problem = f"response body was cut off ({exc.__class__.__name__})"
                error = UnexpectedContent(f"{url}: truncated response: the connection closed early", url=url)
                log.info("%s: truncated body (attempt %d/%d)", url, attempt + 1, attempts)
            except requests.exceptions.ContentDecodingError as exc:
                error = UnexpectedContent(f"{url}: response could not be decoded: {exc}", url=url)
                log.info("%s: undecodable body (attempt %d/%d)", url, attempt + 1, attempts)
            except requests.ConnectionError as exc:
                last_problem = f"connection failed: {_short(exc)}"
                error = SourceUnavailable(f"{url}: {last_problem}", url=url)
                log.info("%s: %s (attempt %d/%d)", url, last_problem, attempt + 1, attempts)
            else:
                status = response.status_code
                if status == 429:
                    retry_after = parse_retry_after(response.headers.get("Retry-After"))
                    if retry_after is None:
                        retry_after = parse_rate_limit_reset(response.headers)
                    if attempt + 1 < attempts and (retry_after or 0) <= self.options.max_retry_after:
                        wait = retry_after if retry_after is not None else self._backoff(attempt)
                        log.info("%s: 429, waiting %.2fs (attempt %d/%d)", url, wait, attempt + 1, attempts)
                        response.close()
                        self._sleep(wait)
                        continue
                    response.close()
                    hint = f"; retry after {retry_after:g}s" if retry_after is not None else ""
                    raise RateLimited(
                        f"{url}: HTTP 429 Too Many Requests{hint}", retry_after=retry_after, url=url
                    )
                if status in RETRY_STATUSES:
                    error = SourceUnavailable(
                        f"{url}: HTTP {status} {response.reason or ''}".rstrip()
                        + f" after {attempt + 1} attempt(s)",
                        url=url,
                    )
                    response.close()
                    log.info("%s: HTTP %d (attempt %d/%d)", url, status, attempt + 1, attempts)
                else:
                    return response
            if attempt + 1 < attempts:
                self._sleep(self._backoff(attempt))
        raise error


class HttpCollector(Collector):
    """A collector that talks HTTP: owns one `HttpSession` (the source's retry policy, deadline, size cap and
    User-Agent), shares the shutdown event with it, and closes it."""

    Options: ClassVar[type[BaseModel]] = HttpOptions

    def __init__(self, name: str, options: BaseModel) -> None:
        super().__init__(name, options)
        assert isinstance(options, HttpOptions)
        self.session = HttpSession(options, stop_event=self.stop_event)

    def close(self) -> None:
        self.session.close()


def _short(exc: Exception) -> str:
    text = str(exc)
    return text if len(text) <= 200 else text[:197] + "..."


# -- response helpers --------------------------------------------------------------------------------------
def ensure_ok(response: requests.Response, *, what: str = "page") -> None:
    """Turn an unexpected status into a typed error (429/5xx are handled by the session already)."""
    if response.status_code in (401, 403) and looks_like_login_wall(response.text):
        raise LoginWall(
            f"{response.url}: the {what} needs a login (HTTP {response.status_code})", url=response.url
        )
    if response.status_code >= 400:
        raise SourceUnavailable(
            f"{response.url}: HTTP {response.status_code} {response.reason or ''}".rstrip(), url=response.url
        )


def json_body(response: requests.Response) -> Any:
    """The response parsed as JSON, or a typed error saying what came instead (HTML, login page, junk)."""
    text = response.text
    content_type = response.headers.get("Content-Type", "")
    stripped = text.lstrip()
    if stripped.startswith("<") or "html" in content_type.lower():
        if looks_like_login_wall(text):
            raise LoginWall(
                f"{response.url}: a login page came back where JSON was expected", url=response.url
            )
        raise UnexpectedContent(f"{response.url}: HTML came back where JSON was expected", url=response.url)
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        ends_early = exc.pos >= len(text.rstrip()) - 1
        problem = "truncated JSON (the body ends early)" if ends_early and text.strip() else "invalid JSON"
        raise UnexpectedContent(
            f"{response.url}: {problem}: {exc.msg} at char {exc.pos}", url=response.url
        ) from None


class RewriteAdapter(HTTPAdapter):
    """Sends requests for `origin` (e.g. 'https://t.me') to `target` (a mirror or local server).

    The response keeps the original URL, so a library that builds its next-page links from `response.url`
    keeps addressing the platform's host, and every hop is rewritten again.
    """

    def __init__(self, origin: str, target: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.origin = origin.rstrip("/")
        self.target = target.rstrip("/")

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        original = request.url or ""
        if original.startswith(self.origin):
            request.url = self.target + original[len(self.origin) :]
        response = super().send(request, **kwargs)
        response.url = original
        location = response.headers.get("Location")
        if location and location.startswith(self.target):
            response.headers["Location"] = self.origin + location[len(self.target) :]
        request.url = original
        return response


def mount_rewrite(session: requests.Session, origin: str, target: str) -> None:
    """Route `origin` to `target` on `session` (no-op when they are the same)."""
    if origin.rstrip("/") != target.rstrip("/"):
        session.mount(origin.rstrip("/") + "/", RewriteAdapter(origin, target))


def header_links(headers: Mapping[str, str]) -> dict[str, str]:
    """rel → URL from an RFC 8288 Link header."""
    value = headers.get("Link") or headers.get("link")
    if not value:
        return {}
    return {link["rel"]: link["url"] for link in requests.utils.parse_header_links(value) if "rel" in link}

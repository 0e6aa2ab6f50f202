"""Capturing the public page of a post: the bytes as served, and a full-page screenshot.

The page is fetched through the collectors' HTTP session (timeouts, retries, polite User-Agent). A hostile
or broken host must not stall a freeze, so the body is streamed with a size cap and a total deadline of
its own; whatever could not be captured is returned as a `Missing` with the reason, never silently
dropped. The screenshot drives the Debian Chromium through Playwright with bounded timeouts.
"""

from __future__ import annotations

import ipaddress
import logging
import socket
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

import requests
import urllib3

from monitor.collectors.base import CollectorError
from monitor.collectors.http import HttpOptions, HttpSession
from monitor.config import EvidenceConfig

log = logging.getLogger(__name__)

CHROMIUM_ARGS = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
)
CHUNK = 64 * 1024
MAX_REDIRECTS = 5


@dataclass(frozen=True, slots=True)
class Missing:
    """A part of the packet that could not be captured, and why (Indonesian: officers read it)."""

    file: str
    reason: str

    def as_dict(self) -> dict[str, str]:
        return {"file": self.file, "reason": self.reason}


@dataclass(slots=True)
class PageCapture:
    """The page as served (`body` is None when nothing came) and the facts of the request."""

    meta: dict[str, Any]
    body: bytes | None = None
    missing: list[Missing] = field(default_factory=list)


@dataclass(slots=True)
class Screenshot:
    png: bytes | None
    meta: dict[str, Any]
    missing: Missing | None = None


def _http_url(url: str | None) -> str | None:
    if not url:
        return None
    parts = urlsplit(url.strip())
    return url.strip() if parts.scheme in ("http", "https") and parts.netloc else None


def body_name(content_type: str | None) -> str:
    """The packet file name of the page body, by its media type (the bytes are never converted)."""
    kind = (content_type or "").split(";")[0].strip().lower()
    if kind in ("text/html", "application/xhtml+xml"):
        return "page.html"
    if kind.endswith("json"):
        return "page.json.body"
    return "page.bin"


def fetch_page(url: str | None, options: EvidenceConfig) -> PageCapture:
    """Fetch `url` once more, byte for byte, with its status and headers; never raises for the network."""
    started = datetime.now(UTC)
    meta: dict[str, Any] = {"requested_url": url, "started_at": started.isoformat()}
    target = _http_url(url)
    if target is None:
        meta["error"] = "no public http(s) URL"
        reason = f"unggahan tidak memiliki tautan publik http(s) (url: {url or '-'})"
        return PageCapture(meta, None, [Missing("page", reason)])
    parts = urlsplit(target)
    http_options = HttpOptions(
        base_url=f"{parts.scheme}://{parts.netloc}",
        timeout=min(options.fetch_timeout, options.fetch_deadline),
        retries=1,
        backoff_base=0.5,
        backoff_max=2.0,
        max_retry_after=5.0,
        requests_per_minute=None,
    )
    deadline = time.monotonic() + options.fetch_deadline
    with HttpSession(http_options) as session:
        session.read_bodies = False  # the bounded reader below keeps the exact bytes and any partial body
        try:
            response = _get_following_redirects(session, target, options, meta)
        except _Refused as exc:
            meta["error"] = str(exc)
            meta["finished_at"] = datetime.now(UTC).isoformat()
            return PageCapture(meta, None, [Missing("page", str(exc))])
        except (CollectorError, requests.RequestException) as exc:
            meta["error"] = str(exc)
            meta["finished_at"] = datetime.now(UTC).isoformat()
            return PageCapture(meta, None, [Missing("page", f"halaman tidak dapat diambil: {exc}")])
        with response:
            meta.update(
                final_url=response.url,
                status=response.status_code,
                reason=response.reason,
                http_version={10: "1.0", 11: "1.1", 20: "2"}.get(
                    response.raw.version, str(response.raw.version)
                ),
                headers=[[k, v] for k, v in response.raw.headers.items()],
                user_agent=session.headers.get("User-Agent"),
            )
            body, problem = _read_bounded(response, options.max_page_bytes, deadline, options.fetch_deadline)
    meta["finished_at"] = datetime.now(UTC).isoformat()
    meta["bytes"] = len(body)
    meta["complete"] = problem is None
    missing = [] if problem is None else [Missing("page", problem)]
    if problem:
        meta["error"] = problem
    return PageCapture(meta, body, missing)


class _Refused(Exception):
    """The URL (or a redirect) points into the server's own network; the message is for the officer."""


def internal_address(url: str) -> str | None:
    """Why `url`'s host must not be fetched from the server (it resolves to a loopback, private,
    link-local or reserved address: post URLs come from strangers), or None when it is public."""
    host = urlsplit(url).hostname
    if not host:
        return f"tautan tanpa nama host: {url}"
    try:
        infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError):
        return None  # unresolvable: the fetch itself fails and says so
    for info in infos:
        address = ipaddress.ip_address(str(info[4][0]).split("%", 1)[0])
        if not address.is_global or address.is_multicast:
            return f"{host} menunjuk ke alamat internal {address}; tidak diambil demi keamanan server"
    return None


def _get_following_redirects(
    session: HttpSession, url: str, options: EvidenceConfig, meta: dict[str, Any]
) -> requests.Response:
    """GET with redirects followed by hand, so every hop's host is checked before it is fetched."""
    hops: list[dict[str, Any]] = []
    meta["redirects"] = hops
    for _hop in range(MAX_REDIRECTS + 1):
        if not options.allow_private_hosts and (why := internal_address(url)):
            raise _Refused(why)
        # identity: the body stored is the body served, not a gzip stream to be undone later.
        response = session.get(
            url, stream=True, allow_redirects=False, headers={"Accept-Encoding": "identity"}
        )
        if not response.is_redirect:
            return response
        location = urljoin(url, response.headers.get("Location", ""))
        hops.append({"url": url, "status": response.status_code, "location": location})
        response.close()
        url = location
    raise _Refused(f"lebih dari {MAX_REDIRECTS} pengalihan (redirect); halaman tidak diambil")


def _read_bounded(
    response: requests.Response, cap: int, deadline: float, deadline_seconds: float
) -> tuple[bytes, str | None]:
    """The body up to `cap` bytes and `deadline`; the problem (Indonesian) when it was cut short."""
    chunks: list[bytes] = []
    size = 0
    try:
        # decode_content=False: the bytes exactly as the server sent them (no gzip undone).
        for chunk in response.raw.stream(CHUNK, decode_content=False):
            chunks.append(chunk)
            size += len(chunk)
            if size > cap:
                kept = b"".join(chunks)[:cap]
                return kept, (
                    f"halaman melebihi batas ukuran {cap:,} byte; hanya {cap:,} byte pertama yang disimpan, "
                    "sisanya tidak ada dalam paket"
                )
            if time.monotonic() > deadline:
                return b"".join(chunks), (
                    f"unduhan halaman melewati batas waktu {deadline_seconds:g} detik setelah {size:,} byte; "
                    "sisanya tidak ada dalam paket"
                )
    except (requests.RequestException, urllib3.exceptions.HTTPError, OSError) as exc:
        return b"".join(
            chunks
        ), f"unduhan halaman terputus setelah {size:,} byte: {exc.__class__.__name__}: {exc}"
    return b"".join(chunks), None


def _guard_route(route: Any) -> None:
    """Chromium asks before every request (page, redirects, images): internal addresses are refused."""
    if internal_address(route.request.url):
        route.abort("blockedbyclient")
    else:
        route.continue_()


def take_screenshot(url: str | None, options: EvidenceConfig, user_agent: str | None = None) -> Screenshot:
    """A full-page PNG of `url` in headless Chromium; a `Missing` with the reason when none can be taken."""
    meta: dict[str, Any] = {"url": url, "chromium": str(options.chromium_path)}
    target = _http_url(url)
    if not options.screenshot:
        return Screenshot(None, meta, Missing("screenshot.png", "tangkapan layar dimatikan di konfigurasi"))
    if target is None:
        return Screenshot(None, meta, Missing("screenshot.png", "tidak ada tautan publik untuk difoto"))
    if not options.allow_private_hosts and (why := internal_address(target)):
        return Screenshot(None, meta, Missing("screenshot.png", why))
    chromium = Path(options.chromium_path)
    if not chromium.exists():
        reason = f"Chromium tidak terpasang di {chromium}; tangkapan layar tidak dibuat"
        return Screenshot(None, meta, Missing("screenshot.png", reason))
    try:
        from playwright.sync_api import Error as PlaywrightError
        from playwright.sync_api import sync_playwright
    except ImportError:
        return Screenshot(None, meta, Missing("screenshot.png", "pustaka Playwright tidak terpasang"))
    timeout_ms = options.screenshot_timeout * 1000
    meta["started_at"] = datetime.now(UTC).isoformat()
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(
                executable_path=str(chromium), args=list(CHROMIUM_ARGS), timeout=timeout_ms, headless=True
            )
            try:
                context = browser.new_context(
                    user_agent=user_agent, viewport={"width": options.window_width, "height": 900}
                )
                page = context.new_page()
                page.set_default_timeout(timeout_ms)
                if not options.allow_private_hosts:
                    page.route("**/*", _guard_route)
                response = page.goto(target, wait_until="load", timeout=timeout_ms)
                meta["status"] = response.status if response else None
                png = page.screenshot(full_page=True, timeout=timeout_ms)
                meta["browser_version"] = browser.version
            finally:
                browser.close()
    except PlaywrightError as exc:
        first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else exc.__class__.__name__
        meta["error"] = first_line
        return Screenshot(None, meta, Missing("screenshot.png", f"tangkapan layar gagal: {first_line}"))
    meta["finished_at"] = datetime.now(UTC).isoformat()
    return Screenshot(png, meta)

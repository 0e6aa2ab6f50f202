"""Reading a response body within a deadline and a size cap (used by `http.HttpSession` for every request).

requests reads a body with no overall time limit (its timeout is per socket read, so a server dripping one
byte a second holds it for ever) and no size limit. Here the body is streamed with `read1`, the socket timeout
is cut to the time left before each read, and reading stops at the cap.
"""

from __future__ import annotations

import json
import re
import socket
import time
from contextlib import suppress

import requests
import urllib3

from monitor.collectors.base import DeadlineExceeded, ResponseTooLarge


class TruncatedBody(Exception):
    """A body delimited by the connection closing (no Content-Length) that ends mid-document."""


def _socket_of(response: requests.Response) -> socket.socket | None:
    connection = getattr(response.raw, "connection", None) or getattr(response.raw, "_connection", None)
    return getattr(connection, "sock", None)


def read_body(response: requests.Response, *, started: float, seconds: float, max_bytes: int) -> bytes:
    """Read a streamed body into `response` within `seconds` of `started` (time.monotonic) and `max_bytes`.

    `read1` returns as soon as any bytes arrive, and the socket timeout is cut to the time left before every
    read, so a server dripping one byte a second or sending forever is stopped at the deadline or the cap
    (typed errors); the memory held is never more than the cap plus one chunk.
    """
    url = response.url
    declared = response.headers.get("Content-Length")
    if declared and declared.isdigit() and int(declared) > max_bytes:
        response.close()
        raise ResponseTooLarge(
            f"{url}: the response announces {int(declared):,} bytes, over the cap of {max_bytes:,}", url=url
        )
    deadline = started + seconds
    chunks: list[bytes] = []
    size = 0
    sock = _socket_of(response)
    try:
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise DeadlineExceeded(
                    f"{url}: the response was not complete within the {seconds:g}s deadline "
                    f"({size:,} bytes read)",
                    url=url,
                )
            if sock is not None:
                with suppress(OSError):
                    sock.settimeout(max(0.01, min(left, sock.gettimeout() or left)))
            try:
                chunk = response.raw.read1(65536, decode_content=True)
            except (urllib3.exceptions.ReadTimeoutError, TimeoutError) as exc:
                if deadline - time.monotonic() <= 0:
                    continue  # reported as the deadline above
                raise requests.Timeout(str(exc)) from exc
            except (urllib3.exceptions.ProtocolError, urllib3.exceptions.IncompleteRead) as exc:
                raise requests.exceptions.ChunkedEncodingError(str(exc)) from exc
            except urllib3.exceptions.DecodeError as exc:
                raise requests.exceptions.ContentDecodingError(str(exc)) from exc
            if not chunk:
                break
            size += len(chunk)
            if size > max_bytes:
                raise ResponseTooLarge(f"{url}: the body grew past the cap of {max_bytes:,} bytes", url=url)
            chunks.append(chunk)
    except BaseException:
        response.close()
        raise
    body = b"".join(chunks)
    close_delimited = not declared and "chunked" not in response.headers.get("Transfer-Encoding", "").lower()
    if close_delimited and not _looks_complete(body, response.headers.get("Content-Type", "")):
        response.close()
        raise TruncatedBody(f"{url}: the connection closed before the document ended")
    response._content = body  # requests' own cache: .content/.text/.json() read it from here
    response._content_consumed = True
    return body


_HTML_END = re.compile(rb"</html\s*>\s*$", re.IGNORECASE)
_XML_END = re.compile(rb"</[A-Za-z_][\w:.-]*\s*>\s*$")


def _looks_complete(body: bytes, content_type: str) -> bool:
    """Whether a close-delimited body is a whole document (no length was sent, so only its end can tell)."""
    kind = content_type.lower()
    tail = body.rstrip()[-512:]
    if not tail:
        return True
    if "html" in kind:
        return bool(_HTML_END.search(tail))
    if "xml" in kind or "rss" in kind or "atom" in kind:
        return bool(_XML_END.search(tail))
    if "json" in kind:
        try:
            json.loads(body)
        except ValueError:
            return False
    return True

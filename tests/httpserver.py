"""A real HTTP server on 127.0.0.1 for tests: serves recorded files by route and injects faults.

Usage::

    from httpserver import RecordedServer, Reply

    with RecordedServer(root=FIXTURES / "recorded") as server:
        server.route("/api/v1/timelines/tag/pemilu", file="mastodon/tag_page1.json")
        server.route("/api/v1/timelines/tag/pemilu", file="mastodon/tag_page2.json", query={"max_id": "1000"})
        server.fault("/api/v1/timelines/tag/pemilu", "429", retry_after=1)   # the next request only
        ... client against server.url ...
        assert server.hits("/api/v1/timelines/tag/pemilu") == 3

Routes match on method, path and a subset of query parameters (the route naming the most parameters
wins); a `handler(request) -> Reply` serves dynamic answers (Telegram Bot API, webhooks). Faults are
consumed before routes, `times` requests each (None: until cleared):

    delay (seconds), timeout (seconds, longer than the client's timeout), status (any code, e.g. 500),
    429 (with retry_after), truncate (announces the full Content-Length, sends half, closes),
    reset (closes the connection without answering), login_wall (a login HTML page, status 200),
    bad_json (invalid JSON with a JSON content type), html (an HTML page with status 200),
    drip (the route's headers at once, then its body one byte every `seconds`), endless (a 200 without
    Content-Length whose body never ends: 64 KiB chunks until the client hangs up), cut (the route's body
    without Content-Length, half of it, then the connection closes: only the document's end tells).

Every request is logged in `server.requests` (method, path, query, headers, body).
"""

from __future__ import annotations

import json
import mimetypes
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

LOGIN_WALL_HTML = """<!DOCTYPE html>
<html lang="id"><head><meta charset="utf-8"><title>Masuk</title></head>
<body><div class="login-wall"><h1>Log in to continue</h1>
<form action="/login?next=%2F" method="post"><input name="username" type="text">
<input name="password" type="password"><button>Masuk</button></form></div></body></html>
"""
ERROR_HTML = """<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head>
<body><center><h1>Bad Gateway</h1></center><hr><center>nginx</center></body></html>
"""

Handler = Callable[["Request"], "Reply"]


@dataclass
class Reply:
    """What the server answers."""

    status: int = 200
    body: bytes | str = b""
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str | None = None
    delay: float = 0.0
    truncate: bool = False
    reset: bool = False
    drip: float = 0.0  # seconds between body bytes
    endless: bool = False
    cut: bool = False  # no Content-Length, half the body, close

    @classmethod
    def json(cls, data: Any, status: int = 200, **kwargs: Any) -> Reply:
        return cls(
            status=status,
            body=json.dumps(data, ensure_ascii=False),
            content_type="application/json",
            **kwargs,
        )

    def payload(self) -> bytes:
        return self.body.encode("utf-8") if isinstance(self.body, str) else self.body


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes
    at: float

    def param(self, name: str) -> str | None:
        values = self.query.get(name)
        return values[-1] if values else None

    def json(self) -> Any:
        return json.loads(self.body.decode("utf-8"))


@dataclass
class _Route:
    method: str
    path: str
    query: dict[str, str]
    serve: Handler


@dataclass
class _Fault:
    method: str | None
    path: str
    query: dict[str, str]
    reply: Reply
    remaining: int | None


def _matches_query(wanted: dict[str, str], query: dict[str, list[str]]) -> bool:
    return all(query.get(key, [None])[-1] == value for key, value in wanted.items())


class RecordedServer:
    """A threaded HTTP server on 127.0.0.1 serving recorded files and injected faults."""

    def __init__(self, root: Path | str | None = None, *, host: str = "127.0.0.1") -> None:
        self.root = Path(root) if root is not None else None
        self.host = host
        self.requests: list[Request] = []
        self._routes: list[_Route] = []
        self._faults: list[_Fault] = []
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle -----------------------------------------------------------------------------------------
    def start(self) -> RecordedServer:
        owner = self

        class _Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002  (quiet in tests)
                return

            def _handle(self) -> None:
                owner._dispatch(self)

            do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = _handle  # noqa: N815

        self._server = ThreadingHTTPServer((self.host, 0), _Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, name="recorded-http", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> RecordedServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        assert self._server is not None, "server not started"
        return self._server.server_address[1]

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    # -- configuration -------------------------------------------------------------------------------------
    def route(
        self,
        path: str,
        reply: Reply | None = None,
        *,
        file: str | Path | None = None,
        body: bytes | str | None = None,
        status: int = 200,
        content_type: str | None = None,
        headers: dict[str, str] | None = None,
        query: dict[str, str] | None = None,
        method: str = "GET",
        handler: Handler | None = None,
    ) -> None:
        """Serve `reply`, a recorded `file` (relative to root), a `body`, or a `handler`'s answer."""
        if handler is None:
            if reply is None:
                if file is not None:
                    payload = self._read(file)
                    content_type = (
                        content_type or mimetypes.guess_type(str(file))[0] or "application/octet-stream"
                    )
                    if content_type.startswith("text/") or content_type in ("application/json",):
                        content_type += "; charset=utf-8"
                else:
                    payload = body if body is not None else b""
                reply = Reply(
                    status=status, body=payload, headers=dict(headers or {}), content_type=content_type
                )
            fixed = reply

            def handler(_request: Request) -> Reply:
                return fixed

        with self._lock:
            key = (method.upper(), path, dict(query or {}))
            self._routes = [r for r in self._routes if (r.method, r.path, r.query) != key]
            self._routes.append(_Route(method.upper(), path, dict(query or {}), handler))

    def fault(
        self,
        path: str,
        kind: str,
        *,
        times: int | None = 1,
        query: dict[str, str] | None = None,
        method: str | None = None,
        seconds: float = 0.0,
        status: int = 500,
        retry_after: float | str | None = None,
    ) -> None:
        """Inject a fault for the next `times` matching requests (None: until `clear_faults`)."""
        if kind == "delay":
            reply = None  # served by the route, late
        elif kind == "timeout":
            reply = Reply(status=504, body=ERROR_HTML, content_type="text/html", delay=seconds or 5.0)
        elif kind == "status":
            reply = Reply(status=status, body=ERROR_HTML, content_type="text/html")
        elif kind == "429":
            headers = {} if retry_after is None else {"Retry-After": str(retry_after)}
            reply = Reply(
                status=429,
                body='{"error":"Too many requests"}',
                content_type="application/json",
                headers=headers,
            )
        elif kind == "truncate":
            reply = Reply(truncate=True)  # filled from the route at request time
        elif kind == "reset":
            reply = Reply(reset=True)
        elif kind == "login_wall":
            reply = Reply(status=200, body=LOGIN_WALL_HTML, content_type="text/html; charset=utf-8")
        elif kind == "bad_json":
            reply = Reply(
                status=200, body='{"data": [{"id": "1", "text": "pemilu', content_type="application/json"
            )
        elif kind == "html":
            reply = Reply(status=200, body=ERROR_HTML, content_type="text/html; charset=utf-8")
        elif kind == "drip":
            reply = Reply(drip=seconds or 1.0)  # filled from the route at request time
        elif kind == "cut":
            reply = Reply(cut=True)  # filled from the route at request time
        elif kind == "endless":
            reply = Reply(status=200, endless=True, content_type="text/html; charset=utf-8")
        else:
            raise ValueError(f"unknown fault kind {kind!r}")
        if reply is None:
            reply = Reply(delay=seconds)
            reply.status = -1  # marker: serve the route after the delay
        with self._lock:
            self._faults.append(
                _Fault(method.upper() if method else None, path, dict(query or {}), reply, times)
            )

    def clear_faults(self) -> None:
        with self._lock:
            self._faults.clear()

    def hits(self, path: str | None = None) -> int:
        with self._lock:
            return sum(1 for r in self.requests if path is None or r.path == path)

    # -- serving -------------------------------------------------------------------------------------------
    def _read(self, file: str | Path) -> bytes:
        path = Path(file)
        if not path.is_absolute():
            if self.root is None:
                raise ValueError(f"relative file {file} needs a server root")
            path = self.root / path
        return path.read_bytes()

    def _find_route(self, request: Request) -> _Route | None:
        candidates = [
            r
            for r in self._routes
            if r.method in (request.method, "*")
            and r.path == request.path
            and _matches_query(r.query, request.query)
        ]
        if not candidates and request.method == "HEAD":
            candidates = [
                r
                for r in self._routes
                if r.method == "GET" and r.path == request.path and _matches_query(r.query, request.query)
            ]
        return max(candidates, key=lambda r: len(r.query), default=None)

    def _take_fault(self, request: Request) -> Reply | None:
        for fault in self._faults:
            if fault.path != request.path or (fault.method and fault.method != request.method):
                continue
            if not _matches_query(fault.query, request.query):
                continue
            if fault.remaining is not None:
                fault.remaining -= 1
                if fault.remaining <= 0:
                    self._faults.remove(fault)
            return fault.reply
        return None

    def _dispatch(self, handler: BaseHTTPRequestHandler) -> None:
        parts = urlsplit(handler.path)
        length = int(handler.headers.get("Content-Length") or 0)
        body = handler.rfile.read(length) if length else b""
        request = Request(
            method=handler.command,
            path=parts.path,
            query=parse_qs(parts.query, keep_blank_values=True),
            headers={k: v for k, v in handler.headers.items()},
            body=body,
            at=time.time(),
        )
        with self._lock:
            self.requests.append(request)
            fault = self._take_fault(request)
            route = self._find_route(request)
        reply: Reply
        if fault is not None and fault.reset:
            handler.close_connection = True
            with suppress(OSError):
                handler.connection.shutdown(socket.SHUT_RDWR)
            return
        if fault is not None and fault.status != -1 and not (fault.truncate or fault.drip or fault.cut):
            reply = fault
        else:
            if route is None:
                reply = Reply(
                    status=404, body=f"no route for {request.method} {parts.path}", content_type="text/plain"
                )
            else:
                reply = route.serve(request)
            if fault is not None and fault.status == -1:
                reply = Reply(
                    status=reply.status,
                    body=reply.body,
                    headers=reply.headers,
                    content_type=reply.content_type,
                    delay=fault.delay,
                )
            elif fault is not None:
                reply = Reply(
                    status=reply.status,
                    body=reply.body,
                    headers=reply.headers,
                    content_type=reply.content_type,
                    truncate=fault.truncate,
                    drip=fault.drip,
                    cut=fault.cut,
                )
        self._write(handler, reply, head=request.method == "HEAD")

    def _write(self, handler: BaseHTTPRequestHandler, reply: Reply, *, head: bool) -> None:
        if reply.delay:
            time.sleep(reply.delay)
        payload = reply.payload()
        if reply.endless or reply.cut:
            self._write_unframed(handler, reply, payload)
            return
        try:
            handler.send_response(reply.status)
            if reply.content_type:
                handler.send_header("Content-Type", reply.content_type)
            for name, value in reply.headers.items():
                handler.send_header(name, value)
            handler.send_header("Content-Length", str(len(payload)))
            if reply.truncate:
                handler.send_header("Connection", "close")
            handler.end_headers()
            if head:
                return
            if reply.truncate:
                handler.wfile.write(payload[: max(1, len(payload) // 2)])
                handler.wfile.flush()
                handler.close_connection = True
                handler.connection.shutdown(socket.SHUT_RDWR)
                return
            if reply.drip:
                for index in range(len(payload)):
                    handler.wfile.write(payload[index : index + 1])
                    handler.wfile.flush()
                    if self._server is None:
                        break
                    time.sleep(reply.drip)
                return
            handler.wfile.write(payload)
        except (BrokenPipeError, ConnectionResetError, OSError):
            handler.close_connection = True

    def _write_unframed(self, handler: BaseHTTPRequestHandler, reply: Reply, payload: bytes) -> None:
        """A body delimited only by the connection closing: endless, or cut in half."""
        handler.close_connection = True
        try:
            handler.send_response(reply.status)
            if reply.content_type:
                handler.send_header("Content-Type", reply.content_type)
            for name, value in reply.headers.items():
                handler.send_header(name, value)
            handler.send_header("Connection", "close")
            handler.end_headers()
            if reply.cut:
                handler.wfile.write(payload[: max(1, len(payload) // 2)])
            else:
                chunk = b"<p>" + b"pemilu " * 9360 + b"</p>\n"  # ~64 KiB of page that never ends
                while self._server is not None:
                    handler.wfile.write(chunk)
            handler.wfile.flush()
            handler.connection.shutdown(socket.SHUT_RDWR)
        except (BrokenPipeError, ConnectionResetError, OSError):
            return


@contextmanager
def serve(root: Path | str | None = None) -> Iterator[RecordedServer]:
    """`with serve(root) as server:` — a started RecordedServer, stopped afterwards."""
    server = RecordedServer(root)
    server.start()
    try:
        yield server
    finally:
        server.stop()

"""The dashboard's web server: Streamlit's ASGI app (`st.App`) around `app.py`, plus what Streamlit's own
options cannot give (`monitor dashboard` runs `streamlit run dashboards/server.py`):

- the login cookie is set by the SERVER, HttpOnly and SameSite=Strict (Secure over https): after a login
  the page sends a one-time code (valid 60 s, single use) to POST /api/sesi, which answers with the
  Set-Cookie; page scripts can never read the session token. DELETE /api/sesi clears it at logout.
- every HTTP answer carries `X-Frame-Options: DENY` and `Content-Security-Policy: frame-ancestors 'none'`
  (no clickjacking: the dashboard cannot be framed by another site);
- `/_stcore/metrics` (Streamlit's internal memory and session counters) answers 404 to everyone;
- at start, the heavy libraries of the Model and Laporan pages load in the background (warmup.py).
"""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

_ROOT = Path(__file__).resolve().parent.parent
if str(_ROOT) not in sys.path:
    sys.path.insert(0, str(_ROOT))

import streamlit as st  # noqa: E402
from starlette.middleware import Middleware  # noqa: E402
from starlette.requests import Request  # noqa: E402
from starlette.responses import Response  # noqa: E402
from starlette.routing import Route  # noqa: E402
from starlette.types import ASGIApp, Message, Receive, Scope, Send  # noqa: E402

from dashboards import warmup  # noqa: E402
from dashboards.session_codes import COOKIE_NAME, SESSION_PATH, redeem_code  # noqa: E402

BLOCKED_PATHS = ("/_stcore/metrics",)
FRAME_HEADERS = (
    (b"x-frame-options", b"DENY"),
    (b"content-security-policy", b"frame-ancestors 'none'"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
)


async def session_cookie(request: Request) -> Response:
    secure = request.url.scheme == "https"
    response = Response(status_code=204)
    if request.method == "DELETE":
        response.delete_cookie(COOKIE_NAME, path="/", secure=secure, httponly=True, samesite="strict")
        return response
    body = (await request.body())[:200].decode("ascii", "replace").strip()
    redeemed = redeem_code(body)
    if redeemed is None:
        return Response("kode sesi tidak berlaku", status_code=400, media_type="text/plain")
    token, max_age = redeemed
    response.set_cookie(
        COOKIE_NAME, token, max_age=max_age, path="/", secure=secure, httponly=True, samesite="strict"
    )
    return response


class HardeningMiddleware:
    """Frame protection headers on every HTTP answer; internal metrics closed."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope.get("path", "")
        if any(path.rstrip("/").endswith(blocked) for blocked in BLOCKED_PATHS):
            await Response("Tidak ditemukan", status_code=404, media_type="text/plain")(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers: list[Any] = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                headers.extend(h for h in FRAME_HEADERS if h[0] not in present)
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)


@asynccontextmanager
async def lifespan(_app: Any) -> AsyncIterator[None]:
    warmup.start()
    yield None


app = st.App(
    "app.py",
    lifespan=lifespan,
    routes=[Route(SESSION_PATH, session_cookie, methods=["POST", "DELETE"])],
    middleware=[Middleware(HardeningMiddleware)],
)

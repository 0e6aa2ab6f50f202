"""Webhook mode: the platforms push citizens' messages to us over HTTPS (behind the district's proxy).

- `POST /whatsapp`: the Cloud API's deliveries, refused (401) unless X-Hub-Signature-256 matches the app
  secret; `GET /whatsapp` answers Meta's subscription check (hub.verify_token, hub.challenge).
- `POST /telegram`: Bot API updates after `setWebhook` with a `secret_token`; refused (401) unless the
  X-Telegram-Bot-Api-Secret-Token header matches.
- `GET /healthz`.

Each request is answered with the core (`Tipline.handle`, one transaction; a redelivered message is
recognised by its id and not answered twice) and acknowledged at once; replies leave through the outbox
worker (`run_outbox`), which also sends officers' verdicts every `notify.every_seconds`.
"""

from __future__ import annotations

import json
import logging
import socket
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass

import uvicorn
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from monitor.tipline import service
from monitor.tipline.bot import Channel, Tipline
from monitor.tipline.telegram import parse_update
from monitor.tipline.whatsapp import SIGNATURE_HEADER, WebhookPayloadError, parse_webhook, valid_signature

log = logging.getLogger(__name__)

TELEGRAM_SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
MAX_BODY = 1_000_000


@dataclass(frozen=True, slots=True)
class WebhookSecrets:
    whatsapp_app_secret: str | None = None
    whatsapp_verify_token: str | None = None
    telegram_secret: str | None = None


def create_app(tipline: Tipline, secrets: WebhookSecrets) -> Starlette:
    """The webhook endpoints of the channels that have secrets configured."""

    async def whatsapp_verify(request: Request) -> Response:
        params = request.query_params
        if (
            params.get("hub.mode") == "subscribe"
            and secrets.whatsapp_verify_token
            and params.get("hub.verify_token") == secrets.whatsapp_verify_token
        ):
            return PlainTextResponse(params.get("hub.challenge", ""))
        return PlainTextResponse("verification failed", status_code=403)

    async def whatsapp_receive(request: Request) -> Response:
        body = await request.body()
        if len(body) > MAX_BODY:
            return PlainTextResponse("too large", status_code=413)
        assert secrets.whatsapp_app_secret is not None
        if not valid_signature(secrets.whatsapp_app_secret, body, request.headers.get(SIGNATURE_HEADER)):
            log.warning("tipline: WhatsApp webhook request with a bad or missing signature refused")
            return PlainTextResponse("bad signature", status_code=401)
        try:
            incoming = parse_webhook(json.loads(body))
        except (json.JSONDecodeError, UnicodeDecodeError):
            return PlainTextResponse("body is not JSON", status_code=400)
        except WebhookPayloadError as exc:
            return PlainTextResponse(f"unexpected payload: {exc}", status_code=400)
        result = await run_in_threadpool(tipline.handle, incoming) if incoming else None
        return JSONResponse({"ok": True, "answered": result.answered if result else {}})

    async def telegram_receive(request: Request) -> Response:
        if request.headers.get(TELEGRAM_SECRET_HEADER) != secrets.telegram_secret:
            return PlainTextResponse("bad secret token", status_code=401)
        try:
            update = json.loads(await request.body())
        except (json.JSONDecodeError, UnicodeDecodeError):
            return PlainTextResponse("body is not JSON", status_code=400)
        message = parse_update(update) if isinstance(update, dict) else None
        if message is not None:
            await run_in_threadpool(tipline.handle, [message])
        return JSONResponse({"ok": True})

    async def health(request: Request) -> Response:
        return PlainTextResponse("ok")

    routes = [Route("/healthz", health, methods=["GET"])]
    if secrets.whatsapp_app_secret:
        routes += [
            Route("/whatsapp", whatsapp_verify, methods=["GET"]),
            Route("/whatsapp", whatsapp_receive, methods=["POST"]),
        ]
    if secrets.telegram_secret:
        routes.append(Route("/telegram", telegram_receive, methods=["POST"]))
    return Starlette(routes=routes)


def run_outbox(
    tipline: Tipline,
    channels: Sequence[Channel],
    *,
    stop_event: threading.Event,
    interval: float = 1.0,
) -> None:
    """Send due replies every `interval` seconds; officers' verdicts and retention on their own clocks."""
    tipline.abandon_interrupted()
    housekeeping = service.Housekeeping(tipline, channels)
    while not stop_event.is_set():
        try:
            for channel in channels:
                tipline.deliver(channel)
            housekeeping()
        except Exception:  # a database hiccup must not silence the tipline: log it, try again next round
            log.exception("tipline: sending replies failed; retrying in %.0f s", interval)
        stop_event.wait(interval)


class WebhookServer:
    """Uvicorn serving `create_app` on a socket bound here (port 0 picks a free one), in a thread."""

    def __init__(self, app: Starlette, host: str = "127.0.0.1", port: int = 0) -> None:
        self.socket = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM)
        self.socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.socket.bind((host, port))
        self.host, self.port = host, self.socket.getsockname()[1]
        config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(
            target=self.server.run, kwargs={"sockets": [self.socket]}, name="tipline-webhook", daemon=True
        )

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self, timeout: float = 30.0) -> WebhookServer:
        self.thread.start()
        deadline = time.monotonic() + timeout
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError(f"the webhook server did not start on {self.url}")
            time.sleep(0.05)
        return self

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=30)
        self.socket.close()

"""The Telegram channel: the Bot API over the project's HTTP session (timeouts, retries, Retry-After).

Long polling (`run_polling`): getUpdates from the saved offset; the batch is answered and the new offset
saved in one transaction (`Tipline.handle`), then the replies are sent. A crash before that commit reads
the same updates again and nothing was answered yet; after it, the offset has moved on, so a restart
never answers anyone twice. Webhook mode (Telegram POSTs each update to us) is served by
`monitor.tipline.webhook` with the same core.

`base_url` is configurable, so a local server stands in for api.telegram.org in tests and drills.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import requests

from monitor.collectors.base import CollectorError, RateLimited
from monitor.collectors.http import HttpOptions, HttpSession
from monitor.store import tips as store
from monitor.tipline.bot import Incoming, Tipline
from monitor.tipline.config import TelegramSettings
from monitor.tipline.outbox import DeliveryError

log = logging.getLogger(__name__)

CHANNEL = "telegram"
PERMANENT_CODES = frozenset({400, 401, 403, 404})  # bad chat, bot blocked by the citizen, wrong token
MAX_TEXT = 4096  # the Bot API's limit for one message
FAILURES_BEFORE_SKIPPING = 3


class TelegramApiError(Exception):
    """The Bot API answered ok=false (or not JSON); the token never appears in the message."""

    def __init__(self, message: str, *, code: int | None = None, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.retry_after = retry_after


class TelegramChannel:
    """Bot API calls for one bot token."""

    name = CHANNEL

    def __init__(
        self, settings: TelegramSettings, token: str, *, stop_event: threading.Event | None = None
    ) -> None:
        self.settings = settings
        self._token = token
        http = settings.http
        options = HttpOptions(
            base_url=settings.base_url,
            # A long poll holds the request open for poll_timeout seconds before answering.
            timeout=http.timeout + settings.poll_timeout,
            retries=http.retries,
            backoff_base=http.backoff_base,
            max_retry_after=http.max_retry_after,
            requests_per_minute=http.requests_per_minute,
        )
        self.session = HttpSession(options, stop_event=stop_event)

    def _redact(self, text: str) -> str:
        return text.replace(self._token, "<token>")

    def call(self, method: str, payload: dict[str, Any]) -> Any:
        url = f"{self.settings.base_url}/bot{self._token}/{method}"
        try:
            response = self.session.post(url, json=payload)
        except RateLimited as exc:
            raise TelegramApiError(self._redact(str(exc)), code=429, retry_after=exc.retry_after) from None
        except (CollectorError, requests.RequestException) as exc:
            raise TelegramApiError(self._redact(str(exc))) from None
        try:
            body = response.json()
        except ValueError:
            raise TelegramApiError(f"{method}: HTTP {response.status_code}, not JSON") from None
        if not isinstance(body, dict) or not body.get("ok"):
            body = body if isinstance(body, dict) else {}
            retry = (body.get("parameters") or {}).get("retry_after")
            code = body.get("error_code") or response.status_code
            description = self._redact(str(body.get("description") or "no description"))
            raise TelegramApiError(
                f"{method}: {code} {description}", code=int(code), retry_after=float(retry) if retry else None
            )
        return body.get("result")

    def get_updates(self, offset: int, timeout: int) -> list[dict[str, Any]]:
        result = self.call(
            "getUpdates", {"offset": offset, "timeout": timeout, "allowed_updates": ["message"]}
        )
        return list(result or [])

    def send(self, chat_id: str, text: str) -> None:
        try:
            payload = {"chat_id": chat_id, "text": text[:MAX_TEXT], "disable_web_page_preview": True}
            self.call("sendMessage", payload)
        except TelegramApiError as exc:
            permanent = exc.code in PERMANENT_CODES
            raise DeliveryError(str(exc), retry_after=exc.retry_after, permanent=permanent) from None


def parse_update(update: dict[str, Any]) -> Incoming | None:
    """A private-chat message (text, or a photo/document with a caption) as an `Incoming`; else None."""
    message = update.get("message")
    if not isinstance(message, dict):
        return None
    chat = message.get("chat") or {}
    if chat.get("type", "private") != "private" or "id" not in chat or "message_id" not in message:
        return None  # groups and channels are not the tipline's business
    text = message.get("text") or message.get("caption")
    forwarded = any(key in message for key in ("forward_origin", "forward_from", "forward_date"))
    sent = datetime.fromtimestamp(int(message.get("date") or 0), tz=UTC)
    return Incoming(
        channel=CHANNEL,
        chat_id=str(chat["id"]),
        message_ref=str(message["message_id"]),
        text=text if isinstance(text, str) else None,
        sent_at=sent,
        forwarded=forwarded,
    )


def run_polling(
    tipline: Tipline,
    channel: TelegramChannel,
    *,
    stop_event: threading.Event,
    on_tick: Callable[[], None] | None = None,
    error_pause: float = 5.0,
) -> None:
    """Poll, answer, send, until `stop_event` is set. API errors (429, 5xx, timeouts) pause, never stop it."""
    with tipline.db.session() as session:
        cursor = store.channel_cursor(session, CHANNEL) or {}
    offset = int(cursor.get("offset", 0))
    failures = 0
    abandoned = tipline.abandon_interrupted()
    if abandoned:
        log.warning("tipline: %d reply(ies) were being sent when the bot stopped; not resent", abandoned)
    while not stop_event.is_set():
        _send_due(tipline, channel)
        if on_tick is not None:
            on_tick()
        try:
            updates = channel.get_updates(offset, channel.settings.poll_timeout)
        except TelegramApiError as exc:
            if stop_event.is_set():
                break  # the long poll was cut short by the shutdown itself
            pause = exc.retry_after if exc.retry_after else error_pause
            log.warning("tipline: getUpdates failed (%s); trying again in %.0fs", exc, pause)
            stop_event.wait(pause)
            continue
        if not updates:
            if channel.settings.poll_timeout == 0:
                stop_event.wait(0.2)
            continue
        failures = _answer(tipline, updates, failures, error_pause, stop_event)
        if not failures:
            offset = max(int(u.get("update_id", 0)) for u in updates) + 1
        _send_due(tipline, channel)


def _send_due(tipline: Tipline, channel: TelegramChannel) -> None:
    """Send due replies; a failure (a database hiccup) is logged and retried next round, never fatal."""
    try:
        tipline.deliver(channel)
    except Exception:
        log.exception("tipline: sending replies failed; trying again on the next round")


def _answer(
    tipline: Tipline, updates: list[dict[str, Any]], failures: int, pause: float, stop_event: threading.Event
) -> int:
    """Answer a batch and save the offset past it; returns the consecutive failures so far (0: done).

    A failing batch (database down, a bug on one odd message) is retried after a pause, from the same
    offset, so nothing is lost. After a few failures in a row it is answered update by update, and an
    update that still fails is skipped (logged) so one message cannot stop the tipline for everyone."""
    offset = max(int(u.get("update_id", 0)) for u in updates) + 1
    incoming = [m for m in (parse_update(u) for u in updates) if m is not None]
    try:
        result = tipline.handle(incoming, cursor=(CHANNEL, {"offset": offset}))
    except Exception:
        failures += 1
        log.exception("tipline: answering %d update(s) failed (%d time(s) in a row)", len(updates), failures)
        if failures < FAILURES_BEFORE_SKIPPING:
            stop_event.wait(pause)
            return failures
        for update in sorted(updates, key=lambda u: int(u.get("update_id", 0))):
            message = parse_update(update)
            cursor = (CHANNEL, {"offset": int(update.get("update_id", 0)) + 1})
            try:
                tipline.handle([message] if message is not None else [], cursor=cursor)
            except Exception:
                log.exception("tipline: update %s skipped: it cannot be answered", update.get("update_id"))
                with tipline.db.session() as session:
                    store.save_channel_cursor(session, *cursor)
        return 0
    log.info(
        "tipline: %d update(s): %s; throttled %d",
        len(updates),
        ", ".join(f"{k} {v}" for k, v in sorted(result.answered.items())) or "nothing to answer",
        result.throttled,
    )
    return 0

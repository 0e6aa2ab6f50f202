"""The WhatsApp channel: the WhatsApp Business Cloud API behind the same seam as Telegram.

Incoming messages are pushed to our webhook (`monitor.tipline.webhook`), each request signed by Meta
with the app secret: X-Hub-Signature-256 = "sha256=" + HMAC-SHA256(app secret, raw body). A request
whose signature does not match is refused before its body is read as JSON. Replies go out through
POST /<version>/<phone number id>/messages with the access token, over the project's HTTP session.
Citizens type the commands without a slash too ("mulai", "hapus", "bantuan").
"""

from __future__ import annotations

import hashlib
import hmac
import threading
from datetime import UTC, datetime
from typing import Any

import requests

from monitor.collectors.base import CollectorError, RateLimited
from monitor.collectors.http import HttpOptions, HttpSession
from monitor.tipline.bot import Incoming
from monitor.tipline.config import WhatsAppSettings
from monitor.tipline.outbox import DeliveryError

CHANNEL = "whatsapp"
SIGNATURE_HEADER = "X-Hub-Signature-256"
CAPTIONED = ("image", "video", "document")


def valid_signature(app_secret: str, body: bytes, header: str | None) -> bool:
    """True when `header` is the HMAC-SHA256 of the raw body under the app secret (constant-time)."""
    if not header or not header.startswith("sha256="):
        return False
    expected = hmac.new(app_secret.encode("utf-8"), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, header[len("sha256=") :].strip().lower())


class WebhookPayloadError(ValueError):
    """The webhook body is not the Cloud API's shape; the message names the field."""


def parse_webhook(payload: Any) -> list[Incoming]:
    """The citizens' messages in one webhook delivery (delivery statuses and other fields are skipped)."""
    if not isinstance(payload, dict) or payload.get("object") != "whatsapp_business_account":
        raise WebhookPayloadError("object: expected 'whatsapp_business_account'")
    found: list[Incoming] = []
    for e, entry in enumerate(payload.get("entry") or []):
        for c, change in enumerate((entry or {}).get("changes") or []):
            if (change or {}).get("field") != "messages":
                continue
            value = change.get("value") or {}
            for m, message in enumerate(value.get("messages") or []):
                where = f"entry.{e}.changes.{c}.value.messages.{m}"
                if not isinstance(message, dict) or not message.get("from") or not message.get("id"):
                    raise WebhookPayloadError(f"{where}: a message needs 'from' and 'id'")
                kind = message.get("type")
                text: str | None = None
                if kind == "text":
                    text = (message.get("text") or {}).get("body")
                elif kind in CAPTIONED:
                    text = (message.get(kind) or {}).get("caption")
                try:
                    sent = datetime.fromtimestamp(int(message.get("timestamp") or 0), tz=UTC)
                except (TypeError, ValueError):
                    raise WebhookPayloadError(f"{where}.timestamp: expected Unix seconds") from None
                found.append(
                    Incoming(
                        channel=CHANNEL,
                        chat_id=str(message["from"]),
                        message_ref=str(message["id"])[:100],
                        text=text if isinstance(text, str) else None,
                        sent_at=sent,
                        forwarded=bool((message.get("context") or {}).get("forwarded")),
                    )
                )
    return found


class WhatsAppChannel:
    """Sends text messages from one business phone number."""

    name = CHANNEL

    def __init__(
        self, settings: WhatsAppSettings, token: str, *, stop_event: threading.Event | None = None
    ) -> None:
        if not settings.phone_number_id:
            raise ValueError("config/tipline.yml: whatsapp.phone_number_id is empty")
        self.settings = settings
        http = settings.http
        options = HttpOptions(
            base_url=settings.base_url,
            timeout=http.timeout,
            retries=http.retries,
            backoff_base=http.backoff_base,
            max_retry_after=http.max_retry_after,
            requests_per_minute=http.requests_per_minute,
        )
        self.session = HttpSession(options, stop_event=stop_event)
        self.session.headers["Authorization"] = f"Bearer {token}"
        self.url = f"{settings.base_url}/{settings.api_version}/{settings.phone_number_id}/messages"

    def send(self, chat_id: str, text: str) -> None:
        payload = {
            "messaging_product": "whatsapp",
            "recipient_type": "individual",
            "to": chat_id,
            "type": "text",
            "text": {"preview_url": False, "body": text},
        }
        try:
            response = self.session.post(self.url, json=payload)
        except RateLimited as exc:
            raise DeliveryError(str(exc), retry_after=exc.retry_after) from None
        except (CollectorError, requests.RequestException) as exc:
            raise DeliveryError(str(exc)) from None
        if response.status_code >= 400:
            try:
                error = (response.json() or {}).get("error") or {}
            except ValueError:
                error = {}
            message = f"WhatsApp API HTTP {response.status_code}: {error.get('message') or response.reason}"
            raise DeliveryError(message, permanent=400 <= response.status_code < 500)

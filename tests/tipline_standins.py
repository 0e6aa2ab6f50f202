"""Loopback stand-ins for the tipline's platforms, served by tests/httpserver.py's real HTTP server.

- `BotApiStandIn`: the Telegram Bot API's getUpdates (offset confirms earlier updates, as Telegram does)
  and sendMessage, for one token; citizens "write" with `message(...)`.
- `WhatsAppApiStandIn`: the Cloud API's POST /<version>/<phone id>/messages (Bearer token checked),
  plus `webhook_body(...)` and `sign(...)` to build what Meta would POST to our webhook.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from dataclasses import dataclass
from typing import Any

from httpserver import RecordedServer, Reply, Request


@dataclass(frozen=True)
class Sent:
    chat_id: str
    text: str


class BotApiStandIn:
    def __init__(self, server: RecordedServer, token: str, *, start_update: int = 1000) -> None:
        self.server = server
        self.token = token
        self.updates: list[dict[str, Any]] = []
        self.sent: list[Sent] = []
        self._next_update = start_update
        self._next_message: dict[str, int] = {}
        self._lock = threading.Lock()
        server.route(self.path("getUpdates"), method="POST", handler=self._get_updates)
        server.route(self.path("sendMessage"), method="POST", handler=self._send_message)

    def path(self, method: str) -> str:
        return f"/bot{self.token}/{method}"

    # -- citizens ------------------------------------------------------------------------------------------
    def message(
        self,
        chat_id: int,
        text: str | None,
        *,
        forwarded: bool = False,
        photo_caption: bool = False,
        at: float | None = None,
    ) -> int:
        """Queue a private message from `chat_id`; returns its update id."""
        with self._lock:
            key = str(chat_id)
            self._next_message[key] = self._next_message.get(key, 0) + 1
            message: dict[str, Any] = {
                "message_id": self._next_message[key],
                "date": int(at if at is not None else time.time()),
                "chat": {"id": chat_id, "type": "private", "first_name": "Warga"},
                "from": {"id": chat_id, "is_bot": False, "first_name": "Warga"},
            }
            if photo_caption:
                message["photo"] = [{"file_id": "AgAD", "width": 320, "height": 240}]
                if text is not None:
                    message["caption"] = text
            elif text is not None:
                message["text"] = text
            else:
                message["sticker"] = {"file_id": "CAAD", "emoji": "👍"}
            if forwarded:
                message["forward_origin"] = {
                    "type": "hidden_user",
                    "sender_user_name": "Grup Keluarga",
                    "date": 1,
                }
            update_id = self._next_update
            self._next_update += 1
            self.updates.append({"update_id": update_id, "message": message})
            return update_id

    def replies_to(self, chat_id: int) -> list[str]:
        with self._lock:
            return [s.text for s in self.sent if s.chat_id == str(chat_id)]

    def all_sent(self) -> list[Sent]:
        with self._lock:
            return list(self.sent)

    # -- the API -------------------------------------------------------------------------------------------
    def _get_updates(self, request: Request) -> Reply:
        payload = request.json() if request.body else {}
        offset = int(payload.get("offset") or 0)
        wait = min(float(payload.get("timeout") or 0), 1.0)
        deadline = time.monotonic() + wait
        while True:
            with self._lock:
                if offset:
                    self.updates = [u for u in self.updates if u["update_id"] >= offset]  # confirmed
                pending = self.updates[:100]
            if pending or time.monotonic() >= deadline:
                return Reply.json({"ok": True, "result": pending})
            time.sleep(0.05)

    def _send_message(self, request: Request) -> Reply:
        payload = request.json()
        if not payload.get("text") or "chat_id" not in payload:
            return Reply.json({"ok": False, "error_code": 400, "description": "Bad Request"}, status=400)
        with self._lock:
            self.sent.append(Sent(str(payload["chat_id"]), payload["text"]))
            count = len(self.sent)
        return Reply.json({"ok": True, "result": {"message_id": count, "text": payload["text"]}})


class WhatsAppApiStandIn:
    def __init__(self, server: RecordedServer, *, token: str, phone_number_id: str, version: str) -> None:
        self.token = token
        self.sent: list[Sent] = []
        self._lock = threading.Lock()
        server.route(f"/{version}/{phone_number_id}/messages", method="POST", handler=self._messages)

    def _messages(self, request: Request) -> Reply:
        if request.headers.get("Authorization") != f"Bearer {self.token}":
            return Reply.json({"error": {"message": "Invalid OAuth access token", "code": 190}}, status=401)
        payload = request.json()
        if payload.get("messaging_product") != "whatsapp" or payload.get("type") != "text":
            return Reply.json({"error": {"message": "bad payload", "code": 100}}, status=400)
        with self._lock:
            self.sent.append(Sent(str(payload["to"]), payload["text"]["body"]))
            count = len(self.sent)
        return Reply.json({"messaging_product": "whatsapp", "messages": [{"id": f"wamid.out{count}"}]})

    def replies_to(self, wa_id: str) -> list[str]:
        with self._lock:
            return [s.text for s in self.sent if s.chat_id == wa_id]


def webhook_body(
    wa_id: str, message_id: str, text: str | None, *, at: float | None = None, image: bool = False
) -> bytes:
    """What the Cloud API POSTs for one incoming message (text, or an image with a caption)."""
    message: dict[str, Any] = {"from": wa_id, "id": message_id, "timestamp": str(int(at or time.time()))}
    if image:
        message["type"] = "image"
        message["image"] = {"id": "img1", "mime_type": "image/jpeg", **({"caption": text} if text else {})}
    else:
        message["type"] = "text"
        message["text"] = {"body": text}
    body = {
        "object": "whatsapp_business_account",
        "entry": [
            {
                "id": "WABA1",
                "changes": [
                    {
                        "field": "messages",
                        "value": {
                            "messaging_product": "whatsapp",
                            "metadata": {"display_phone_number": "628000", "phone_number_id": "PHONE1"},
                            "contacts": [{"profile": {"name": "Warga"}, "wa_id": wa_id}],
                            "messages": [message],
                        },
                    }
                ],
            }
        ],
    }
    return json.dumps(body).encode("utf-8")


def sign(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()

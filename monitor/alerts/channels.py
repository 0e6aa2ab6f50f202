"""Where alerts go: a Telegram bot (Bot API), e-mail (SMTP) and a generic webhook.

Secrets never sit in config/alerts.yml: a channel names the environment variable that holds its token or
password (`token_env`, `password_env`, `secret_env`). A failed send raises `DeliveryError`, which says whether
trying again later can help (network errors, HTTP 429 and 5xx, SMTP temporary failures) or not (a wrong
token, a refused recipient, HTTP 4xx).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import smtplib
import ssl
from email.message import EmailMessage
from typing import Annotated, Any, Literal

import requests
from pydantic import BaseModel, ConfigDict, Field


class DeliveryError(RuntimeError):
    def __init__(self, message: str, *, retryable: bool, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retryable = retryable
        self.retry_after = retry_after


class _Channel(BaseModel):
    model_config = ConfigDict(extra="forbid")

    timeout_seconds: float = Field(10.0, gt=0, le=120)

    def _secret(self, variable: str | None, what: str, *, required: bool = True) -> str | None:
        if variable is None:
            return None
        value = os.environ.get(variable)
        if not value and required:
            raise DeliveryError(f"{what}: environment variable {variable} is not set", retryable=False)
        return value or None


class TelegramChannel(_Channel):
    """A Telegram bot posting into a group or channel (`chat_id`); `base_url` may point at a mirror."""

    type: Literal["telegram"]
    base_url: str = "https://api.telegram.org"
    token_env: str = "MONITOR_TELEGRAM_TOKEN"
    chat_id: str | int

    def target(self) -> str:
        return f"telegram:{self.chat_id}"

    def send(self, subject: str, text: str, payload: dict[str, Any]) -> str:
        token = str(self._secret(self.token_env, "telegram token"))
        try:
            return self._send(token, text)
        except DeliveryError as exc:  # the token is part of the URL: keep it out of logs and the database
            raise DeliveryError(
                str(exc).replace(token, "***"), retryable=exc.retryable, retry_after=exc.retry_after
            ) from None

    def _send(self, token: str, text: str) -> str:
        url = f"{self.base_url.rstrip('/')}/bot{token}/sendMessage"
        body = {"chat_id": self.chat_id, "text": text[:4096], "disable_web_page_preview": True}
        response = _post(url, json=body, timeout=self.timeout_seconds)
        try:
            answer = response.json()
        except ValueError:
            answer = {}
        if response.status_code == 200 and answer.get("ok") is True:
            message_id = (answer.get("result") or {}).get("message_id")
            return f"message_id={message_id}"
        description = answer.get("description") or response.text[:200]
        retry_after = (answer.get("parameters") or {}).get("retry_after")
        _raise_for_status(response.status_code, f"Telegram: {description}", retry_after)
        raise DeliveryError(f"Telegram: unexpected answer: {description}", retryable=True)


class EmailChannel(_Channel):
    """E-mail through an SMTP server (STARTTLS or implicit TLS optional, login optional)."""

    type: Literal["email"]
    host: str
    port: int = Field(25, ge=1, le=65535)
    security: Literal["none", "starttls", "tls"] = "none"
    username: str | None = None
    password_env: str | None = None
    sender: str
    recipients: list[str] = Field(min_length=1)

    def target(self) -> str:
        return "email:" + ",".join(self.recipients)

    def send(self, subject: str, text: str, payload: dict[str, Any]) -> str:
        password = self._secret(self.password_env, "SMTP password") if self.username else None
        message = EmailMessage()
        message["Subject"] = subject
        message["From"] = self.sender
        message["To"] = ", ".join(self.recipients)
        message.set_content(text)
        try:
            if self.security == "tls":
                client: smtplib.SMTP = smtplib.SMTP_SSL(
                    self.host, self.port, timeout=self.timeout_seconds, context=ssl.create_default_context()
                )
            else:
                client = smtplib.SMTP(self.host, self.port, timeout=self.timeout_seconds)
            with client:
                if self.security == "starttls":
                    client.starttls(context=ssl.create_default_context())
                if self.username:
                    client.login(self.username, password or "")
                refused = client.send_message(message)
        except (
            smtplib.SMTPAuthenticationError,
            smtplib.SMTPRecipientsRefused,
            smtplib.SMTPSenderRefused,
        ) as exc:
            raise DeliveryError(f"SMTP refused: {exc}", retryable=False) from exc
        except (smtplib.SMTPException, OSError) as exc:
            raise DeliveryError(f"SMTP {self.host}:{self.port}: {exc}", retryable=True) from exc
        if refused:
            return "refused: " + ", ".join(sorted(refused))
        return f"{len(self.recipients)} recipient(s)"


class WebhookChannel(_Channel):
    """A JSON POST to any URL; with `secret_env`, the body is signed (X-Monitor-Signature: sha256=...)."""

    type: Literal["webhook"]
    url: str
    headers: dict[str, str] = Field(default_factory=dict)
    secret_env: str | None = None

    def target(self) -> str:
        return self.url

    def send(self, subject: str, text: str, payload: dict[str, Any]) -> str:
        body = json.dumps({"subject": subject, "text": text, **payload}, ensure_ascii=False, default=str)
        headers = {"Content-Type": "application/json; charset=utf-8", **self.headers}
        secret = self._secret(self.secret_env, "webhook secret")
        if secret:
            digest = hmac.new(secret.encode(), body.encode("utf-8"), hashlib.sha256).hexdigest()
            headers["X-Monitor-Signature"] = f"sha256={digest}"
        response = _post(self.url, data=body.encode("utf-8"), headers=headers, timeout=self.timeout_seconds)
        if 200 <= response.status_code < 300:
            return f"HTTP {response.status_code}"
        retry_after = response.headers.get("Retry-After")
        _raise_for_status(response.status_code, f"webhook: HTTP {response.status_code}", retry_after)
        raise DeliveryError(f"webhook: HTTP {response.status_code}", retryable=False)


Channel = Annotated[TelegramChannel | EmailChannel | WebhookChannel, Field(discriminator="type")]


def _post(url: str, *, timeout: float, **kwargs: Any) -> requests.Response:
    try:
        return requests.post(url, timeout=timeout, **kwargs)
    except requests.RequestException as exc:
        raise DeliveryError(f"{type(exc).__name__}: {exc}", retryable=True) from exc


def _raise_for_status(status: int, message: str, retry_after: Any) -> None:
    if status == 429 or status >= 500:
        try:
            wait = float(retry_after) if retry_after is not None else None
        except (TypeError, ValueError):
            wait = None
        raise DeliveryError(message, retryable=True, retry_after=wait)
    if status >= 400:
        raise DeliveryError(message, retryable=False)

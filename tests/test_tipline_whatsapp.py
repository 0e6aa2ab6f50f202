"""The WhatsApp channel: signed webhook deliveries to our real server, replies to a loopback Cloud API."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import pytest
import requests
from httpserver import RecordedServer
from sqlalchemy import func, select
from tipline_fixtures import HOAX_FORWARD, SECRET, UNKNOWN, load_model, seed_claims, tipline_config, wait_for
from tipline_standins import WhatsAppApiStandIn, sign, webhook_body

from monitor import triage
from monitor.auth import Actor
from monitor.classify import Classifier
from monitor.config import Settings
from monitor.store import Database
from monitor.store.schema import Post, Tip
from monitor.tipline import TipKeys, Tipline
from monitor.tipline.webhook import WebhookSecrets, WebhookServer, create_app, run_outbox
from monitor.tipline.whatsapp import WhatsAppChannel

APP_SECRET = "whatsapp-app-secret"
VERIFY = "verify-me"
TG_SECRET = "telegram-webhook-secret"
WA_TOKEN = "wa-access-token"


@pytest.fixture(scope="module")
def model() -> Classifier:
    return load_model()


@dataclass
class Setup:
    url: str
    api: WhatsAppApiStandIn
    tipline: Tipline
    channel: WhatsAppChannel

    def post(self, body: bytes, signature: str | None = "good") -> requests.Response:
        headers = {"Content-Type": "application/json"}
        if signature == "good":
            headers["X-Hub-Signature-256"] = sign(APP_SECRET, body)
        elif signature is not None:
            headers["X-Hub-Signature-256"] = signature
        return requests.post(f"{self.url}/whatsapp", data=body, headers=headers, timeout=60)


@contextmanager
def whatsapp(db: Database, settings: Settings, model: Classifier) -> Iterator[Setup]:
    seed_claims(db, settings)
    with RecordedServer() as cloud:
        config = tipline_config(cloud.url)
        config.notify.every_seconds = 0.2
        api = WhatsAppApiStandIn(
            cloud, token=WA_TOKEN, phone_number_id="PHONE1", version=config.whatsapp.api_version
        )
        tipline = Tipline(db, config, TipKeys(SECRET), model)
        tipline.refresh_claims()
        stop = threading.Event()
        channel = WhatsAppChannel(config.whatsapp, WA_TOKEN, stop_event=stop)
        secrets = WebhookSecrets(APP_SECRET, VERIFY, TG_SECRET)
        server = WebhookServer(create_app(tipline, secrets)).start()
        worker = threading.Thread(
            target=run_outbox,
            args=(tipline, [channel]),
            kwargs={"stop_event": stop, "interval": 0.1},
            daemon=True,
        )
        worker.start()
        try:
            yield Setup(server.url, api, tipline, channel)
        finally:
            stop.set()
            worker.join(timeout=60)
            server.stop()


def test_signature_is_checked_and_subscription_verified(
    db: Database, settings: Settings, model: Classifier
) -> None:
    with whatsapp(db, settings, model) as wa:
        body = webhook_body("6281200000001", "wamid.A1", HOAX_FORWARD)
        assert wa.post(body, signature=None).status_code == 401
        assert wa.post(body, signature=sign("another-secret", body)).status_code == 401
        assert wa.post(body + b" ", signature=sign(APP_SECRET, body)).status_code == 401  # body changed
        assert wa.post(b"not json").status_code == 400
        check = {"hub.mode": "subscribe", "hub.verify_token": VERIFY, "hub.challenge": "1158201444"}
        assert requests.get(f"{wa.url}/whatsapp", params=check, timeout=30).text == "1158201444"
        check["hub.verify_token"] = "wrong"
        assert requests.get(f"{wa.url}/whatsapp", params=check, timeout=30).status_code == 403
        with db.session() as session:
            assert (
                session.scalar(select(func.count()).select_from(Tip)) == 0
            )  # refused requests stored nothing


def test_hoax_answered_unknown_queued_and_verdict_sent_after_decision(
    db: Database, settings: Settings, model: Classifier
) -> None:
    with whatsapp(db, settings, model) as wa:
        citizen, other = "6281200000002", "6281200000003"
        assert wa.post(webhook_body(citizen, "wamid.B1", "mulai")).status_code == 200
        assert wa.post(webhook_body(citizen, "wamid.B2", HOAX_FORWARD)).status_code == 200
        assert wa.post(webhook_body(other, "wamid.C1", HOAX_FORWARD, image=True)).status_code == 200
        response = wa.post(webhook_body(citizen, "wamid.B3", UNKNOWN))
        assert response.json()["answered"] == {"queued": 1}
        assert wa.post(webhook_body(citizen, "wamid.B3", UNKNOWN)).json()["answered"] == {}  # redelivered
        wait_for(lambda: len(wa.api.replies_to(citizen)) == 3, what="three replies")
        consent, debunk, queued = wa.api.replies_to(citizen)
        assert "Lindungi Hakmu" in consent and "/hapus" in consent
        assert debunk.startswith("⚠️ HOAKS.") and wa.api.replies_to(other)[0].startswith("⚠️ HOAKS.")
        assert queued.startswith("Terima kasih, sedang kami periksa.")

        with db.session() as session:
            post = session.scalars(select(Post).where(Post.platform == "tipline")).one()
            triage.apply(
                session, Actor("petugas", "kpu"), post.id, "hoax", expected_version=post.triage_version
            )
        wait_for(lambda: len(wa.api.replies_to(citizen)) == 4, what="the officers' verdict")
        assert "HOAKS" in wa.api.replies_to(citizen)[3] and "Nanga Taman" in wa.api.replies_to(citizen)[3]

        assert wa.post(webhook_body(citizen, "wamid.B4", "hapus")).status_code == 200
        wait_for(lambda: len(wa.api.replies_to(citizen)) == 5, what="the deletion notice")
    assert wa.api.replies_to(citizen)[4].startswith("Data Anda sudah dihapus (2 pesan)")
    assert len(wa.api.replies_to(citizen)) == 5  # the verdict went out once


def test_telegram_webhook_needs_its_secret(db: Database, settings: Settings, model: Classifier) -> None:
    update = {
        "update_id": 9,
        "message": {
            "message_id": 1,
            "date": int(time.time()),  # recent: an old date would be purged by retention
            "chat": {"id": 77, "type": "private"},
            "text": UNKNOWN,
        },
    }
    with whatsapp(db, settings, model) as wa:
        url = f"{wa.url}/telegram"
        assert requests.post(url, json=update, timeout=30).status_code == 401
        headers = {"X-Telegram-Bot-Api-Secret-Token": TG_SECRET}
        assert requests.post(url, json=update, headers=headers, timeout=30).status_code == 200
        assert requests.post(url, json=update, headers=headers, timeout=30).status_code == 200  # retried
    with db.session() as session:
        assert session.scalars(select(Tip.kind)).all() == ["queued"]

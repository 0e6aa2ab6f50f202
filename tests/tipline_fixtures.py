"""Shared setup of the tipline tests: the real default model, the store's known claims, a running bot."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from httpserver import RecordedServer
from tipline_standins import BotApiStandIn

from monitor.classify import Classifier, load_classifier
from monitor.config import Settings
from monitor.store import Database, queries
from monitor.tipline import TipKeys, Tipline, TiplineConfig
from monitor.tipline.telegram import TelegramChannel, run_polling

REPO = Path(__file__).resolve().parent.parent
TOKEN = "123456:TEST-token-for-the-stand-in"
SECRET = "a-test-secret-of-at-least-32-characters!"
TRUE_FACT = {
    "key": "fakta-sekadau-001",
    "claim": (
        "KPU Kabupaten Sekadau membuka posko pengecekan DPT di setiap kantor kecamatan selama Januari 2024."
    ),
    "verdict": "benar",
    "source_url": "https://kab-sekadau.kpu.go.id/",
    "explanation": "Posko dibuka setiap hari kerja pukul 08.00-15.00 WIB di kantor camat.",
    "topics": ["sidalih"],
}
HOAX_FORWARD = (
    "Info dari grup sebelah: ribuan WNA asal China diberi KTP elektronik dan dimasukkan ke DPT "
    "agar bisa ikut mencoblos di Pemilu 2024!! Sebarkan"
)
UNKNOWN = "Katanya kotak suara di desa Nanga Taman sudah dibuka semalam sebelum pencoblosan, benar tidak?"


def load_model() -> Classifier:
    return load_classifier(REPO / "models" / "default")


def seed_claims(db: Database, settings: Settings) -> None:
    from monitor.cli.core import seed_known_claims

    seed_known_claims(db, settings)
    with db.session() as session:
        queries.upsert_known_claims(session, [TRUE_FACT])


def tipline_config(base_url: str, **limits: int) -> TiplineConfig:
    return TiplineConfig.model_validate(
        {
            "limits": {"per_minute": limits.get("per_minute", 5), "per_day": limits.get("per_day", 60)},
            "telegram": {
                "base_url": base_url,
                "poll_timeout": 1,
                "http": {"timeout": 10, "retries": 2, "backoff_base": 0.05, "requests_per_minute": None},
            },
            "whatsapp": {
                "enabled": True,
                "base_url": base_url,
                "phone_number_id": "PHONE1",
                "http": {"timeout": 10, "retries": 2, "backoff_base": 0.05, "requests_per_minute": None},
            },
        }
    )


def wait_for(condition: Callable[[], object], *, timeout: float = 60.0, what: str = "condition") -> None:
    """Poll until `condition()` is truthy; fail with `what` after a generous deadline."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out after {timeout:g}s waiting for {what}")


@dataclass
class RunningBot:
    tipline: Tipline
    channel: TelegramChannel
    stop_event: threading.Event
    thread: threading.Thread

    def stop(self) -> None:
        self.stop_event.set()
        self.thread.join(timeout=60)
        assert not self.thread.is_alive(), "the polling loop did not stop"


@contextmanager
def running_bot(
    db: Database, config: TiplineConfig, model: Classifier, *, on_tick: Callable[[], None] | None = None
) -> Iterator[RunningBot]:
    tipline = Tipline(db, config, TipKeys(SECRET), model)
    tipline.refresh_claims()
    stop = threading.Event()
    channel = TelegramChannel(config.telegram, TOKEN, stop_event=stop)
    thread = threading.Thread(
        target=run_polling,
        args=(tipline, channel),
        kwargs={"stop_event": stop, "on_tick": on_tick, "error_pause": 0.2},
        name="tipline-test",
        daemon=True,
    )
    thread.start()
    bot = RunningBot(tipline, channel, stop, thread)
    try:
        yield bot
    finally:
        if thread.is_alive():
            bot.stop()


@contextmanager
def bot_api() -> Iterator[tuple[RecordedServer, BotApiStandIn]]:
    with RecordedServer() as server:
        yield server, BotApiStandIn(server, TOKEN)

"""The tipline's settings (config/tipline.yml): channels, links, limits, retention, texts for citizens.

Secrets never live in the file: it names the environment variables that hold them.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator

from monitor.config import ConfigError, Settings, read_yaml_model

CONFIG_FILE = Path("config/tipline.yml")


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid")


def _http_url(value: str) -> str:
    value = value.strip()
    if not value.startswith(("http://", "https://")):
        raise ValueError("an http:// or https:// URL")
    return value.rstrip("/")


# A service's base URL: http(s) only, without a trailing slash.
BaseUrl = Annotated[str, AfterValidator(_http_url)]


class Links(_Section):
    dpt_check: str = "https://cekdptonline.kpu.go.id/"
    kpu: str = "https://www.kpu.go.id/"
    local_office: str = "https://kab-sekadau.kpu.go.id/"

    @field_validator("dpt_check", "kpu", "local_office")
    @classmethod
    def _url(cls, value: str) -> str:
        return _http_url(value) + "/" if value.strip().endswith("/") else _http_url(value)


class Limits(_Section):
    """Per-citizen limits: a flood gets one notice, then silence until the window passes."""

    per_minute: int = Field(6, ge=1, le=600)
    per_day: int = Field(60, ge=1, le=10000)
    max_chars: int = Field(4000, ge=100, le=20000, description="Longer messages are cut before storage.")


class Notify(_Section):
    max_per_run: int = Field(200, ge=1, le=100000, description="Verdict messages queued per call.")
    every_seconds: float = Field(60.0, gt=0, le=86400, description="How often `tipline run` looks for them.")


class HttpSettings(_Section):
    timeout: float = Field(20.0, gt=0, le=600)
    retries: int = Field(3, ge=0, le=10)
    backoff_base: float = Field(1.0, ge=0, le=60)
    max_retry_after: float = Field(60.0, ge=0, le=3600)
    requests_per_minute: float | None = Field(1200.0, gt=0, le=100000)


class TelegramSettings(_Section):
    enabled: bool = True
    token_env: str = "MONITOR_TIPLINE_TELEGRAM_TOKEN"
    base_url: BaseUrl = "https://api.telegram.org"
    poll_timeout: int = Field(25, ge=0, le=50, description="Seconds getUpdates waits for a message.")
    webhook_secret_env: str = "MONITOR_TIPLINE_TELEGRAM_WEBHOOK_SECRET"
    http: HttpSettings = HttpSettings()


class WhatsAppSettings(_Section):
    enabled: bool = False
    token_env: str = "MONITOR_TIPLINE_WHATSAPP_TOKEN"
    app_secret_env: str = "MONITOR_TIPLINE_WHATSAPP_APP_SECRET"
    verify_token_env: str = "MONITOR_TIPLINE_WHATSAPP_VERIFY_TOKEN"
    phone_number_id: str = ""
    base_url: BaseUrl = "https://graph.facebook.com"
    api_version: str = "v21.0"
    http: HttpSettings = HttpSettings()


class Texts(_Section):
    """What citizens read on /mulai and /bantuan (Bahasa Indonesia); {name} and links are filled in."""

    consent: str = (
        "Selamat datang di {name}, layanan cek pesan pemilu {office}.\n\n"
        "Teruskan atau ketik pesan yang Anda ragukan; kami jawab apakah pesan itu hoaks yang sudah "
        "dibantah. Pesan yang belum kami kenal diperiksa petugas.\n\n"
        "Dengan /mulai Anda setuju kami menyimpan isi pesan yang Anda kirim (nomor NIK disamarkan) dan "
        "mengirim hasil pemeriksaan petugas ke percakapan ini. Identitas akun Anda tidak kami simpan, "
        "hanya kode samaran. Data dihapus setelah {retention_days} hari, atau kapan saja dengan /hapus. "
        "Berhenti menerima hasil pemeriksaan: /berhenti."
    )
    help: str = (
        "{name} — cara memakai:\n"
        "• Teruskan (forward) atau ketik pesan tentang pemilu yang Anda ragukan.\n"
        "• Cek apakah Anda terdaftar sebagai pemilih: {dpt_check} (jangan kirim NIK ke sini).\n"
        "• /mulai — persetujuan dan menerima hasil pemeriksaan petugas\n"
        "• /berhenti — berhenti menerima hasil pemeriksaan\n"
        "• /hapus — hapus semua pesan Anda dari sistem kami\n"
        "• /bantuan — pesan ini\n"
        "Informasi resmi: {kpu}"
    )


class TiplineConfig(_Section):
    name: str = "Lindungi Hakmu"
    office: str = "KPU Kabupaten Sekadau"
    secret_env: str = Field(
        "MONITOR_TIPLINE_SECRET",
        description="Holds the key for chat-id pseudonyms and encrypted reply addresses (32+ characters).",
    )
    retention_days: int = Field(90, ge=1, le=3650)
    queue_floor: float = Field(
        0.5, ge=0, le=1, description="Lowest score a queued tip is ranked with: a citizen asked about it."
    )
    links: Links = Links()
    limits: Limits = Limits()
    notify: Notify = Notify()
    dpt_patterns: list[str] = Field(
        default_factory=lambda: [
            r"\bcek\s*(?:nama\s+(?:di\s+)?)?dpt\b",
            r"\b(?:apakah|apa)\s+(?:saya|aku|nama\s+saya)\s+(?:sudah\s+|udah\s+)?terdaftar\b",
            r"\bcara\s+(?:cek|mengecek|memeriksa|melihat)\b.*\b(?:dpt|terdaftar|pemilih|tps)\b",
            r"\b(?:dimana|di\s+mana|tps\s+mana)\b.*\b(?:saya|aku)\b.*\b(?:memilih|mencoblos|nyoblos)\b",
            r"\bcek\s*(?:tps|terdaftar)\b",
        ],
        description="A short message matching one of these asks how to check one's own registration.",
    )
    dpt_max_chars: int = Field(200, ge=20, le=2000)
    min_words: int = Field(
        4,
        ge=1,
        le=50,
        description="Shorter messages (greetings, thanks) get a hint, not a place in the queue.",
    )
    texts: Texts = Texts()
    telegram: TelegramSettings = TelegramSettings()
    whatsapp: WhatsAppSettings = WhatsAppSettings()

    @field_validator("dpt_patterns")
    @classmethod
    def _patterns(cls, values: list[str]) -> list[str]:
        for index, value in enumerate(values):
            try:
                re.compile(value)
            except re.error as exc:
                raise ValueError(f"pattern {index} is not a regular expression: {exc}") from None
        return values

    def secret(self) -> str:
        """The pseudonym/encryption key from the environment; a clear error when missing or short."""
        return require_env(self.secret_env, "the tipline's pseudonym key", min_length=32)


def require_env(name: str, what: str, *, min_length: int = 1) -> str:
    value = os.environ.get(name, "")
    if not value:
        raise ConfigError(f"{what} is missing: set the environment variable {name} (config/tipline.yml)")
    if len(value) < min_length:
        raise ConfigError(f"{what} in {name} is too short: use at least {min_length} characters")
    return value


def load_tipline_config(settings: Settings, path: Path | str | None = None) -> TiplineConfig:
    """config/tipline.yml under the project home (or `path`); errors name the file, line and key."""
    file = Path(path) if path is not None else settings.path(CONFIG_FILE)
    return read_yaml_model(file, TiplineConfig, what="tipline configuration")

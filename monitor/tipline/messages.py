"""What the bot says to citizens, in Bahasa Indonesia: short, plain, with the source to check it.

The consent and help texts are the district's to word (config/tipline.yml); the answers are here so each
kind of answer has one wording. Every answer fits one chat bubble (Telegram allows 4096 characters).
"""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

from monitor.i18n import format_moment
from monitor.text.display import shorten
from monitor.text.verdicts import canonical_verdict
from monitor.tipline.config import TiplineConfig

MAX_EXPLANATION = 240
MAX_SNIPPET = 90
_SENTENCE_END = re.compile(r"(?<=[.!?])\s")


def one_line(text: str | None, limit: int = MAX_EXPLANATION) -> str:
    """The first sentence of an explanation, cut to `limit` characters."""
    if not text:
        return ""
    return shorten(_SENTENCE_END.split(" ".join(text.split()), maxsplit=1)[0], limit)


def snippet(text: str, limit: int = MAX_SNIPPET) -> str:
    return shorten(text, limit)


def _verdict_label(verdict: str | None) -> str:
    return (canonical_verdict(verdict) or verdict or "hoaks").upper()


def _source(url: str | None, fallback: str) -> str:
    return f"Sumber: {url}" if url else f"Informasi resmi: {fallback}"


def debunk(
    cfg: TiplineConfig, claim: str, verdict: str | None, explanation: str | None, url: str | None
) -> str:
    lines = [
        f"⚠️ {_verdict_label(verdict)}. Pesan ini cocok dengan klaim yang sudah dibantah:",
        f"“{snippet(claim, 200)}”",
    ]
    if explanation:
        lines.append(f"Faktanya: {one_line(explanation)}")
    lines.append(_source(url, cfg.links.kpu))
    lines.append("Mohon jangan disebarkan lagi.")
    return "\n".join(lines)


def fact(cfg: TiplineConfig, claim: str, explanation: str | None, url: str | None) -> str:
    lines = ["✅ BENAR. Informasi ini sesuai dengan fakta yang sudah diperiksa:", f"“{snippet(claim, 200)}”"]
    if explanation:
        lines.append(one_line(explanation))
    lines.append(_source(url, cfg.links.kpu))
    return "\n".join(lines)


def officer_verdict(cfg: TiplineConfig, verdict: str, explanation: str | None) -> str:
    """The answer when officers already decided an identical message."""
    if verdict == "hoax":
        lines = [f"⚠️ HOAKS. Petugas {cfg.office} sudah memeriksa pesan ini dan menyatakannya hoaks."]
        if explanation:
            lines.append(f"Faktanya: {one_line(explanation)}")
        lines += [f"Informasi resmi: {cfg.links.kpu}", "Mohon jangan disebarkan lagi."]
        return "\n".join(lines)
    return (
        f"ℹ️ Petugas {cfg.office} sudah memeriksa pesan ini dan tidak menemukan hoaks di dalamnya.\n"
        f"Tetap periksa informasi resmi: {cfg.links.kpu}"
    )


def dpt(cfg: TiplineConfig) -> str:
    return (
        "Cara memeriksa apakah Anda terdaftar sebagai pemilih (DPT):\n"
        f"1. Buka layanan resmi KPU: {cfg.links.dpt_check}\n"
        "2. Ketik NIK Anda sendiri di situs itu, lalu tekan Pencarian.\n"
        "3. Nama, TPS dan alamat TPS Anda akan tampil.\n"
        "Jangan kirim NIK kepada siapa pun, termasuk ke percakapan ini. "
        f"Belum terdaftar atau datanya salah? Hubungi {cfg.office}: {cfg.links.local_office}"
    )


def queued(cfg: TiplineConfig, *, consented: bool) -> str:
    follow = (
        "Hasilnya kami kirim ke sini setelah petugas memutuskan."
        if consented
        else "Ketik /mulai jika ingin menerima hasil pemeriksaan petugas di sini."
    )
    return f"Terima kasih, sedang kami periksa. Pesan ini belum ada dalam daftar cek fakta kami. {follow}"


NIK_NOTE = (
    "Catatan: nomor NIK dalam pesan Anda sudah kami samarkan. Jangan bagikan NIK di pesan berantai atau "
    "kepada pihak yang meminta lewat pesan."
)


def with_nik_note(text: str, masked: bool) -> str:
    return f"{text}\n\n{NIK_NOTE}" if masked else text


def consent(cfg: TiplineConfig) -> str:
    return cfg.texts.consent.format(**_fields(cfg))


def help_text(cfg: TiplineConfig) -> str:
    return cfg.texts.help.format(**_fields(cfg))


def _fields(cfg: TiplineConfig) -> dict[str, object]:
    return {
        "name": cfg.name,
        "office": cfg.office,
        "retention_days": cfg.retention_days,
        "dpt_check": cfg.links.dpt_check,
        "kpu": cfg.links.kpu,
        "local_office": cfg.links.local_office,
    }


def deleted(tips: int) -> str:
    return (
        f"Data Anda sudah dihapus ({tips} pesan). Anda tidak akan menerima hasil pemeriksaan lagi; "
        "ketik /mulai untuk memakai layanan ini kembali."
    )


STOPPED = "Anda tidak akan menerima hasil pemeriksaan petugas lagi. Ketik /mulai untuk mengaktifkan kembali."
THROTTLED = (
    "Terlalu banyak pesan dalam waktu singkat. Mohon tunggu beberapa menit, lalu kirim lagi pesan yang ingin "
    "diperiksa."
)
TOO_SHORT = (
    "Pesan ini terlalu singkat untuk diperiksa. Teruskan (forward) pesan lengkap yang Anda ragukan, atau "
    "ketik /bantuan."
)
NO_TEXT = "Kirim teks pesan, atau foto dengan keterangan (caption), yang ingin diperiksa. Bantuan: /bantuan"


def demand_label(askers: int) -> str:
    """Shown as the author of a queued tip: the officers see at a glance how many citizens asked."""
    return f"Ditanya {askers} warga"


def decided_later(
    cfg: TiplineConfig, tz: ZoneInfo, *, verdict: str, text: str, asked_at: datetime, explanation: str | None
) -> str:
    """The officers' verdict, sent once to everyone who asked and agreed to hear back."""
    head = f"Hasil pemeriksaan {cfg.office} atas pesan yang Anda kirim {format_moment(asked_at, tz)}:"
    quoted = f"“{snippet(text)}”"
    if verdict == "hoax":
        lines = [head, quoted, "⚠️ Pesan ini HOAKS. Mohon jangan disebarkan."]
        if explanation:
            lines.append(f"Faktanya: {one_line(explanation)}")
    else:
        lines = [head, quoted, "ℹ️ Petugas tidak menemukan hoaks dalam pesan ini."]
    lines.append(f"Informasi resmi: {cfg.links.kpu}")
    return "\n".join(lines)

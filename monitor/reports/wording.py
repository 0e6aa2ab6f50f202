"""Bahasa Indonesia wording for the weekly report: labels, numbers, dates, changes and durations."""

from __future__ import annotations

import math
from datetime import date

from monitor.i18n import MONTHS_ID, format_moment
from monitor.i18n import zone_name as zone_name

DAY_NAMES = ("Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu")
DAY_SHORT = ("Sen", "Sel", "Rab", "Kam", "Jum", "Sab", "Min")
MONTHS = MONTHS_ID

TOPIC_LABELS = {
    "sidalih": "Sidalih (daftar pemilih)",
    "sirekap": "Sirekap (rekapitulasi)",
    "candidates": "Kandidat 01/02/03",
    "procedure": "Prosedur pemungutan",
    "other": "Lainnya",
}
TOPIC_SHORT = {
    "sidalih": "Sidalih",
    "sirekap": "Sirekap",
    "candidates": "Kandidat",
    "procedure": "Prosedur",
    "other": "Lainnya",
}
STATUS_LABELS = {
    "new": "baru (belum ditinjau)",
    "in_review": "sedang ditinjau",
    "needs_check": "perlu dicek",
    "hoax": "hoaks",
    "not_hoax": "bukan hoaks",
    "escalated": "dieskalasi",
    "violation": "pelanggaran pemilu",
    "closed": "ditutup",
    "none": "belum masuk antrean",
}
AGENCY_LABELS = {"bawaslu": "Bawaslu", "polri": "Polri"}


def status_label(status: str | None) -> str:
    return STATUS_LABELS.get(status or "none", status or "-")


def number(value: int | float) -> str:
    """1234567 -> '1.234.567' (Indonesian thousands separator)."""
    return f"{int(value):,}".replace(",", ".")


def decimal(value: float, places: int = 1) -> str:
    text = f"{value:,.{places}f}"
    return text.replace(",", "_").replace(".", ",").replace("_", ".")


def percent(share: float | None, places: int = 1) -> str:
    if share is None or (isinstance(share, float) and math.isnan(share)):
        return "-"
    return decimal(share * 100, places) + "%"


def change(current: int | float | None, previous: int | float | None, *, kind: str = "count") -> str:
    """The change from last week, e.g. '+12 (+8,0%)', '−3 (−20,0%)', 'tetap', '+5 (minggu lalu 0)'."""
    if current is None or previous is None:
        return "-" if current is None and previous is None else "tidak dapat dibandingkan"
    if kind == "duration":
        delta = current - previous
        if abs(delta) < 60:
            return "tetap"
        sign = "+" if delta > 0 else "−"
        return f"{sign}{duration(abs(delta))}"
    delta = int(current) - int(previous)
    if delta == 0:
        return "tetap"
    sign = "+" if delta > 0 else "−"
    if previous == 0:
        return f"{sign}{number(abs(delta))} (minggu lalu 0)"
    return f"{sign}{number(abs(delta))} ({sign}{decimal(abs(delta) / previous * 100)}%)"


def duration(seconds: float | None) -> str:
    """Seconds -> '2 hari 3 jam', '4 jam 5 menit', '12 menit', '< 1 menit'."""
    if seconds is None:
        return "-"
    minutes = int(round(seconds / 60))
    if minutes < 1:
        return "< 1 menit"
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    if days:
        return f"{days} hari {hours} jam" if hours else f"{days} hari"
    if hours:
        return f"{hours} jam {minutes} menit" if minutes else f"{hours} jam"
    return f"{minutes} menit"


def long_date(day: date) -> str:
    return f"{DAY_NAMES[day.weekday()]}, {day.day} {MONTHS[day.month - 1]} {day.year}"


def short_date(day: date) -> str:
    return f"{DAY_SHORT[day.weekday()]} {day.day} {MONTHS[day.month - 1][:3]}"


# The report's instants and zone names are the officer-facing ones of monitor.i18n.
moment = format_moment

"""The weekly report for the coffee-morning forum: one frozen ISO week (WIB) as a PDF or HTML document.

    build_weekly_report(db, settings, "2024-W07", "pdf") -> bytes
    scheduled_weekly_report(settings) -> Path        # the previous week, written into paths.reports_dir
    default_filename("2024-W07", "pdf") -> "laporan-mingguan-2024-W07.pdf"

The same database and week give the same document: no wall-clock time is printed, the HTML is
byte-identical and the PDF is rendered with reportlab's invariant mode.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from monitor.config import Settings
from monitor.store import Database
from monitor.store.weeks import WeekError, WeekWindow, parse_week, week_of

FORMATS = ("pdf", "html")

__all__ = [
    "FORMATS",
    "WeekError",
    "build_weekly_report",
    "default_filename",
    "previous_week",
    "scheduled_weekly_report",
]


def _check_format(fmt: str) -> str:
    fmt = (fmt or "").lower()
    if fmt not in FORMATS:
        raise ValueError(f"report format {fmt!r} is not one of: {', '.join(FORMATS)}")
    return fmt


def default_filename(week: str, fmt: str = "pdf") -> str:
    """The report's file name, e.g. laporan-mingguan-2024-W07.pdf (the week normalised to ISO form)."""
    label = parse_week(week, ZoneInfo("UTC")).label  # the label does not depend on the zone
    return f"laporan-mingguan-{label}.{_check_format(fmt)}"


def previous_week(settings: Settings, now: datetime | None = None) -> WeekWindow:
    """The last complete ISO week before `now` (default: the current time), in the report's time zone."""
    moment = now or datetime.now(UTC)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return week_of(moment, settings.tz).previous()


def build_weekly_report(db: Database, settings: Settings, week: str, fmt: str = "pdf") -> bytes:
    """Render one ISO week ("2024-W07", in settings.timezone) as PDF or HTML bytes."""
    from monitor.reports.data import collect_week
    from monitor.reports.document import build_document

    fmt = _check_format(fmt)
    window = parse_week(week, settings.tz)
    document = build_document(collect_week(db, settings, window))
    if fmt == "html":
        from monitor.reports.html import render_html

        return render_html(document)
    from monitor.reports.pdf import render_pdf

    return render_pdf(document)


def write_report(content: bytes, path: Path) -> Path:
    """Write atomically, so the dashboard never offers a half-written file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.partial")
    partial.write_bytes(content)
    os.replace(partial, path)
    return path


def scheduled_weekly_report(settings: Settings, now: datetime | None = None) -> Path:
    """The Monday job: the previous ISO week's PDF, written into settings.paths.reports_dir."""
    window = previous_week(settings, now)
    db = Database(settings.resolved_database_url)
    try:
        db.check_current()
        content = build_weekly_report(db, settings, window.label, "pdf")
    finally:
        db.dispose()
    target = settings.path(settings.paths.reports_dir) / default_filename(window.label, "pdf")
    return write_report(content, target)

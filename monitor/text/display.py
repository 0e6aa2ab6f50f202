"""Text as a short line for people to read: alerts, tipline answers, reasons, tables."""

from __future__ import annotations


def shorten(text: str, limit: int) -> str:
    """`text` on one line (whitespace runs become one space), cut to `limit` characters with "…"."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"

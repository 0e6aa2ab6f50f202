"""Test helper: run a collector the strict way, raising the first target's typed error.

Collectors report a failing target in `collector.reports` and go on with the others (what the service
wants); a test about one fault wants the error itself.
"""

from __future__ import annotations

from typing import Any

from monitor.collectors.base import Collector
from monitor.records import RawPost


def strict(
    collector: Collector, cursor: dict[str, Any] | None = None, into: list | None = None
) -> list[RawPost]:
    """Every post of one fetch (also appended to `into`), then the first failed target's error, if any."""
    posts = into if into is not None else []
    posts.extend(collector.fetch(cursor))
    for report in collector.reports.values():
        if report.ok is False:
            assert report.exception is not None
            raise report.exception
    return posts

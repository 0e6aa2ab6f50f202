"""The reject file of an import: every rejected line with its number, reason and an excerpt.

Used by `monitor import` (`<input>.rejects.jsonl` or `--rejects PATH`) and by the inbox collector.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from monitor.collectors.files import RejectedLine


def default_rejects_path(path: Path | str) -> Path:
    """`<input>.rejects.jsonl` next to the input file."""
    path = Path(path)
    return path.with_name(path.name + ".rejects.jsonl")


class RejectLog:
    """Every rejected line of an import, one JSON object a line: {"line", "reason", "excerpt"}.

    Written as the import goes (nothing held in memory) and created only when a line is rejected, so
    100,000 rejects cost disk, not memory, and each is findable by its line number."""

    def __init__(self, path: Path | str, *, fresh: bool = True) -> None:
        self.path = Path(path)
        self.count = 0
        self._handle: Any = None
        if fresh:
            self.path.unlink(missing_ok=True)  # a list from an earlier run of this file would mislead

    def write(self, rejected: RejectedLine) -> None:
        if self._handle is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._handle = self.path.open("a", encoding="utf-8")
        entry = {"file": rejected.path, "line": rejected.line_no, "reason": rejected.reason}
        entry["excerpt"] = rejected.excerpt
        self._handle.write(json.dumps(entry, ensure_ascii=True) + "\n")
        self.count += 1

    def close(self) -> None:
        if self._handle is not None:
            self._handle.close()
            self._handle = None

    def __enter__(self) -> RejectLog:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

"""Helpers shared by the benchmark scripts: result tables and JSON output."""

from __future__ import annotations

import json
import os
import platform
import resource
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

# Where the JSON goes: bench/results, or MONITOR_BENCH_RESULTS (the tests that run a bench point it at a
# scratch folder, so they never overwrite a measured result).
RESULTS = Path(os.environ.get("MONITOR_BENCH_RESULTS") or Path(__file__).resolve().parent / "results")


def machine() -> dict[str, Any]:
    return {
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
    }


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far, in MB (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def emit(
    name: str, title: str, rows: list[dict[str, Any]], extra: dict[str, Any] | None = None
) -> dict[str, Any]:
    """Print rows as a table and write them, with the machine description, to bench/results/<name>.json."""
    table = Table(title=title)
    columns = list(rows[0]) if rows else []
    for column in columns:
        table.add_column(column, justify="right" if column != columns[0] else "left")
    for row in rows:
        table.add_row(*(f"{v:,.3f}" if isinstance(v, float) else str(v) for v in row.values()))
    # Piped to a file or CI log, rich would squeeze a wide table into 80 columns and cut every cell.
    console = Console() if sys.stdout.isatty() else Console(width=200)
    console.print(table)
    result = {"name": name, "machine": machine(), "rows": rows, **(extra or {})}
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"{name}.json"
    out.write_text(json.dumps(result, indent=2, ensure_ascii=False), encoding="utf-8")
    console.print(f"written {out}")
    return result

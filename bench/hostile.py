"""Hostile-input benchmark: a large export with 10% bad lines, and one 20 MB single-line post.

Runs real `monitor import` subprocesses on SQLite and reports wall and CPU time (CPU moves less with the
machine's load; it includes the reader process) and the peak resident memory of the import with its
reader. Checks that every rejected line is findable in the reject file by its line number, and that memory
stays flat: the peak for the full file is compared with the peak for a fifth of it.

    python -m bench.hostile [--n 1000000] [--keep DIR]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path
from typing import Any

from bench.common import emit
from bench.ingest import timed_import

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))  # the hostile lines are shared with tests/test_hostile_input.py

from hostile_lines import HOSTILE, good  # noqa: E402

SMALL_CASES = sorted(name for name, (line, _) in HOSTILE.items() if len(line) <= 20_000)


def write_hostile(path: Path, n: int) -> list[int]:
    """n lines, every tenth bad (cycling through the small hostile cases); returns the bad line numbers."""
    bad: list[int] = []
    with path.open("w", encoding="utf-8", errors="surrogatepass") as handle:
        for line_no in range(1, n + 1):
            if line_no % 10 == 0:
                handle.write(HOSTILE[SMALL_CASES[(line_no // 10) % len(SMALL_CASES)]][0] + "\n")
                bad.append(line_no)
            else:
                handle.write(good(f"b{line_no}") + "\n")
    return bad


def write_big_line(path: Path, good_lines: int = 1000, size: int = 20_000_000) -> None:
    with path.open("w", encoding="utf-8") as handle:
        for i in range(good_lines // 2):
            handle.write(good(f"a{i}") + "\n")
        handle.write(good("besar", text="pemilu " + "x" * size) + "\n")
        for i in range(good_lines // 2, good_lines):
            handle.write(good(f"a{i}") + "\n")


def run_import(workdir: Path, export: Path, db_name: str) -> dict[str, Any]:
    run = timed_import(workdir, export, db_name)
    counts = dict(part.split("=") for part in run.summary.split())
    return {
        "wall_s": run.wall_s,
        "cpu_s": run.cpu_s,
        "peak_rss_mb": run.tree_peak_mb,
        "summary": run.summary,
        **counts,
    }


def findable(reject_file: Path, expected: list[int]) -> int:
    """How many of the expected bad line numbers the reject file lists."""
    listed = set()
    with reject_file.open(encoding="utf-8") as handle:
        for line in handle:
            listed.add(json.loads(line)["line"])
    return len(listed.intersection(expected))


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--n", type=int, default=1_000_000, help="lines of the hostile file (default 1,000,000)"
    )
    parser.add_argument("--keep", type=Path, help="keep the generated files and databases in this folder")
    args = parser.parse_args(argv)
    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="bench-hostile-") as tmp:
        workdir = args.keep or Path(tmp)
        workdir.mkdir(parents=True, exist_ok=True)
        for n in (args.n // 5, args.n):
            export = workdir / f"hostile-{n}.jsonl"
            bad = write_hostile(export, n)
            result = run_import(workdir, export, f"hostile-{n}.db")
            found = findable(export.with_name(export.name + ".rejects.jsonl"), bad)
            rows.append(
                {
                    "measure": f"{n:,} lines, 10% hostile",
                    "file_mb": export.stat().st_size / 1e6,
                    "wall_s": result["wall_s"],
                    "cpu_s": result["cpu_s"],
                    "lines_per_cpu_s": n / result["cpu_s"],
                    "peak_rss_mb": result["peak_rss_mb"],
                    "rejected": int(result["rejected"]),
                    "rejects_findable": found,
                    "expected_rejects": len(bad),
                }
            )
            export.unlink()
        big = workdir / "one-20mb-line.jsonl"
        write_big_line(big)
        result = run_import(workdir, big, "big.db")
        rows.append(
            {
                "measure": "1,000 lines + one 20 MB line",
                "file_mb": big.stat().st_size / 1e6,
                "wall_s": result["wall_s"],
                "cpu_s": result["cpu_s"],
                "lines_per_cpu_s": 1001 / result["cpu_s"],
                "peak_rss_mb": result["peak_rss_mb"],
                "rejected": int(result["rejected"]),
                "rejects_findable": findable(big.with_name(big.name + ".rejects.jsonl"), [501]),
                "expected_rejects": 1,
            }
        )
    flat = rows[1]["peak_rss_mb"] / rows[0]["peak_rss_mb"]
    extra = {
        "peak_ratio_full_to_fifth": flat,
        "targets": {"peak_ratio_max": 1.3, "all_rejects_findable": True},
    }
    emit("hostile", "Hostile input: bounded validation, every reject findable", rows, extra)
    print(
        f"peak memory full/fifth: {flat:.2f} (flat when near 1); "
        f"all rejects findable: {all(r['rejects_findable'] == r['expected_rejects'] for r in rows)}"
    )
    return {"rows": rows, **extra}


if __name__ == "__main__":
    main()

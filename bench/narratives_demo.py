"""Narrative grouping on the demo stream against the generator's truth: how many narratives, purity, recall.

The demo stream (`data/demo/posts.jsonl`) is regenerated with its ground truth (`monitor.devdata`, truth=True:
each hoax and debunk carries the key of its narrative; there are 15). The posts are imported and scored by the
active model into a SQLite database (built once and cached under --cache, since scoring takes minutes on a
busy machine), then a copy is grouped with NarrativeGrouper as the scheduler would, and the result is compared
with the truth:
- narratives holding members, against the 15 true ones (target: within ±20%, i.e. 12..18);
- purity and recall over the hoax members (each narrative one true narrative; each true narrative one group);
- members that are debunks, news or official posts (target: none) and responses attached to a narrative.

Usage: python -m bench.narratives_demo [--cache /tmp/narratives-demo] [--set similarity_threshold=0.3 ...]
"""

from __future__ import annotations

import argparse
import hashlib
import shutil
import tempfile
import time
from collections import Counter, defaultdict
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select

from bench.common import emit
from bench.narratives import quality
from monitor.claims import import_claims, seed_file
from monitor.config import load_settings
from monitor.devdata import generate_posts
from monitor.narratives import NarrativeGrouper, forget_indexes
from monitor.pipeline import Pipeline
from monitor.records import RawPost
from monitor.scoring.backlog import score_backlog
from monitor.store import Database
from monitor.store.schema import NarrativeResponse, Post

REPO = Path(__file__).resolve().parent.parent
DEMO = {"n": 2500, "seed": 2024, "start": date(2024, 1, 1), "end": date(2024, 3, 31)}
TRUE_NARRATIVES = 15


def truth_posts() -> list[dict]:
    return list(
        generate_posts(DEMO["n"], seed=DEMO["seed"], start=DEMO["start"], end=DEMO["end"], truth=True)
    )


def scored_database(posts: list[dict], cache: Path) -> Path:
    """The demo posts imported and scored (not grouped) into a SQLite file, built once per model: the file is
    named after the shipped model's card (a retrained model writes a new card), so a cache never answers for
    another model."""
    card = REPO / "models" / "default" / "card.json"
    model_key = hashlib.sha256(card.read_bytes()).hexdigest()[:12] if card.is_file() else "none"
    path = cache / f"demo-scored-{model_key}.db"
    if path.is_file():
        return path
    cache.mkdir(parents=True, exist_ok=True)
    building = path.with_suffix(".db.part")
    building.unlink(missing_ok=True)
    db = Database(f"sqlite:///{building}")
    db.upgrade()
    settings = load_settings(REPO / "config" / "monitor.toml", database_url=db.url, home=REPO)
    records = [
        RawPost(
            platform=p["platform"],
            native_id=p["native_id"],
            text=p["text"],
            created_at=datetime.fromisoformat(p["created_at"].replace("Z", "+00:00")),
            url=p["url"],
            author_handle=p["author_handle"],
            author_name=p["author_name"],
            author_followers=p["author_followers"],
            likes=p["likes"],
            shares=p["shares"],
            replies=p["replies"],
            views=p["views"],
        )
        for p in posts
    ]
    import_claims(db, seed_file(settings), "jsonl")  # as `monitor init` does: scoring matches these debunks
    Pipeline(db, settings).ingest(records)
    score_backlog(db, settings, group=False)
    db.dispose()
    building.rename(path)
    return path


def evaluate(db: Database, posts: list[dict]) -> dict[str, Any]:
    truth = {(p["platform"], p["native_id"]): p for p in posts}
    with db.session() as session:
        rows = session.execute(select(Post.id, Post.platform, Post.native_id, Post.narrative_id)).all()
        responses = dict(
            session.execute(select(NarrativeResponse.post_id, NarrativeResponse.narrative_id)).all()
        )
    members: dict[int, list[dict]] = defaultdict(list)
    kinds: Counter[str] = Counter()
    answered = right_answer = 0
    by_post = {}
    for post_id, platform, native_id, narrative_id in rows:
        post = truth[(platform, native_id)]
        by_post[post_id] = post
        if narrative_id is not None:
            members[narrative_id].append(post)
            kinds[post["kind"]] += 1
    # The true narrative of each predicted one: the most common among its hoax members.
    majority = {
        nid: Counter(p.get("narrative") for p in ms if p["kind"] == "hoax").most_common(1)[0][0]
        for nid, ms in members.items()
        if any(p["kind"] == "hoax" for p in ms)
    }
    for post_id, narrative_id in responses.items():
        if narrative_id is not None:
            answered += 1
            post = by_post.get(post_id)
            if post is not None and post.get("narrative") and majority.get(narrative_id) == post["narrative"]:
                right_answer += 1
    hoax = [(p["narrative"], nid) for nid, ms in members.items() for p in ms if p["kind"] == "hoax"]
    scores = quality([t for t, _ in hoax], [n for _, n in hoax]) if hoax else {"purity": 0.0, "recall": 0.0}
    bad = sum(kinds[k] for k in ("debunk", "news", "official"))
    total_hoax = sum(1 for p in posts if p["kind"] == "hoax")
    return {
        "narratives": len(members),
        "true_narratives": TRUE_NARRATIVES,
        "within_20pct": abs(len(members) - TRUE_NARRATIVES) <= 0.2 * TRUE_NARRATIVES,
        "purity": scores["purity"],
        "recall": scores["recall"],
        "hoax_members": len(hoax),
        "hoax_posts_in_stream": total_hoax,
        "member_kinds": dict(kinds),
        "response_members": bad,
        "responses_attached": answered,
        "responses_to_right_narrative": right_answer,
        "sizes": sorted((len(ms) for ms in members.values()), reverse=True),
    }


def group_copy(scored: Path, overrides: dict[str, float | str]) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "demo.db"
        shutil.copyfile(scored, path)
        db = Database(f"sqlite:///{path}")
        settings = load_settings(
            REPO / "config" / "monitor.toml", database_url=db.url, home=REPO, narratives=overrides
        )
        forget_indexes()
        t0 = time.perf_counter()
        stats = NarrativeGrouper(db, settings).assign_pending()
        seconds = time.perf_counter() - t0
        result = evaluate(db, POSTS)
        db.dispose()
    return {**result, "assigned": stats.assigned, "posts_per_s": (stats.assigned + stats.responses) / seconds}


POSTS: list[dict] = []


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cache", type=Path, default=Path("/tmp/narratives-demo"))
    parser.add_argument("--set", action="append", default=[], help="[narratives] key=value (repeatable)")
    args = parser.parse_args(argv)
    overrides: dict[str, float | str] = {}
    for item in args.set:
        key, _, value = item.partition("=")
        if not value:
            raise SystemExit(f"--set {item!r}: expected key=value")
        try:
            overrides[key.strip()] = float(value)
        except ValueError:
            overrides[key.strip()] = value.strip()  # e.g. space=embedder
    POSTS[:] = truth_posts()
    scored = scored_database(POSTS, args.cache)
    result = group_copy(scored, overrides)
    row = {k: v for k, v in result.items() if k not in ("sizes", "member_kinds", "true_narratives")}
    return emit(
        "narratives_demo", "Narrative grouping on the demo stream", [row], {**result, "set": overrides}
    )


if __name__ == "__main__":
    main()

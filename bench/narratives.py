"""Narrative grouping benchmark: incremental assignment speed and memory, and grouping quality.

1. Quality on the hand-labelled set (tests/fixtures/narratives_labelled.jsonl): purity and recall.
2. Speed, memory: 100,000 synthetic posts (retellings of a few thousand stories plus one-offs, built from
   the labelled set and the seed corpus with word drops, swaps, fillers and forwarded copies) assigned in
   batches of 500 through the in-memory index, as the scheduler would: posts/s, peak memory of the process
   (libraries alone take about 210 MB), the index's own growth (`index_mb`), and purity/recall against the
   stories the generator used.
3. The store path on SQLite: assigning `--db-posts` stored posts with NarrativeGrouper (transactions,
   signatures, centroid and statistics updates), then rebuilding the index from the store, and the time of
   one `similar_narratives` call (what the dashboard's Narasi page shows) against every live narrative.

Usage: python -m bench.narratives [--posts 100000] [--db-posts 20000] [--seed 7]
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import tempfile
import time
from collections import Counter, defaultdict
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bench.common import emit, peak_rss_mb
from monitor.classify.embed import TfidfEmbedder
from monitor.config import load_settings
from monitor.narratives import NarrativeGrouper, VectorSpace, reference_texts, similar_narratives
from monitor.narratives.index import NarrativeIndex, PostItem
from monitor.store import narratives as store
from monitor.text import KeywordMatcher, normalize

REPO = Path(__file__).resolve().parent.parent
LABELLED = REPO / "tests" / "fixtures" / "narratives_labelled.jsonl"
SIMILAR_SAMPLE = 20  # narratives whose similar ones are looked up in the store run
FILLERS = (
    "sebarkan",
    "viral",
    "cek",
    "wkwk",
    "astaga",
    "info",
    "penting",
    "grup sebelah",
    "🙏",
    "‼️",
    "beneran?",
)
START = datetime(2024, 1, 15, tzinfo=UTC)


def quality(truth: list[Any], predicted: list[Any]) -> dict[str, float]:
    by_cluster: dict[Any, Counter[Any]] = defaultdict(Counter)
    by_group: dict[Any, Counter[Any]] = defaultdict(Counter)
    for group, cluster in zip(truth, predicted, strict=True):
        by_cluster[cluster][group] += 1
        by_group[group][cluster] += 1
    n = len(truth)
    return {
        "purity": sum(c.most_common(1)[0][1] for c in by_cluster.values()) / n,
        "recall": sum(c.most_common(1)[0][1] for c in by_group.values()) / n,
    }


def _items(texts: list[str], times: list[datetime], matcher: KeywordMatcher) -> list[PostItem]:
    items = []
    for i, (text, at) in enumerate(zip(texts, times, strict=True)):
        norm = normalize(text)
        rel = matcher.match(norm)
        items.append(PostItem(i, norm.text, at, rel.candidates, rel.topics))
    return items


def labelled_quality(space: VectorSpace, matcher: KeywordMatcher, threshold: float) -> dict[str, Any]:
    rows = [json.loads(line) for line in LABELLED.read_text(encoding="utf-8").splitlines() if line.strip()]
    times = [datetime.fromisoformat(r["created_at"].replace("Z", "+00:00")) for r in rows]
    items = _items([r["text"] for r in rows], times, matcher)
    index = NarrativeIndex(space.dim, similarity_threshold=threshold)
    out = index.assign(items, space.encode([i.text for i in items]))
    return {
        **quality([r["group"] for r in rows], [a.slot for a in out]),
        "posts": len(rows),
        "groups": len({r["group"] for r in rows}),
        "narratives": len(index),
    }


class Generator:
    """Synthetic retellings of stories stitched from the reference texts."""

    def __init__(self, bases: list[str], seed: int) -> None:
        self.rng = random.Random(seed)
        self.bases = [b.split() for b in bases if len(b.split()) >= 6]
        self.vocabulary = sorted({w for b in self.bases for w in b})

    def story(self) -> list[str]:
        # Two four-word fragments of base texts plus eight words drawn from their vocabulary: stories share
        # the domain's words (and sometimes a fragment) without being retellings of each other.
        words: list[str] = []
        for base in self.rng.sample(self.bases, 2):
            start = self.rng.randrange(max(1, len(base) - 4))
            words.extend(base[start : start + 4])
        words.extend(self.rng.choice(self.vocabulary) for _ in range(8))
        self.rng.shuffle(words)
        return words

    def retelling(self, story: list[str]) -> str:
        if self.rng.random() < 0.15:
            return "RT " + " ".join(story)  # a forwarded copy
        words = [w for w in story if self.rng.random() > 0.15]
        if len(words) > 3 and self.rng.random() < 0.5:
            i = self.rng.randrange(len(words) - 1)
            words[i], words[i + 1] = words[i + 1], words[i]
        for _ in range(self.rng.randrange(3)):
            words.insert(self.rng.randrange(len(words) + 1), self.rng.choice(FILLERS))
        return " ".join(words)

    def stream(self, n: int, stories: int, noise: float) -> tuple[list[str], list[int], list[datetime]]:
        pool = [self.story() for _ in range(stories)]
        weights = [1 / (rank + 1) ** 0.8 for rank in range(stories)]  # a few stories spread widely
        texts, truth, times = [], [], []
        step = timedelta(days=30) / n
        for i in range(n):
            if self.rng.random() < noise:
                texts.append(" ".join(self.story()))
                truth.append(-(i + 1))  # an unrelated one-off
            else:
                k = self.rng.choices(range(stories), weights=weights)[0]
                texts.append(self.retelling(pool[k]))
                truth.append(k)
            times.append(START + step * i)
        return texts, truth, times


def in_memory_run(
    space: VectorSpace,
    matcher: KeywordMatcher,
    threshold: float,
    texts: list[str],
    truth: list[int],
    times: list[datetime],
    batch: int,
) -> dict[str, Any]:
    index = NarrativeIndex(space.dim, similarity_threshold=threshold)
    items = _items(texts, times, matcher)
    rss_before = peak_rss_mb()
    predicted: list[int] = []
    encode_s = assign_s = 0.0
    for start in range(0, len(items), batch):
        chunk = items[start : start + batch]
        t0 = time.perf_counter()
        vectors = space.encode([i.text for i in chunk])
        t1 = time.perf_counter()
        predicted.extend(a.slot for a in index.assign(chunk, vectors))
        assign_s += time.perf_counter() - t1
        encode_s += t1 - t0
    total = encode_s + assign_s
    return {
        "posts": len(items),
        "narratives": len(index),
        "seconds": total,
        "posts_per_s": len(items) / total,
        "encode_s": encode_s,
        "assign_s": assign_s,
        "peak_rss_mb": peak_rss_mb(),
        "rss_growth_mb": peak_rss_mb() - rss_before,
        **quality(truth, predicted),
    }


def store_run(space: VectorSpace, texts: list[str], times: list[datetime]) -> dict[str, Any]:
    from monitor.store import Database, queries

    with tempfile.TemporaryDirectory() as folder:
        db = Database(f"sqlite:///{folder}/bench.db")
        db.upgrade()
        settings = load_settings(REPO / "config" / "monitor.toml", database_url=db.url, home=REPO)
        with db.session() as session:
            rows = [
                {
                    "platform": "x",
                    "native_id": str(i),
                    "text": text,
                    "created_at": at,
                    "reach": i % 1000,
                    "text_hash": str(i),
                    "matched_terms": [],
                    "topics": [],
                    "candidates": [],
                    "hoax_score": 0.8,
                    "flagged": True,
                }
                for i, (text, at) in enumerate(zip(texts, times, strict=True))
            ]
            for start in range(0, len(rows), 5000):
                queries.upsert_posts(session, rows[start : start + 5000])
        t0 = time.perf_counter()
        stats = NarrativeGrouper(db, settings, space).assign_pending()
        assign_s = time.perf_counter() - t0
        t1 = time.perf_counter()
        rebuilt = NarrativeGrouper(db, settings, space)
        rebuilt.load()
        load_s = time.perf_counter() - t1
        # What the Narasi page and `monitor narratives similar` do for one narrative, against every live one.
        with db.session() as session:
            sample = [n.id for n in store.list_narratives(session, limit=SIMILAR_SAMPLE, order="posts")]
        t2 = time.perf_counter()
        for narrative_id in sample:
            similar_narratives(db, settings, narrative_id, space=space)
        similar_s = (time.perf_counter() - t2) / max(len(sample), 1)
        db.dispose()
    return {
        "posts": stats.assigned,
        "narratives": stats.new_narratives,
        "seconds": assign_s,
        "posts_per_s": stats.assigned / assign_s,
        "index_rebuild_s": load_s,
        "rebuilt_members": rebuilt.index.member_count,
        "similar_narratives_s": similar_s,
    }


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=100_000)
    parser.add_argument("--db-posts", type=int, default=20_000)
    parser.add_argument("--stories", type=int, default=3000)
    parser.add_argument("--noise", type=float, default=0.2)
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)

    settings = load_settings(REPO / "config" / "monitor.toml", home=REPO)
    space = VectorSpace.from_settings(settings, embedder=TfidfEmbedder())
    threshold = settings.narratives.similarity_threshold or space.default_threshold()
    matcher = KeywordMatcher.from_file(settings.path(settings.paths.keywords_file))
    labelled = labelled_quality(space, matcher, threshold)

    bases = reference_texts(settings) + [
        json.loads(line)["text"] for line in LABELLED.read_text().splitlines()
    ]
    generator = Generator(bases, args.seed)
    texts, truth, times = generator.stream(args.posts, args.stories, args.noise)
    memory = in_memory_run(space, matcher, threshold, texts, truth, times, args.batch)
    stored = store_run(space, texts[: args.db_posts], times[: args.db_posts]) if args.db_posts else None

    rows = [
        {
            "run": "labelled set (quality)",
            "posts": labelled["posts"],
            "narratives": labelled["narratives"],
            "posts_per_s": "-",
            "purity": labelled["purity"],
            "recall": labelled["recall"],
            "peak_rss_mb": "-",
            "index_mb": "-",
        },
        {
            "run": f"in-memory, {args.posts:,} synthetic",
            "posts": memory["posts"],
            "narratives": memory["narratives"],
            "posts_per_s": memory["posts_per_s"],
            "purity": memory["purity"],
            "recall": memory["recall"],
            "peak_rss_mb": memory["peak_rss_mb"],
            "index_mb": memory["rss_growth_mb"],
        },
    ]
    if stored:
        rows.append(
            {
                "run": f"SQLite store, {args.db_posts:,}",
                "posts": stored["posts"],
                "narratives": stored["narratives"],
                "posts_per_s": stored["posts_per_s"],
                "purity": "-",
                "recall": "-",
                "peak_rss_mb": peak_rss_mb(),
                "index_mb": "-",
            }
        )
    extra = {
        "space": space.fingerprint,
        "threshold": threshold,
        "labelled": labelled,
        "in_memory": memory,
        "store": stored,
        "params": vars(args),
        "max_rss_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
    }
    return emit("narratives", "Narrative grouping (TF-IDF fallback space)", rows, extra)


if __name__ == "__main__":
    main()

"""Deterministic synthetic stream of public election posts for demos and benchmarks.

`generate_posts(n, seed=...)` yields `n` dicts in the import JSONL shape, one at a time (never a list
of n), so a million posts stream in constant memory. The mix: hoax narratives that each rise and fall
around their own peak day (retold in paraphrases, near-duplicates and forwarded copies), debunks that
follow them a few days later, news, official announcements, citizen questions and reports, opinions about
all three pairs in equal measure, and about 15% chatter that has nothing to do with the election.
Activity peaks around voting day, 14 February 2024.

Run: `python -m monitor.devdata --n 2500 --seed 2024 --out data/demo/posts.jsonl`
"""

from __future__ import annotations

import argparse
import json
import math
import random
import sys
from bisect import bisect
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from itertools import accumulate
from pathlib import Path

from monitor.devdata import phrases
from monitor.devdata.places import STREAM_DESA, STREAM_KABUPATEN, STREAM_KECAMATAN

VOTING_DAY = date(2024, 2, 14)
STREAM_PLATFORMS = ("telegram", "x", "mastodon", "youtube", "facebook", "tiktok", "news")
# (kind, share of the stream)
KIND_MIX = (
    ("hoax", 0.24),
    ("debunk", 0.08),
    ("news", 0.10),
    ("official", 0.06),
    ("question", 0.11),
    ("report", 0.06),
    ("opinion", 0.20),
    ("offtopic", 0.15),
)
PLATFORM_MIX = {
    "hoax": (("facebook", 30), ("telegram", 22), ("x", 18), ("tiktok", 15), ("youtube", 10), ("mastodon", 5)),
    "debunk": (("x", 30), ("facebook", 25), ("news", 25), ("telegram", 10), ("mastodon", 10)),
    "news": (("news", 70), ("x", 15), ("facebook", 15)),
    "official": (("x", 35), ("facebook", 35), ("telegram", 10), ("youtube", 10), ("mastodon", 10)),
    "question": (("facebook", 35), ("x", 30), ("tiktok", 15), ("youtube", 10), ("mastodon", 10)),
    "report": (("facebook", 35), ("x", 30), ("telegram", 20), ("mastodon", 15)),
    "opinion": (("x", 30), ("facebook", 30), ("tiktok", 20), ("youtube", 10), ("mastodon", 10)),
    "offtopic": (("facebook", 35), ("x", 25), ("tiktok", 20), ("youtube", 10), ("mastodon", 10)),
}
FIRST_NAMES = (
    "Yohanes",
    "Siti",
    "Dedi",
    "Maria",
    "Ahmad",
    "Agustinus",
    "Rina",
    "Hendra",
    "Fransiska",
    "Udin",
    "Yosef",
    "Nurul",
    "Antonius",
    "Dayang",
    "Rudi",
    "Lusia",
    "Bujang",
    "Melati",
    "Stefanus",
    "Wati",
)
LAST_NAMES = (
    "Sekadau",
    "Kapuas",
    "Saputra",
    "Lestari",
    "Pratama",
    "Dayak",
    "Melayu",
    "Hulu",
    "Wijaya",
    "Ningsih",
)
OFFICIAL_ACCOUNTS = (
    ("kpu_sekadau", "KPU Kabupaten Sekadau", 18_400),
    ("bawaslu_sekadau", "Bawaslu Kabupaten Sekadau", 9_700),
    ("kpukalbar", "KPU Provinsi Kalimantan Barat", 61_000),
    ("humas_polres_sekadau", "Humas Polres Sekadau", 23_500),
)
LOCAL_TIME_PLATFORMS = frozenset(
    ("telegram", "news")
)  # these show local time (WIB, +07:00), the rest UTC "Z"
HOURS = tuple(f"T{h:02d}:" for h in range(24))
MINSEC = tuple(f"{m:02d}:{s:02d}" for m in range(60) for s in range(60))
VIEW_PLATFORMS = frozenset(("telegram", "x", "youtube", "tiktok"))
NEWS_SITES = (
    "kabarsekadau.example",
    "suarakapuas.example",
    "borneonews-id.example",
    "pontianakhariini.example",
)
SLOTS = ("cap", "cawa", "pair", "no", "tim", "kab", "kec", "desa", "tps", "n", "emo", "claim")


def _parse(template: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Split a template once into literal parts and slot names, so filling is a cheap join."""
    lits: list[str] = []
    keys: list[str] = []
    rest = template
    while True:
        start = rest.find("{")
        if start < 0:
            lits.append(rest)
            return tuple(lits), tuple(keys)
        end = rest.index("}", start)
        key = rest[start + 1 : end]
        if key not in SLOTS:
            raise ValueError(f"unknown slot {{{key}}} in template {template!r}")
        lits.append(rest[:start])
        keys.append(key)
        rest = rest[end + 1 :]


def _cumulative(weights: list[float]) -> list[float]:
    return list(accumulate(weights))


class _Stream:
    def __init__(self, seed: int, start: date, end: date, truth: bool = False) -> None:
        if end < start:
            raise ValueError(f"end {end} is before start {start}")
        self.rng = random.Random(seed)
        self.truth = truth
        self.rand = self.rng.random
        self.slot_pools = {
            "kab": STREAM_KABUPATEN,
            "kec": STREAM_KECAMATAN,
            "desa": STREAM_DESA,
            "emo": phrases.EMO,
        }
        self.seed = seed
        self.start = start
        self.days = (end - start).days + 1
        self.epoch0 = int(datetime(start.year, start.month, start.day, tzinfo=UTC).timestamp())
        self.day_str = [(start + timedelta(days=d)).isoformat() for d in range(-1, self.days + 2)]
        # Overall activity: a floor plus a bump around voting day and a slower recap tail.
        vd = (VOTING_DAY - start).days
        self.day_cum = _cumulative(
            [
                1.0 + 6.0 * math.exp(-abs(d - vd) / 3.0) + 1.5 * math.exp(-max(0, d - vd) / 20.0) * (d >= vd)
                for d in range(self.days)
            ]
        )
        # Hours (WIB) of posting: quiet at night, busy in the evening.
        hour_w = [
            0.3,
            0.2,
            0.1,
            0.1,
            0.3,
            0.8,
            1.5,
            2,
            2,
            1.8,
            1.6,
            1.6,
            2,
            1.8,
            1.5,
            1.5,
            1.6,
            1.8,
            2.3,
            3,
            3.2,
            2.8,
            1.8,
            0.8,
        ]
        self.hour_cum = _cumulative(hour_w)
        self.kinds = [k for k, _ in KIND_MIX]
        self.kind_cum = _cumulative([w for _, w in KIND_MIX])
        self.platforms = {
            k: ([p for p, _ in v], _cumulative([w for _, w in v])) for k, v in PLATFORM_MIX.items()
        }
        self.narratives = []
        for key, topics, per_pair, peak, spread, _weight, claim, paras in phrases.NARRATIVES:
            centre = (date.fromisoformat(peak) - start).days
            profile = [math.exp(-0.5 * ((d - centre) / spread) ** 2) + 0.01 for d in range(self.days)]
            self.narratives.append(
                (key, topics, per_pair, _cumulative(profile), claim, [_parse(t) for t in paras])
            )
        self.narr_cum = _cumulative([n[5] for n in phrases.NARRATIVES])
        self.templates = {
            kind: [_parse(t) for t in pool]
            for kind, pool in (
                ("debunk", phrases.DEBUNKS),
                ("news", phrases.NEWS),
                ("official", phrases.OFFICIAL),
                ("question", phrases.QUESTIONS),
                ("report", phrases.REPORTS),
                ("opinion", phrases.OPINIONS),
                ("offtopic", phrases.OFFTOPIC),
            )
        }
        self.claims = [n[6] for n in phrases.NARRATIVES]
        self.authors = {p: self._author_pool(p) for p in STREAM_PLATFORMS}

    def _author_pool(self, platform: str) -> list[tuple[str, str, int]]:
        rng = random.Random(f"{self.seed}-{platform}")
        if platform == "news":
            return [
                (site, site.split(".")[0].capitalize(), rng.randint(20_000, 400_000)) for site in NEWS_SITES
            ]
        pool = []
        for i in range(300):
            first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
            handle = f"{first.lower()}{rng.choice(('_', '.', ''))}{last.lower()[:4]}{rng.randint(1, 99)}{i}"
            followers = min(2_000_000, int(20 * rng.paretovariate(1.05)))
            pool.append((handle, f"{first} {last}", followers))
        return pool

    def _fill(self, parsed: tuple[tuple[str, ...], tuple[str, ...]], pair: dict[str, str], claim: str) -> str:
        lits, keys = parsed
        if not keys:
            return lits[0]
        r = self.rand
        out = [lits[0]]
        for key, lit in zip(keys, lits[1:], strict=True):
            if key in pair:
                out.append(pair[key])
            elif key == "tps":
                out.append(f"{int(r() * 30) + 1:02d}")
            elif key == "n":
                out.append(str(int(r() * 9) + 1))
            elif key == "claim":
                out.append(claim)
            else:
                pool = self.slot_pools[key]
                out.append(pool[int(r() * len(pool))])
            out.append(lit)
        return "".join(out).strip()

    def post(self, i: int) -> dict:
        r = self.rand
        kind = self.kinds[bisect(self.kind_cum, r())]
        pair = phrases.PAIRS[int(r() * 3)]
        hoaxy = kind == "hoax"
        narrative_key = None
        if hoaxy or kind == "debunk":
            narr = self.narratives[bisect(self.narr_cum, r() * self.narr_cum[-1])]
            narrative_key = narr[0]
            cum = narr[3]
            day = bisect(cum, r() * cum[-1]) + (1 + int(r() * 4) if kind == "debunk" else 0)
            claim = narr[4]
            if hoaxy:
                paras = narr[5]
                text = self._fill(paras[int(r() * len(paras))], pair, claim)
                roll = r()
                if roll < 0.3:
                    heads, tails = phrases.FORWARD_HEADS, phrases.FORWARD_TAILS
                    text = f"{heads[int(r() * len(heads))]}{text}{tails[int(r() * len(tails))]}"
                elif roll < 0.4:
                    text = text.upper()
            else:
                pool = self.templates["debunk"]
                text = self._fill(pool[int(r() * len(pool))], pair, claim)
        else:
            day = bisect(self.day_cum, r() * self.day_cum[-1])
            pool = self.templates[kind]
            text = self._fill(pool[int(r() * len(pool))], pair, self.claims[int(r() * len(self.claims))])
        if day >= self.days:
            day = self.days - 1
        names, cum = self.platforms[kind]
        platform = names[bisect(cum, r() * cum[-1])]
        if kind in ("official", "news") and platform != "news":
            handle, name, followers = OFFICIAL_ACCOUNTS[i % len(OFFICIAL_ACCOUNTS)]
        else:
            pool = self.authors[platform]
            handle, name, followers = pool[int(len(pool) * r() ** 2)]
        # WIB hour of posting -> seconds after UTC midnight of the day.
        seconds = bisect(self.hour_cum, r() * self.hour_cum[-1]) * 3600 + int(r() * 3600) - 7 * 3600
        epoch = self.epoch0 + day * 86400 + seconds
        # Heavy-tailed reach (Pareto): most posts are seen by few, a few travel far; hoaxes travel further.
        virality = (1.0 - r()) ** (-1.0 / (1.3 if hoaxy else 1.8))
        views = int(followers * (0.05 + 0.45 * r()) * virality) + int(r() * 40)
        likes = int(views * (0.004 + 0.046 * r()))
        shares = int(likes * (0.2 + (0.7 if hoaxy else 0.2) * r()))
        replies = int(likes * (0.02 + 0.28 * r()))
        record = self._record(
            i,
            platform,
            handle,
            name,
            followers,
            text,
            epoch,
            likes,
            shares,
            replies,
            views if platform in VIEW_PLATFORMS else None,
        )
        if self.truth:
            # Ground truth for evaluation only; it draws nothing from the generator, so the posts are the
            # same with or without it.
            record["label"] = 1 if hoaxy else 0
            record["kind"] = kind
            if narrative_key is not None:
                record["narrative"] = narrative_key  # the hoax narrative told or answered
        return record

    def _record(
        self,
        i: int,
        platform: str,
        handle: str,
        name: str,
        followers: int,
        text: str,
        epoch: int,
        likes: int,
        shares: int,
        replies: int,
        views: int | None,
    ) -> dict:
        local = platform in LOCAL_TIME_PLATFORMS
        t = epoch - self.epoch0 + (25200 if local else 0)
        d, rem = divmod(t, 86400)
        hh, rem = divmod(rem, 3600)
        day = self.day_str[d + 1]
        created = day + HOURS[hh] + MINSEC[rem] + ("+07:00" if local else "Z")
        native = f"{self.seed}{i:010d}"
        if platform == "telegram":
            channel = f"info_{handle.split('.')[0][:12]}"
            native = f"{channel}/{self.seed}{i:08d}"
            url = f"https://t.me/{native}"
        elif platform == "x":
            url = f"https://x.com/{handle}/status/{native}"
        elif platform == "mastodon":
            url = f"https://mastodon.example/@{handle}/{native}"
        elif platform == "youtube":
            native = f"Ugx{self.seed:x}{i:010d}"
            url = f"https://www.youtube.com/watch?v=demo{i % 997:03d}&lc={native}"
        elif platform == "facebook":
            url = f"https://www.facebook.com/{handle}/posts/{native}"
        elif platform == "tiktok":
            url = f"https://www.tiktok.com/@{handle}/video/{native}"
        else:
            url = f"https://{handle}/read/{day}/{native}"
        return {
            "platform": platform,
            "native_id": native,
            "url": url,
            "author_handle": handle,
            "author_name": name,
            "author_followers": followers,
            "text": text,
            "created_at": created,
            "lang": "id",
            "likes": likes,
            "shares": shares,
            "replies": replies,
            "views": views,
        }


def generate_posts(
    n: int,
    *,
    seed: int = 2024,
    start: date = date(2024, 1, 1),
    end: date = date(2024, 3, 31),
    truth: bool = False,
) -> Iterator[dict]:
    """Yield `n` synthetic posts; the same arguments always give the same posts in the same order.

    With `truth=True` every post also carries its ground truth: "label" (1 = hoax, 0 = not) and "kind"
    (hoax, debunk, news, official, question, report, opinion, offtopic), and for hoaxes and debunks
    "narrative" (the key of the narrative told or answered) — for evaluating a classifier or the narrative
    grouping on text it was never trained on. The other fields are identical to the posts generated
    without it.
    """
    if n < 0:
        raise ValueError(f"n must not be negative, got {n}")
    stream = _Stream(seed, start, end, truth)
    for i in range(n):
        yield stream.post(i)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        prog="python -m monitor.devdata", description="Write a synthetic post stream (JSONL)."
    )
    ap.add_argument("--n", type=int, default=2500, help="number of posts (default 2500)")
    ap.add_argument("--seed", type=int, default=2024)
    ap.add_argument(
        "--start", type=date.fromisoformat, default=date(2024, 1, 1), help="first day, YYYY-MM-DD"
    )
    ap.add_argument("--end", type=date.fromisoformat, default=date(2024, 3, 31), help="last day, YYYY-MM-DD")
    ap.add_argument("--out", type=Path, help="output file (default: standard output)")
    ap.add_argument(
        "--truth",
        action="store_true",
        help='add ground truth to every line: "label" (1 hoax / 0 not) and "kind" (for evaluation)',
    )
    args = ap.parse_args(argv)
    try:
        posts = generate_posts(args.n, seed=args.seed, start=args.start, end=args.end, truth=args.truth)
        fh = args.out.open("w", encoding="utf-8") if args.out else sys.stdout
        try:
            for post in posts:
                fh.write(json.dumps(post, ensure_ascii=False))
                fh.write("\n")
        finally:
            if args.out:
                fh.close()
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0

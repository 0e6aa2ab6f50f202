"""Assemble data/seed/posts.jsonl from the hand-written sittings in data/seed/src/*.txt.

Every line of a sitting is one post written by the project. Lines under a `@block ... parallel` header are
written once with candidate slots ({cap}, {pair}, {no}, ...) and expanded to all three 2024 pairs in the
same words, so the corpus holds the same claim about each pair (the neutrality requirement). Place slots
({kab}, {kec}, {desa}, {tps}, {n}) are filled from West Kalimantan names with a fixed random seed.

Line format:  `PLAT text`  where PLAT is wa|tg|x|fb|tt|yt|ig|news (social unless `H`), `H` = headline
style (platform news), `-` = any social platform. `\\n` in the text is a line break. A trailing ` *2`
writes the line twice with different slot fills (a forwarded copy / a second report).

Usage: python data/seed/build.py [--check] [--readme]
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
from collections import Counter
from datetime import date, timedelta
from pathlib import Path

from monitor.devdata.places import DESA, KABUPATEN, KECAMATAN

HERE = Path(__file__).resolve().parent
OUT = HERE / "posts.jsonl"
README = HERE / "README.md"
SPLIT = date(2024, 2, 1)
FIRST, LAST = date(2023, 9, 1), date(2024, 4, 30)

LABELS = {
    "hoax": 1,
    "debunk": 0,
    "news": 0,
    "official": 0,
    "question": 0,
    "report": 0,
    "opinion": 0,
    "offtopic": 0,
    "satire": 0,
}
TOPICS = ("sidalih", "sirekap", "procedure", "candidate:01", "candidate:02", "candidate:03", "other")
PLATFORMS = {
    "wa": "whatsapp",
    "tg": "telegram",
    "x": "x",
    "fb": "facebook",
    "tt": "tiktok",
    "yt": "youtube",
    "ig": "instagram",
    "news": "news",
}
SOCIAL_WEIGHTS = (
    ("whatsapp", 26),
    ("facebook", 24),
    ("x", 20),
    ("telegram", 12),
    ("tiktok", 10),
    ("youtube", 5),
    ("instagram", 3),
)

PAIRS = {
    "01": {
        "cap": "Anies",
        "cawa": "Muhaimin",
        "pair": "Anies-Muhaimin",
        "akr": "AMIN",
        "nomor": "satu",
        "nick": "Abah Anies",
        "cnick": "Cak Imin",
        "tim": "Timnas AMIN",
        "partai": "PKB",
        "koal": "Koalisi Perubahan",
        "gelar": "mantan Gubernur DKI",
        "no": "01",
    },
    "02": {
        "cap": "Prabowo",
        "cawa": "Gibran",
        "pair": "Prabowo-Gibran",
        "akr": "Prabowo-Gibran",
        "nomor": "dua",
        "nick": "Pak Prabowo",
        "cnick": "Mas Gibran",
        "tim": "TKN Prabowo-Gibran",
        "partai": "Gerindra",
        "koal": "Koalisi Indonesia Maju",
        "gelar": "Menteri Pertahanan",
        "no": "02",
    },
    "03": {
        "cap": "Ganjar",
        "cawa": "Mahfud",
        "pair": "Ganjar-Mahfud",
        "akr": "GAMA",
        "nomor": "tiga",
        "nick": "Pak Ganjar",
        "cnick": "Prof Mahfud",
        "tim": "TPN Ganjar-Mahfud",
        "partai": "PDIP",
        "koal": "koalisi PDIP-PPP",
        "gelar": "mantan Gubernur Jateng",
        "no": "03",
    },
}
SLOT = re.compile(r"\{(\w+)\}")


class SittingError(ValueError):
    pass


def _fill(text: str, rng: random.Random, pair: dict[str, str] | None, where: str) -> str:
    def sub(m: re.Match[str]) -> str:
        key = m.group(1)
        if pair is not None and key in pair:
            return pair[key]
        if key == "kab":
            return rng.choice(KABUPATEN)
        if key == "kec":
            return rng.choice(KECAMATAN)
        if key == "desa":
            return rng.choice(DESA)
        if key == "tps":
            return f"{rng.randint(1, 28):02d}"
        if key == "n":
            return str(rng.randint(2, 9))
        raise SittingError(f"{where}: unknown slot {{{key}}}")

    return SLOT.sub(sub, text)


FORWARD_HEADS = (
    "Diteruskan berkali-kali\n",
    "copas dr grup sebelah 👇\n",
    "Dari grup keluarga:\n",
    "fwd: ",
    "Kiriman dr kawan di grup alumni\n",
    "",
)
FORWARD_TAILS = (" Sebarkan!!", " 🙏🙏", " mohon diteruskan", " (copas)", " ‼️‼️", " share ke grup lain")


def _forward(text: str, rng: random.Random) -> str:
    """A forwarded copy: a header or tail added the way chain messages pick them up."""
    return f"{rng.choice(FORWARD_HEADS)}{text}{rng.choice(FORWARD_TAILS)}"


def _parse_header(line: str, where: str) -> dict:
    block: dict = {"parallel": False}
    for part in line.split()[1:]:
        if part == "parallel":
            block["parallel"] = True
            continue
        key, _, value = part.partition("=")
        if key == "kind":
            if value not in LABELS:
                raise SittingError(f"{where}: unknown kind {value!r}")
            block["kind"] = value
        elif key == "topics":
            block["topics"] = [t for t in value.split(",") if t]
            bad = [t for t in block["topics"] if t not in TOPICS]
            if bad:
                raise SittingError(f"{where}: unknown topics {bad}")
        elif key == "dates":
            lo, _, hi = value.partition(":")
            block["dates"] = (date.fromisoformat(lo), date.fromisoformat(hi))
        else:
            raise SittingError(f"{where}: unknown header key {key!r}")
    for need in ("kind", "topics", "dates"):
        if need not in block:
            raise SittingError(f"{where}: header lacks {need}=")
    return block


def _pick_date(rng: random.Random, lo: date, hi: date, side: str | None) -> date:
    if side == "train":
        hi = min(hi, SPLIT - timedelta(days=1))
    elif side == "test":
        lo = max(lo, SPLIT)
    if lo > hi:
        lo, hi = hi, lo
    return lo + timedelta(days=rng.randint(0, (hi - lo).days))


def build() -> list[dict]:
    rng = random.Random(20240214)
    rows: list[dict] = []
    group_no = 0
    for path in sorted((HERE / "src").glob("*.txt")):
        block = None
        for lineno, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            where = f"{path.name}:{lineno}"
            line = raw.rstrip()
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            if line.startswith("@block"):
                block = _parse_header(line, where)
                continue
            if block is None:
                raise SittingError(f"{where}: text before the first @block header")
            copies = 1
            if line.endswith(" *2"):
                copies, line = 2, line[:-3]
            plat, _, text = line.partition(" ")
            text = text.strip().replace("\\n", "\n")
            if not text:
                raise SittingError(f"{where}: empty text")
            if plat == "H":
                style, platform = "headline", "news"
            elif plat == "-":
                style = "social"
                platform = rng.choices([p for p, _ in SOCIAL_WEIGHTS], [w for _, w in SOCIAL_WEIGHTS])[0]
            elif plat in PLATFORMS:
                style, platform = ("headline" if plat == "news" else "social"), PLATFORMS[plat]
            else:
                raise SittingError(f"{where}: unknown platform token {plat!r}")
            group_no += 1
            group = f"g{group_no:04d}"
            lo, hi = block["dates"]
            side = None
            if lo < SPLIT <= hi:
                side = "train" if rng.random() < 0.6 else "test"
            pairs = list(PAIRS.items()) if block["parallel"] else [(None, None)]
            for no, pair in pairs:
                previous = None
                for copy in range(copies):
                    # Place slots come from a per-line, per-copy generator, so the three pair versions of a
                    # parallel line use the same places and differ only in the candidate words.
                    local = random.Random(f"{group}-{copy}")
                    filled = _fill(text, local, pair, where)
                    if filled == previous:
                        filled = _forward(filled, local)
                    previous = filled
                    topics = list(block["topics"])
                    cands: list[str] = []
                    if no is not None:
                        topics.append(f"candidate:{no}")
                        cands = [no]
                    rows.append(
                        {
                            "text": filled,
                            "label": LABELS[block["kind"]],
                            "kind": block["kind"],
                            "topics": sorted(set(topics), key=TOPICS.index),
                            "candidates": cands,
                            "style": style,
                            "platform": platform,
                            "date": _pick_date(rng, lo, hi, side).isoformat(),
                            "group": group,
                        }
                    )
    seen: dict[str, int] = {}
    for i, row in enumerate(rows):
        key = row["text"]
        if key in seen:
            raise SittingError(f"duplicate text in rows {seen[key] + 1} and {i + 1}: {key[:60]!r}")
        seen[key] = i
    out = []
    for i, row in enumerate(rows, 1):
        out.append({"id": f"seed-{i:04d}", **row})
    return out


def _table(title: str, counter: Counter, by_label: dict[str, Counter]) -> str:
    lines = [f"| {title} | rows | label 1 | label 0 |", "|---|---:|---:|---:|"]
    for key in sorted(counter):
        lines.append(f"| {key} | {counter[key]} | {by_label[1][key]} | {by_label[0][key]} |")
    return "\n".join(lines)


def counts_markdown(rows: list[dict]) -> str:
    parts = [
        f"Total rows: **{len(rows)}**, label 1: **{sum(r['label'] for r in rows)}** "
        f"({100 * sum(r['label'] for r in rows) / len(rows):.1f}%), "
        f"groups: {len({r['group'] for r in rows})}."
    ]
    facets = {
        "kind": lambda r: [r["kind"]],
        "topic": lambda r: r["topics"],
        "candidate": lambda r: r["candidates"] or ["(none)"],
        "style": lambda r: [r["style"]],
        "platform": lambda r: [r["platform"]],
        "split": lambda r: [
            "train (< 2024-02-01)" if r["date"] < SPLIT.isoformat() else "test (>= 2024-02-01)"
        ],
    }
    for name, fn in facets.items():
        total: Counter = Counter()
        by_label: dict[int, Counter] = {0: Counter(), 1: Counter()}
        for r in rows:
            for k in fn(r):
                total[k] += 1
                by_label[r["label"]][k] += 1
        parts.append(_table(name, total, by_label))
    split_topic: Counter = Counter()
    for r in rows:
        side = "train" if r["date"] < SPLIT.isoformat() else "test"
        for t in r["topics"]:
            split_topic[(t, side, r["label"])] += 1
    lines = [
        "| topic | train label 1 | train label 0 | test label 1 | test label 0 |",
        "|---|---:|---:|---:|---:|",
    ]
    for t in TOPICS:
        lines.append(
            f"| {t} | {split_topic[(t, 'train', 1)]} | {split_topic[(t, 'train', 0)]} | "
            f"{split_topic[(t, 'test', 1)]} | {split_topic[(t, 'test', 0)]} |"
        )
    parts.append("\n".join(lines))
    return "\n\n".join(parts)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check", action="store_true", help="print counts, write nothing")
    ap.add_argument("--readme", action="store_true", help="refresh the counts section of README.md")
    args = ap.parse_args(argv)
    try:
        rows = build()
    except SittingError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    md = counts_markdown(rows)
    print(md)
    if args.check:
        return 0
    with OUT.open("w", encoding="utf-8") as fh:
        for row in rows:
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")
    if args.readme and README.exists():
        text = README.read_text(encoding="utf-8")
        start, end = "<!-- counts:start -->", "<!-- counts:end -->"
        if start in text and end in text:
            head, rest = text.split(start, 1)
            _, tail = rest.split(end, 1)
            README.write_text(f"{head}{start}\n{md}\n{end}{tail}", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

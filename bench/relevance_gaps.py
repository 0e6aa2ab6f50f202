"""Relevance on real chatter: how often "dpt" (and "tinta") counts as an election term in real tweets.

In chat "dpt" usually abbreviates "dapat" ("anak sy dpt juara"). This reads the public tweet sets in
../shared/datasets (in place, never copied), keeps the rows whose text has the word "dpt" or "tinta", and
counts in how many the word is counted as an election term (`counted_*`) and how many are relevant at all
(`relevant_*`) or put under the voter-roll topic (`sidalih_*`), with the shipped rule (a confirming word
is needed) and without it (`ambiguous` emptied: the word counts everywhere, the behaviour before).

    python -m bench.relevance_gaps [--datasets ../shared/datasets] [--samples 5]
"""

from __future__ import annotations

import argparse
import csv
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from bench.common import emit
from monitor.text import KeywordMatcher, load_keywords

REPO = Path(__file__).resolve().parent.parent
WORD = re.compile(r"\b(dpt|tinta)\b", re.IGNORECASE)
# (name, glob under the datasets folder, delimiter, text column)
SETS = (
    ("achmaddhani", "achmaddhani__sentiment-webscrape/Raw_Data/*.csv", ";", "full_text"),
    ("ghazafm", "ghazafm__twitter-sentiment-analysis/scraping/result/*/*.csv", ",", "full_text"),
    (
        "pilkada_jatim",
        "RahmaPutriWidyaiswarii__analisis-sentimen-pilkada-jatim/ReLabeling - Gabungan.csv",
        ",",
        "full_text",
    ),
    ("satriadata", "annorance__satriadata2024/dataset_penyisihan_bdc_2024.csv", ";", "text"),
)


def chatter_rows(datasets: Path) -> Iterator[tuple[str, str]]:
    """(set name, text) of every distinct tweet in the chatter sets that exist under `datasets`."""
    csv.field_size_limit(sys.maxsize)
    for name, pattern, delimiter, column in SETS:
        seen: set[str] = set()
        for path in sorted(datasets.glob(pattern)):
            with path.open(encoding="utf-8", errors="replace", newline="") as handle:
                for row in csv.DictReader(handle, delimiter=delimiter):
                    text = (row.get(column) or "").strip()
                    if text and text not in seen:
                        seen.add(text)
                        yield name, text


def measure(datasets: Path, samples: int = 0) -> list[dict[str, Any]]:
    shipped = load_keywords(REPO / "config" / "keywords.yml")
    after = KeywordMatcher(shipped)
    before = KeywordMatcher(shipped.model_copy(update={"ambiguous": {}}))
    counts: dict[str, dict[str, Any]] = {}
    for name, text in chatter_rows(datasets):
        word = WORD.search(text)
        if word is None:
            continue
        key = word.group(1).lower()
        row = counts.setdefault(
            f"{name}:{key}",
            {
                "set": f"{name}:{key}",
                "rows": 0,
                "counted_before": 0,
                "counted_after": 0,
                "relevant_before": 0,
                "relevant_after": 0,
                "sidalih_before": 0,
                "sidalih_after": 0,
            },
        )
        row["rows"] += 1
        was, now = before.match(text), after.match(text)
        row["counted_before"] += key in was.terms
        row["counted_after"] += key in now.terms
        row["relevant_before"] += was.relevant
        row["relevant_after"] += now.relevant
        row["sidalih_before"] += "sidalih" in was.topics
        row["sidalih_after"] += "sidalih" in now.topics
        if samples > 0:
            samples -= 1
            verdict = "COUNTED" if key in now.terms else "dropped"
            print(f"  {verdict} [{name}]: {text[:150]!r}")
    return sorted(counts.values(), key=lambda r: r["set"])


def measure_sets(datasets: Path) -> list[dict[str, Any]]:
    """Relevant rows per chatter set: shipped keywords vs the same without the Pilkada words (other than
    "pilkada" itself, which was listed before) and without the chat-abbreviation rule."""
    shipped = load_keywords(REPO / "config" / "keywords.yml")
    after = KeywordMatcher(shipped)
    before = KeywordMatcher(
        shipped.model_copy(update={"ambiguous": {}, "regional_terms": ["pilkada", "pilkada serentak"]})
    )
    counts: dict[str, dict[str, Any]] = {}
    for name, text in chatter_rows(datasets):
        row = counts.setdefault(name, {"set": name, "rows": 0, "relevant_before": 0, "relevant_after": 0})
        row["rows"] += 1
        row["relevant_before"] += before.match(text).relevant
        row["relevant_after"] += after.match(text).relevant
    return list(counts.values())


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", type=Path, default=REPO.parent / "shared" / "datasets")
    parser.add_argument("--samples", type=int, default=0, help="print rows with the word and the decision")
    args = parser.parse_args(argv)
    if not args.datasets.is_dir():
        print(f"{args.datasets}: not found; nothing to measure")
        return {}
    rows = measure(args.datasets, args.samples)
    sets = measure_sets(args.datasets)
    emit(
        "relevance_gaps_sets", "relevant tweets per set: without / with Pilkada words and the dpt rule", sets
    )
    return emit(
        "relevance_gaps", "chat abbreviations on real tweets (rows with the word)", rows, {"sets": sets}
    )


if __name__ == "__main__":
    main()

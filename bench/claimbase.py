"""A bigger claim base: what an office gains and pays when it imports a fact-checkers' archive.

`monitor claims import` adds debunks to the claim base that every scored post is matched against (a
confirmed match flags a post whatever its score). This bench plays an office that imports the public
archive: the circulated claims of the `claims` training part (turnbackhoax, Komdigi, Mafindo, ...; all dated
before the suite's split date, so older than every held-out claim) are added as known debunks to the shipped
model, in nested deterministic subsets (0, 1,000, 4,000, all). For each size it reports:
- scoring speed: `predict` on the first --n held-out chatter texts (texts/s, one warm-up call first);
- the held-out suites: chatter and headline flag rates, claims recall (all rows / election-relevant rows),
  the share of claims flagged by a confirmed match, and of chatter and headlines shown a (suggested) match.

The claims stay in memory; nothing is written to a database or the model folder.

Usage: python -m bench.claimbase [--datasets ../shared/datasets] [--model models/default] [--n 3000]
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from bench.common import emit
from monitor.classify import suites
from monitor.classify.base import KnownClaim
from monitor.classify.datasets import LabelledText
from monitor.classify.model import HoaxClassifier

REPO = Path(__file__).resolve().parent.parent
SIZES = (0, 1000, 4000)


def archive_claims(train: Sequence[LabelledText]) -> list[KnownClaim]:
    """The training part's circulated hoax claims as known debunks, in a fixed order (ids by position)."""
    rows = [r for r in train if r.kind == "claim" and r.label == 1]
    return [
        KnownClaim(id=f"archive-{i}", claim=r.text, verdict="salah", source_url=None, date=r.date)
        for i, r in enumerate(rows)
    ]


def nested_subsets(claims: Sequence[KnownClaim], sizes: Sequence[int], seed: int = 11) -> dict[int, list]:
    """Subsets of `claims` for each size (capped at all of them), each containing the smaller ones."""
    order = np.random.default_rng(seed).permutation(len(claims))
    wanted = sorted({min(int(s), len(claims)) for s in sizes} | {len(claims)})
    return {size: [claims[int(i)] for i in order[:size]] for size in wanted}


def judge(model: HoaxClassifier, data: suites.RealData, speed_texts: list[str]) -> dict[str, Any]:
    model.predict(speed_texts[:50])  # warm-up: the claim matrix is transposed and cached on first use
    t0 = time.perf_counter()
    model.predict(speed_texts)
    row: dict[str, Any] = {"texts_per_s": len(speed_texts) / (time.perf_counter() - t0)}
    for name in ("chatter", "claims", "headlines"):
        texts = [r.text for r in data.suites[name]]
        scores = model.predict(texts)
        flags = np.array([s.flagged for s in scores])
        relevant = suites.relevant_rows(model, texts)
        assert relevant is not None  # a HoaxClassifier always has its keyword matcher
        row[f"{name}_all"] = float(flags.mean())
        row[f"{name}_relevant"] = float(flags[relevant].mean()) if relevant.any() else 0.0
        if name == "claims":
            row["claims_by_match"] = float(np.mean([s.claim_status == "confirmed" for s in scores]))
        else:
            row[f"{name}_shown_match"] = float(np.mean([s.claim_status is not None for s in scores]))
    return row


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", type=Path, default=REPO.parent / "shared" / "datasets")
    parser.add_argument("--model", type=Path, default=REPO / "models" / "default")
    parser.add_argument("--n", type=int, default=3000, help="held-out chatter texts timed per size")
    args = parser.parse_args(argv)
    if not args.datasets.is_dir():
        raise SystemExit(f"--datasets {args.datasets}: not a folder (the public sets are needed)")
    data = suites.build(args.datasets, max_train_per_source=None)
    archive = archive_claims(data.train)
    speed_texts = [r.text for r in data.suites["chatter"][: args.n]]
    rows = []
    for size, added in nested_subsets(archive, SIZES).items():
        model = HoaxClassifier.load(args.model)
        model.add_claims(added)
        rows.append(
            {
                "added_claims": size,
                "claim_base": len(model.matcher_.claims),
                **judge(model, data, speed_texts),
            }
        )
        print(f"  {size} claims added: {rows[-1]['texts_per_s']:.0f} texts/s", flush=True)
    return emit(
        "claimbase",
        "A fact-checkers' archive in the claim base: speed and the held-out suites",
        rows,
        {"model": str(args.model), "archive_claims": len(archive), "speed_texts": len(speed_texts)},
    )


if __name__ == "__main__":
    main()

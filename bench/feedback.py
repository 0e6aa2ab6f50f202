"""The officers' feedback loop on real text: does labelling the queue's false flags lower the next ones?

For each held-out chatter source of the `chatter` suite (rizano26, Pilkada Jatim; real election tweets the
shipped model never trained on), the posts are ordered by date and split in half. The earlier half is scored
by the shipped model and its flagged posts are labelled "bukan hoaks", as officers would decide them in the
queue. The real recipe (monitor.classify.realtrain: the public sets' training part, the seed and these
labels, weighted and thresholded as `monitor train --datasets --from-triage` does) is fitted again, and
both models are judged on the LATER half of the same source (never trained on), on the other source, and on
the `claims` and `headlines` suites. Rates are all rows / election-relevant rows.

Usage: python -m bench.feedback [--datasets ../shared/datasets] [--model models/default]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any

import numpy as np

from bench.common import emit
from monitor.classify import realtrain, suites
from monitor.classify.claims import read_known_claims
from monitor.classify.datasets import LabelledText
from monitor.classify.model import HoaxClassifier
from monitor.classify.training import assemble

REPO = Path(__file__).resolve().parent.parent


def flag_rate(model: HoaxClassifier, rows: list[LabelledText]) -> tuple[float, float]:
    """Share flagged over all rows and over the election-relevant rows."""
    return flag_rates(model, rows)[:2]


def flag_rates(model: HoaxClassifier, rows: list[LabelledText]) -> tuple[float, float, int]:
    """Share flagged over all rows and over the election-relevant rows, and how many rows are relevant."""
    texts = [r.text for r in rows]
    flags = np.array([s.flagged for s in model.predict(texts)])
    relevant = suites.relevant_rows(model, texts)
    assert relevant is not None  # a HoaxClassifier always has its keyword matcher
    share = float(flags[relevant].mean()) if relevant.any() else 0.0
    return float(flags.mean()), share, int(relevant.sum())


def retrain_with(real: suites.RealData, labels: list[tuple[str, int]]) -> HoaxClassifier:
    """The real recipe's fit with `labels` as the officers' decisions (no suite filter: the labelled rows
    are the source's earlier half, the judged rows its later half)."""
    local = assemble(REPO / "data" / "seed" / "posts.jsonl", triage=labels).train
    rows = real.train + local
    model = HoaxClassifier(
        REPO / "config" / "keywords.yml",
        version="feedback",
        claims=list(read_known_claims(REPO / "data" / "known_hoaxes.jsonl")),
        C=realtrain.C,
        max_features=realtrain.MAX_FEATURES,
        target_fpr=realtrain.TARGET_FPR,
    )
    return model.fit(
        [r.text for r in rows],
        [r.label for r in rows],
        fpr_rows=[realtrain._false_positive_row(r) for r in rows],
        sample_weight=[realtrain._weight(r) for r in rows],
    )


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", type=Path, default=REPO.parent / "shared" / "datasets")
    parser.add_argument("--model", type=Path, default=REPO / "models" / "default")
    parser.add_argument(
        "--weight", type=float, default=realtrain.TRIAGE_WEIGHT, help="the officers' labels' row weight"
    )
    args = parser.parse_args(argv)
    realtrain.TRIAGE_WEIGHT = args.weight
    real = suites.build(args.datasets, max_train_per_source=realtrain.MAX_PER_SOURCE)
    shipped = HoaxClassifier.load(args.model)
    chatter = real.suites["chatter"]
    rows_out: list[dict[str, Any]] = []
    detail: dict[str, Any] = {}
    for source in suites.CHATTER_HELD_OUT:
        dated = sorted((r for r in chatter if r.source == source and r.date), key=lambda r: str(r.date))
        early, late = dated[: len(dated) // 2], dated[len(dated) // 2 :]
        other = [r for r in chatter if r.source != source]
        scores = shipped.predict([r.text for r in early])
        labels = [(r.text, 0) for r, s in zip(early, scores, strict=True) if s.flagged]
        started = time.perf_counter()
        retrained = retrain_with(real, labels)
        fit_s = time.perf_counter() - started
        for name, model in (("shipped", shipped), ("with the labels", retrained)):
            later = flag_rate(model, late)
            others = flag_rate(model, other)
            claims = flag_rate(model, real.suites["claims"])
            headlines = flag_rate(model, real.suites["headlines"])
            rows_out.append(
                {
                    "source": source,
                    "model": name,
                    "labels": len(labels) if name != "shipped" else 0,
                    "later_fpr": f"{later[0]:.2%} / {later[1]:.2%}",
                    "other_chatter_fpr": f"{others[0]:.2%} / {others[1]:.2%}",
                    "claims_recall": f"{claims[0]:.3f} / {claims[1]:.3f}",
                    "headlines_fpr": f"{headlines[0]:.2%} / {headlines[1]:.2%}",
                }
            )
            detail.setdefault(source, {})[name] = {
                "later_fpr": later,
                "other_chatter_fpr": others,
                "claims_recall": claims,
                "headlines_fpr": headlines,
            }
        detail[source].update(
            {
                "early_rows": len(early),
                "later_rows": len(late),
                "dates": [str(dated[0].date), str(dated[-1].date)],
                "labels": len(labels),
                "fit_s": round(fit_s, 1),
            }
        )
    return emit(
        "feedback",
        "Officers' labels of false flags -> flag rate on the same source's later posts (all / relevant)",
        rows_out,
        {"detail": detail, "triage_weight": args.weight},
    )


if __name__ == "__main__":
    main()

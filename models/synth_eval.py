"""Evaluate a model folder on a synthetic ground-truth stream and record the result in its card.json.

The stream comes from `monitor.devdata` with its own phrase pools (never used for training), generated with
`truth=True` so every post carries its label and kind. Usage (from the repository root):

    .venv/bin/python models/synth_eval.py models/default [--n 5000] [--seed 99]

Prints precision / recall / F1 and the flag rate per kind, and stores them under
`synthetic_evaluation` in the folder's card.json.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from monitor.classify import load_classifier
from monitor.classify.evaluate import evaluate_classifier
from monitor.devdata import generate_posts


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("model", type=Path, help="model folder (model.skops + card.json)")
    ap.add_argument("--n", type=int, default=5000, help="posts in the stream (default 5000)")
    ap.add_argument("--seed", type=int, default=99, help="stream seed (default 99; the demo uses 2024)")
    args = ap.parse_args(argv)
    card_path = args.model / "card.json"
    if not card_path.is_file():
        print(f"error: {card_path} not found", file=sys.stderr)
        return 2
    posts = list(generate_posts(args.n, seed=args.seed, truth=True))
    model = load_classifier(args.model)
    result = evaluate_classifier(
        model,
        [p["text"] for p in posts],
        [p["label"] for p in posts],
        [{"kind": p["kind"], "style": "headline" if p["platform"] == "news" else "social"} for p in posts],
    )
    summary = {
        "generator": f"monitor.devdata generate_posts(n={args.n}, seed={args.seed}, truth=True)",
        "all": result.overall,
        "by_style": result.by_style,
        "by_kind": result.by_kind,
        "average_precision": result.average_precision,
        "neutrality": result.neutrality,
    }
    card = json.loads(card_path.read_text(encoding="utf-8"))
    card["synthetic_evaluation"] = summary
    card_path.write_text(json.dumps(card, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    o = result.overall
    print(f"synthetic stream n={o['n']} precision={o['precision']} recall={o['recall']} F1={o['f1']}")
    for kind, rate in result.by_kind.items():
        print(f"  {kind:<9} n={rate['n']:>5} flagged={rate['flag_rate']:.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

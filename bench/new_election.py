"""A Pilkada by configuration: the shipped model on a regional election's real chatter, before and after the
keywords file lists that election's pairs.

KPU Sekadau also runs Pilkada. README tells an office to list the regional pairs as `candidates` and set
`scope: regional` in `config/keywords.yml`. This bench measures what that does on the held-out Pilkada Jatim
2024 tweets (the `chatter` suite's source `pilkada_jatim`, never trained on). It scores them twice:
- with the shipped keywords (the presidential pairs);
- with a copy whose candidates are the three Pilgub Jatim 2024 pairs: 01 Luluk Nur Hamidah – Lukmanul Khakim,
  02 Khofifah Indar Parawansa – Emil Elestianto Dardak, 03 Tri Rismaharini – Zahrul Azhar Asumta (Gus Hans).

Each time it reports how many tweets are election-relevant (the pipeline scores only those), the flag rate
over all rows and over the relevant ones, and the `claims` suite's recall as a check on the rest.

Usage: python -m bench.new_election [--datasets ../shared/datasets] [--model models/default]
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from bench.common import emit
from bench.feedback import flag_rate, flag_rates
from monitor.classify import suites
from monitor.classify.model import HoaxClassifier
from monitor.text import load_keywords
from monitor.text.keywords import KeywordsConfig

REPO = Path(__file__).resolve().parent.parent
PILGUB_JATIM_2024 = {
    "01": {
        "label": "Luluk Nur Hamidah – Lukmanul Khakim",
        "names": ["luluk nur hamidah", "luluk", "lukmanul khakim", "lukmanul hakim"],
        "nicknames": ["bu luluk", "luluk-lukman"],
        "numbers": ["01", "1", "satu"],
    },
    "02": {
        "label": "Khofifah Indar Parawansa – Emil Elestianto Dardak",
        "names": ["khofifah indar parawansa", "khofifah", "emil elestianto dardak", "emil dardak", "dardak"],
        "nicknames": ["bu khofifah", "mas emil", "khofifah-emil"],
        "numbers": ["02", "2", "dua"],
    },
    "03": {
        "label": "Tri Rismaharini – Zahrul Azhar Asumta",
        "names": ["tri rismaharini", "rismaharini", "risma", "zahrul azhar asumta"],
        "nicknames": ["bu risma", "gus hans", "risma-gus hans"],
        "numbers": ["03", "3", "tiga"],
    },
}


def regional_keywords(base: KeywordsConfig, pairs: dict[str, dict[str, Any]], version: str) -> KeywordsConfig:
    """`base` with `pairs` as its candidates and `scope: regional`, validated as a keywords file is."""
    data = base.model_dump(mode="json")
    data.update(version=version, scope="regional", candidates=pairs)
    return KeywordsConfig.model_validate(data)


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", type=Path, default=REPO.parent / "shared" / "datasets")
    parser.add_argument("--model", type=Path, default=REPO / "models" / "default")
    args = parser.parse_args(argv)
    if not args.datasets.is_dir():
        raise SystemExit(f"--datasets {args.datasets}: not a folder (the public sets are needed)")
    data = suites.build(args.datasets)
    jatim = [r for r in data.suites["chatter"] if r.source == "pilkada_jatim"]
    base = load_keywords(REPO / "config" / "keywords.yml")
    configs = {
        "shipped keywords (presidential pairs)": None,
        "Pilgub Jatim 2024 pairs, scope regional": regional_keywords(
            base, PILGUB_JATIM_2024, "pilgub-jatim-2024-bench"
        ),
    }
    rows = []
    for name, keywords in configs.items():
        model = HoaxClassifier.load(args.model, keywords=keywords)
        fpr_all, fpr_relevant, jatim_relevant = flag_rates(model, jatim)
        recall_all, recall_relevant = flag_rate(model, data.suites["claims"])
        rows.append(
            {
                "keywords": name,
                "jatim_tweets": len(jatim),
                "jatim_relevant": jatim_relevant,
                "jatim_fpr_all": fpr_all,
                "jatim_fpr_relevant": fpr_relevant,
                "claims_recall_all": recall_all,
                "claims_recall_relevant": recall_relevant,
            }
        )
    return emit(
        "new_election",
        "A Pilkada by configuration: Pilkada Jatim 2024 tweets with and without its pairs configured",
        rows,
        {"model": str(args.model)},
    )


if __name__ == "__main__":
    main()

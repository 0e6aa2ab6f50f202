"""The `matching` suite: does the claim matcher find the right debunk, and only the right one?

- claim → title: each circulated claim of the two before-2024 claim sets is matched against a base of ALL
  fact-checker titles; recall@1 = its own title is the nearest; wrong-match rate = the nearest is another
  title AND clears the suggest threshold (an officer would be shown a wrong debunk).
- pairs: IndoNLI entailment, STIF informal↔formal and PAWS paraphrases must match (share of pairs at or above
  the suggest threshold); IndoNLI contradictions and PAWS word-swaps must not.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from scipy import sparse

from monitor.classify import realdata as rd
from monitor.classify.datasets import dedupe_key
from monitor.classify.embed import Embedder, TfidfEmbedder

Prepare = Callable[[str], str]


def _dense_sims(a: Any, b: Any) -> np.ndarray:
    sims = a @ b.T
    return sims.toarray() if sparse.issparse(sims) else np.asarray(sims)


def _encode(embedder: Embedder, prepare: Prepare, texts: list[str]) -> Any:
    return embedder.encode_matrix([prepare(t) for t in texts])


def nearest_titles(
    embedder: Embedder, prepare: Prepare, queries: list[str], titles: list[str]
) -> tuple[np.ndarray, np.ndarray]:
    """Each query's nearest title among ALL distinct `titles` (`titles[i]` is query i's own; titles with
    one `dedupe_key` are one title, compared in their first spelling: 13 of the `matching` suite's 699 are
    written twice, once without their opening quote mark, and a match to the twin is the right debunk): the
    best similarity, and whether the nearest is its own title. The base is encoded first (a fused space
    centres on it)."""
    spelling: dict[str, str] = {}
    for title in sorted(set(titles)):
        spelling.setdefault(dedupe_key(title), title)
    keys = list(spelling)
    position = {key: i for i, key in enumerate(keys)}
    base = _encode(embedder, prepare, [spelling[key] for key in keys])
    sims = _dense_sims(_encode(embedder, prepare, queries), base)
    best = sims.argmax(axis=1)
    truth = np.array([position[dedupe_key(t)] for t in titles])
    return sims[np.arange(len(queries)), best], best == truth


def evaluate_matching(
    embedder: Embedder,
    root: Path,
    *,
    suggest: float,
    prepare: Prepare | None = None,
    pair_limit: int | None = 400,
) -> dict[str, Any]:
    """Matching metrics of `embedder` (TF-IDF embedders are fitted on the texts seen, like a claim base)."""
    prepare = prepare or (lambda text: " ".join(text.lower().split()))
    pairs = rd.claim_title_pairs(root)
    if isinstance(embedder, TfidfEmbedder) and not embedder.fitted:
        titles = sorted({p.target for p in pairs})
        embedder.fit([prepare(t) for t in titles] + [prepare(p.query) for p in pairs])
    best_sim, correct = nearest_titles(embedder, prepare, [p.query for p in pairs], [p.target for p in pairs])
    wrong = (~correct) & (best_sim >= suggest)
    out: dict[str, Any] = {
        "claim_title": {
            "queries": len(pairs),
            "base_titles": len({dedupe_key(p.target) for p in pairs}),
            "recall_at_1": round(float(correct.mean()), 4),
            "matched_at_threshold": round(float((correct & (best_sim >= suggest)).mean()), 4),
            "wrong_match_rate": round(float(wrong.mean()), 4),
            "suggest_threshold": suggest,
        }
    }
    for name, loader in (("indonli", rd.indonli_pairs), ("paws", rd.paws_pairs), ("stif", rd.stif_pairs)):
        rows = loader(root)
        chosen = _balanced(rows, pair_limit)
        left = _encode(embedder, prepare, [p.query for p in chosen])
        right = _encode(embedder, prepare, [p.target for p in chosen])
        pair_sims = np.asarray(
            (left.multiply(right)).sum(axis=1) if sparse.issparse(left) else (left * right).sum(axis=1)
        ).ravel()
        labels = np.array([p.label for p in chosen])
        match = pair_sims >= suggest
        entry: dict[str, Any] = {"pairs": len(chosen)}
        if (labels == 1).any():
            entry["must_match_rate"] = round(float(match[labels == 1].mean()), 4)
        if (labels == 0).any():
            entry["must_not_match_rate"] = round(float(match[labels == 0].mean()), 4)
            entry["mean_sim_gap"] = round(
                float(pair_sims[labels == 1].mean() - pair_sims[labels == 0].mean()), 4
            )
        out[name] = entry
    return out


def _balanced(rows: list[rd.Pair], limit: int | None) -> list[rd.Pair]:
    """Up to `limit` pairs, half of each label when both exist, picked deterministically."""
    if limit is None or len(rows) <= limit:
        return rows
    rng = np.random.default_rng(11)
    out: list[rd.Pair] = []
    labels = sorted({p.label for p in rows})
    for label in labels:
        group = [p for p in rows if p.label == label]
        take = min(len(group), max(1, limit // len(labels)))  # at least one of each label
        out += [group[i] for i in np.sort(rng.choice(len(group), take, replace=False))]
    return out

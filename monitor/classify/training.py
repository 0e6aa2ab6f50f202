"""Training data assembly (dedupe, time split), fitting a candidate version and writing its card.

The fixed evaluation split is the part of data/seed/posts.jsonl dated on or after SPLIT_DATE; it is never
used for fitting, and every training row whose de-duplication key equals an evaluation row's is dropped,
so promotion decisions and the card's metrics are measured on held-out text.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from monitor.classify.claims import read_known_claims
from monitor.classify.datasets import LabelledText, dedupe_key, detect_reader, parse_date, read_seed
from monitor.classify.embed import Embedder
from monitor.classify.evaluate import evaluate_classifier
from monitor.classify.model import HoaxClassifier

SPLIT_DATE = date(2024, 2, 1)

Step = Callable[[str, int], None]  # (description, units done) for a progress bar


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with Path(path).open("rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


@dataclass(slots=True)
class TrainingData:
    train: list[LabelledText]
    test: list[LabelledText]
    sources: list[dict[str, Any]] = field(default_factory=list)
    dropped: dict[str, int] = field(default_factory=dict)

    def summary(self) -> dict[str, Any]:
        def counts(rows: list[LabelledText]) -> dict[str, Any]:
            return {
                "rows": len(rows),
                "hoax": sum(r.label for r in rows),
                "by_style": dict(Counter(r.style for r in rows)),
                "by_source": dict(Counter(r.source for r in rows)),
            }

        return {
            "split_date": SPLIT_DATE.isoformat(),
            "train": counts(self.train),
            "test": counts(self.test),
            "dropped": dict(self.dropped),
        }


def _is_test(row: LabelledText) -> bool:
    when = parse_date(row.date)
    return row.source == "seed" and when is not None and when >= SPLIT_DATE


def assemble(
    seed: Path,
    extra: Sequence[Path] = (),
    triage: Iterable[tuple[str, int]] | None = None,
    *,
    election_only_extra: bool = False,
) -> TrainingData:
    """Read every source, dedupe on the normalised title (before splitting), then split by time."""
    dropped: Counter[str] = Counter()
    sources: list[dict[str, Any]] = []
    seed_rows = list(read_seed(seed))
    sources.append(
        {
            "name": "seed",
            "path": str(seed),
            "sha256": file_sha256(seed),
            "rows": len(seed_rows),
            "format": "seed JSONL",
        }
    )
    # Evaluation rows claim their keys first, so no training row can repeat an evaluation text.
    ordered = [r for r in seed_rows if _is_test(r)] + [r for r in seed_rows if not _is_test(r)]
    for path in extra:
        reader, name = detect_reader(path)
        rows = list(reader(path))
        used = 0
        for row in rows:
            when = parse_date(row.date)
            if when is not None and when >= SPLIT_DATE:
                dropped["extra_after_split_date"] += 1
                continue
            if election_only_extra and not _ELECTION.search(row.text):
                dropped["extra_not_election"] += 1
                continue
            ordered.append(row)
            used += 1
        sources.append(
            {
                "name": rows[0].source if rows else Path(path).stem,
                "path": str(path),
                "sha256": file_sha256(path),
                "rows": len(rows),
                "rows_kept": used,
                "format": name,
            }
        )
    if triage is not None:
        triage_rows = [LabelledText(text, int(label), "triage", None, "social") for text, label in triage]
        ordered.extend(triage_rows)
        sources.append(
            {"name": "triage", "path": "database: officers' final triage decisions", "rows": len(triage_rows)}
        )
    seen: set[str] = set()
    train: list[LabelledText] = []
    test: list[LabelledText] = []
    # Seed rows written as paraphrases of one another share a "group"; a group in the evaluation split
    # must not leak into training through a paraphrase.
    test_groups = {r.meta.get("group") for r in seed_rows if _is_test(r) and r.meta.get("group")}
    for row in ordered:
        key = dedupe_key(row.text)
        if not key:
            dropped["empty_text"] += 1
            continue
        if key in seen:
            dropped["duplicate"] += 1
            continue
        seen.add(key)
        if _is_test(row):
            test.append(row)
        elif row.source == "seed" and row.meta.get("group") in test_groups:
            dropped["paraphrase_of_evaluation_row"] += 1
        else:
            train.append(row)
    return TrainingData(train=train, test=test, sources=sources, dropped=dict(dropped))


_ELECTION = re.compile(
    r"\b(?:pemilu|kpu|sirekap|sidalih|capres|cawapres|bawaslu|tps|surat suara|pilpres|caleg|quick count|"
    r"rekapitulasi|dpt|coblos|paslon|kampanye)\b",
    re.IGNORECASE,
)


def evaluation_split(seed: Path) -> tuple[list[str], list[int], list[dict[str, Any]]]:
    """The fixed evaluation split (seed rows dated on/after SPLIT_DATE) as texts, labels and row metadata."""
    rows = [r for r in read_seed(seed) if _is_test(r)]
    return [r.text for r in rows], [r.label for r in rows], [_meta(r) for r in rows]


def _meta(row: LabelledText) -> dict[str, Any]:
    return {"style": row.style, "kind": row.kind, "source": row.source, **row.meta}


def new_version(prefix: str = "m") -> str:
    return f"{prefix}-{datetime.now(UTC):%Y%m%d-%H%M%S}"


def train_candidate(
    data: TrainingData,
    *,
    keywords_file: Path,
    claims_file: Path | None,
    out: Path,
    version: str,
    embedder: Embedder | None = None,
    embedding_features: bool = False,
    step: Step | None = None,
    C: float = 16.0,
    extra_features: bool = True,
) -> tuple[HoaxClassifier, dict[str, Any]]:
    """Fit on data.train, evaluate on data.test, save the folder with its card; returns (model, card)."""
    report = step or (lambda _description, _done: None)
    claims = list(read_known_claims(claims_file)) if claims_file is not None and claims_file.is_file() else []
    model = HoaxClassifier(
        keywords_file,
        version=version,
        claims=claims,
        embedder=embedder,
        embedding_features=embedding_features,
        C=C,
        extra_features=extra_features,
    )
    report("fitting", 0)
    model.fit([r.text for r in data.train], [r.label for r in data.train])
    report("fitted", 1)
    card_extra: dict[str, Any] = {"data": {"sources": data.sources, **data.summary()}}
    card_extra["validation"] = {k: v for k, v in model.fit_report_.items() if k != "oof_probabilities"}
    if data.test:
        result = evaluate_classifier(
            model, [r.text for r in data.test], [r.label for r in data.test], [_meta(r) for r in data.test]
        )
        card_extra["metrics"] = result.card_metrics()
    report("evaluated", 1)
    model.save(out, card_extra)
    report("saved", 1)
    return model, model.card_

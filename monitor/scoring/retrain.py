"""The one train-and-register flow behind `monitor train` and the dashboard's retrain button.

Two recipes. With the public real-text sets (`datasets`, `../shared/datasets`) the shipped model's recipe
(`monitor.classify.realtrain`: real chatter and headlines as negatives, older circulated claims as positives,
judged on the held-out suites), plus the seed and the officers' final decisions when asked; the active model's
re-ranker adapter is carried into the candidate. Without them, the seed corpus alone (plus extra labelled
files and the officers' decisions): a model of the project's own writing, which the promote guard will not
put in place of a model trained on real text (`registry.promote`).

Either way the candidate's folder is written with its card and registered in `model_versions` (inactive:
promotion is a separate, audited step). Who may start it and the audit record of who did are the caller's
(`monitor.operations`); the command line needs neither.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from monitor.classify.datasets import DatasetError
from monitor.classify.embed import Embedder, SentenceTransformerEmbedder
from monitor.classify.realtrain import carry_rerank_adapter, train_on_real
from monitor.classify.training import assemble, new_version, train_candidate
from monitor.config import Settings
from monitor.scoring.registry import active_model_dir, candidates_dir, register_model
from monitor.store import Database, queries

# The stages reported to `step`, in order; a progress display may map them to fractions or labels.
STAGES = ("data", "fitting", "fitted", "evaluated", "saved", "registered")
Step = Callable[[str], None]


class RetrainError(ValueError):
    """Training cannot start or its data is unusable; the message names the file or setting."""


@dataclass(frozen=True, slots=True)
class TrainedModel:
    version: str
    folder: Path
    card: dict[str, Any]
    train_rows: int
    triage_labels: int
    registered: bool
    recipe: str = "seed"  # "real": the public sets' recipe; "seed": the seed corpus alone

    @property
    def metrics(self) -> dict[str, Any]:
        return dict(self.card.get("metrics", {}))


def _sentence_embedder(setting: str | None) -> SentenceTransformerEmbedder | None:
    """A sentence-transformers embedder for the features, when one is configured (else TF-IDF only)."""
    if not setting:
        return None
    loaded = Embedder.from_setting(setting)
    return loaded if isinstance(loaded, SentenceTransformerEmbedder) else None


def train_and_register(
    cfg: Settings,
    db: Database | None,
    *,
    seed: Path | None = None,
    extra: Sequence[Path] = (),
    election_only_extra: bool = False,
    from_triage: bool = False,
    embedder: str | None = None,
    out: Path | None = None,
    version: str | None = None,
    register: bool = True,
    step: Step | None = None,
    datasets: Path | None = None,
    say: Step | None = None,
) -> TrainedModel:
    """Train a candidate version and, with a database and `register`, add it to `model_versions`.

    Defaults come from the settings: `paths.seed_corpus`, `paths.known_claims`, `classifier.embedder`,
    and models/candidates/<version>/ as the folder. `from_triage` adds the officers' hoaks / bukan hoaks
    decisions as labels and needs the database. `datasets` (a folder of the public sets) selects the real
    recipe, which takes neither `extra` files nor a sentence-transformers `embedder`. `step` gets the
    stages (STAGES), `say` the real recipe's progress lines (Indonesian).
    """
    report = step or (lambda _stage: None)
    seed_path = seed or cfg.path(cfg.paths.seed_corpus)
    if not seed_path.is_file():
        raise RetrainError(f"{seed_path}: seed corpus not found")
    if datasets is not None:
        if not Path(datasets).is_dir():
            raise RetrainError(f"{datasets}: datasets folder not found")
        if extra or embedder:
            raise RetrainError(
                "the real recipe (--datasets) takes neither --extra-data nor --embedder: it reads its own "
                "public sets and uses the char and word n-grams it was judged with"
            )
    labels: list[tuple[str, int]] | None = None  # None: no triage source at all in the card
    if from_triage:
        if db is None:
            raise RetrainError("training from triage labels needs an initialised database (`monitor init`)")
        with db.session() as session:
            labels = list(queries.triage_labels(session))
    version = version or new_version()
    folder = out or candidates_dir(cfg) / version
    if datasets is not None:
        return _train_real(cfg, db, Path(datasets), seed_path, labels, folder, version, register, report, say)
    try:
        data = assemble(seed_path, list(extra), labels, election_only_extra=election_only_extra)
    except DatasetError as exc:
        raise RetrainError(str(exc)) from None
    report("data")
    sentence_embedder = _sentence_embedder(embedder or cfg.classifier.embedder)
    _, card = train_candidate(
        data,
        keywords_file=cfg.path(cfg.paths.keywords_file),
        claims_file=cfg.path(cfg.paths.known_claims),
        out=folder,
        version=version,
        embedder=sentence_embedder,
        embedding_features=sentence_embedder is not None,
        step=lambda stage, _done: report(stage),
    )
    registered = db is not None and register
    if registered:
        register_model(db, cfg, folder)  # type: ignore[arg-type]  (db is not None here)
        report("registered")
    return TrainedModel(version, folder, dict(card), len(data.train), len(labels or ()), registered)


def _train_real(
    cfg: Settings,
    db: Database | None,
    datasets: Path,
    seed: Path,
    labels: list[tuple[str, int]] | None,
    folder: Path,
    version: str,
    register: bool,
    report: Step,
    say: Step | None,
) -> TrainedModel:
    """The real recipe (monitor.classify.realtrain) with the officers' labels, the active adapter carried."""
    try:
        _, card = train_on_real(
            datasets=datasets,
            seed=seed,
            keywords_file=cfg.path(cfg.paths.keywords_file),
            claims_file=cfg.path(cfg.paths.known_claims),
            out=folder,
            version=version,
            home=cfg.home,
            step=say,
            triage=labels,
            stage=report,
        )
    except DatasetError as exc:
        raise RetrainError(str(exc)) from None
    carried = carry_rerank_adapter(active_model_dir(cfg, db), folder)
    if carried is not None:
        card = {**card, "rerank_adapter": carried}
    registered = db is not None and register
    if registered:
        register_model(db, cfg, folder)  # type: ignore[arg-type]  (db is not None here)
        report("registered")
    rows = int(card.get("data", {}).get("train_rows", 0))
    return TrainedModel(version, folder, dict(card), rows, len(labels or ()), registered, "real")

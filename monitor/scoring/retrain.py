"""The one train-and-register flow behind `monitor train` and the dashboard's retrain button.

Reads the seed corpus (plus extra labelled datasets and the officers' final decisions when asked), fits a
candidate with `monitor.classify.training`, writes its folder with the card and registers it in
`model_versions` (inactive: promotion is a separate, audited step). Who may start it and the audit record
of who did are the caller's (`monitor.operations`); the command line needs neither.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from monitor.classify.datasets import DatasetError
from monitor.classify.embed import Embedder, SentenceTransformerEmbedder
from monitor.classify.training import assemble, new_version, train_candidate
from monitor.config import Settings
from monitor.scoring.registry import candidates_dir, register_model
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
) -> TrainedModel:
    """Train a candidate version and, with a database and `register`, add it to `model_versions`.

    Defaults come from the settings: `paths.seed_corpus`, `paths.known_claims`, `classifier.embedder`,
    and models/candidates/<version>/ as the folder. `from_triage` adds the officers' hoaks / bukan hoaks
    decisions as labels and needs the database.
    """
    report = step or (lambda _stage: None)
    seed_path = seed or cfg.path(cfg.paths.seed_corpus)
    if not seed_path.is_file():
        raise RetrainError(f"{seed_path}: seed corpus not found")
    labels: list[tuple[str, int]] | None = None  # None: no triage source at all in the card
    if from_triage:
        if db is None:
            raise RetrainError("training from triage labels needs an initialised database (`monitor init`)")
        with db.session() as session:
            labels = list(queries.triage_labels(session))
    try:
        data = assemble(seed_path, list(extra), labels, election_only_extra=election_only_extra)
    except DatasetError as exc:
        raise RetrainError(str(exc)) from None
    report("data")
    version = version or new_version()
    folder = out or candidates_dir(cfg) / version
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

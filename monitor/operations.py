"""Operations the dashboard offers beyond triage, each guarded by the permission table first:
retraining and promoting the classifier (analyst, admin) and switching a source on or off (admin).

The training and promotion work itself is the classifier's (monitor.classify, monitor.registry); this module
only decides who may start it and records who did.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from monitor import auth
from monitor.auth import Actor
from monitor.config import Settings
from monitor.store import Database, queries


class OperationError(RuntimeError):
    """The operation could not run (missing seed corpus, unknown source, ...)."""


@dataclass(frozen=True, slots=True)
class RetrainResult:
    version: str
    folder: str
    metrics: dict[str, Any]
    triage_labels: int


def retrain(
    actor: Actor, db: Database, cfg: Settings, *, step: Callable[[str, float], None] | None = None
) -> RetrainResult:
    """Train a candidate on the seed corpus plus the officers' labels and register it (not active)."""
    auth.require(actor, auth.MODEL_RETRAIN)
    from monitor.classify.training import assemble, new_version, train_candidate
    from monitor.registry import candidates_dir, register_model

    report = step or (lambda _what, _fraction: None)
    seed = cfg.path(cfg.paths.data_dir) / "seed" / "posts.jsonl"
    if not seed.is_file():
        raise OperationError(f"{seed}: seed corpus not found")
    with db.session() as session:
        labels = list(queries.triage_labels(session))
    report("data", 0.1)
    data = assemble(seed, [], labels)
    version = new_version()
    folder = candidates_dir(cfg) / version
    progress = {"fitting": 0.3, "fitted": 0.6, "evaluated": 0.8, "saved": 0.95}
    _, card = train_candidate(
        data,
        keywords_file=cfg.path(cfg.paths.keywords_file),
        claims_file=cfg.path(cfg.paths.data_dir) / "known_hoaxes.jsonl",
        out=folder,
        version=version,
        step=lambda what, _done: report(what, progress.get(what, 0.5)),
    )
    register_model(db, cfg, folder)
    with db.session() as session:
        queries.add_audit_event(
            session,
            actor=actor.username,
            role=actor.role,
            action="model_retrain",
            note=f"model {version} dilatih ({len(data.train)} baris, {len(labels)} label petugas)",
            after={"version": version},
        )
    report("done", 1.0)
    return RetrainResult(version, str(folder), dict(card.get("metrics", {})), len(labels))


def promote(actor: Actor, db: Database, cfg: Settings, version: str, *, force: bool = False) -> Any:
    """Make a version active if it is not worse than the active one (monitor.registry.promote)."""
    auth.require(actor, auth.MODEL_PROMOTE)
    from monitor.registry import promote as registry_promote

    return registry_promote(db, cfg, version, user=actor.username, force=force)


def set_source_enabled(session: Session, actor: Actor, name: str, enabled: bool) -> None:
    """Switch a collector on or off (admin); the scheduler skips disabled sources."""
    auth.require(actor, auth.SOURCES_MANAGE)
    source = queries.get_source(session, name)
    if source is None:
        raise OperationError(f"unknown source {name!r}")
    from monitor.collection import set_source_enabled as switch  # the switch's one home

    before = {"enabled": switch(session, name, enabled)}
    queries.add_audit_event(
        session,
        actor=actor.username,
        role=actor.role,
        action="source.enable" if enabled else "source.disable",
        note=name,
        before=before,
        after={"enabled": enabled},
    )

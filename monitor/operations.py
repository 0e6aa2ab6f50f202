"""Operations the dashboard offers beyond triage, each guarded by the permission table first:
retraining and promoting the classifier (analyst, admin) and switching a source on or off (admin).

The training and promotion work itself is monitor.scoring's (retrain, registry); this module only decides
who may start it and records who did.
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


# Where each stage of monitor.scoring.retrain leaves the dashboard's progress bar.
_PROGRESS = {"data": 0.1, "fitting": 0.3, "fitted": 0.6, "evaluated": 0.8, "saved": 0.9, "registered": 0.95}


def retrain(
    actor: Actor, db: Database, cfg: Settings, *, step: Callable[[str, float], None] | None = None
) -> RetrainResult:
    """Train a candidate on the seed corpus plus the officers' labels and register it (not active)."""
    auth.require(actor, auth.MODEL_RETRAIN)
    from monitor.scoring.retrain import RetrainError, train_and_register

    report = step or (lambda _what, _fraction: None)
    try:
        trained = train_and_register(
            cfg, db, from_triage=True, step=lambda stage: report(stage, _PROGRESS.get(stage, 0.5))
        )
    except RetrainError as exc:
        raise OperationError(str(exc)) from None
    with db.session() as session:
        queries.add_audit_event(
            session,
            actor=actor.username,
            role=actor.role,
            action="model_retrain",
            note=(
                f"model {trained.version} dilatih ({trained.train_rows} baris, "
                f"{trained.triage_labels} label petugas)"
            ),
            after={"version": trained.version},
        )
    report("done", 1.0)
    return RetrainResult(trained.version, str(trained.folder), trained.metrics, trained.triage_labels)


def promote(actor: Actor, db: Database, cfg: Settings, version: str, *, force: bool = False) -> Any:
    """Make a version active if it is not worse than the active one (monitor.scoring.registry.promote)."""
    auth.require(actor, auth.MODEL_PROMOTE)
    from monitor.scoring.registry import promote as registry_promote

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

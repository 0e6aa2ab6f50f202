"""Operations the dashboard offers that span more than one service, each guarded by the permission table
first: a triage action followed by the evidence freeze it calls for (every officer), retraining and
promoting the classifier (analyst, admin) and switching a source on or off (admin).

The training and promotion work itself is monitor.scoring's (retrain, registry); the case rules are
monitor.triage's and the packets monitor.evidence's. This module only sequences them, decides who may
start them and records who did.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from sqlalchemy.orm import Session

from monitor import auth, evidence, triage
from monitor.auth import Actor
from monitor.config import Settings
from monitor.store import Database, queries

if TYPE_CHECKING:  # the narratives package loads scikit-learn: imported where used
    from monitor.narratives.curation import CurationResult

log = logging.getLogger(__name__)


class OperationError(RuntimeError):
    """The operation could not run (missing seed corpus, unknown source, ...)."""


@dataclass(frozen=True, slots=True)
class RetrainResult:
    version: str
    folder: str
    metrics: dict[str, Any]
    triage_labels: int
    recipe: str  # "real" (the public sets were found) or "seed"


# Where each stage of monitor.scoring.retrain leaves the dashboard's progress bar.
_PROGRESS = {"data": 0.1, "fitting": 0.3, "fitted": 0.6, "evaluated": 0.8, "saved": 0.9, "registered": 0.95}


def retrain(
    actor: Actor, db: Database, cfg: Settings, *, step: Callable[[str, float], None] | None = None
) -> RetrainResult:
    """Train a candidate on the officers' labels and register it (not active): with the real recipe when
    the public sets are at `[paths] public_datasets` (see `public_datasets`), else the seed corpus alone."""
    auth.require(actor, auth.MODEL_RETRAIN)
    from monitor.scoring.retrain import RetrainError, train_and_register

    report = step or (lambda _what, _fraction: None)
    try:
        trained = train_and_register(
            cfg,
            db,
            from_triage=True,
            datasets=public_datasets(cfg),
            step=lambda stage: report(stage, _PROGRESS.get(stage, 0.5)),
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
                f"{trained.triage_labels} label petugas, resep {trained.recipe})"
            ),
            after={"version": trained.version, "recipe": trained.recipe},
        )
    report("done", 1.0)
    return RetrainResult(
        trained.version, str(trained.folder), trained.metrics, trained.triage_labels, trained.recipe
    )


def merge_narratives(
    actor: Actor, db: Database, cfg: Settings, keep: int, absorb: int, *, note: str | None = None
) -> CurationResult:
    """An analyst merges narrative `absorb` into `keep` (one claim told twice); audited with the role."""
    auth.require(actor, auth.NARRATIVES_CURATE)
    from monitor.narratives.curation import merge_narratives as merge
    from monitor.narratives.grouping import title_neutraliser

    return merge(
        db, keep, absorb, actor=actor.username, role=actor.role, note=note, neutral=title_neutraliser(cfg)
    )


def split_narrative(
    actor: Actor,
    db: Database,
    cfg: Settings,
    narrative_id: int,
    post_ids: list[int],
    *,
    note: str | None = None,
) -> CurationResult:
    """An analyst moves some member posts of a narrative into a new one; audited with the role."""
    auth.require(actor, auth.NARRATIVES_CURATE)
    from monitor.narratives.curation import split_narrative as split
    from monitor.narratives.grouping import title_neutraliser

    return split(
        db,
        narrative_id,
        post_ids,
        actor=actor.username,
        role=actor.role,
        note=note,
        neutral=title_neutraliser(cfg),
    )


def public_datasets(cfg: Settings) -> Path | None:
    """The public real-text sets folder (`[paths] public_datasets`) when it exists on this machine."""
    folder = cfg.path(cfg.paths.public_datasets)
    return folder if folder.is_dir() else None


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


# -- a triage action and the evidence it freezes ----------------------------------------------------------
FreezeMode = Literal["background", "wait", "off"]
ESCALATIONS = frozenset(f"escalate_{target}" for target in triage.ESCALATION_TARGETS)


@dataclass(slots=True)
class ActionOutcome:
    """What one officer action did: the decisions written (one, or one per post of a narrative), the
    narrative's skipped posts, and the thread freezing the escalated posts' evidence (None when the
    action freezes nothing or the freeze ran in the caller's thread)."""

    action: str
    decisions: list[triage.Decision]
    skipped: list[tuple[int, str]] = field(default_factory=list)
    narrative_id: int | None = None
    freezing: threading.Thread | None = None

    @property
    def escalated(self) -> list[int]:
        return [d.post_id for d in self.decisions] if self.action in ESCALATIONS else []


def act(
    db: Database,
    cfg: Settings,
    actor: Actor,
    post_id: int,
    action: str,
    *,
    expected_version: int,
    note: str | None = None,
    narrative_id: int | None = None,
    expected_versions: dict[int, int] | None = None,
    freeze: FreezeMode = "background",
) -> ActionOutcome:
    """Apply a triage action (to the post, or to its whole narrative when `narrative_id` is given) in its
    own transaction; once that has committed, an escalation freezes the escalated posts' evidence at once.

    Why after the commit: the freeze reads the audit trail including this escalation, and its capture
    waits on the network (fetch, ~6 s screenshot) — no transaction may wait on that. Why in the
    background by default: the officer's page must not hang on the screenshot. A failed freeze is logged
    and never undoes the escalation; the scheduler's `evidence-pending` job retries it within minutes.
    Raises what `triage.apply` raises (PermissionDenied, Conflict, TriageError ...), with nothing written."""
    with db.session() as session:
        if narrative_id is not None:
            result = triage.apply_to_narrative(
                session, actor, narrative_id, action, note=note, expected_versions=expected_versions
            )
            outcome = ActionOutcome(action, list(result.applied), list(result.skipped), narrative_id)
        else:
            decision = triage.apply(
                session, actor, post_id, action, expected_version=expected_version, note=note
            )
            outcome = ActionOutcome(action, [decision])
    post_ids = outcome.escalated
    if not post_ids or freeze == "off":
        return outcome
    if freeze == "wait":
        _freeze_escalated(db, cfg, actor, post_ids, action)
        return outcome
    outcome.freezing = threading.Thread(
        target=_freeze_escalated,
        args=(db, cfg, actor, post_ids, action),
        name=f"evidence-freeze-{'-'.join(map(str, post_ids[:5]))}",
        # A daemon: a server shutting down mid-capture does not wait for it; nothing half-done is stored
        # (the packet is written in one transaction at the end) and the pending job freezes it later.
        daemon=True,
    )
    outcome.freezing.start()
    return outcome


def _freeze_escalated(db: Database, cfg: Settings, actor: Actor, post_ids: list[int], action: str) -> None:
    """The freeze thread's body, using its own sessions (`evidence.freeze` opens them from `db`). Any
    failure is logged and left to the pending job: the escalation has already been recorded."""
    try:
        frozen = evidence.freeze_on_escalation(db, cfg, actor, post_ids, action)
    except Exception:  # a thread must not die silently: log, and let evidence-pending catch up
        log.exception(
            "evidence freeze after %s of item(s) %s failed; left to the pending job", action, post_ids
        )
        return
    log.info("froze evidence of %d of %d escalated item(s)", len(frozen), len(post_ids))

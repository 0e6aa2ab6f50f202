"""Rows of `model_versions`: which classifier versions are registered and which one is active.

The rules (what "active" means when no row is, when a promotion is refused) live in
`monitor.scoring.registry`; this module only reads and writes the rows.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from monitor.store.schema import ModelVersion


def active_model(session: Session) -> ModelVersion | None:
    """The row marked active, if any."""
    return session.scalar(select(ModelVersion).where(ModelVersion.active.is_(True)))


def get_version(session: Session, version: str) -> ModelVersion | None:
    return session.scalar(select(ModelVersion).where(ModelVersion.version == version))


def all_versions(session: Session) -> list[ModelVersion]:
    """Every registered version, oldest first."""
    return list(session.scalars(select(ModelVersion).order_by(ModelVersion.created_at)))


def save_version(session: Session, version: str, path: str, card: dict[str, Any]) -> None:
    """Add a version's row (inactive) or refresh the folder and card of an existing one."""
    row = get_version(session, version)
    if row is None:
        session.add(ModelVersion(version=version, path=path, card=card, active=False))
    else:
        row.path, row.card = path, card
    session.flush()


def activate(session: Session, version: str, *, by: str, at: datetime) -> None:
    """Make `version` the only active row, recording who promoted it and when."""
    session.execute(update(ModelVersion).where(ModelVersion.active.is_(True)).values(active=False))
    session.execute(
        update(ModelVersion)
        .where(ModelVersion.version == version)
        .values(active=True, promoted_at=at, promoted_by=by)
    )

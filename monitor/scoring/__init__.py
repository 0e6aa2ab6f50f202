"""Scoring (services floor): which model scores, scoring the backlog, and training new versions.

- `registry`: model versions, the active model and its card, promotion;
- `backlog`: `score_pending`, `score_backlog` (score what is new, then group it into narratives);
- `retrain`: the one train-and-register flow behind `monitor train` and the dashboard's Model page.

The face re-exports the names callers use; heavy libraries (scikit-learn, sentence-transformers) load
with the submodules, so `import monitor.scoring` alone stays cheap.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from monitor.scoring.backlog import score_backlog as score_backlog
    from monitor.scoring.backlog import score_pending as score_pending
    from monitor.scoring.registry import RegistryError as RegistryError
    from monitor.scoring.registry import active_card as active_card
    from monitor.scoring.registry import load_active_classifier as load_active_classifier
    from monitor.scoring.retrain import train_and_register as train_and_register

_HOMES = {
    "score_backlog": "backlog",
    "score_pending": "backlog",
    "RegistryError": "registry",
    "active_card": "registry",
    "load_active_classifier": "registry",
    "train_and_register": "retrain",
}

__all__ = sorted(_HOMES)


def __getattr__(name: str) -> Any:
    """Import a face name's submodule on first use (PEP 562)."""
    if name not in _HOMES:
        raise AttributeError(f"module 'monitor.scoring' has no attribute {name!r}")
    from importlib import import_module

    return getattr(import_module(f"monitor.scoring.{_HOMES[name]}"), name)

"""Loading the heavy libraries once, in the background, right after the dashboard server starts.

The Laporan page needs the report builder (matplotlib, PDF), which takes several seconds to import on a
busy 2-core machine. (The Model page's registry no longer imports the classifier: scikit-learn, skops and
torch load only when a model is trained or promoted.) dashboards/server.py starts `start()` at server
start, so the first officer to open those pages finds them loaded instead of waiting. Nothing is loaded
twice: Python caches imported modules.
"""

from __future__ import annotations

import importlib
import logging
import threading

log = logging.getLogger(__name__)

MODULES = (
    "pandas",
    "altair",
    "monitor.triage",
    "monitor.store.trends",
    "monitor.operations",
    "monitor.scoring.registry",
    "monitor.reports",
)


def load_all() -> list[str]:
    """Import every module of MODULES; returns those that failed (logged, never raised)."""
    failed = []
    for name in MODULES:
        try:
            importlib.import_module(name)
        except Exception:  # an optional part missing must not stop the server
            log.exception("warm-up: could not import %s", name)
            failed.append(name)
    return failed


def start() -> threading.Thread:
    thread = threading.Thread(target=load_all, name="monitor-warm-up", daemon=True)
    thread.start()
    return thread

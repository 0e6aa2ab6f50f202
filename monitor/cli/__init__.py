"""Command-line interface (`monitor ...`). Each module below registers its commands on the one app:
core (init, import, score, dashboard), users, models (classify, train, evaluate, models, promote),
collect (collect, run, sources), narratives (narratives, alerts), report and worker (worker, beat)."""

from monitor.cli import collect, core, models, narratives, report, users, worker  # noqa: F401
from monitor.cli.app import app

__all__ = ["app"]

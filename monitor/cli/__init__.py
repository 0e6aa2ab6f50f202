"""Command-line interface (`monitor ...`). Each module below registers its commands on the one app:
core (init, import, score, dashboard), users, models (classify, train, evaluate, models, promote),
collect (collect, run, sources), narratives (narratives, alerts), report, evidence and tipline."""

from monitor.cli import claims, collect, core, evidence, models, narratives, report, tipline, users  # noqa: F401
from monitor.cli.app import app

__all__ = ["app"]

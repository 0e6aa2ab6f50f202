"""Command-line interface (`monitor ...`). Each module below registers its commands on the one app:
core (init, import, score, dashboard), users, models (classify, train, evaluate, models, promote),
collect (collect, run, sources), narratives, alerts, report, claims, evidence and export."""

from monitor.cli import alerts, claims, collect, core, evidence, export, models, narratives, report, users  # noqa: F401
from monitor.cli.app import app

__all__ = ["app"]

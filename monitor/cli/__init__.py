"""Command-line interface (`monitor ...`). Each module below registers its commands on the one app:
core (init, import, score, dashboard), users, models (classify, train, evaluate, models, promote),
collect (collect, run, sources), narratives, alerts, report, claims, evidence, export, tipline and worker
(worker, beat)."""

from monitor.cli import (  # noqa: F401
    alerts,
    claims,
    collect,
    core,
    evidence,
    export,
    models,
    narratives,
    report,
    tipline,
    users,
    worker,
)
from monitor.cli.app import app

__all__ = ["app"]

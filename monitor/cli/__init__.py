"""Command-line interface (`monitor ...`). Each module below registers its commands on the one app."""

from monitor.cli import core  # noqa: F401  (registers init, import, score, dashboard)
from monitor.cli import users  # noqa: F401  (registers users add/list/disable/enable/ensure-demo)
from monitor.cli import models as _models  # noqa: F401  (registers classify, train, evaluate, models, promote)
from monitor.cli import collect as _collect  # noqa: F401  (registers collect, run, sources)
from monitor.cli import narratives as _narratives  # noqa: F401  (registers narratives, alerts)
from monitor.cli import report as _report  # noqa: F401  (registers report)
from monitor.cli.app import app

__all__ = ["app"]

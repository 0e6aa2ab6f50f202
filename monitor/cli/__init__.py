"""Command-line interface (`monitor ...`). Each module below registers its commands on the one app."""

from monitor.cli import core  # noqa: F401  (registers init, import, score, dashboard)
from monitor.cli.app import app

__all__ = ["app"]

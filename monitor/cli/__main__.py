"""`python -m monitor.cli` runs the CLI (the same as the `monitor` console script)."""

from monitor.cli import app

app()

"""The Typer application and what every command shares: settings, database, console, errors."""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import wraps
from typing import Any, TypeVar

import click
import typer
from rich.console import Console
from rich.markup import escape

from monitor.config import ConfigError, RedactingFilter, Settings, load_settings, redact
from monitor.store import Database, DatabaseNotInitialised

app = typer.Typer(
    name="monitor",
    help="Election misinformation monitor (KPU / Bawaslu / Polri). Pemantau hoaks pemilu.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
console = Console()
err_console = Console(stderr=True)

F = TypeVar("F", bound=Callable[..., Any])
log = logging.getLogger(__name__)


class UserError(Exception):
    """An error the user can fix; printed without a traceback, exit code 2."""


def fail(message: str, code: int = 2) -> typer.Exit:
    # The message may hold file names or values with Rich markup ("[/]"): escaped, it prints literally.
    err_console.print(f"[bold red]error:[/] {escape(redact(message))}", highlight=False, markup=True)
    return typer.Exit(code)


def handles_errors(func: F) -> F:
    """Turn errors into a one-line message instead of a traceback: exit code 2 for known errors, 1 for
    unexpected ones (whose traceback goes to the debug log, shown with --verbose). Secrets are redacted."""

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except (ConfigError, DatabaseNotInitialised, UserError) as exc:
            raise fail(str(exc)) from None
        except (typer.Exit, typer.Abort, click.exceptions.Exit, click.exceptions.Abort, click.ClickException):
            raise  # exits and usage errors the command chose
        except Exception as exc:
            log.debug("unexpected error", exc_info=True)
            raise fail(f"{type(exc).__name__}: {exc} (run with --verbose for details)", code=1) from None

    return wrapper  # type: ignore[return-value]


def settings() -> Settings:
    return load_settings()


@contextmanager
def open_database(cfg: Settings, *, check: bool = True) -> Iterator[Database]:
    db = Database(cfg.resolved_database_url)
    try:
        if check:
            db.check_current()
        yield db
    finally:
        db.dispose()


@app.callback()
def main(
    verbose: bool = typer.Option(False, "--verbose", "-v", help="Show debug logging."),
) -> None:
    """Election misinformation monitor."""
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    for handler in logging.getLogger().handlers:  # no token or password reaches the terminal or a log file
        handler.addFilter(RedactingFilter())
    for noisy in ("httpx", "urllib3", "sentence_transformers", "alembic"):
        logging.getLogger(noisy).setLevel(logging.WARNING)

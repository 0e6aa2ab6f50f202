"""`monitor users ...`: dashboard accounts (add, list, disable, enable, reset-password, ensure-demo)."""

from __future__ import annotations

import sys

import typer
from rich.table import Table

from monitor import auth
from monitor.cli.app import UserError, app, console, handles_errors, open_database, settings
from monitor.i18n import format_time

users_app = typer.Typer(help="Dashboard accounts. Akun pengguna dasbor.", no_args_is_help=True)
app.add_typer(users_app, name="users")


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
        if not password:
            raise UserError("--password-stdin: no password on standard input")
        return password
    first = typer.prompt("Password / kata sandi", hide_input=True)
    second = typer.prompt("Repeat / ulangi", hide_input=True)
    if first != second:
        raise UserError("the two passwords differ")
    return first


@users_app.command("add")
@handles_errors
def add(
    name: str = typer.Argument(..., help="Username (lowercase letters, digits, . _ -)."),
    role: str = typer.Option(..., "--role", help=f"One of: {', '.join(auth.ROLES)}."),
    display_name: str = typer.Option(None, "--display-name", help="Full name shown in the dashboard."),
    password_stdin: bool = typer.Option(False, "--password-stdin", help="Read the password from stdin."),
) -> None:
    """Add a user; the password is prompted (or read from stdin) and stored as an argon2 hash."""
    if role not in auth.ROLES:
        raise UserError(f"--role: expected one of {', '.join(auth.ROLES)}, got {role!r}")
    password = _read_password(password_stdin)
    cfg = settings()
    with open_database(cfg) as db:
        try:
            with db.session() as session:
                auth.add_user(session, name, role, password, display_name=display_name, by=auth.SYSTEM_ADMIN)
        except auth.UserAdminError as exc:
            raise UserError(str(exc)) from None
    console.print(f"user added: {name} role={role}", highlight=False)


@users_app.command("list")
@handles_errors
def list_() -> None:
    """List users with their role and state."""
    cfg = settings()
    with open_database(cfg) as db, db.session() as session:
        users = auth.list_users(session)
        table = Table(show_header=True)
        for column in ("username", "role", "display_name", "disabled", "last_login"):
            table.add_column(column)
        for user in users:
            table.add_row(
                user.username,
                user.role,
                user.display_name or "",
                "yes" if user.disabled else "no",
                format_time(user.last_login_at, cfg.tz),
            )
    console.print(table)


def _set_disabled(name: str, disabled: bool) -> None:
    cfg = settings()
    with open_database(cfg) as db:
        try:
            with db.session() as session:
                auth.set_disabled(session, name, disabled, by=auth.SYSTEM_ADMIN)
        except auth.UserAdminError as exc:
            raise UserError(str(exc)) from None


@users_app.command("disable")
@handles_errors
def disable(name: str = typer.Argument(..., help="Username.")) -> None:
    """Disable a user: they can no longer log in, and an open dashboard session ends at the next click."""
    _set_disabled(name, True)
    console.print(f"user disabled: {name}", highlight=False)


@users_app.command("enable")
@handles_errors
def enable(name: str = typer.Argument(..., help="Username.")) -> None:
    """Enable a disabled user again."""
    _set_disabled(name, False)
    console.print(f"user enabled: {name}", highlight=False)


@users_app.command("reset-password")
@handles_errors
def reset_password(
    name: str = typer.Argument(..., help="Username."),
    password_stdin: bool = typer.Option(False, "--password-stdin", help="Read the password from stdin."),
) -> None:
    """Set a new password for a user (who forgot theirs); every dashboard session of theirs ends."""
    password = _read_password(password_stdin)
    cfg = settings()
    with open_database(cfg) as db:
        try:
            with db.session() as session:
                auth.reset_password(session, name, password, by=auth.SYSTEM_ADMIN)
        except auth.UserAdminError as exc:
            raise UserError(str(exc)) from None
    console.print(f"password reset: {name} (their sessions ended)", highlight=False)


@users_app.command("ensure-demo")
@handles_errors
def ensure_demo() -> None:
    """Create the demo accounts (admin, analis, kpu, bawaslu, polri) if no user exists yet."""
    cfg = settings()
    with open_database(cfg) as db, db.session() as session:
        created = auth.ensure_demo_users(session)
    if not created:
        console.print("users already exist; no demo accounts created", highlight=False)
        return
    table = Table(title="demo accounts (for trying the dashboard only; change or disable them)")
    for column in ("username", "role", "password"):
        table.add_column(column)
    for username, role, password in created:
        table.add_row(username, role, password)
    console.print(table)

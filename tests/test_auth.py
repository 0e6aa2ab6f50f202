"""Users, password hashing, the permission table, login sessions and the `monitor users` commands."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from triage_seed import PASSWORDS, add_users
from typer.testing import CliRunner, Result

from monitor import auth
from monitor.cli import app
from monitor.store import Database
from monitor.store.schema import TriageEvent, User, utcnow

pytestmark = pytest.mark.usefixtures("cheap_hashes")


REPO_ROOT = Path(__file__).resolve().parent.parent


def test_password_is_stored_as_argon2_and_verifies(sqlite_db: Database) -> None:
    with sqlite_db.session() as session:
        auth.add_user(session, "siti", "kpu", "rahasia-123", by=auth.SYSTEM_ADMIN)
    with sqlite_db.session() as session:
        user = session.scalar(select(User).where(User.username == "siti"))
        assert user.password_hash.startswith("$argon2")
        assert "rahasia-123" not in user.password_hash
        assert auth.verify_password(user.password_hash, "rahasia-123")
        assert not auth.verify_password(user.password_hash, "rahasia-124")
        assert not auth.verify_password("not a hash", "rahasia-123")


def test_login_success_failure_and_disabled_are_audited(db: Database) -> None:
    add_users(db)
    actor = auth.authenticate(db, "kpu", PASSWORDS["kpu"])
    assert actor == auth.Actor("kpu", "kpu")
    with pytest.raises(auth.AuthError):
        auth.authenticate(db, "kpu", "salah-sandi")
    with pytest.raises(auth.AuthError):
        auth.authenticate(db, "tidak-ada", "apa-saja-123")
    with db.session() as session:
        auth.set_disabled(session, "polri", True, by=auth.SYSTEM_ADMIN)
    with pytest.raises(auth.AuthError, match="nonaktif"):
        auth.authenticate(db, "polri", PASSWORDS["polri"])
    with db.session() as session:
        assert auth.current_actor(session, "polri") is None
        assert auth.current_actor(session, "kpu") == auth.Actor("kpu", "kpu")
        actions = [e.action for e in session.scalars(select(TriageEvent).order_by(TriageEvent.id))]
    assert actions.count("auth.login") == 1
    assert "auth.failed" in actions
    assert "user.disable" in actions


@pytest.mark.parametrize(
    ("username", "role", "password", "field"),
    [
        ("Siti Besar", "kpu", "rahasia-123", "username"),
        ("siti", "camat", "rahasia-123", "role"),
        ("siti", "kpu", "pendek", "password"),
    ],
)
def test_bad_new_user_names_the_field(
    sqlite_db: Database, username: str, role: str, password: str, field: str
) -> None:
    with pytest.raises(auth.UserAdminError, match=field), sqlite_db.session() as session:
        auth.add_user(session, username, role, password, by=auth.SYSTEM_ADMIN)


def test_duplicate_user_is_refused(sqlite_db: Database) -> None:
    add_users(sqlite_db)
    with pytest.raises(auth.UserAdminError, match="already exists"), sqlite_db.session() as session:
        auth.add_user(session, "kpu", "kpu", "another-123", by=auth.SYSTEM_ADMIN)


def test_only_admin_manages_users(sqlite_db: Database) -> None:
    for role in ("analyst", "kpu", "bawaslu", "polri"):
        with pytest.raises(auth.PermissionDenied), sqlite_db.session() as session:
            auth.add_user(session, f"x-{role}", "kpu", "rahasia-123", by=auth.Actor(role, role))
        with pytest.raises(auth.PermissionDenied), sqlite_db.session() as session:
            auth.set_disabled(session, "admin", True, by=auth.Actor(role, role))


def test_permission_table_matches_the_issue() -> None:
    expect = {
        "admin": set(auth.ALL_PERMISSIONS),
        "analyst": {
            auth.QUEUE_READ,
            auth.TRENDS_READ,
            auth.REPORT_READ,
            auth.MODEL_READ,
            auth.SOURCES_READ,
            auth.AUDIT_READ,
            auth.LABEL,
            auth.MODEL_RETRAIN,
            auth.MODEL_PROMOTE,
            auth.NARRATIVES_CURATE,  # issue 15: "merged and split by an analyst (audited)"
        },
    }
    for role, perms in expect.items():
        assert set(auth.PERMISSIONS[role]) == perms
    assert auth.can("kpu", auth.ESCALATE_BAWASLU) and auth.can("kpu", auth.ESCALATE_POLRI)
    assert auth.can("kpu", auth.CLARIFY) and not auth.can("kpu", auth.MARK_VIOLATION)
    assert auth.can("bawaslu", auth.MARK_VIOLATION) and auth.can("bawaslu", auth.ESCALATE_POLRI)
    assert not auth.can("bawaslu", auth.ESCALATE_BAWASLU) and not auth.can("bawaslu", auth.AUDIT_READ)
    assert auth.PERMISSIONS["polri"] == {
        auth.QUEUE_READ_POLRI,
        auth.TRENDS_READ,
        auth.FOLLOW_UP,
        auth.CLOSE_POLRI,
        auth.FREEZE_EVIDENCE,
    }
    for role in ("kpu", "bawaslu", "polri"):
        assert not auth.can(role, auth.MODEL_PROMOTE) and not auth.can(role, auth.USERS_MANAGE)
    with pytest.raises(ValueError):
        auth.can("kpu", "no.such.permission")
    with pytest.raises(auth.PermissionDenied):
        auth.require(None, auth.QUEUE_READ)


def test_login_session_expires_after_inactivity() -> None:
    login = auth.LoginSession(auth.Actor("kpu", "kpu"))
    now = utcnow()
    assert not login.expired(30, now)
    assert login.expired(30, now + timedelta(minutes=31))
    login.touch(now + timedelta(minutes=29))
    assert not login.expired(30, now + timedelta(minutes=31))


def test_demo_users_only_into_an_empty_table(sqlite_db: Database) -> None:
    with sqlite_db.session() as session:
        created = auth.ensure_demo_users(session)
    assert [c[0] for c in created] == ["admin", "analis", "kpu", "bawaslu", "polri"]
    assert auth.authenticate(sqlite_db, "analis", "demo-analis-2024").role == "analyst"
    with sqlite_db.session() as session:
        assert auth.ensure_demo_users(session) == []


@pytest.fixture
def cli_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "cli.db"
    Database(f"sqlite:///{path}").upgrade()
    monkeypatch.setenv("MONITOR_DATABASE_URL", f"sqlite:///{path}")
    monkeypatch.setenv("MONITOR_HOME", str(REPO_ROOT))
    return path


def _cli(*args: str, stdin: str | None = None) -> Result:
    return CliRunner().invoke(app, list(args), input=stdin)


def test_users_cli(cli_db: Path) -> None:
    added = _cli("users", "add", "rina", "--role", "bawaslu", "--password-stdin", stdin="kuat-sekali-1\n")
    assert added.exit_code == 0, added.output
    assert "user added: rina role=bawaslu" in added.output
    bad = _cli("users", "add", "budi", "--role", "lurah", "--password-stdin", stdin="kuat-sekali-1\n")
    assert bad.exit_code == 2 and "--role" in bad.output
    short = _cli("users", "add", "budi", "--role", "kpu", "--password-stdin", stdin="pendek\n")
    assert short.exit_code == 2 and "password" in short.output
    demo = _cli("users", "ensure-demo")
    assert demo.exit_code == 0 and "users already exist" in demo.output
    disabled = _cli("users", "disable", "rina")
    assert disabled.exit_code == 0 and "user disabled: rina" in disabled.output
    missing = _cli("users", "disable", "tidak-ada")
    assert missing.exit_code == 2 and "no user named" in missing.output
    listing = _cli("users", "list")
    assert listing.exit_code == 0
    assert "rina" in listing.output and "bawaslu" in listing.output and "yes" in listing.output


def test_users_cli_ensure_demo_prints_accounts(cli_db: Path) -> None:
    demo = _cli("users", "ensure-demo")
    assert demo.exit_code == 0, demo.output
    for username, _, password in auth.DEMO_ACCOUNTS:
        assert username in demo.output and password in demo.output


def test_users_cli_reset_password_ends_sessions(cli_db: Path) -> None:
    db = Database(f"sqlite:///{cli_db}")
    try:
        assert (
            _cli(
                "users", "add", "rina", "--role", "kpu", "--password-stdin", stdin="kuat-sekali-1\n"
            ).exit_code
            == 0
        )
        token = auth.start_session(db, auth.Actor("rina", "kpu"), "10.0.0.1", auth.SessionPolicy())
        assert auth.resume_session(db, token, auth.SessionPolicy()) == auth.Actor("rina", "kpu")
        weak = _cli("users", "reset-password", "rina", "--password-stdin", stdin="rina\n")
        assert weak.exit_code == 2 and "password" in weak.output
        done = _cli("users", "reset-password", "rina", "--password-stdin", stdin="baru-sekali-2\n")
        assert done.exit_code == 0 and "password reset: rina" in done.output
        assert auth.resume_session(db, token, auth.SessionPolicy()) is None
        assert auth.authenticate(db, "rina", "baru-sekali-2").username == "rina"
        missing = _cli("users", "reset-password", "tidak-ada", "--password-stdin", stdin="baru-sekali-2\n")
        assert missing.exit_code == 2 and "no user named" in missing.output
    finally:
        db.dispose()

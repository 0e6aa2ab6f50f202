"""Account safety on SQLite and PostgreSQL: throttling and lockout (audited), server-side sessions that
end on logout, idle time, expiry, password change and disabling; password rules; the demo-account check."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, update
from triage_seed import PASSWORDS, add_users

from monitor import auth
from monitor.store import Database
from monitor.store.schema import LoginAttempt, LoginSessionRecord, TriageEvent, utcnow

pytestmark = pytest.mark.usefixtures("cheap_hashes")


def _actions(db: Database, prefix: str = "auth.") -> list[str]:
    with db.session() as session:
        query = (
            select(TriageEvent.action).where(TriageEvent.action.like(f"{prefix}%")).order_by(TriageEvent.id)
        )
        return list(session.scalars(query))


def _age_attempts(db: Database, delta: timedelta) -> None:
    """Move every stored login attempt `delta` into the past (as if time had passed)."""
    with db.session() as session:
        for attempt in session.scalars(select(LoginAttempt)):
            attempt.created_at = attempt.created_at - delta


def test_sixth_password_within_a_minute_is_refused_even_when_right(db: Database) -> None:
    add_users(db)
    for _ in range(auth.MAX_FAILURES):
        with pytest.raises(auth.AuthError) as wrong:
            auth.authenticate(db, "kpu", "salah-sekali-1", "10.0.0.7")
        assert not isinstance(wrong.value, auth.LockedOut)
    with pytest.raises(auth.LockedOut) as locked:
        auth.authenticate(db, "kpu", PASSWORDS["kpu"], "10.0.0.7")
    assert locked.value.until > utcnow() + auth.LOCKOUT - timedelta(minutes=1)
    actions = _actions(db)
    assert actions.count("auth.failed") == auth.MAX_FAILURES
    assert actions.count("auth.locked") == 1 and actions[-1] == "auth.refused_locked"
    assert "auth.login" not in actions
    # Another account from another address is not affected.
    assert auth.authenticate(db, "bawaslu", PASSWORDS["bawaslu"], "10.0.0.8").role == "bawaslu"
    # Once the lock has passed, the right password works again.
    _age_attempts(db, auth.LOCKOUT + timedelta(minutes=2))
    assert auth.authenticate(db, "kpu", PASSWORDS["kpu"], "10.0.0.7").username == "kpu"


def test_one_client_trying_many_accounts_is_locked_out(db: Database) -> None:
    add_users(db)
    names = [f"tebakan{i}" for i in range(auth.MAX_CLIENT_FAILURES)]
    for name in names:
        with pytest.raises(auth.AuthError):
            auth.authenticate(db, name, "salah-sekali-1", "10.9.9.9")
    with pytest.raises(auth.LockedOut):
        auth.authenticate(db, "kpu", PASSWORDS["kpu"], "10.9.9.9")
    assert auth.authenticate(db, "kpu", PASSWORDS["kpu"], "10.1.1.1").username == "kpu"
    assert "auth.locked" in _actions(db)


def test_failures_spread_out_do_not_lock(db: Database) -> None:
    add_users(db)
    for minute in range(auth.MAX_FAILURES + 2):
        with pytest.raises(auth.AuthError) as wrong:
            auth.authenticate(db, "kpu", "salah-sekali-1", "10.0.0.7")
        assert not isinstance(wrong.value, auth.LockedOut), minute
        _age_attempts(db, timedelta(seconds=61))  # every failure so far happened another 61 s earlier
    assert auth.authenticate(db, "kpu", PASSWORDS["kpu"], "10.0.0.7").username == "kpu"


def test_sessions_are_hashed_and_end_on_logout_idle_expiry_password_change_and_disable(db: Database) -> None:
    add_users(db)
    policy = auth.SessionPolicy(idle_minutes=30, max_hours=12)
    kpu = auth.Actor("kpu", "kpu")
    token = auth.start_session(db, kpu, "10.0.0.1", policy)
    other_tab = auth.start_session(db, kpu, "10.0.0.1", policy)
    with db.session() as session:
        stored = list(session.scalars(select(LoginSessionRecord.token_hash)))
    assert token not in stored and len(stored) == 2 and all(len(h) == 64 for h in stored)
    assert auth.resume_session(db, token, policy) == kpu
    assert auth.resume_session(db, "token-palsu", policy) is None
    auth.end_session(db, token)
    assert auth.resume_session(db, token, policy) is None
    assert auth.resume_session(db, other_tab, policy) == kpu  # logout ends that session only

    idle = auth.start_session(db, kpu, None, policy)
    with db.session() as session:
        session.execute(update(LoginSessionRecord).values(last_seen_at=utcnow() - timedelta(minutes=31)))
    assert auth.resume_session(db, idle, policy) is None

    expired = auth.start_session(db, kpu, None, policy)
    with db.session() as session:
        session.execute(update(LoginSessionRecord).values(expires_at=utcnow() - timedelta(seconds=1)))
    assert auth.resume_session(db, expired, policy) is None

    live = auth.start_session(db, kpu, None, policy)
    auth.change_password(db, kpu, PASSWORDS["kpu"], "sandi-baru-kpu-9")
    assert auth.resume_session(db, live, policy) is None
    assert "user.password_change" in _actions(db, "user.")

    bawaslu = auth.start_session(db, auth.Actor("bawaslu", "bawaslu"), None, policy)
    with db.session() as session:
        auth.set_disabled(session, "bawaslu", True, by=auth.SYSTEM_ADMIN)
    assert auth.resume_session(db, bawaslu, policy) is None


def test_password_change_checks_the_old_password_and_the_rules(db: Database) -> None:
    add_users(db)
    kpu = auth.Actor("kpu", "kpu")
    with pytest.raises(auth.UserAdminError, match="lama salah"):
        auth.change_password(db, kpu, "bukan-sandinya", "sandi-baru-kpu-9")
    for weak in ("pendek", "kpu", "aaaaaaaaaaaa", PASSWORDS["kpu"]):
        with pytest.raises(auth.UserAdminError, match="password"):
            auth.change_password(db, kpu, PASSWORDS["kpu"], weak)
    with pytest.raises(auth.PermissionDenied), db.session() as session:
        auth.reset_password(session, "polri", "sandi-baru-polri-9", by=kpu)
    assert "user.password_change_refused" in _actions(db, "user.")


def test_demo_accounts_are_reported_until_their_passwords_change(sqlite_db: Database) -> None:
    with sqlite_db.session() as session:
        auth.ensure_demo_users(session)
        assert auth.demo_accounts_enabled(session) == ["admin", "analis", "kpu", "bawaslu", "polri"]
        auth.reset_password(session, "kpu", "sandi-kantor-kpu-1", by=auth.SYSTEM_ADMIN)
        auth.set_disabled(session, "polri", True, by=auth.SYSTEM_ADMIN)
        assert auth.demo_accounts_enabled(session) == ["admin", "analis", "bawaslu"]

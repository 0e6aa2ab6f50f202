"""Users, dashboard login sessions and login attempts: the SQL behind monitor.auth.

Sessions are looked up by the SHA-256 of their token (the token itself is never stored); attempts are
kept so monitor.auth can throttle guessing per account and per client address.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, or_, select, update
from sqlalchemy.orm import Session

from monitor.store.schema import LoginAttempt, LoginSessionRecord, User


# -- users ----------------------------------------------------------------------------------------------
def get_user(session: Session, username: str) -> User | None:
    return session.scalar(select(User).where(User.username == username))


def list_users(session: Session) -> list[User]:
    return list(session.scalars(select(User).order_by(User.username)))


def any_user(session: Session) -> bool:
    return session.scalar(select(User.id).limit(1)) is not None


def insert_user(session: Session, user: User) -> User:
    session.add(user)
    session.flush()
    return user


# -- login sessions ----------------------------------------------------------------------------------------
def insert_session(
    session: Session, token_hash: str, username: str, client: str | None, now: datetime, expires_at: datetime
) -> LoginSessionRecord:
    record = LoginSessionRecord(
        token_hash=token_hash,
        username=username,
        client=(client or None) and client[:100],
        created_at=now,
        last_seen_at=now,
        expires_at=expires_at,
    )
    session.add(record)
    session.flush()
    return record


def live_session(session: Session, token_hash: str, now: datetime) -> LoginSessionRecord | None:
    """The session with this token hash if it is neither revoked nor past its absolute expiry."""
    return session.scalar(
        select(LoginSessionRecord).where(
            LoginSessionRecord.token_hash == token_hash,
            LoginSessionRecord.revoked_at.is_(None),
            LoginSessionRecord.expires_at > now,
        )
    )


def revoke_session(session: Session, token_hash: str, now: datetime) -> int:
    result = session.execute(
        update(LoginSessionRecord)
        .where(LoginSessionRecord.token_hash == token_hash, LoginSessionRecord.revoked_at.is_(None))
        .values(revoked_at=now)
    )
    return result.rowcount


def revoke_user_sessions(session: Session, username: str, now: datetime) -> int:
    """End every open session of a user (password change or reset, account disabled)."""
    result = session.execute(
        update(LoginSessionRecord)
        .where(LoginSessionRecord.username == username, LoginSessionRecord.revoked_at.is_(None))
        .values(revoked_at=now)
    )
    return result.rowcount


def purge_sessions(session: Session, before: datetime) -> int:
    """Forget sessions that ended (expired or revoked) before `before`."""
    result = session.execute(
        delete(LoginSessionRecord).where(
            or_(LoginSessionRecord.expires_at < before, LoginSessionRecord.revoked_at < before)
        )
    )
    return result.rowcount


# -- login attempts --------------------------------------------------------------------------------------
def record_attempt(session: Session, username: str, client: str | None, ok: bool, now: datetime) -> None:
    session.add(
        LoginAttempt(username=username[:100], client=(client or None) and client[:100], ok=ok, created_at=now)
    )
    session.flush()


def failures_since(
    session: Session, since: datetime, *, username: str | None = None, client: str | None = None
) -> list[datetime]:
    """Times of failed attempts after `since` (and after the last success of the same key), oldest first."""
    key = LoginAttempt.username == username if username is not None else LoginAttempt.client == client
    last_ok = session.scalar(
        select(LoginAttempt.created_at)
        .where(key, LoginAttempt.ok.is_(True), LoginAttempt.created_at >= since)
        .order_by(LoginAttempt.created_at.desc())
        .limit(1)
    )
    start = max(since, last_ok) if last_ok is not None else since
    query = (
        select(LoginAttempt.created_at)
        .where(key, LoginAttempt.ok.is_(False), LoginAttempt.created_at > start)
        .order_by(LoginAttempt.created_at)
    )
    return list(session.scalars(query))

"""Who may log in and what each role may do: users, argon2 password hashes, the permission table, sessions.

The permission table below is the single place where the rights of each agency are written down; the
triage service, the model page and the CLI ask `require()` before they act, so hiding a button in the
dashboard is a courtesy, never the protection.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import select
from sqlalchemy.orm import Session

from monitor.store import Database
from monitor.store.queries import add_audit_event
from monitor.store.schema import User, utcnow

ROLES = ("admin", "analyst", "kpu", "bawaslu", "polri")

# -- permissions ----------------------------------------------------------------------------------------
# Reading
QUEUE_READ = "queue.read"  # the whole triage queue
QUEUE_READ_POLRI = "queue.read_polri"  # only items escalated to Polri
TRENDS_READ = "trends.read"
REPORT_READ = "report.read"
MODEL_READ = "model.read"
SOURCES_READ = "sources.read"
AUDIT_READ = "audit.read"
# Acting on items
TRIAGE = "triage"  # take an item, mark it "perlu dicek", close it
LABEL = "label"  # mark hoaks / bukan hoaks (these become training labels)
CLARIFY = "clarification.publish"
ESCALATE_BAWASLU = "escalate.bawaslu"
ESCALATE_POLRI = "escalate.polri"
MARK_VIOLATION = "violation.mark"
FOLLOW_UP = "followup.record"
CLOSE_POLRI = "close.polri"  # close an item escalated to Polri after the follow-up
FREEZE_EVIDENCE = "freeze_evidence"  # freeze an evidence packet and download the case file (Polri: its items)
RELEASE_EVIDENCE = "evidence.release"  # delete the files of a packet of an item decided "bukan hoaks"
# Running the system
MODEL_RETRAIN = "model.retrain"
MODEL_PROMOTE = "model.promote"
USERS_MANAGE = "users.manage"
SOURCES_MANAGE = "sources.manage"
KEYWORDS_MANAGE = "keywords.manage"

ALL_PERMISSIONS = frozenset(
    {
        QUEUE_READ,
        QUEUE_READ_POLRI,
        TRENDS_READ,
        REPORT_READ,
        MODEL_READ,
        SOURCES_READ,
        AUDIT_READ,
        TRIAGE,
        LABEL,
        CLARIFY,
        ESCALATE_BAWASLU,
        ESCALATE_POLRI,
        MARK_VIOLATION,
        FOLLOW_UP,
        CLOSE_POLRI,
        FREEZE_EVIDENCE,
        RELEASE_EVIDENCE,
        MODEL_RETRAIN,
        MODEL_PROMOTE,
        USERS_MANAGE,
        SOURCES_MANAGE,
        KEYWORDS_MANAGE,
    }
)
_READ_ALL = frozenset({QUEUE_READ, TRENDS_READ, REPORT_READ, MODEL_READ, SOURCES_READ, AUDIT_READ})

# The rights of issue 5, role by role.
PERMISSIONS: dict[str, frozenset[str]] = {
    # users, sources, keywords; everything below
    "admin": ALL_PERMISSIONS,
    # labels, retraining, model promotion, all read views
    "analyst": _READ_ALL | {LABEL, MODEL_RETRAIN, MODEL_PROMOTE},
    # triage any item, publish a clarification note, escalate to Bawaslu or Polri
    "kpu": frozenset(
        {QUEUE_READ, TRENDS_READ, REPORT_READ, SOURCES_READ, TRIAGE, LABEL, CLARIFY}
        | {ESCALATE_BAWASLU, ESCALATE_POLRI, FREEZE_EVIDENCE}
    ),
    # triage, mark as election violation, escalate to Polri
    "bawaslu": frozenset(
        {QUEUE_READ, TRENDS_READ, REPORT_READ, SOURCES_READ, TRIAGE, LABEL, MARK_VIOLATION, ESCALATE_POLRI}
        | {FREEZE_EVIDENCE}
    ),
    # sees items escalated to Polri (and trends), records follow-up
    "polri": frozenset({QUEUE_READ_POLRI, TRENDS_READ, FOLLOW_UP, CLOSE_POLRI, FREEZE_EVIDENCE}),
}

USERNAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")
MIN_PASSWORD_LENGTH = 8


class AuthError(Exception):
    """Login failed (the message never says whether the name or the password was wrong)."""


class PermissionDenied(Exception):
    """The user's role does not allow this action."""

    def __init__(self, actor: Actor | None, permission: str, detail: str | None = None) -> None:
        who = f"{actor.username} ({actor.role})" if actor else "anonymous"
        message = f"{who} may not {permission}"
        super().__init__(message + (f": {detail}" if detail else ""))
        self.actor = actor
        self.permission = permission


class UserAdminError(ValueError):
    """A user could not be added or changed (bad name, role or password, or a duplicate)."""


@dataclass(frozen=True, slots=True)
class Actor:
    """Someone acting: a logged-in officer, or `system`/`cli` for commands run on the server."""

    username: str
    role: str

    def can(self, permission: str) -> bool:
        return can(self.role, permission)


def can(role: str, permission: str) -> bool:
    if permission not in ALL_PERMISSIONS:
        raise ValueError(f"unknown permission {permission!r}")
    return permission in PERMISSIONS.get(role, frozenset())


def require(actor: Actor | None, permission: str, detail: str | None = None) -> None:
    """Raise PermissionDenied unless the actor's role has the permission."""
    if actor is None or not can(actor.role, permission):
        raise PermissionDenied(actor, permission, detail)


def can_read_queue(actor: Actor) -> bool:
    return actor.can(QUEUE_READ) or actor.can(QUEUE_READ_POLRI)


# -- password hashing -----------------------------------------------------------------------------------
_hasher = PasswordHasher()


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


@functools.cache
def _dummy_hash() -> str:
    """Verifying against this when the user does not exist keeps the timing of "no such user" and
    "wrong password" alike (made on first use: hashing costs ~0.1 s, and most imports never log in)."""
    return _hasher.hash("not-a-real-password")


# -- users ----------------------------------------------------------------------------------------------
def validate_new_user(username: str, role: str, password: str) -> None:
    if not USERNAME_PATTERN.match(username):
        raise UserAdminError(
            f"username {username!r}: use 2-64 lowercase letters, digits, '.', '_' or '-', starting with a "
            "letter or digit"
        )
    if role not in ROLES:
        raise UserAdminError(f"role {role!r}: expected one of {', '.join(ROLES)}")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise UserAdminError(f"password: at least {MIN_PASSWORD_LENGTH} characters")


def get_user(session: Session, username: str) -> User | None:
    return session.scalar(select(User).where(User.username == username))


def add_user(
    session: Session,
    username: str,
    role: str,
    password: str,
    *,
    display_name: str | None = None,
    by: Actor,
) -> User:
    """Create a user; `by` must be allowed to manage users (the CLI acts as `cli` with the admin role)."""
    require(by, USERS_MANAGE)
    validate_new_user(username, role, password)
    if get_user(session, username) is not None:
        raise UserAdminError(f"username {username!r} already exists")
    user = User(
        username=username,
        display_name=display_name,
        role=role,
        password_hash=hash_password(password),
        disabled=False,
        failed_logins=0,
        created_at=utcnow(),
    )
    session.add(user)
    session.flush()
    add_audit_event(
        session,
        actor=by.username,
        role=by.role,
        action="user.add",
        after={"username": username, "role": role},
    )
    return user


def set_disabled(session: Session, username: str, disabled: bool, *, by: Actor) -> User:
    require(by, USERS_MANAGE)
    user = get_user(session, username)
    if user is None:
        raise UserAdminError(f"no user named {username!r}")
    before = {"disabled": user.disabled}
    user.disabled = disabled
    add_audit_event(
        session,
        actor=by.username,
        role=by.role,
        action="user.disable" if disabled else "user.enable",
        before=before,
        after={"username": username, "disabled": disabled},
    )
    return user


def list_users(session: Session) -> list[User]:
    return list(session.scalars(select(User).order_by(User.username)))


def _check_login(session: Session, username: str, password: str) -> Actor | AuthError:
    user = get_user(session, username.strip())
    if user is None:
        verify_password(_dummy_hash(), password)
        return AuthError("nama pengguna atau kata sandi salah")
    if not verify_password(user.password_hash, password):
        user.failed_logins = (user.failed_logins or 0) + 1
        add_audit_event(session, actor=user.username, role=user.role, action="auth.failed")
        return AuthError("nama pengguna atau kata sandi salah")
    if user.disabled:
        add_audit_event(session, actor=user.username, role=user.role, action="auth.refused_disabled")
        return AuthError("akun ini dinonaktifkan")
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.failed_logins = 0
    user.last_login_at = utcnow()
    add_audit_event(session, actor=user.username, role=user.role, action="auth.login")
    return Actor(user.username, user.role)


def authenticate(db: Database, username: str, password: str) -> Actor:
    """Check a login; success and failure are both kept in the audit log. Raises AuthError."""
    with db.session() as session:
        outcome = _check_login(session, username, password)
    if isinstance(outcome, AuthError):
        raise outcome
    return outcome


def current_actor(session: Session, username: str) -> Actor | None:
    """The user's present role, or None when the account is gone or disabled (checked on every page run)."""
    user = get_user(session, username)
    if user is None or user.disabled:
        return None
    return Actor(user.username, user.role)


# Demo accounts for `make demo` (documented in the README); created only into an empty users table.
DEMO_ACCOUNTS: tuple[tuple[str, str, str], ...] = (
    ("admin", "admin", "demo-admin-2024"),
    ("analis", "analyst", "demo-analis-2024"),
    ("kpu", "kpu", "demo-kpu-2024"),
    ("bawaslu", "bawaslu", "demo-bawaslu-2024"),
    ("polri", "polri", "demo-polri-2024"),
)

SYSTEM_ADMIN = Actor("cli", "admin")


def ensure_demo_users(session: Session) -> list[tuple[str, str, str]]:
    """Create the demo accounts if no user exists yet; returns the (username, role, password) created."""
    if session.scalar(select(User.id).limit(1)) is not None:
        return []
    for username, role, password in DEMO_ACCOUNTS:
        add_user(session, username, role, password, display_name=f"Demo {role}", by=SYSTEM_ADMIN)
    return list(DEMO_ACCOUNTS)


# -- login sessions -------------------------------------------------------------------------------------
@dataclass(slots=True)
class LoginSession:
    """A dashboard login; it expires after `minutes` without activity."""

    actor: Actor
    started_at: datetime = field(default_factory=utcnow)
    last_seen: datetime = field(default_factory=utcnow)

    def expired(self, minutes: int, now: datetime | None = None) -> bool:
        return (now or utcnow()) - self.last_seen > timedelta(minutes=minutes)

    def touch(self, now: datetime | None = None) -> None:
        self.last_seen = now or utcnow()

"""Who may log in and what each role may do: users, argon2 password hashes, the permission table,
login throttling and server-side login sessions (the SQL is in monitor.store.users).

The permission table below is the single place where the rights of each agency are written down; the
triage service, the model page and the CLI ask `require()` before they act, so hiding a button in the
dashboard is a courtesy, never the protection.
"""

from __future__ import annotations

import functools
import hashlib
import re
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy.orm import Session

from monitor.store import Database, users
from monitor.store.audit import add_audit_event
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
NARRATIVES_CURATE = "narratives.curate"  # merge two narratives of one claim, split posts off (audited)

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
        NARRATIVES_CURATE,
    }
)
_READ_ALL = frozenset({QUEUE_READ, TRENDS_READ, REPORT_READ, MODEL_READ, SOURCES_READ, AUDIT_READ})

# The rights of issue 5, role by role.
PERMISSIONS: dict[str, frozenset[str]] = {
    # users, sources, keywords; everything below
    "admin": ALL_PERMISSIONS,
    # labels, retraining, model promotion, merging and splitting narratives, all read views
    "analyst": _READ_ALL | {LABEL, MODEL_RETRAIN, MODEL_PROMOTE, NARRATIVES_CURATE},
    # triage any item, publish a clarification note, escalate to Bawaslu or Polri, record follow-up
    "kpu": frozenset(
        {QUEUE_READ, TRENDS_READ, REPORT_READ, SOURCES_READ, TRIAGE, LABEL, CLARIFY, FOLLOW_UP}
        | {ESCALATE_BAWASLU, ESCALATE_POLRI, FREEZE_EVIDENCE}
    ),
    # triage, mark as election violation, escalate to Polri, record its follow-up
    "bawaslu": frozenset(
        {QUEUE_READ, TRENDS_READ, REPORT_READ, SOURCES_READ, TRIAGE, LABEL, MARK_VIOLATION, ESCALATE_POLRI}
        | {FOLLOW_UP, FREEZE_EVIDENCE}
    ),
    # sees items escalated to Polri (and trends), records follow-up
    "polri": frozenset({QUEUE_READ_POLRI, TRENDS_READ, FOLLOW_UP, CLOSE_POLRI, FREEZE_EVIDENCE}),
}

USERNAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")
MIN_PASSWORD_LENGTH = 10
# Throttling: the 6th wrong password within a minute is refused even when it is right, for LOCKOUT.
MAX_FAILURES = 5
MAX_CLIENT_FAILURES = 20  # one address trying many accounts
FAILURE_WINDOW = timedelta(minutes=1)
LOCKOUT = timedelta(minutes=15)


class AuthError(Exception):
    """Login failed (the message never says whether the name or the password was wrong)."""


class LockedOut(AuthError):
    """Too many wrong passwords for this account or from this client; `until` is when it may try again."""

    def __init__(self, until: datetime) -> None:
        super().__init__("terlalu banyak percobaan gagal; akun dikunci sementara")
        self.until = until


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
def check_password_rules(username: str, password: str) -> None:
    """Length at least MIN_PASSWORD_LENGTH, not the user name, not one repeated character."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise UserAdminError(f"password: at least {MIN_PASSWORD_LENGTH} characters")
    if username and password.lower() in (username.lower(), username.lower()[::-1]):
        raise UserAdminError("password: must not be the username")
    if len(set(password)) < 4:
        raise UserAdminError("password: use at least 4 different characters")


def validate_new_user(username: str, role: str, password: str) -> None:
    if not USERNAME_PATTERN.match(username):
        raise UserAdminError(
            f"username {username!r}: use 2-64 lowercase letters, digits, '.', '_' or '-', starting with a "
            "letter or digit"
        )
    if role not in ROLES:
        raise UserAdminError(f"role {role!r}: expected one of {', '.join(ROLES)}")
    check_password_rules(username, password)


get_user = users.get_user
list_users = users.list_users


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
    user = users.insert_user(
        session,
        User(
            username=username,
            display_name=display_name,
            role=role,
            password_hash=hash_password(password),
            disabled=False,
            failed_logins=0,
            created_at=utcnow(),
        ),
    )
    add_audit_event(
        session,
        actor=by.username,
        role=by.role,
        action="user.add",
        after={"username": username, "role": role},
    )
    return user


def _existing(session: Session, username: str) -> User:
    user = get_user(session, username)
    if user is None:
        raise UserAdminError(f"no user named {username!r}")
    return user


def set_disabled(session: Session, username: str, disabled: bool, *, by: Actor) -> User:
    require(by, USERS_MANAGE)
    user = _existing(session, username)
    before = {"disabled": user.disabled}
    user.disabled = disabled
    if disabled:
        users.revoke_user_sessions(session, username, utcnow())
    add_audit_event(
        session,
        actor=by.username,
        role=by.role,
        action="user.disable" if disabled else "user.enable",
        before=before,
        after={"username": username, "disabled": disabled},
    )
    return user


def change_password(db: Database, actor: Actor, old_password: str, new_password: str) -> None:
    """An officer changes their own password; every session of theirs (this one too) ends.

    Runs its own transaction so that a refusal (wrong old password) stays in the audit log."""
    with db.session() as session:
        user = _existing(session, actor.username)
        if not verify_password(user.password_hash, old_password):
            add_audit_event(
                session, actor=user.username, role=user.role, action="user.password_change_refused"
            )
            refused: UserAdminError | None = UserAdminError("kata sandi lama salah")
        else:
            refused = None
            if new_password == old_password:
                raise UserAdminError("password: the new password must differ from the old one")
            check_password_rules(user.username, new_password)
            user.password_hash = hash_password(new_password)
            users.revoke_user_sessions(session, user.username, utcnow())
            add_audit_event(session, actor=user.username, role=user.role, action="user.password_change")
    if refused is not None:
        raise refused


def reset_password(session: Session, username: str, new_password: str, *, by: Actor) -> None:
    """An admin sets a new password for someone (who forgot theirs); their sessions end."""
    require(by, USERS_MANAGE)
    user = _existing(session, username)
    check_password_rules(username, new_password)
    user.password_hash = hash_password(new_password)
    user.failed_logins = 0
    users.revoke_user_sessions(session, username, utcnow())
    add_audit_event(
        session, actor=by.username, role=by.role, action="user.password_reset", after={"username": username}
    )


# -- login and throttling --------------------------------------------------------------------------------
def _locked_until(failures: list[datetime], limit: int) -> datetime | None:
    """When a lock ends: `limit` failures within FAILURE_WINDOW lock for LOCKOUT from the last of them."""
    for start in range(len(failures) - limit + 1):
        last = failures[start + limit - 1]
        if last - failures[start] <= FAILURE_WINDOW:
            return last + LOCKOUT
    return None


def lock_state(session: Session, username: str, client: str | None, now: datetime) -> datetime | None:
    """Until when this account (or this client) may not log in, or None."""
    since = now - LOCKOUT - FAILURE_WINDOW
    ends = [_locked_until(users.failures_since(session, since, username=username), MAX_FAILURES)]
    if client:
        ends.append(_locked_until(users.failures_since(session, since, client=client), MAX_CLIENT_FAILURES))
    live = [end for end in ends if end is not None and end > now]
    return max(live) if live else None


def _check_login(session: Session, username: str, password: str, client: str | None) -> Actor | AuthError:
    username = username.strip().lower()[:100]
    now = utcnow()
    until = lock_state(session, username, client, now)
    user = get_user(session, username)
    role = user.role if user else None
    if until is not None:
        users.record_attempt(session, username, client, False, now)
        add_audit_event(
            session, actor=username, role=role, action="auth.refused_locked", after={"client": client}
        )
        return LockedOut(until)
    ok = verify_password(user.password_hash if user else _dummy_hash(), password) and user is not None
    users.record_attempt(session, username, client, ok, now)
    if user is None or not ok:
        if user is not None:
            user.failed_logins = (user.failed_logins or 0) + 1
            add_audit_event(
                session, actor=user.username, role=role, action="auth.failed", after={"client": client}
            )
        until = lock_state(session, username, client, now)
        if until is not None:
            add_audit_event(
                session,
                actor=username,
                role=role,
                action="auth.locked",
                after={"client": client, "until": until.isoformat()},
            )
        return AuthError("nama pengguna atau kata sandi salah")
    if user.disabled:
        add_audit_event(session, actor=user.username, role=role, action="auth.refused_disabled")
        return AuthError("akun ini dinonaktifkan")
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.failed_logins = 0
    user.last_login_at = now
    add_audit_event(session, actor=user.username, role=role, action="auth.login", after={"client": client})
    return Actor(user.username, user.role)


def authenticate(db: Database, username: str, password: str, client: str | None = None) -> Actor:
    """Check a login; success, failure and lockout are all kept in the audit log.

    Raises AuthError, or LockedOut after MAX_FAILURES wrong passwords within FAILURE_WINDOW for the account
    (MAX_CLIENT_FAILURES for one client address): then even the right password is refused until it ends."""
    with db.session() as session:
        outcome = _check_login(session, username, password, client)
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
    if users.any_user(session):
        return []
    for username, role, password in DEMO_ACCOUNTS:
        add_user(session, username, role, password, display_name=f"Demo {role}", by=SYSTEM_ADMIN)
    return list(DEMO_ACCOUNTS)


def demo_accounts_enabled(session: Session) -> list[str]:
    """Demo accounts that still accept their published password (a banner warns outside demo mode)."""
    found = []
    for username, _role, password in DEMO_ACCOUNTS:
        user = get_user(session, username)
        if user is not None and not user.disabled and verify_password(user.password_hash, password):
            found.append(username)
    return found


# -- login sessions -------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class SessionPolicy:
    """Idle timeout and absolute lifetime of a dashboard login."""

    idle_minutes: int = 60
    max_hours: int = 12


@dataclass(slots=True)
class LoginSession:
    """One browser tab's view of a login: the officer and the server-side session token (None only in
    page tests that log in by setting this directly; then the idle clock below is the only limit)."""

    actor: Actor
    token: str | None = None
    last_seen: datetime = field(default_factory=utcnow)

    def expired(self, minutes: int, now: datetime | None = None) -> bool:
        return (now or utcnow()) - self.last_seen > timedelta(minutes=minutes)

    def touch(self, now: datetime | None = None) -> None:
        self.last_seen = now or utcnow()


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def start_session(db: Database, actor: Actor, client: str | None, policy: SessionPolicy) -> str:
    """A new server-side session; returns the random token for the cookie (only its hash is stored)."""
    token = secrets.token_urlsafe(32)
    now = utcnow()
    with db.session() as session:
        users.insert_session(
            session, _token_hash(token), actor.username, client, now, now + timedelta(hours=policy.max_hours)
        )
    return token


def resume_session(db: Database, token: str | None, policy: SessionPolicy) -> Actor | None:
    """The officer of a live session (and its idle clock restarted), or None when the token is unknown,
    revoked, expired, idle too long, or its account is disabled or gone."""
    if not token or len(token) > 200:
        return None
    now = utcnow()
    with db.session() as session:
        record = users.live_session(session, _token_hash(token), now)
        if record is None:
            return None
        if now - record.last_seen_at > timedelta(minutes=policy.idle_minutes):
            record.revoked_at = now
            return None
        actor = current_actor(session, record.username)
        if actor is None:
            record.revoked_at = now
            return None
        record.last_seen_at = now
        return actor


def end_session(db: Database, token: str | None) -> None:
    """Logout: the token stops working at once, in every tab."""
    if not token:
        return
    with db.session() as session:
        users.revoke_session(session, _token_hash(token), utcnow())

"""What every dashboard page shares: settings and database, the login gate, language, plain-text helpers.

Pages call `page_context(page)` first: it refuses to show anything before login, ends expired sessions,
re-reads the user's role from the database on every run (a disabled account is out at its next click)
and refuses pages the role may not open. The rules themselves live in monitor.auth.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import streamlit as st

from dashboards.session_codes import COOKIE_NAME, SESSION_PATH, issue_code
from monitor import auth, triage
from monitor.config import Settings, load_settings
from monitor.i18n import (
    LANGUAGES,
    TEXT,
    action_label,
    format_number,
    format_time,
    holder_label,
    role_label,
    status_label,
    t,
    topic_label,
    verdict_label,
    zone_name,
)
from monitor.store import Database
from monitor.text.keywords import KeywordsError, load_keywords

AUTH_KEY = "auth"
LANG_KEY = "lang"
FLASH_KEY = "flash"
COOKIE_CODE_KEY = "cookie_code"  # a one-time code to trade for the login cookie (set after login)
COOKIE_CLEAR_KEY = "cookie_clear"  # the browser's cookie names a session that ended: clear it
VIEWS = Path(__file__).resolve().parent / "views"

# Which permission opens which page (the queue is open to Polri too, narrowed to its escalations).
PAGES: dict[str, str | None] = {
    "antrian": None,
    "tren": auth.TRENDS_READ,
    "narasi": auth.QUEUE_READ,  # quotes posts: only for those who read the whole queue
    "laporan": auth.REPORT_READ,
    "model": auth.MODEL_READ,
    "sumber": auth.SOURCES_READ,
    "audit": auth.AUDIT_READ,
    "akun": None,  # every logged-in officer: their own password
}
PAGE_FILES = {name: f"views/{name}.py" for name in PAGES}
PAGE_TITLES = {
    "antrian": "page.queue",
    "tren": "page.trends",
    "narasi": "page.narratives",
    "laporan": "page.report",
    "model": "page.model",
    "sumber": "page.sources",
    "audit": "page.audit",
    "akun": "page.account",
}


@dataclass(frozen=True, slots=True)
class Context:
    """The logged-in officer and what a page needs to serve them."""

    actor: auth.Actor
    settings: Settings
    db: Database
    lang: str

    @property
    def tz(self) -> ZoneInfo:
        return self.settings.tz

    def t(self, key: str, **values: object) -> str:
        return t(key, self.lang, **values)


@st.cache_resource(show_spinner=False)
def _settings(config_file: str | None, database_url: str | None, home: str | None) -> Settings:
    overrides: dict[str, Any] = {}
    if database_url:
        overrides["database_url"] = database_url
    if home:
        overrides["home"] = Path(home)
    return load_settings(config_file, **overrides)


@st.cache_resource(show_spinner=False)
def _database(url: str) -> Database:
    return Database(url)


def settings() -> Settings:
    return _settings(
        os.environ.get("MONITOR_CONFIG"),
        os.environ.get("MONITOR_DATABASE_URL"),
        os.environ.get("MONITOR_HOME"),
    )


def database() -> Database:
    return _database(settings().resolved_database_url)


def language() -> str:
    lang = st.session_state.get(LANG_KEY)
    if lang not in LANGUAGES:
        lang = settings().language
        st.session_state[LANG_KEY] = lang
    return lang


def flash(kind: str, message: str) -> None:
    """Queue a message for the next run (used from button callbacks)."""
    st.session_state.setdefault(FLASH_KEY, []).append((kind, message))


def show_flashes() -> None:
    for kind, message in st.session_state.pop(FLASH_KEY, []):
        getattr(st, kind)(message)


def session_policy(cfg: Settings) -> auth.SessionPolicy:
    """Idle timeout from `dashboard.session_minutes`; a login lasts at most 12 hours (or the idle time)."""
    idle = cfg.dashboard.session_minutes
    return auth.SessionPolicy(idle_minutes=idle, max_hours=max(12, -(-idle // 60)))


def client_address() -> str | None:
    """The browser's address as Streamlit saw it (used to throttle one client guessing many accounts)."""
    try:
        address = st.context.ip_address
    except Exception:  # outside a browser session (page tests)
        return None
    return address if isinstance(address, str) and address else "lokal"


def _cookie_token() -> str | None:
    try:
        token = st.context.cookies.get(COOKIE_NAME)
        return token if isinstance(token, str) else None
    except Exception:  # outside a browser session (page tests)
        return None


def _browser_call(method: str, body: str = "") -> None:
    """Ask the browser to call the server's cookie route (dashboards/server.py) once."""
    script = (
        f"<script>fetch({SESSION_PATH!r}, {{method: {method!r}, credentials: 'same-origin', "
        f"headers: {{'Content-Type': 'text/plain'}}, body: {body!r} || null}});</script>"
    )
    st.html(script, unsafe_allow_javascript=True, width="content")


def logout() -> None:
    login: auth.LoginSession | None = st.session_state.pop(AUTH_KEY, None)
    token = (login.token if login else None) or _cookie_token()
    auth.end_session(database(), token)
    st.session_state[COOKIE_CLEAR_KEY] = True


def current_context() -> Context | None:
    """The logged-in context, or None. A new tab or a reload finds the login again through its cookie;
    ended, idle, expired or revoked sessions and disabled accounts are out at once."""
    login: auth.LoginSession | None = st.session_state.get(AUTH_KEY)
    cfg = settings()
    lang = language()
    db = database()
    if login is None:
        token = _cookie_token()
        if not token or st.session_state.get(COOKIE_CLEAR_KEY):
            return None
        actor = auth.resume_session(db, token, session_policy(cfg))
        if actor is None:
            st.session_state[COOKIE_CLEAR_KEY] = True
            return None
        login = auth.LoginSession(actor, token=token)
        st.session_state[AUTH_KEY] = login
    if login.token is not None:
        actor = auth.resume_session(db, login.token, session_policy(cfg))
        if actor is None:
            logout()
            flash("warning", t("app.session_expired", lang))
            return None
    else:
        if login.expired(cfg.dashboard.session_minutes):
            logout()
            flash("warning", t("app.session_expired", lang))
            return None
        with db.session() as session:
            actor = auth.current_actor(session, login.actor.username)
        if actor is None:
            logout()
            flash("error", t("app.account_gone", lang))
            return None
    login.actor = actor  # a role changed by the admin applies from the next click
    login.touch()
    return Context(actor, cfg, db, lang)


def allowed_pages(actor: auth.Actor) -> list[str]:
    return [
        page
        for page, permission in PAGES.items()
        if page == "akun" or (auth.can_read_queue(actor) if permission is None else actor.can(permission))
    ]


def page_context(page: str) -> Context:
    """Call first on every page: stops the page unless someone allowed to see it is logged in."""
    ctx = current_context()
    if ctx is None:
        show_flashes()
        st.warning(t("login.required", language()))
        st.stop()
    code = st.session_state.pop(COOKIE_CODE_KEY, None)
    if code:  # the server trades it for the HttpOnly cookie that carries the login across reloads
        _browser_call("POST", code)
    if page not in allowed_pages(ctx.actor):
        st.error(ctx.t("page.forbidden"))
        st.stop()
    return ctx


def login_form() -> None:
    """The login page: the only thing shown before login, whatever page the link asked for (the link's
    page and parameters, e.g. ?item=ID, open right after the login)."""
    lang = language()
    st.title(t("app.title", lang))
    show_flashes()
    if st.session_state.pop(COOKIE_CLEAR_KEY, False) and _cookie_token():
        _browser_call("DELETE")
    with st.form("login"):
        st.subheader(t("login.title", lang))
        username = st.text_input(t("login.username", lang), key="login_username")
        password = st.text_input(t("login.password", lang), type="password", key="login_password")
        submitted = st.form_submit_button(t("login.submit", lang))
    if submitted:
        db = database()
        try:
            actor = auth.authenticate(db, username, password, client_address())
        except auth.LockedOut as exc:
            until = format_time(exc.until, settings().tz)
            st.error(t("login.locked", lang, until=until))
            return
        except auth.AuthError as exc:
            disabled = "nonaktif" in str(exc)
            st.error(t("login.disabled" if disabled else "login.failed", lang))
            return
        policy = session_policy(settings())
        token = auth.start_session(db, actor, client_address(), policy)
        st.session_state[AUTH_KEY] = auth.LoginSession(actor, token=token)
        st.session_state[COOKIE_CODE_KEY] = issue_code(token, policy.max_hours * 3600)
        st.session_state.pop(COOKIE_CLEAR_KEY, None)
        st.session_state.pop("login_password", None)
        st.rerun()


def sidebar(ctx: Context, pages: dict[str, Any]) -> None:
    """Who is logged in, links to the role's pages, the inbox with its count, account and logout."""
    with st.sidebar:
        st.text(ctx.t("app.logged_in_as", user=ctx.actor.username, role=role_label(ctx.actor.role, ctx.lang)))
        zone = zone_name(ctx.tz)
        st.caption(ctx.t("app.times_in", tz=ctx.tz.key if zone == ctx.tz.key else f"{ctx.tz.key} ({zone})"))
        for page in allowed_pages(ctx.actor):
            if page != "akun":
                st.page_link(pages[page], label=ctx.t(PAGE_TITLES[page]))
        count, more = inbox_count(ctx)
        label = ctx.t("inbox.button", count=number(count) + ("+" if more else ""))
        if "antrian" in allowed_pages(ctx.actor):
            st.page_link(
                pages["antrian"], label=label, query_params={"kotak": "saya"}, icon=":material/inbox:"
            )
        st.page_link(pages["akun"], label=ctx.t("page.account"))
        if st.button(ctx.t("app.logout"), key="logout"):
            logout()
            st.rerun()
        demo = _demo_accounts(ctx.db.url)
        if demo and os.environ.get("MONITOR_DEMO") != "1":
            st.warning(ctx.t("app.demo_banner", users=", ".join(demo)))


def inbox_count(ctx: Context) -> tuple[int, bool]:
    with ctx.db.session() as session:
        return triage.inbox_count(session, ctx.actor)


@st.cache_data(ttl=3600, show_spinner=False)
def _demo_accounts(url: str) -> list[str]:
    """Demo accounts still taking their published passwords (checked hourly: argon2 is slow on purpose;
    a password change or reset empties the cache at once)."""
    with database().session() as session:
        return auth.demo_accounts_enabled(session)


def language_switch() -> None:
    lang = language()
    choice = st.sidebar.selectbox(
        t("app.language", lang),
        LANGUAGES,
        index=LANGUAGES.index(lang),
        format_func=lambda code: {"id": "Bahasa Indonesia", "en": "English"}[code],
        key="lang_choice",
    )
    if choice != lang:
        st.session_state[LANG_KEY] = choice
        st.rerun()


SAFE_SCHEMES = ("http://", "https://")


def safe_url(url: str | None) -> str | None:
    """Only http(s) links become clickable; `javascript:` and other schemes are shown as text."""
    if not url:
        return None
    stripped = url.strip()
    if stripped.lower().startswith(SAFE_SCHEMES) and not any(ch in stripped for ch in "\r\n\t <>\"'`"):
        return stripped
    return None


def number(value: float | int | None, decimals: int = 0) -> str:
    """A number in the officer's language (1.477.833 / 0,75 in Indonesian)."""
    return format_number(value, language(), decimals)


def event_label(action: str, lang: str) -> str:
    """An audit action as an officer reads it ("hoax" → "Hoaks", "auth.locked" → "Akun dikunci…")."""
    if f"action.{action}" in TEXT:
        return action_label(action, lang)
    if f"event.{action}" in TEXT:
        return t(f"event.{action}", lang)
    if action.startswith("narrative.") and f"action.{action[10:]}" in TEXT:
        return t("event.narrative", lang, action=action_label(action[10:], lang))
    return action


def _value_text(key: str, value: object, lang: str) -> str:
    if value is None or value == []:
        return "-"
    if isinstance(value, bool):
        return t("common.yes" if value else "common.no", lang)
    if key == "status":
        return status_label(str(value), lang)
    if key == "verdict":
        return verdict_label(str(value), lang)
    if key == "holder":
        return holder_label(str(value), lang)
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value)


def change_text(before: dict | None, after: dict | None, lang: str) -> str:
    """What an event changed, in words: "Putusan: - → Hoaks; Dipegang: KPU → Bawaslu"."""
    before, after = before or {}, after or {}
    parts = []
    for key in ("status", "verdict", "violation", "holder", "assigned_to", "applied", "skipped"):
        if key not in after or before.get(key) == after.get(key):
            continue
        new = _value_text(key, after.get(key), lang)
        if key in before:
            new = f"{_value_text(key, before.get(key), lang)} → {new}"
        parts.append(f"{t(f'change.{key}', lang)}: {new}")
    return "; ".join(parts)


def clear_demo_cache() -> None:
    _demo_accounts.clear()


@st.cache_data(ttl=600, show_spinner=False)
def _topic_labels(keywords_file: str, lang: str) -> dict[str, str]:
    try:
        labels = load_keywords(Path(keywords_file)).topic_names(lang)
    except (OSError, KeywordsError):
        labels = {}
    labels.setdefault("other", t("topic.other", lang))
    return labels


def topic_labels(ctx: Context) -> dict[str, str]:
    """Topic keys and their names from the keywords file (plus the classifier's "other")."""
    return _topic_labels(str(ctx.settings.path(ctx.settings.paths.keywords_file)), ctx.lang)


def topic_name(ctx: Context, labels: dict[str, str], key: str | None) -> str:
    """A topic as an officer reads it (see monitor.i18n.topic_label): "Paslon 03", "Beberapa paslon", ..."""
    return topic_label(key, labels, ctx.lang)

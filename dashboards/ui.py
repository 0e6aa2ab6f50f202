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

from monitor import auth
from monitor.config import Settings, load_settings
from monitor.i18n import LANGUAGES, role_label, t, zone_name
from monitor.store import Database

AUTH_KEY = "auth"
LANG_KEY = "lang"
FLASH_KEY = "flash"

# Which permission opens which page (the queue is open to Polri too, narrowed to its escalations).
PAGES: dict[str, str | None] = {
    "antrian": None,
    "tren": auth.TRENDS_READ,
    "laporan": auth.REPORT_READ,
    "model": auth.MODEL_READ,
    "sumber": auth.SOURCES_READ,
    "audit": auth.AUDIT_READ,
}
PAGE_TITLES = {
    "antrian": "page.queue",
    "tren": "page.trends",
    "laporan": "page.report",
    "model": "page.model",
    "sumber": "page.sources",
    "audit": "page.audit",
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


def logout() -> None:
    st.session_state.pop(AUTH_KEY, None)


def current_context() -> Context | None:
    """The logged-in context, or None. Ends expired sessions and sessions of disabled accounts."""
    login: auth.LoginSession | None = st.session_state.get(AUTH_KEY)
    if login is None:
        return None
    cfg = settings()
    lang = language()
    if login.expired(cfg.dashboard.session_minutes):
        logout()
        flash("warning", t("app.session_expired", lang))
        return None
    db = database()
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
        if (auth.can_read_queue(actor) if permission is None else actor.can(permission))
    ]


def page_context(page: str) -> Context:
    """Call first on every page: stops the page unless someone allowed to see it is logged in."""
    ctx = current_context()
    if ctx is None:
        show_flashes()
        st.warning(t("login.required", language()))
        st.stop()
    if page not in allowed_pages(ctx.actor):
        st.error(ctx.t("page.forbidden"))
        st.stop()
    return ctx


def login_form() -> None:
    """The login page: the only thing shown before login."""
    lang = language()
    st.title(t("app.title", lang))
    show_flashes()
    with st.form("login"):
        st.subheader(t("login.title", lang))
        username = st.text_input(t("login.username", lang), key="login_username")
        password = st.text_input(t("login.password", lang), type="password", key="login_password")
        submitted = st.form_submit_button(t("login.submit", lang))
    if submitted:
        try:
            actor = auth.authenticate(database(), username, password)
        except auth.AuthError as exc:
            disabled = "nonaktif" in str(exc)
            st.error(t("login.disabled" if disabled else "login.failed", lang))
            return
        st.session_state[AUTH_KEY] = auth.LoginSession(actor)
        st.session_state.pop("login_password", None)
        st.rerun()


def sidebar(ctx: Context) -> None:
    with st.sidebar:
        st.text(ctx.t("app.logged_in_as", user=ctx.actor.username, role=role_label(ctx.actor.role, ctx.lang)))
        zone = zone_name(ctx.tz)
        st.caption(ctx.t("app.times_in", tz=ctx.tz.key if zone == ctx.tz.key else f"{ctx.tz.key} ({zone})"))
        if st.button(ctx.t("app.logout"), key="logout"):
            logout()
            st.rerun()


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

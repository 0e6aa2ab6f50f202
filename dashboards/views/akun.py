"""Akun: every officer changes their own password here; the admin also resets someone else's.

A change or reset ends every session of that account (other tabs and browsers are logged out at their
next click); the rules for passwords live in monitor.auth.
"""

from __future__ import annotations

import streamlit as st

from dashboards import ui
from monitor import auth
from monitor.i18n import role_label

ctx = ui.page_context("akun")
st.title(ctx.t("account.title"))
ui.show_flashes()
st.text(ctx.t("app.logged_in_as", user=ctx.actor.username, role=role_label(ctx.actor.role, ctx.lang)))

with st.form("password_change", clear_on_submit=True):
    st.subheader(ctx.t("account.change"))
    st.caption(ctx.t("account.rules", n=auth.MIN_PASSWORD_LENGTH))
    old = st.text_input(ctx.t("account.old"), type="password", key="pw_old")
    new = st.text_input(ctx.t("account.new"), type="password", key="pw_new")
    repeat = st.text_input(ctx.t("account.repeat"), type="password", key="pw_repeat")
    if st.form_submit_button(ctx.t("account.change")):
        if new != repeat:
            st.error(ctx.t("account.mismatch"))
        else:
            try:
                auth.change_password(ctx.db, ctx.actor, old, new)
            except auth.UserAdminError as exc:
                st.error(ctx.t("account.failed", error=str(exc)))
            else:
                ui.clear_demo_cache()
                ui.logout()
                ui.flash("success", ctx.t("account.changed"))
                st.rerun()

if ctx.actor.can(auth.USERS_MANAGE):
    with ctx.db.session() as session:
        people = [(u.username, u.role, u.disabled) for u in auth.list_users(session)]
    with st.form("password_reset", clear_on_submit=True):
        st.subheader(ctx.t("account.reset"))
        who = st.selectbox(
            ctx.t("account.reset_user"),
            [name for name, _, _ in people],
            format_func=lambda n: f"{n} ({role_label(dict((p[0], p[1]) for p in people)[n], ctx.lang)})",
            key="pw_reset_user",
        )
        fresh = st.text_input(ctx.t("account.new"), type="password", key="pw_reset_new")
        if st.form_submit_button(ctx.t("account.reset")) and who:
            try:
                with ctx.db.session() as session:
                    auth.reset_password(session, who, fresh, by=ctx.actor)
            except auth.UserAdminError as exc:
                st.error(ctx.t("account.failed", error=str(exc)))
            else:
                ui.clear_demo_cache()
                st.success(ctx.t("account.reset_done", user=who))

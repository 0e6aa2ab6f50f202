"""Audit: the append-only log of every action, searchable (admin and analyst only)."""

from __future__ import annotations

from datetime import datetime, time, timedelta

import pandas as pd
import streamlit as st

from dashboards import ui
from monitor.i18n import format_time, role_label
from monitor.store import audit

ctx = ui.page_context("audit")
st.title(ctx.t("audit.title"))

with ctx.db.session() as session:
    actions = audit.audit_actions(session)
c1, c2, c3, c4, c5 = st.columns([3, 2, 1, 1, 1])
text = c1.text_input(ctx.t("audit.search"), key="au_text")
action = c2.selectbox(
    ctx.t("audit.action"),
    [None, *actions],
    format_func=lambda a: ui.event_label(a, ctx.lang) if a else ctx.t("queue.all"),
    key="au_action",
)
post_id = c3.number_input(ctx.t("audit.post"), min_value=0, value=0, step=1, key="au_post")
start_day = c4.date_input("≥", value=None, key="au_start", format="DD-MM-YYYY")
end_day = c5.date_input("≤", value=None, key="au_end", format="DD-MM-YYYY")

filters = audit.AuditFilter(
    text=text.strip() or None,
    action=action,
    post_id=int(post_id) or None,
    start=datetime.combine(start_day, time.min, tzinfo=ctx.tz) if start_day else None,
    end=datetime.combine(end_day, time.min, tzinfo=ctx.tz) + timedelta(days=1) if end_day else None,
)
if st.session_state.get("au_filter_key") != repr(filters):
    st.session_state["au_filter_key"] = repr(filters)
    st.session_state["au_page"] = 1
with ctx.db.session() as session:
    page = audit.audit_page(session, filters, st.session_state.get("au_page", 1), 50)
st.number_input(ctx.t("queue.page"), min_value=1, max_value=max(page.pages, page.page), step=1, key="au_page")
total = ui.number(page.total) + ("+" if page.total_capped else "")
st.caption(ctx.t("queue.summary", total=total, page=ui.number(page.page), pages=ui.number(page.pages)))

if not page.events:
    st.info(ctx.t("audit.empty"))
else:
    st.dataframe(
        pd.DataFrame(
            [
                {
                    ctx.t("audit.col.time"): format_time(e.created_at, ctx.tz, with_zone=False),
                    ctx.t("audit.col.actor"): e.actor,
                    ctx.t("audit.col.role"): role_label(e.role, ctx.lang) if e.role else "",
                    ctx.t("audit.col.action"): ui.event_label(e.action, ctx.lang),
                    ctx.t("audit.col.post"): str(e.post_id) if e.post_id else "-",
                    ctx.t("audit.col.narrative"): str(e.narrative_id) if e.narrative_id else "-",
                    ctx.t("audit.col.note"): e.note or "",
                    ctx.t("audit.col.after"): ui.change_text(e.before, e.after, ctx.lang),
                }
                for e in page.events
            ]
        ),
        hide_index=True,
        width="stretch",
    )

"""Laporan: the weekly report for the coffee-morning forum, previewed here and downloadable as PDF."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import streamlit as st

from dashboards import ui
from monitor.store import trends

ctx = ui.page_context("laporan")
st.title(ctx.t("report.title"))


def _builder() -> Callable[..., bytes] | None:
    """monitor.reports.build_weekly_report when the report module is installed, else None."""
    try:
        module = importlib.import_module("monitor.reports")
    except ImportError:
        return None
    return getattr(module, "build_weekly_report", None)


build = _builder()
if build is None:
    st.info(ctx.t("report.unavailable"))
    st.stop()

with ctx.db.session() as session:
    # A post dated in the future (year 9999 by a broken feed) must not choose the weeks offered.
    latest = trends.latest_post_time(session, not_after=datetime.now(UTC) + timedelta(days=1))
anchor = (latest or datetime.now(UTC)).astimezone(ctx.tz).date()
weeks = []
for back in range(12):
    year, week, _ = (anchor - timedelta(weeks=back)).isocalendar()
    weeks.append(f"{year}-W{week:02d}")
week = st.selectbox(ctx.t("report.week"), weeks, key="rp_week")


@st.cache_data(ttl=300, show_spinner=False, max_entries=16)
def _render(url: str, week: str, fmt: str) -> bytes:
    return build(ui.database(), ui.settings(), week, fmt)  # type: ignore[misc]


def _try(fmt: str) -> Any:
    try:
        return _render(ctx.db.url, week, fmt)
    except Exception as exc:  # the report module's own errors, shown to the officer in one line
        st.error(ctx.t("report.failed", error=f"{type(exc).__name__}: {exc}"))
        return None


# Building a week's report reads the whole week (seconds on a large database): only on request, then
# kept for five minutes so the preview and the download come from one build.
if st.button(ctx.t("report.build"), key="rp_build", type="primary"):
    st.session_state["rp_built"] = week
if st.session_state.get("rp_built") != week:
    st.stop()
with st.spinner(ctx.t("report.building")):
    pdf = _try("pdf")
    html = _try("html")
if pdf:
    st.download_button(
        ctx.t("report.download"),
        data=pdf,
        file_name=f"laporan-hoaks-pemilu-{week}.pdf",
        mime="application/pdf",
        key="rp_download",
    )
if html:
    st.subheader(ctx.t("report.preview"))
    # st.html sanitises (DOMPurify): the report's own markup stays, scripts and handlers are dropped.
    st.html(html.decode("utf-8"))

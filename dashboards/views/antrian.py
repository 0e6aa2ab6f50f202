"""Antrian: flagged posts, most urgent first (hoax score × reach), with filters, pages and the item view."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from pathlib import Path

import pandas as pd
import streamlit as st

from dashboards import item_view, ui
from monitor import auth, triage
from monitor.i18n import format_time, status_label
from monitor.records import PLATFORMS
from monitor.store import queue
from monitor.text import KeywordsError, load_keywords

ctx = ui.page_context("antrian")
polri_only = not ctx.actor.can(auth.QUEUE_READ)
st.title(ctx.t("queue.title"))
ui.show_flashes()
if polri_only:
    st.info(ctx.t("queue.polri_scope"))


@st.cache_data(ttl=600, show_spinner=False)
def topic_labels(keywords_file: str, lang: str) -> dict[str, str]:
    """Topic keys and their names from config/keywords.yml (plus the classifier's "other")."""
    try:
        topics = load_keywords(Path(keywords_file)).topics.items()
    except KeywordsError:
        topics = []
    labels = {key: topic.label_en if lang == "en" else topic.label_id for key, topic in topics}
    labels.setdefault("other", "Lainnya" if lang == "id" else "Other")
    return labels


@st.cache_data(ttl=300, show_spinner=False)
def sources(url: str) -> list[str]:
    with ui.database().session() as session:
        return queue.source_names(session)


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=ctx.tz)


# Alert messages link to ?topic=KEY or ?narrative=ID: the first visit opens the queue filtered so.
labels = topic_labels(str(ctx.settings.path(ctx.settings.paths.keywords_file)), ctx.lang)
if "q_links_read" not in st.session_state:
    st.session_state["q_links_read"] = True
    linked_topic = st.query_params.get("topic")
    if linked_topic in labels:
        st.session_state["q_topic"] = linked_topic
    linked_narrative = st.query_params.get("narrative", "")
    st.session_state["q_narrative"] = int(linked_narrative) if linked_narrative.isdigit() else None
narrative_id = st.session_state.get("q_narrative")

all_label = ctx.t("queue.all")
with st.expander(ctx.t("queue.filters"), expanded=True):
    c1, c2, c3 = st.columns(3)
    default_statuses = [] if polri_only else list(triage.OPEN_STATUSES)
    statuses = c1.multiselect(
        ctx.t("queue.status"),
        triage.STATUSES,
        default=default_statuses,
        format_func=lambda s: status_label(s, ctx.lang),
        key="q_status",
    )
    topic = c2.selectbox(
        ctx.t("queue.topic"),
        [None, *labels],
        format_func=lambda k: all_label if k is None else labels[k],
        key="q_topic",
    )
    candidate = c3.selectbox(
        ctx.t("queue.candidate"),
        [None, "01", "02", "03"],
        format_func=lambda k: all_label if k is None else f"Paslon {k}",
        key="q_candidate",
    )
    c4, c5, c6, c7 = st.columns(4)
    platform = c4.selectbox(
        ctx.t("queue.platform"), [None, *PLATFORMS], format_func=lambda k: k or all_label, key="q_platform"
    )
    source = c5.selectbox(
        ctx.t("queue.source"),
        [None, *sources(ctx.db.url)],
        format_func=lambda k: k or all_label,
        key="q_source",
    )
    start_day = c6.date_input(ctx.t("queue.dates") + " ≥", value=None, key="q_start", format="DD-MM-YYYY")
    end_day = c7.date_input(ctx.t("queue.dates") + " ≤", value=None, key="q_end", format="DD-MM-YYYY")

filters = queue.QueueFilter(
    statuses=tuple(statuses),
    topic=topic,
    candidate=candidate,
    platform=platform,
    source=source,
    start=_day_start(start_day) if start_day else None,
    end=_day_start(end_day) + timedelta(days=1) if end_day else None,
    narrative_id=narrative_id,
)
if narrative_id is not None:
    st.info(ctx.t("queue.narrative_filter", id=narrative_id))
    if st.button(ctx.t("queue.narrative_filter_clear"), key="q_narrative_clear"):
        st.session_state["q_narrative"] = None
        st.rerun()
filter_key = repr(filters)
if st.session_state.get("q_filter_key") != filter_key:  # new filters start at page 1
    st.session_state["q_filter_key"] = filter_key
    st.session_state["q_page"] = 1

page_size = ctx.settings.dashboard.page_size
with ctx.db.session() as session:
    result = triage.queue_for(session, ctx.actor, filters, st.session_state.get("q_page", 1), page_size)
    if result.page > result.pages:  # the queue shrank under the officer's feet
        st.session_state["q_page"] = result.pages
        result = triage.queue_for(session, ctx.actor, filters, result.pages, page_size)
st.number_input(ctx.t("queue.page"), min_value=1, max_value=result.pages, step=1, key="q_page")
if result.total is None:
    st.caption(
        ctx.t(
            "queue.summary_open",
            page=result.page,
            more=ctx.t("queue.more" if result.has_more else "queue.last"),
        )
    )
else:
    total_text = f"{result.total:,}+" if result.total_capped else f"{result.total:,}"
    st.caption(ctx.t("queue.summary", total=total_text, page=result.page, pages=result.pages))

if not result.rows:
    st.info(ctx.t("queue.empty"))
    st.stop()

frame = pd.DataFrame(
    [
        {
            ctx.t("queue.col.id"): row.id,
            ctx.t("queue.col.priority"): round(row.priority, 2),
            ctx.t("queue.col.score"): round(row.hoax_score or 0.0, 2),
            ctx.t("queue.col.reach"): row.reach,
            ctx.t("queue.col.status"): status_label(row.status, ctx.lang),
            ctx.t("queue.col.platform"): row.platform,
            ctx.t("queue.col.time"): format_time(row.created_at, ctx.tz, with_zone=False),
            ctx.t("queue.col.author"): row.author or "",
            ctx.t("queue.col.text"): row.snippet,
            ctx.t("queue.col.assigned"): row.assigned_to or "",
            ctx.t("queue.col.escalated"): row.escalated_to or "",
        }
        for row in result.rows
    ]
)
st.dataframe(frame, hide_index=True, width="stretch")

by_id = {row.id: row for row in result.rows}
options = list(by_id)
wanted = st.query_params.get("item")
if wanted and wanted.isdigit() and int(wanted) not in by_id:
    options.insert(0, int(wanted))  # a link to one item (from an alert) opens it even off this page
chosen = st.selectbox(
    ctx.t("queue.select"),
    options,
    index=options.index(int(wanted)) if wanted and wanted.isdigit() and int(wanted) in options else 0,
    format_func=lambda pid: (
        f"#{pid} · {status_label(by_id[pid].status, ctx.lang)} · {by_id[pid].platform} · "
        f"{(by_id[pid].hoax_score or 0):.2f}"
        if pid in by_id
        else f"#{pid}"
    ),
    key="q_item",
)
st.divider()
item_view.render(ctx, int(chosen))

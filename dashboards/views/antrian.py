"""Antrian: "Untuk saya" (the officer's inbox) or the whole queue, most urgent first, with filters, exports
and the item view. One click on a row opens the item; it stays open after an action until "Berikutnya"."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pandas as pd
import streamlit as st

from dashboards import item_view, ui
from monitor import auth, triage
from monitor.i18n import format_time, holder_label, status_label, verdict_label
from monitor.records import PLATFORMS
from monitor.store import queue
from monitor.triage import export

ctx = ui.page_context("antrian")
polri_only = not ctx.actor.can(auth.QUEUE_READ)
st.title(ctx.t("queue.title"))
ui.show_flashes()
if polri_only:
    st.info(ctx.t("queue.polri_scope"))


@st.cache_data(ttl=300, show_spinner=False)
def sources(url: str) -> list[str]:
    with ui.database().session() as session:
        return queue.source_names(session)


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=ctx.tz)


# Links: ?topic=KEY, ?narrative=ID (alerts), ?item=ID (one item), ?kotak=saya|semua (inbox or whole queue).
labels = ui.topic_labels(ctx)
params = st.query_params
if "q_links_read" not in st.session_state:
    st.session_state["q_links_read"] = True
    linked_topic = params.get("topic")
    if linked_topic in labels:
        st.session_state["q_topic"] = linked_topic
    linked_narrative = params.get("narrative", "")
    st.session_state["q_narrative"] = int(linked_narrative) if linked_narrative.isdigit() else None
    linked_item = params.get("item", "")
    if linked_item.isdigit():
        st.session_state["q_open"] = int(linked_item)
    # A link to a topic, narrative or item looks at the whole queue; otherwise the inbox comes first.
    whole = params.get("kotak") == "semua" or bool(linked_topic or linked_narrative or linked_item)
    st.session_state["q_view"] = "all" if whole else "inbox"
if params.get("kotak") == "saya" and st.session_state.get("q_inbox_link") != params.get("kotak"):
    st.session_state["q_view"] = "inbox"
st.session_state["q_inbox_link"] = params.get("kotak")
narrative_id = st.session_state.get("q_narrative")

view = st.segmented_control(
    ctx.t("queue.view"),
    ["inbox", "all"],
    format_func=lambda v: ctx.t("inbox.title" if v == "inbox" else "inbox.all"),
    key="q_view",
    label_visibility="collapsed",
)
inbox = view != "all"
if inbox:
    st.caption(ctx.t(f"inbox.help.{ctx.actor.role}"))

all_label = ctx.t("queue.all")
with st.expander(ctx.t("queue.filters"), expanded=not inbox):
    c1, c2, c3 = st.columns(3)
    statuses = c1.multiselect(
        ctx.t("queue.status"),
        triage.STATUSES,
        default=[] if polri_only else list(triage.OPEN_STATUSES),
        format_func=lambda s: status_label(s, ctx.lang),
        key="q_status",
        disabled=inbox,
        placeholder=ctx.t("queue.choose"),
    )
    verdict = c2.selectbox(
        ctx.t("queue.verdict"),
        [None, *triage.VERDICTS],
        format_func=lambda v: all_label if v is None else verdict_label(v, ctx.lang),
        key="q_verdict",
        disabled=inbox,
    )
    holder = c3.selectbox(
        ctx.t("queue.holder"),
        [None, *triage.AGENCIES],
        format_func=lambda h: all_label if h is None else holder_label(h, ctx.lang),
        key="q_holder",
        disabled=inbox,
    )
    c4, c5, c6 = st.columns(3)
    topic = c4.selectbox(
        ctx.t("queue.topic"),
        [None, *labels],
        format_func=lambda k: all_label if k is None else labels[k],
        key="q_topic",
    )
    candidate = c5.selectbox(
        ctx.t("queue.candidate"),
        [None, "01", "02", "03"],
        format_func=lambda k: all_label if k is None else f"Paslon {k}",
        key="q_candidate",
    )
    platform = c6.selectbox(
        ctx.t("queue.platform"), [None, *PLATFORMS], format_func=lambda k: k or all_label, key="q_platform"
    )
    c7, c8, c9 = st.columns(3)
    source = c7.selectbox(
        ctx.t("queue.source"),
        [None, *sources(ctx.db.url)],
        format_func=lambda k: k or all_label,
        key="q_source",
    )
    start_day = c8.date_input(ctx.t("queue.dates") + " ≥", value=None, key="q_start", format="DD-MM-YYYY")
    end_day = c9.date_input(ctx.t("queue.dates") + " ≤", value=None, key="q_end", format="DD-MM-YYYY")

base = (
    triage.inbox_filter(ctx.actor)
    if inbox
    else queue.QueueFilter(statuses=tuple(statuses), verdict=verdict, holder=holder)
)
filters = queue.QueueFilter(
    statuses=base.statuses,
    verdict=base.verdict,
    holder=base.holder,
    unlabelled=base.unlabelled,
    include_closed=base.include_closed,
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
left, right = st.columns([1, 3])
left.number_input(ctx.t("queue.page"), min_value=1, max_value=result.pages, step=1, key="q_page")
if result.total is None:
    right.caption(
        ctx.t(
            "queue.summary_open",
            page=ui.number(result.page),
            more=ctx.t("queue.more" if result.has_more else "queue.last"),
        )
    )
else:
    total_text = ui.number(result.total) + ("+" if result.total_capped else "")
    right.caption(
        ctx.t("queue.summary", total=total_text, page=ui.number(result.page), pages=ui.number(result.pages))
    )


def _export_buttons() -> None:
    """The whole view (not only this page) as CSV for people and JSON lines for programs."""
    with st.popover(ctx.t("export.button")):
        st.caption(ctx.t("export.help", n=ui.number(export.MAX_EXPORT_ROWS)))
        if st.button(ctx.t("export.prepare"), key="q_export_prepare"):
            with ctx.db.session() as session:
                rows = export.queue_rows(session, ctx.actor, filters)
            st.session_state["q_export"] = (
                export.to_csv(rows, ctx.tz, ctx.lang),
                export.to_jsonl(rows),
                len(rows),
            )
        prepared = st.session_state.get("q_export")
        if prepared:
            csv_text, jsonl_text, n = prepared
            stamp = datetime.now(ctx.tz).strftime("%Y%m%d-%H%M")
            st.caption(ctx.t("export.ready", n=ui.number(n)))
            st.download_button("CSV", csv_text, f"antrian-{stamp}.csv", "text/csv", key="q_export_csv")
            st.download_button(
                "JSONL", jsonl_text, f"antrian-{stamp}.jsonl", "application/x-ndjson", key="q_export_jsonl"
            )


_export_buttons()

if not result.rows and st.session_state.get("q_open") is None:
    st.info(ctx.t("queue.empty"))
    st.stop()

frame = pd.DataFrame(
    [
        {
            ctx.t("queue.col.id"): row.id,
            ctx.t("queue.col.priority"): ui.number(row.priority, 2),
            ctx.t("queue.col.score"): ui.number(row.hoax_score or 0.0, 2),
            ctx.t("queue.col.evidence"): ctx.t("queue.evidence.debunk") if row.debunk_match else "",
            ctx.t("queue.col.reach"): ui.number(row.reach),
            ctx.t("queue.col.status"): status_label(row.status, ctx.lang),
            ctx.t("queue.col.verdict"): verdict_label(row.verdict, ctx.lang)
            + (" · " + ctx.t("status.violation") if row.violation else ""),
            ctx.t("queue.col.holder"): holder_label(row.holder, ctx.lang),
            ctx.t("queue.col.platform"): row.platform,
            ctx.t("queue.col.time"): format_time(row.created_at, ctx.tz, with_zone=False),
            ctx.t("queue.col.author"): row.author or "",
            ctx.t("queue.col.text"): row.snippet,
            ctx.t("queue.col.assigned"): row.assigned_to or "",
        }
        for row in result.rows
    ]
)
ids = [row.id for row in result.rows]
if ids:
    picked = st.dataframe(
        frame,
        hide_index=True,
        width="stretch",
        column_config={
            ctx.t("queue.col.evidence"): st.column_config.TextColumn(help=ctx.t("queue.evidence.help"))
        },
        on_select="rerun",
        selection_mode="single-row",
        key=f"q_table_{filter_key}_{result.page}",
    )
    chosen_rows = picked.selection.rows if picked else []
    if chosen_rows and st.session_state.get("q_picked") != (filter_key, result.page, chosen_rows[0]):
        st.session_state["q_picked"] = (filter_key, result.page, chosen_rows[0])
        st.session_state["q_open"] = ids[chosen_rows[0]]
    st.caption(ctx.t("queue.click_hint"))

open_id = st.session_state.get("q_open")
if open_id is None:
    st.stop()


def _next() -> None:
    """Berikutnya: the row after the open one on this page (or the first, when it left the view)."""
    current = st.session_state.get("q_open")
    later = ids[ids.index(current) + 1 :] if current in ids else ids
    st.session_state["q_open"] = later[0] if later else None
    if not later and result.has_more:
        st.session_state["q_page"] = result.page + 1


st.divider()
nav_left, nav_right = st.columns([4, 1])
nav_right.button(ctx.t("queue.next"), key="q_next", on_click=_next, type="primary", width="stretch")
with nav_left:
    item_view.render(ctx, int(open_id))

"""Sumber: collector health (last run, last error, items per run) and the keyword list."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboards import ui
from monitor import auth, operations
from monitor.collection import switch_states
from monitor.i18n import format_time
from monitor.store import trends
from monitor.text import KeywordsError, load_keywords

ctx = ui.page_context("sumber")
st.title(ctx.t("sources.title"))
ui.show_flashes()

with ctx.db.session() as session:
    sources = trends.sources_health(session)
    switches = switch_states(session, ctx.settings)  # the on/off the scheduler and `monitor collect` read
    runs = trends.recent_runs(session, limit=50)
    source_rows = [
        {
            ctx.t("sources.col.name"): s.name,
            ctx.t("sources.col.type"): s.type,
            ctx.t("sources.col.enabled"): switches.get(s.name, bool(s.enabled)),
            ctx.t("sources.col.last_run"): format_time(s.last_run_at, ctx.tz),
            ctx.t("sources.col.last_success"): format_time(s.last_success_at, ctx.tz),
            ctx.t("sources.col.last_error"): (s.last_error or "")[:300],
            ctx.t("sources.col.failures"): s.consecutive_failures or 0,
            ctx.t("sources.col.items"): s.items_last_run or 0,
        }
        for s in sources
    ]
    run_rows = [
        {
            "source": r.source_name,
            "start": format_time(r.started_at, ctx.tz),
            "end": format_time(r.finished_at, ctx.tz),
            "read": r.read,
            "relevant": r.relevant,
            "new": r.new,
            "updated": r.updated,
            "rejected": r.rejected,
            "error": (r.error or "")[:200],
        }
        for r in runs
    ]

st.subheader(ctx.t("sources.health"))
if source_rows:
    st.dataframe(pd.DataFrame(source_rows), hide_index=True, width="stretch")
else:
    st.info(ctx.t("sources.none"))


def _toggle(name: str, enabled: bool) -> None:
    current = ui.current_context()
    if current is None:
        return
    try:
        with current.db.session() as session:
            operations.set_source_enabled(session, current.actor, name, enabled)
    except (auth.PermissionDenied, operations.OperationError) as exc:
        ui.flash("error", current.t("action.denied", detail=str(exc)))
        return
    state = current.t("sources.enable" if enabled else "sources.disable")
    ui.flash("success", current.t("sources.toggled", name=name, state=state))


if sources and ctx.actor.can(auth.SOURCES_MANAGE):
    names = [s.name for s in sources]
    chosen = st.selectbox(ctx.t("sources.col.name"), names, key="src_choice")
    enabled = switches.get(chosen, next(bool(s.enabled) for s in sources if s.name == chosen))
    st.button(
        ctx.t("sources.disable" if enabled else "sources.enable"),
        key="src_toggle",
        on_click=_toggle,
        args=(chosen, not enabled),
    )

st.subheader(ctx.t("sources.runs"))
if run_rows:
    st.dataframe(pd.DataFrame(run_rows), hide_index=True, width="stretch")
else:
    st.caption("-")

st.subheader(ctx.t("sources.keywords"))
keywords_file = ctx.settings.path(ctx.settings.paths.keywords_file)
try:
    vocabulary = load_keywords(keywords_file)
except KeywordsError:
    st.warning(ctx.t("sources.keywords_missing", path=keywords_file))
else:
    st.caption(f"{keywords_file} · version {vocabulary.version}")
    rows = [
        {
            "topic": key,
            "label": topic.label_en if ctx.lang == "en" else topic.label_id,
            "terms": ", ".join(topic.terms),
        }
        for key, topic in vocabulary.topics.items()
    ]
    rows += [
        {
            "topic": f"candidate:{key}",
            "label": candidate.label,
            "terms": ", ".join(term for _field, term in candidate.reference_terms()),
        }
        for key, candidate in vocabulary.candidates.items()
    ]
    st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")

"""Sumber: every configured source with its health (last run, last error, items per run), recent runs,
and the keyword list (topics; candidates by name, nickname, number and slogan)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboards import ui
from monitor import auth, operations
from monitor.collection import switch_states
from monitor.config import ConfigError, load_sources
from monitor.i18n import format_time
from monitor.store import trends
from monitor.text.keywords import KeywordsError, load_keywords

ctx = ui.page_context("sumber")
st.title(ctx.t("sources.title"))
ui.show_flashes()

try:
    configured = load_sources(ctx.settings)
    config_error = None
except ConfigError as exc:  # the file names itself and the bad entry; no absolute path is shown
    configured, config_error = [], str(exc).replace(str(ctx.settings.home) + "/", "")
with ctx.db.session() as session:
    sources = trends.sources_health(session)
    switches = switch_states(session, ctx.settings)  # the on/off the scheduler and `monitor collect` read
    runs = trends.recent_runs(session, limit=50)
    health = {s.name: s for s in sources}
    names = [c.name for c in configured] + sorted(set(health) - {c.name for c in configured})
    kinds = {c.name: c.type for c in configured}
    yes, no = ctx.t("common.yes"), ctx.t("common.no")
    source_rows = []
    for name in names:
        s = health.get(name)
        source_rows.append(
            {
                ctx.t("sources.col.name"): name,
                ctx.t("sources.col.type"): kinds.get(name) or (s.type if s else "-"),
                ctx.t("sources.col.enabled"): yes if switches.get(name, s is None or s.enabled) else no,
                ctx.t("sources.col.last_run"): format_time(s.last_run_at, ctx.tz)
                if s
                else ctx.t("sources.never"),
                ctx.t("sources.col.last_success"): format_time(s.last_success_at, ctx.tz) if s else "-",
                ctx.t("sources.col.last_error"): (s.last_error or "") if s else "",
                ctx.t("sources.col.failures"): ui.number(s.consecutive_failures or 0) if s else "0",
                ctx.t("sources.col.items"): ui.number(s.items_last_run or 0) if s else "0",
            }
        )
    run_rows = [
        {
            ctx.t("sources.col.name"): r.source_name,
            ctx.t("sources.run.start"): format_time(r.started_at, ctx.tz),
            ctx.t("sources.run.end"): format_time(r.finished_at, ctx.tz),
            ctx.t("sources.run.read"): ui.number(r.read or 0),
            ctx.t("sources.run.relevant"): ui.number(r.relevant or 0),
            ctx.t("sources.run.new"): ui.number(r.new or 0),
            ctx.t("sources.run.updated"): ui.number(r.updated or 0),
            ctx.t("sources.run.rejected"): ui.number(r.rejected or 0),
            ctx.t("sources.col.last_error"): r.error or "",
        }
        for r in runs
    ]

st.subheader(ctx.t("sources.health"))
if config_error:
    st.error(ctx.t("sources.config_error", error=config_error))
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
except (OSError, KeywordsError):
    st.warning(ctx.t("sources.keywords_missing", path=ctx.settings.paths.keywords_file))
else:
    st.caption(f"{ctx.settings.paths.keywords_file} · {ctx.t('sources.version')} {vocabulary.version}")
    kind, label, terms = ctx.t("sources.kw.kind"), ctx.t("sources.kw.label"), ctx.t("sources.kw.terms")
    rows = [
        {kind: ctx.t("sources.kw.topic"), label: spec.label_en if ctx.lang == "en" else spec.label_id}
        | {terms: ", ".join(spec.terms)}
        for _key, spec in vocabulary.topics
    ]
    for key, candidate in vocabulary.candidates.items():
        parts = {
            "sources.kw.names": candidate.names,
            "sources.kw.nicknames": candidate.nicknames,
            "sources.kw.numbers": candidate.numbers,
            "sources.kw.slogans": candidate.slogans,
        }
        for part, values in parts.items():
            if values:
                rows.append(
                    {
                        kind: f"Paslon {key} · {ctx.t(part)}",
                        label: candidate.label,
                        terms: ", ".join(map(str, values)),
                    }
                )
    st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")

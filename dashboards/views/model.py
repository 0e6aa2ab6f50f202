"""Model: the active classifier and its card, label counts, evaluation, retraining and promotion."""

from __future__ import annotations

import json

import pandas as pd
import streamlit as st

from dashboards import ui
from monitor import auth, operations
from monitor.i18n import format_time
from monitor.scoring import registry
from monitor.store import trends

ctx = ui.page_context("model")
st.title(ctx.t("model.title"))
ui.show_flashes()

with ctx.db.session() as session:
    active = registry.active_card(ctx.settings, session)
    labels = trends.label_counts(session)
    trained_at = registry.card_time(active.card)
    newer = sum(trends.label_counts(session, since=trained_at).values()) if trained_at else 0
active_version, card = active.version, active.card

st.subheader(ctx.t("model.active"))
if active_version:
    st.text(active_version)
else:
    st.info(ctx.t("model.none"))

st.subheader(ctx.t("model.labels"))
cols = st.columns(2)
cols[0].metric(ctx.t("status.hoax"), ui.number(labels["hoax"]))
cols[1].metric(ctx.t("status.not_hoax"), ui.number(labels["not_hoax"]))
if newer and trained_at is not None:
    # Measured (bench/feedback.py): a few dozen "bukan hoaks" decisions on one feed cut its later false flags
    # several-fold once the model is retrained with them.
    st.info(ctx.t("model.new_labels", n=ui.number(newer), date=format_time(trained_at, ctx.tz)))


def _percent(value: object) -> str:
    return f"{ui.number(float(value) * 100, 1)} %" if isinstance(value, int | float) else "-"


# The real-text suites first: they decide promotion; the seed's numbers below are a sanity check only.
suites = card.get("suites") or {}
real_rows = []
for name, _metric in registry.SUITE_RATES:
    entry = suites.get(name)
    if not isinstance(entry, dict) or "value" not in entry:
        continue
    relevant = entry.get("relevant") or {}
    low, high = (relevant or entry).get("wilson95") or (None, None)
    precision = (relevant or entry).get("precision_at_3pct")
    real_rows.append(
        {
            ctx.t("model.col.suite"): ctx.t(f"model.suite.{name}"),
            ctx.t("model.col.all_rows"): _percent(entry["value"]),
            ctx.t("model.col.relevant_rows"): _percent(relevant.get("value")),
            ctx.t("model.col.interval"): f"{_percent(low)} – {_percent(high)}",
            ctx.t("model.col.precision3"): ui.number(precision, 2)
            if isinstance(precision, int | float)
            else "-",
        }
    )
if real_rows:
    st.subheader(ctx.t("model.real"))
    st.caption(ctx.t("model.real_help"))
    st.dataframe(pd.DataFrame(real_rows), hide_index=True, width="stretch")
    shown = (card.get("rerank_adapter") or {}).get("matching_with_adapter") or suites.get("matching") or {}
    title = shown.get("claim_title") or {}
    if "recall_at_1" in title:
        st.caption(
            ctx.t(
                "model.matching",
                recall=_percent(title["recall_at_1"]),
                wrong=_percent(title.get("wrong_match_rate")),
            )
        )

metrics = card.get("metrics") or {}
if metrics:
    st.subheader(ctx.t("model.evaluation"))
    rows = [
        {ctx.t("model.col.set"): name}
        | {
            ctx.t(f"model.col.{k}"): ui.number(v, 0 if k == "n" else 3)
            for k, v in values.items()
            if k in ("n", "precision", "recall", "f1") and isinstance(v, int | float)
        }
        for name, values in metrics.items()
        if isinstance(values, dict) and "f1" in values
    ]
    if rows:
        st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")
if card:
    with st.expander(ctx.t("model.card")):
        st.code(json.dumps(card, indent=2, ensure_ascii=False), language="json")

versions = []
try:
    versions = registry.list_models(ctx.settings, ctx.db)
except Exception as exc:
    st.error(ctx.t("model.failed", error=exc))
if versions:
    st.subheader(ctx.t("model.versions"))
    st.dataframe(
        pd.DataFrame(
            [
                {
                    ctx.t("model.col.version"): v.version,
                    **{
                        ctx.t(f"model.col.{key}"): _percent((v.suites or {}).get(key))
                        for key in ("chatter_fpr", "claims_recall", "headlines_fpr")
                    },
                    ctx.t("model.col.f1"): ui.number(v.f1, 3) if v.f1 is not None else "-",
                    ctx.t("model.col.threshold"): ui.number(v.threshold, 2)
                    if v.threshold is not None
                    else "-",
                    ctx.t("model.col.active"): ctx.t("common.yes" if v.active else "common.no"),
                    ctx.t("model.col.created"): v.created_at or "-",
                    ctx.t("model.col.promoted_by"): v.promoted_by or "",
                }
                for v in versions
            ]
        ),
        hide_index=True,
        width="stretch",
    )


def _promote(version: str) -> None:
    current = ui.current_context()
    if current is None:
        return
    try:
        result = operations.promote(current.actor, current.db, current.settings, version)
    except auth.PermissionDenied as exc:
        ui.flash("error", current.t("action.denied", detail=str(exc)))
        return
    except Exception as exc:  # registry errors (missing folder, bad card) in one line
        ui.flash("error", current.t("model.failed", error=exc))
        return
    if result.promoted:
        ui.flash("success", current.t("model.promote_done", version=result.version))
    else:
        ui.flash("warning", result.message)


can_promote = ctx.actor.can(auth.MODEL_PROMOTE)
can_retrain = ctx.actor.can(auth.MODEL_RETRAIN)
candidates = [v.version for v in versions if not v.active]
if candidates:
    choice = st.selectbox(ctx.t("model.promote"), candidates, key="md_candidate")
    st.button(
        ctx.t("model.promote"),
        key="md_promote",
        disabled=not can_promote,
        on_click=_promote,
        args=(choice,),
    )

if can_retrain:
    datasets = operations.public_datasets(ctx.settings)
    folder = ctx.settings.path(ctx.settings.paths.public_datasets)
    if datasets is not None:
        st.caption(ctx.t("model.recipe_real", folder=folder))
    else:
        st.warning(ctx.t("model.recipe_seed", folder=folder))
if st.button(ctx.t("model.retrain"), key="md_retrain", disabled=not can_retrain):
    bar = st.progress(0.0, text=ctx.t("model.training"))
    try:
        trained = operations.retrain(
            ctx.actor,
            ctx.db,
            ctx.settings,
            step=lambda what, fraction: bar.progress(fraction, text=ctx.t(f"model.stage.{what}")),
        )
    except auth.PermissionDenied as exc:
        st.error(ctx.t("action.denied", detail=str(exc)))
    except Exception as exc:  # training errors are shown, the page stays usable
        st.error(ctx.t("model.failed", error=exc))
    else:
        st.success(ctx.t("model.retrain_done", version=trained.version))

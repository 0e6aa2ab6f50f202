"""Narasi: narratives ranked (flagged posts × reach × growth), one narrative's posts, debunk and responses,
the live narratives most like it, and an analyst's merge and split (audited, see monitor.operations).

Grouping keeps apart retellings whose wording differs a lot rather than risk mixing two claims; the similar
narratives listed here are where an analyst finds such a pair and merges it. Post texts are shown in
dataframes and plain text only (never as Markdown). Link: ?narrative=ID opens that narrative.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import pandas as pd
import streamlit as st

from dashboards import ui
from monitor import auth, operations
from monitor.i18n import TEXT, format_time
from monitor.narratives.curation import CurationError, CurationResult
from monitor.narratives.ranking import ranking_time, top_narratives
from monitor.narratives.similar import SimilarNarrative, similar_narratives
from monitor.narratives.space import VectorSpace
from monitor.store import narratives as store
from monitor.store.schema import Narrative
from monitor.text.display import shorten

LIST_LIMIT = 50
MEMBERS_SHOWN = 50
RESPONSES_SHOWN = 20
SIMILAR_SHOWN = 5

ctx = ui.page_context("narasi")
st.title(ctx.t("narr.title"))
ui.show_flashes()
st.caption(ctx.t("narr.intro"))
topics = ui.topic_labels(ctx)


@st.cache_resource(show_spinner=False, max_entries=4)
def _space(config_key: str) -> VectorSpace:
    """The grouping's vector space (fitting the TF-IDF one reads the reference texts): once per setting."""
    return VectorSpace.from_settings(ui.settings())


@st.cache_data(ttl=300, show_spinner=False, max_entries=64)
def _similar(
    url: str, narrative_id: int, changed_at: datetime | None, config_key: str
) -> list[SimilarNarrative]:
    """The similar narratives, kept until any narrative changes (0.2 s for 3,347 live narratives, idle)."""
    return similar_narratives(
        ui.database(), ui.settings(), narrative_id, limit=SIMILAR_SHOWN, space=_space(config_key)
    )


def _listed(order: str) -> list[Narrative]:
    with ctx.db.session() as session:
        if order == "rank":
            now = ranking_time(session)
            return [r.narrative for r in top_narratives(session, now=now, limit=LIST_LIMIT)]
        return store.list_narratives(session, limit=LIST_LIMIT, order=order)


def _when(moment: datetime | None) -> str:
    return format_time(moment, ctx.tz)


def _word(prefix: str, value: str | None) -> str:
    """A stored code in the officer's language ("duplicate" -> "salinan"), or the code if it has none."""
    if not value:
        return "-"
    return ctx.t(f"{prefix}.{value}") if f"{prefix}.{value}" in TEXT else value


def _short(text: str | None, width: int = 90) -> str:
    return shorten(text or "", width)


def _overview(rows: list[Narrative]) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "#": n.id,
                ctx.t("trends.narrative"): _short(n.label),
                ctx.t("trends.topic"): ui.topic_name(ctx, topics, n.topic),
                ctx.t("narr.col.pairs"): ", ".join(n.candidates or []) or "-",
                ctx.t("trends.posts"): ui.number(n.post_count),
                ctx.t("trends.reach"): ui.number(n.total_reach),
                ctx.t("narr.col.last_seen"): _when(n.last_seen),
            }
            for n in rows
        ]
    )


def _curated(current: ui.Context, change: Callable[[], CurationResult]) -> CurationResult | None:
    """Run a merge or split; a refusal or an impossible change is told to the analyst instead."""
    try:
        return change()
    except auth.PermissionDenied as exc:
        ui.flash("error", current.t("action.denied", detail=str(exc)))
    except CurationError as exc:
        ui.flash("error", current.t("action.invalid", detail=str(exc)))
    return None


def _merge(keep: int, key_choice: str, key_note: str) -> None:
    current = ui.current_context()
    absorb = st.session_state.get(key_choice)
    if current is None or absorb is None:
        return
    note = st.session_state.get(key_note) or None
    result = _curated(
        current,
        lambda: operations.merge_narratives(
            current.actor, current.db, current.settings, keep, int(absorb), note=note
        ),
    )
    if result is not None:
        st.session_state[key_note] = ""
        ui.flash("success", current.t("narr.merged", absorb=absorb, keep=keep, moved=result.moved))


def _split(narrative_id: int, key_posts: str, key_note: str) -> None:
    current = ui.current_context()
    post_ids = [int(p) for p in st.session_state.get(key_posts) or []]
    if current is None or not post_ids:
        return
    note = st.session_state.get(key_note) or None
    result = _curated(
        current,
        lambda: operations.split_narrative(
            current.actor, current.db, current.settings, narrative_id, post_ids, note=note
        ),
    )
    if result is not None:
        st.session_state[key_posts] = []
        st.session_state[key_note] = ""
        ui.flash("success", current.t("narr.split_done", moved=result.moved, id=result.narrative_id))


orders = ("rank", "last_seen", "posts")
order = st.radio(
    ctx.t("narr.order"),
    orders,
    format_func=lambda o: ctx.t(f"narr.order.{o}"),
    horizontal=True,
    key="nr_order",
)
rows = _listed(order)
if not rows:
    st.info(ctx.t("narr.none"))
    st.stop()
st.dataframe(_overview(rows), hide_index=True, width="stretch")

ids = [n.id for n in rows]
linked = st.query_params.get("narrative", "")
if linked.isdigit() and int(linked) not in ids:
    with ctx.db.session() as session:
        extra = store.get_narrative(session, int(linked))
    if extra is not None and (extra.post_count or 0) > 0:
        rows.insert(0, extra)
        ids.insert(0, extra.id)
labels = {n.id: _short(n.label, 80) for n in rows}
default = ids.index(int(linked)) if linked.isdigit() and int(linked) in ids else 0
chosen = st.selectbox(
    ctx.t("narr.choose"),
    ids,
    index=default,
    format_func=lambda i: f"#{i} · {labels.get(i, '')}",
    key="nr_choice",
)

with ctx.db.session() as session:
    narrative = store.get_narrative(session, chosen)
    claim = store.known_claim_text(session, narrative.known_claim_id) if narrative else None
    members = store.narrative_posts(session, chosen, limit=MEMBERS_SHOWN)
    responses = store.narrative_responses(session, chosen, limit=RESPONSES_SHOWN)
if narrative is None:  # merged away by another analyst since the list was read
    st.rerun()

st.subheader(ctx.t("narr.heading", id=narrative.id))
st.text(narrative.label or "")
st.caption(
    ctx.t(
        "narr.numbers",
        posts=ui.number(narrative.post_count),
        reach=ui.number(narrative.total_reach),
        topic=ui.topic_name(ctx, topics, narrative.topic),
        pairs=", ".join(narrative.candidates or []) or "-",
        first=_when(narrative.first_seen),
        last=_when(narrative.last_seen),
    )
)
if claim is not None:
    st.text(ctx.t("narr.debunk", claim=claim.claim))
    link = ui.safe_url(claim.source_url)
    if link:
        st.link_button(claim.source or ctx.t("item.link"), link)

st.markdown(f"**{ctx.t('narr.members')}**")
st.dataframe(
    pd.DataFrame(
        [
            {
                "#": post.id,
                ctx.t("narr.col.time"): _when(post.created_at),
                "Platform": post.platform,
                ctx.t("narr.col.score"): "-" if post.hoax_score is None else ui.number(post.hoax_score, 2),
                ctx.t("narr.col.joined"): _word("narr.joined", method),
                ctx.t("narr.col.text"): post.text,
            }
            for post, method in members
        ]
    ),
    hide_index=True,
    width="stretch",
)
st.markdown(f"**{ctx.t('narr.responses')}**")
if responses:
    st.dataframe(
        pd.DataFrame(
            [
                {
                    "#": post.id,
                    ctx.t("narr.col.kind"): _word("narr.kind", kind),
                    ctx.t("narr.col.text"): post.text,
                }
                for post, kind in responses
            ]
        ),
        hide_index=True,
        width="stretch",
    )
else:
    st.text(ctx.t("narr.responses_none"))

st.subheader(ctx.t("narr.similar"))
st.caption(ctx.t("narr.similar_help"))
with ctx.db.session() as session:
    changed_at = store.last_change(session)
similar = _similar(ctx.db.url, chosen, changed_at, repr(ctx.settings.narratives))
if similar:
    st.dataframe(
        pd.DataFrame(
            [
                {
                    "#": n.narrative_id,
                    ctx.t("narr.col.similarity"): f"{ui.number(100 * n.similarity)} %",
                    ctx.t("trends.posts"): ui.number(n.post_count),
                    ctx.t("trends.topic"): ui.topic_name(ctx, topics, n.topic),
                    ctx.t("trends.narrative"): _short(n.label),
                }
                for n in similar
            ]
        ),
        hide_index=True,
        width="stretch",
    )
else:
    st.text(ctx.t("narr.similar_none"))

st.subheader(ctx.t("narr.curate"))
if not ctx.actor.can(auth.NARRATIVES_CURATE):
    st.caption(ctx.t("narr.curate_hint"))
    st.stop()
# Merge: the similar ones first, then the rest of the list.
choices = [n.narrative_id for n in similar] + [i for i in ids if i != chosen]
choices = list(dict.fromkeys(choices))
every_label = {**labels, **{n.narrative_id: _short(n.label, 80) for n in similar}}
if choices:
    st.selectbox(
        ctx.t("narr.absorb"),
        choices,
        format_func=lambda i: f"#{i} · {every_label.get(i, '')}",
        key=f"nr_absorb_{chosen}",
    )
st.text_input(ctx.t("narr.note"), key=f"nr_note_{chosen}")
if choices:
    st.button(
        ctx.t("narr.merge"),
        key=f"nr_merge_{chosen}",
        on_click=_merge,
        args=(chosen, f"nr_absorb_{chosen}", f"nr_note_{chosen}"),
    )
if len(members) > 1:
    texts = {post.id: _short(post.text, 70) for post, _ in members}
    st.multiselect(
        ctx.t("narr.split_posts"),
        list(texts),
        format_func=lambda i: f"#{i} · {texts[i]}",
        placeholder=ctx.t("narr.choose_posts"),
        key=f"nr_split_posts_{chosen}",
    )
    st.button(
        ctx.t("narr.split"),
        key=f"nr_split_{chosen}",
        on_click=_split,
        args=(chosen, f"nr_split_posts_{chosen}", f"nr_note_{chosen}"),
    )

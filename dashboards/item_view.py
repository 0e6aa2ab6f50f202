"""One queue item in full, and the officer's actions on it.

Everything a post's author wrote (text, names, links, reasons quoting it) is shown with st.text or in a
dataframe, never as Markdown or HTML. Buttons carry the version of the item the officer is looking at;
the triage service refuses the action if the item changed meanwhile, and the officer is told.
"""

from __future__ import annotations

import json

import pandas as pd
import streamlit as st

from dashboards import evidence_panel, ui
from monitor import triage
from monitor.auth import PermissionDenied
from monitor.i18n import action_label, format_time, status_label

ACTION_ORDER = (
    "take",
    "hoax",
    "not_hoax",
    "needs_check",
    "escalate_bawaslu",
    "escalate_polri",
    "violation",
    "clarify",
    "follow_up",
    "close",
)


def note_key(post_id: int) -> str:
    return f"note_{post_id}"


def _act(post_id: int, action: str, version: int, narrative_id: int | None, versions: dict[int, int]) -> None:
    """Button callback: runs before the page re-renders, with the version the officer saw."""
    ctx = ui.current_context()
    if ctx is None:
        return
    note = st.session_state.get(note_key(post_id))
    whole_narrative = bool(narrative_id) and st.session_state.get(f"narr_{post_id}", False)
    try:
        with ctx.db.session() as session:
            if whole_narrative:
                result = triage.apply_to_narrative(
                    session, ctx.actor, narrative_id, action, note=note, expected_versions=versions
                )
                message = ctx.t(
                    "action.narrative_done", applied=len(result.applied), skipped=len(result.skipped)
                )
            else:
                triage.apply(session, ctx.actor, post_id, action, expected_version=version, note=note)
                message = ctx.t("action.done", action=action_label(action, ctx.lang), post=post_id)
    except triage.Conflict as exc:
        ui.flash(
            "warning",
            ctx.t(
                "action.conflict",
                post=exc.current.post_id,
                who=exc.changed_by or ctx.t("action.someone"),
                status=status_label(exc.current.status, ctx.lang),
            ),
        )
        return
    except PermissionDenied as exc:
        ui.flash("error", ctx.t("action.denied", detail=str(exc)))
        return
    except triage.TriageError as exc:
        ui.flash("error", ctx.t("action.invalid", detail=str(exc)))
        return
    st.session_state[note_key(post_id)] = ""
    ui.flash("success", message)


def _events_frame(ctx: ui.Context, events: list) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                ctx.t("audit.col.time"): format_time(e.created_at, ctx.tz),
                ctx.t("audit.col.actor"): e.actor,
                ctx.t("audit.col.action"): e.action,
                ctx.t("audit.col.note"): e.note or "",
                ctx.t("audit.col.before"): json.dumps(e.before, ensure_ascii=False) if e.before else "",
                ctx.t("audit.col.after"): json.dumps(e.after, ensure_ascii=False) if e.after else "",
            }
            for e in events
        ]
    )


def render(ctx: ui.Context, post_id: int) -> None:
    try:
        with ctx.db.session() as session:
            detail = triage.item_for(session, ctx.actor, post_id)
    except (triage.ItemNotFound, PermissionDenied):
        st.info(ctx.t("item.not_found"))
        return
    post = detail.post
    state = triage.ItemState(
        post.id, post.triage_status, post.assigned_to, post.escalated_to, post.triage_version or 0
    )
    st.subheader(ctx.t("item.title", post=post.id))
    st.text(
        ctx.t(
            "item.state",
            status=status_label(state.status, ctx.lang),
            assigned=state.assigned_to or "-",
            escalated=state.escalated_to or "-",
            version=state.version,
        )
    )
    with st.container(border=True):
        st.caption(ctx.t("item.text"))
        st.text(post.text)
    left, right = st.columns(2)
    with left:
        author = " ".join(
            part
            for part in (post.author_name or "", f"@{post.author_handle}" if post.author_handle else "")
            if part
        )
        followers = f"{ctx.t('item.followers')}: {post.author_followers or 0:,}"
        st.text(f"{ctx.t('item.author')}: {author or '-'} · {followers}")
        st.text(f"{post.platform} · {format_time(post.created_at, ctx.tz)} · {post.source_name or '-'}")
        link = ui.safe_url(post.url)
        if link:
            st.link_button(ctx.t("item.link"), link)
            st.text(link)
        elif post.url:
            st.text(f"{ctx.t('item.link_unsafe')}: {post.url}")
    with right:
        cols = st.columns(4)
        cols[0].metric(ctx.t("item.score"), f"{post.hoax_score:.2f}" if post.hoax_score is not None else "-")
        cols[1].metric(ctx.t("queue.col.reach"), f"{post.reach or 0:,}")
        cols[2].metric(ctx.t("item.likes"), f"{post.likes or 0:,}")
        cols[3].metric(ctx.t("item.shares"), f"{post.shares or 0:,}")
    st.markdown(f"**{ctx.t('item.reasons')}**")
    for reason in detail.reasons or ["-"]:
        st.text(f"• {reason}")
    st.markdown(f"**{ctx.t('item.claim')}**")
    if detail.claim is not None:
        similarity = f" ({detail.claim_similarity:.2f})" if detail.claim_similarity is not None else ""
        st.text(f"{detail.claim.claim}{similarity} · {detail.claim.verdict} · {detail.claim.source or '-'}")
        claim_link = ui.safe_url(detail.claim.source_url)
        if claim_link:
            st.text(claim_link)
    else:
        st.text(ctx.t("item.claim_none"))
    st.markdown(f"**{ctx.t('item.narrative')}**")
    if detail.narrative is None:
        st.text(ctx.t("item.narrative_none"))
    else:
        st.text(f"#{detail.narrative.id} · {detail.narrative.label}")
        if detail.narrative_posts:
            st.dataframe(
                pd.DataFrame(
                    [
                        {
                            ctx.t("queue.col.id"): p.id,
                            ctx.t("queue.col.platform"): p.platform,
                            ctx.t("queue.col.status"): status_label(p.status, ctx.lang),
                            ctx.t("queue.col.text"): p.snippet,
                        }
                        for p in detail.narrative_posts
                    ]
                ),
                hide_index=True,
                width="stretch",
            )
    evidence_panel.render(ctx, post.id)
    _actions(ctx, state, detail)
    with st.expander(ctx.t("item.history")):
        if detail.events:
            st.dataframe(_events_frame(ctx, detail.events), hide_index=True, width="stretch")
        else:
            st.text("-")


def _actions(ctx: ui.Context, state: triage.ItemState, detail: object) -> None:
    st.markdown(f"**{ctx.t('item.actions')}**")
    allowed = set(triage.allowed_actions(ctx.actor, state))
    permitted = set(triage.permitted_actions(ctx.actor))
    st.text_area(ctx.t("action.note"), key=note_key(state.post_id), max_chars=triage.MAX_NOTE)
    narrative = getattr(detail, "narrative", None)
    versions: dict[int, int] = {state.post_id: state.version}
    if narrative is not None:
        st.checkbox(ctx.t("action.narrative"), key=f"narr_{state.post_id}")
        versions.update({p.id: p.version for p in getattr(detail, "narrative_posts", [])})
    # Every action is shown; those the role or the item's state rule out are disabled (with the reason as
    # a tooltip). Disabling is a courtesy: the triage service checks the role and state again.
    columns = st.columns(5)
    for index, action in enumerate(ACTION_ORDER):
        columns[index % len(columns)].button(
            action_label(action, ctx.lang),
            key=f"act_{action}_{state.post_id}",
            disabled=action not in allowed,
            help=None if action in permitted else ctx.t("action.not_allowed_help"),
            on_click=_act,
            args=(state.post_id, action, state.version, narrative.id if narrative else None, versions),
            width="stretch",
        )

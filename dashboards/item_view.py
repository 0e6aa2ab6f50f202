"""One queue item in full, and the officer's actions on it.

An escalation freezes the item's evidence right after it is recorded, in the background
(`monitor.operations.act`); the evidence block says "pending" until the packet is there.

Everything a post's author wrote (text, names, links, reasons quoting it) is shown with st.text or in a
dataframe, never as Markdown or HTML. Buttons carry the version of the item the officer is looking at;
the triage service refuses the action if the item changed meanwhile, and the officer is told.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboards import evidence_panel, ui
from monitor import operations, triage
from monitor.auth import PermissionDenied
from monitor.i18n import action_label, format_time, holder_label, role_label, status_label, verdict_label

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
        # The service commits the action, then freezes an escalation's evidence in a background thread
        # (the ~6 s screenshot must not hold the officer's page).
        outcome = operations.act(
            ctx.db,
            ctx.settings,
            ctx.actor,
            post_id,
            action,
            expected_version=version,
            note=note,
            narrative_id=narrative_id if whole_narrative else None,
            expected_versions=versions if whole_narrative else None,
        )
        if whole_narrative:
            message = ctx.t(
                "action.narrative_done", applied=len(outcome.decisions), skipped=len(outcome.skipped)
            )
        else:
            message = ctx.t("action.done", action=action_label(action, ctx.lang), post=post_id)
    except triage.Conflict as exc:
        ui.flash(
            "warning",
            ctx.t(
                "action.conflict",
                post=exc.current.post_id,
                who=exc.changed_by or ctx.t("action.someone"),
                status=verdict_label(exc.current.verdict, ctx.lang)
                if exc.current.verdict
                else status_label(exc.current.status, ctx.lang),
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
                ctx.t("audit.col.actor"): f"{e.actor} ({role_label(e.role or '-', ctx.lang)})",
                ctx.t("audit.col.action"): ui.event_label(e.action, ctx.lang),
                ctx.t("audit.col.note"): e.note or "",
                ctx.t("audit.col.after"): ui.change_text(e.before, e.after, ctx.lang),
            }
            for e in events
        ]
    )


def _state_of(post: object) -> triage.ItemState:
    return triage.ItemState(
        post.id,
        post.triage_status,
        post.assigned_to,
        post.escalated_to,
        post.triage_version or 0,
        post.verdict,
        bool(post.violation),
        post.holder,
        tuple(post.escalation_chain or ()),
    )


def render(ctx: ui.Context, post_id: int) -> None:
    try:
        with ctx.db.session() as session:
            detail = triage.item_for(session, ctx.actor, post_id)
    except (triage.ItemNotFound, PermissionDenied):
        st.info(ctx.t("item.not_found"))
        return
    post = detail.post
    state = _state_of(post)
    st.subheader(ctx.t("item.title", post=post.id))
    st.text(
        ctx.t(
            "item.case",
            status=status_label(state.status, ctx.lang),
            verdict=verdict_label(state.verdict, ctx.lang),
            violation=ctx.t("common.yes" if state.violation else "common.no"),
            holder=holder_label(state.holder, ctx.lang),
            chain=" → ".join(["KPU", *(role_label(a, ctx.lang) for a in state.chain)]),
            assigned=state.assigned_to or "-",
            version=state.version,
        )
    )
    with st.container(border=True):
        st.caption(ctx.t("item.text"))
        st.text(post.text)
    left, right = st.columns([3, 2])
    with left:
        author = " ".join(
            part
            for part in (post.author_name or "", f"@{post.author_handle}" if post.author_handle else "")
            if part
        )
        followers = f"{ctx.t('item.followers')}: {ui.number(post.author_followers or 0)}"
        st.text(f"{ctx.t('item.author')}: {author or '-'} · {followers}")
        st.text(f"{post.platform} · {format_time(post.created_at, ctx.tz)} · {post.source_name or '-'}")
        link = ui.safe_url(post.url)
        if link:
            st.link_button(ctx.t("item.link"), link)
            st.text(link)
        elif post.url:
            st.text(f"{ctx.t('item.link_unsafe')}: {post.url}")
    with right:  # two by two: a reach of 1.477.833 needs the width
        top, bottom = st.columns(2), st.columns(2)
        top[0].metric(ctx.t("item.score"), ui.number(post.hoax_score, 2))
        top[1].metric(ctx.t("queue.col.reach"), ui.number(post.reach or 0))
        bottom[0].metric(ctx.t("item.likes"), ui.number(post.likes or 0))
        bottom[1].metric(ctx.t("item.shares"), ui.number(post.shares or 0))
    st.markdown(f"**{ctx.t('item.reasons')}**")
    for reason in detail.reasons or ["-"]:
        st.text(f"• {reason}")
    st.markdown(f"**{ctx.t('item.claim')}**")
    if detail.claim is not None:
        similarity = (
            f" ({ui.number(detail.claim_similarity, 2)})" if detail.claim_similarity is not None else ""
        )
        st.text(f"{detail.claim.claim}{similarity} · {detail.claim.verdict} · {detail.claim.source or '-'}")
        claim_link = ui.safe_url(detail.claim.source_url)
        if claim_link:
            st.text(claim_link)
    else:
        st.text(ctx.t("item.claim_none"))
    st.markdown(f"**{ctx.t('item.narrative')}**")
    if detail.narrative is None:
        st.text(ctx.t("item.narrative_none"))
    elif detail.narrative_label_hidden:
        st.text(ctx.t("item.narrative_hidden", id=detail.narrative.id))
    else:
        st.text(f"#{detail.narrative.id} · {detail.narrative.label}")
        if "narasi" in ui.allowed_pages(ctx.actor):
            st.page_link(
                str(ui.VIEWS / "narasi.py"),
                label=ctx.t("item.narrative_open"),
                query_params={"narrative": str(detail.narrative.id)},
                icon=":material/hub:",
            )
        if detail.narrative_posts:
            st.dataframe(
                pd.DataFrame(
                    [
                        {
                            ctx.t("queue.col.id"): p.id,
                            ctx.t("queue.col.platform"): p.platform,
                            ctx.t("queue.col.status"): status_label(p.status, ctx.lang),
                            ctx.t("queue.col.verdict"): verdict_label(p.verdict, ctx.lang),
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
    st.markdown(f"**{ctx.t('item.follow_ups')}**")
    follow_ups = [e for e in reversed(detail.events) if e.action in ("follow_up", "clarify")]
    for event in follow_ups:
        when = format_time(event.created_at, ctx.tz)
        st.text(f"{role_label(event.role or '-', ctx.lang)} · {event.actor} · {when}: {event.note or ''}")
    if not follow_ups:
        st.text(ctx.t("item.follow_ups_none"))
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

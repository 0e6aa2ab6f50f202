"""Evidence on the item view: the item's packets, "Bekukan bukti" and "Unduh berkas kasus".

Shown to the roles that may freeze evidence (KPU, Bawaslu, Polri for its items, admin); the evidence
service checks the role and the item's visibility again, and audits every freeze and export. An item
escalated without a packet since says so: the scheduler freezes it within minutes, or the officer does
it now with the button.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboards import ui
from monitor import auth, evidence
from monitor.i18n import TEXT, format_time


def _t(ctx: ui.Context, key: str, **values: object) -> str:
    return ctx.t(f"evidence.{key}", **values)


def _freeze(post_id: int) -> None:
    """Button callback: freeze now, as the logged-in officer."""
    ctx = ui.current_context()
    if ctx is None:
        return
    try:
        with st.spinner(_t(ctx, "freeze")):
            packet = evidence.freeze(ctx.db, ctx.settings, ctx.actor, post_id)
    except (evidence.EvidenceError, auth.PermissionDenied, OSError) as exc:
        ui.flash("error", _t(ctx, "failed", detail=str(exc)))
        return
    if packet.missing:
        missing = ", ".join(m["file"] for m in packet.missing)
        ui.flash("warning", _t(ctx, "frozen_missing", post=post_id, seq=packet.seq, missing=missing))
    else:
        ui.flash("success", _t(ctx, "frozen", post=post_id, seq=packet.seq))


def render(ctx: ui.Context, post_id: int) -> None:
    """The evidence block of one item (nothing for roles that may not freeze evidence)."""
    if not ctx.actor.can(auth.FREEZE_EVIDENCE):
        return
    try:
        packets = evidence.packets_for(ctx.db, ctx.actor, post_id)
        pending = evidence.is_pending(ctx.db, post_id)
    except evidence.EvidenceError:
        return
    st.markdown(f"**{_t(ctx, 'title')}**")
    if pending:
        st.warning(_t(ctx, "pending"))
    if packets:
        st.dataframe(
            pd.DataFrame(
                [
                    {
                        _t(ctx, "col.seq"): p.seq,
                        _t(ctx, "col.time"): format_time(p.frozen_at_utc, ctx.tz),
                        _t(ctx, "col.by"): f"{p.frozen_by} ({p.role or '-'})",
                        _t(ctx, "col.trigger"): _t(ctx, f"trigger.{p.trigger}")
                        if f"evidence.trigger.{p.trigger}" in TEXT
                        else p.trigger,
                        _t(ctx, "col.hash"): p.manifest_sha256,
                        _t(ctx, "col.missing"): ", ".join(m["file"] for m in p.missing) or "-",
                        _t(ctx, "col.released"): p.released_by or "-",
                    }
                    for p in packets
                ]
            ),
            hide_index=True,
            width="stretch",
        )
    else:
        st.text(_t(ctx, "none"))
    left, right = st.columns(2)
    left.button(
        _t(ctx, "freeze"),
        key=f"evidence_freeze_{post_id}",
        type="primary" if pending else "secondary",
        on_click=_freeze,
        args=(post_id,),
        width="stretch",
    )
    if any(p.released_by is None for p in packets):
        db, cfg, actor = ctx.db, ctx.settings, ctx.actor

        def case_file() -> bytes:
            # Built when clicked (on Streamlit's download thread): the export is audited as it happens.
            return evidence.export_bytes(db, cfg, actor, post_id)

        right.download_button(
            _t(ctx, "download"),
            data=case_file,
            file_name=f"berkas-kasus-item-{post_id}.zip",
            mime="application/zip",
            key=f"evidence_download_{post_id}",
            on_click="ignore",
            width="stretch",
        )

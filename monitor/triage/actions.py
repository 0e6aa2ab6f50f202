"""Applying triage actions and reading the queue as an officer may see it (the SQL is in monitor.store).

Every action:
- is checked against the role's permissions (monitor.auth) and, for Polri, against what Polri may see;
- is checked against the action table in `rules`;
- writes with optimistic concurrency (`store.cases.write_case` updates only the version the officer saw),
  so when two officers act on the same item the second is told it changed (Conflict) and decides again;
- appends one audit event (who, when, what, note, case before → after) in the same transaction.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from monitor import auth
from monitor.auth import Actor, PermissionDenied
from monitor.records import account_keys
from monitor.store import cases, queries, queue
from monitor.store.audit import add_audit_event
from monitor.store.schema import utcnow
from monitor.triage.rules import (
    ACTIONS,
    Conflict,
    ItemNotFound,
    ItemState,
    TriageError,
    allowed_actions,
    can_see,
    check_allowed,
    clean_note,
    inbox_filter,
    may,
    queue_placement,
)


@dataclass(frozen=True, slots=True)
class Decision:
    post_id: int
    action: str
    before: ItemState
    after: ItemState
    event_id: int


@dataclass(slots=True)
class NarrativeResult:
    narrative_id: int
    action: str
    applied: list[Decision]
    skipped: list[tuple[int, str]]  # (post id, why)


def _state(row: cases.CaseRow) -> ItemState:
    return ItemState(
        row.post_id,
        row.status,
        row.assigned_to,
        row.escalated_to,
        row.version,
        row.verdict,
        row.violation,
        row.holder,
        row.chain,
    )


def item_state(session: Session, post_id: int) -> ItemState:
    row = cases.read_case(session, post_id)
    if row is None:
        raise ItemNotFound(f"item {post_id} tidak ditemukan")
    return _state(row)


def apply(
    session: Session,
    actor: Actor,
    post_id: int,
    action: str,
    *,
    expected_version: int,
    note: str | None = None,
    narrative_id: int | None = None,
    now: datetime | None = None,
) -> Decision:
    """Apply one action to one post. Raises PermissionDenied, ItemNotFound, InvalidTransition,
    NoteRequired or Conflict; on any error nothing is written (the caller's transaction rolls back)."""
    spec = ACTIONS.get(action)
    if spec is None:
        raise TriageError(f"tindakan tidak dikenal {action!r}; pilihan: {', '.join(ACTIONS)}")
    if not may(actor, spec, None):
        raise PermissionDenied(actor, spec.permission, f"action {action}")
    state = item_state(session, post_id)
    if not can_see(actor, state):
        raise PermissionDenied(actor, auth.QUEUE_READ, f"item {post_id} is not escalated to Polri")
    if not may(actor, spec, state):
        raise PermissionDenied(actor, spec.permission, f"action {action} on item {post_id}")
    if state.version != expected_version:
        raise Conflict(state, cases.last_actor(session, post_id))
    note = clean_note(note, spec)
    check_allowed(spec, state)
    changes = spec.transition(state, actor)
    now = now or utcnow()
    after = replace(state, **changes, version=expected_version + 1)
    values: dict[str, Any] = {
        "triage_status": after.status,
        "assigned_to": after.assigned_to,
        "escalated_to": after.escalated_to,
        "verdict": after.verdict,
        "violation": after.violation,
        "holder": after.holder,
        "escalation_chain": list(after.chain) or None,
    }
    if not cases.write_case(session, post_id, expected_version, values, now if spec.decides else None):
        raise Conflict(item_state(session, post_id), cases.last_actor(session, post_id))
    event = add_audit_event(
        session,
        actor=actor.username,
        role=actor.role,
        action=action,
        post_id=post_id,
        narrative_id=narrative_id,
        note=note,
        before=state.as_audit(),
        after=after.as_audit(),
        at=now,
    )
    return Decision(post_id, action, state, after, event.id)


def apply_to_narrative(
    session: Session,
    actor: Actor,
    narrative_id: int,
    action: str,
    *,
    note: str | None = None,
    expected_versions: dict[int, int] | None = None,
) -> NarrativeResult:
    """Apply an action to every queued post of a narrative the actor may see and act on.

    `expected_versions` (post id → version the officer saw) turns on the lost-update guard for the whole
    narrative: if any of those posts changed, Conflict is raised and nothing is written. Posts for which
    the action is not valid in their present state are skipped and reported."""
    spec = ACTIONS.get(action)
    if spec is None:
        raise TriageError(f"tindakan tidak dikenal {action!r}")
    if not may(actor, spec, None):
        raise PermissionDenied(actor, spec.permission, f"action {action}")
    if not cases.narrative_exists(session, narrative_id):
        raise ItemNotFound(f"narasi {narrative_id} tidak ditemukan")
    states = [_state(row) for row in cases.narrative_cases(session, narrative_id)]
    visible = [s for s in states if can_see(actor, s)]
    if expected_versions:
        for state in visible:
            seen = expected_versions.get(state.post_id)
            if seen is not None and seen != state.version:
                raise Conflict(state, cases.last_actor(session, state.post_id))
    note = clean_note(note, spec)
    now = utcnow()
    applied: list[Decision] = []
    skipped: list[tuple[int, str]] = []
    for state in visible:
        if action not in allowed_actions(actor, state):
            skipped.append((state.post_id, f"status {state.status}"))
            continue
        applied.append(
            apply(
                session,
                actor,
                state.post_id,
                action,
                expected_version=state.version,
                note=note,
                narrative_id=narrative_id,
                now=now,
            )
        )
    if applied:
        cases.set_narrative_status(session, narrative_id, applied[-1].after.status)
    add_audit_event(
        session,
        actor=actor.username,
        role=actor.role,
        action=f"narrative.{action}",
        narrative_id=narrative_id,
        note=note,
        after={"applied": [d.post_id for d in applied], "skipped": [p for p, _ in skipped]},
        at=now,
    )
    return NarrativeResult(narrative_id, action, applied, skipped)


# -- what an officer may read ---------------------------------------------------------------------------
def scope(actor: Actor, f: queue.QueueFilter) -> queue.QueueFilter:
    """The filter narrowed to what the actor may read (Polri: only items escalated to Polri)."""
    if actor.can(auth.QUEUE_READ):
        return f
    if actor.can(auth.QUEUE_READ_POLRI):
        return replace(f, escalated_to="polri")
    raise PermissionDenied(actor, auth.QUEUE_READ)


def queue_for(
    session: Session, actor: Actor, f: queue.QueueFilter, page: int = 1, page_size: int = 25
) -> queue.QueuePage:
    """The queue as this officer may see it: Polri only ever gets items escalated to Polri."""
    return queue.queue_page(session, scope(actor, f), page, page_size)


def inbox_count(session: Session, actor: Actor) -> tuple[int, bool]:
    """How many items wait in the officer's "Untuk saya" inbox (capped; True when more)."""
    return queue.capped_count(session, scope(actor, inbox_filter(actor)))


def item_for(session: Session, actor: Actor, post_id: int) -> queue.ItemDetail:
    """One item in full, if this officer may see it (ItemNotFound otherwise, for Polri too).

    A reader limited to Polri's items also gets only the narrative context it may see: sibling posts
    escalated to Polri, and the narrative's label (a verbatim post text) only when that post is visible."""
    if not auth.can_read_queue(actor):
        raise PermissionDenied(actor, auth.QUEUE_READ)
    state = item_state(session, post_id)
    if not can_see(actor, state):
        raise ItemNotFound(f"item {post_id} tidak ditemukan")
    detail = queue.item_detail(session, post_id)
    if detail is None:
        raise ItemNotFound(f"item {post_id} tidak ditemukan")
    if not actor.can(auth.QUEUE_READ):
        detail.narrative_posts = [p for p in detail.narrative_posts if p.escalated_to == "polri"]
        if detail.narrative is not None:
            # The label is the normalised text of one member post; it is shown only when that is this post.
            own = " ".join(detail.post.text.split())[:1000]
            detail.narrative_label_hidden = detail.narrative.label != own
    return detail


def record_scores(
    session: Session,
    model_version: str,
    results: list[dict[str, Any]],
    official_accounts: Iterable[str] = (),
) -> int:
    """Write a model version's scores with each post's queue placement (the triage rules decide who
    enters the queue and in which order; the store only writes). Each result: post_id, score, flagged,
    reach, reasons, matched_claim_id, claim_similarity, claim_status. Posts of `official_accounts`
    (handles) never enter the queue."""
    official = account_keys(official_accounts)
    states = queries.queue_states(session, [r["post_id"] for r in results])
    now = utcnow()
    placed = []
    for r in results:
        state = states.get(r["post_id"])
        if state is None:
            continue
        place = queue_placement(
            state,
            flagged=bool(r["flagged"]),
            score=r["score"],
            reach=r.get("reach"),
            now=now,
            claim_status=r.get("claim_status"),
            official_handles=official,
        )
        placed.append({**r, **place})
    return queries.save_scores(session, model_version, placed)

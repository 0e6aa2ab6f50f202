"""The triage state machine: what an officer may do to a flagged post, and the audit trail of it.

Statuses (posts.triage_status): new → in_review → needs_check / hoax / not_hoax → escalated (to Bawaslu or
Polri) / violation → closed. Every action:
- is checked against the role's permissions (monitor.auth) and, for Polri, against what Polri may see;
- is checked against the transition table below;
- writes with optimistic concurrency: `UPDATE ... WHERE triage_version = <the version the officer saw>`,
  so when two officers act on the same item the second is told it changed (Conflict) and decides again;
- appends one audit event (who, when, what, note, state before → after) in the same transaction.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from monitor import auth
from monitor.auth import Actor, PermissionDenied
from monitor.store import queue
from monitor.store.queries import add_audit_event
from monitor.store.schema import Narrative, Post, TriageEvent, utcnow

STATUSES = ("new", "in_review", "needs_check", "hoax", "not_hoax", "escalated", "violation", "closed")
OPEN_STATUSES = ("new", "in_review", "needs_check")
ESCALATION_TARGETS = ("bawaslu", "polri")
MAX_NOTE = 2000


class TriageError(Exception):
    """An action could not be applied; the message is for the officer."""


class ItemNotFound(TriageError):
    pass


class InvalidTransition(TriageError):
    pass


class NoteRequired(TriageError):
    pass


class Conflict(TriageError):
    """Someone changed the item since the officer saw it; `current` is its state now."""

    def __init__(self, current: ItemState, changed_by: str | None) -> None:
        who = f" by {changed_by}" if changed_by else ""
        super().__init__(
            f"item {current.post_id} changed{who} (now {current.status}, version {current.version}); "
            "review it and decide again"
        )
        self.current = current
        self.changed_by = changed_by


@dataclass(frozen=True, slots=True)
class ItemState:
    """The triage part of a post, as an officer saw it."""

    post_id: int
    status: str | None
    assigned_to: str | None
    escalated_to: str | None
    version: int

    def as_audit(self) -> dict[str, Any]:
        data = asdict(self)
        data.pop("post_id")
        return data


@dataclass(frozen=True, slots=True)
class Decision:
    post_id: int
    action: str
    before: ItemState
    after: ItemState
    event_id: int


# -- the transition table -------------------------------------------------------------------------------
Transition = Callable[[ItemState, Actor], dict[str, Any]]


@dataclass(frozen=True, slots=True)
class ActionSpec:
    name: str
    permission: str
    allowed_from: tuple[str, ...]
    transition: Transition
    note_required: bool = False
    decides: bool = False  # sets decided_at the first time (for response times)


def _status(value: str) -> Transition:
    return lambda state, actor: {"status": value}


def _take(state: ItemState, actor: Actor) -> dict[str, Any]:
    if state.assigned_to == actor.username:
        raise InvalidTransition("item sudah ditangani oleh Anda")
    status = "in_review" if state.status in (None, "new") else state.status
    return {"status": status, "assigned_to": actor.username}


def _escalate(target: str) -> Transition:
    def transition(state: ItemState, actor: Actor) -> dict[str, Any]:
        if state.escalated_to == target and state.status == "escalated":
            raise InvalidTransition(f"item sudah dieskalasi ke {target}")
        return {"status": "escalated", "escalated_to": target}

    return transition


def _keep(state: ItemState, actor: Actor) -> dict[str, Any]:
    return {}


_NOT_CLOSED = tuple(s for s in STATUSES if s != "closed")
ACTIONS: dict[str, ActionSpec] = {
    spec.name: spec
    for spec in (
        ActionSpec("take", auth.TRIAGE, _NOT_CLOSED, _take),
        ActionSpec(
            "needs_check", auth.TRIAGE, ("new", "in_review", "hoax", "not_hoax"), _status("needs_check")
        ),
        ActionSpec(
            "hoax", auth.LABEL, ("new", "in_review", "needs_check", "not_hoax"), _status("hoax"), decides=True
        ),
        ActionSpec(
            "not_hoax",
            auth.LABEL,
            ("new", "in_review", "needs_check", "hoax"),
            _status("not_hoax"),
            decides=True,
        ),
        ActionSpec(
            "escalate_bawaslu", auth.ESCALATE_BAWASLU, _NOT_CLOSED, _escalate("bawaslu"), decides=True
        ),
        ActionSpec("escalate_polri", auth.ESCALATE_POLRI, _NOT_CLOSED, _escalate("polri"), decides=True),
        ActionSpec(
            "violation",
            auth.MARK_VIOLATION,
            tuple(s for s in _NOT_CLOSED if s != "violation"),
            _status("violation"),
            decides=True,
        ),
        ActionSpec("clarify", auth.CLARIFY, STATUSES, _keep, note_required=True),
        ActionSpec(
            "follow_up", auth.FOLLOW_UP, ("escalated", "violation", "closed"), _keep, note_required=True
        ),
        ActionSpec("close", auth.TRIAGE, _NOT_CLOSED, _status("closed"), decides=True),
    )
}


def _may(actor: Actor, spec: ActionSpec, state: ItemState | None) -> bool:
    if actor.can(spec.permission):
        return True
    # Polri closes what was escalated to it once the follow-up is done.
    return (
        spec.name == "close"
        and actor.can(auth.CLOSE_POLRI)
        and (state is None or state.escalated_to == "polri")
    )


def can_see(actor: Actor, state: ItemState) -> bool:
    """Polri sees only what was escalated to Polri; the other read roles see the whole queue."""
    if actor.can(auth.QUEUE_READ):
        return True
    return actor.can(auth.QUEUE_READ_POLRI) and state.escalated_to == "polri"


def permitted_actions(actor: Actor) -> list[str]:
    """Actions the role may ever take (whatever the item's state)."""
    return [name for name, spec in ACTIONS.items() if _may(actor, spec, None)]


def allowed_actions(actor: Actor, state: ItemState) -> list[str]:
    """Actions the actor may take on this item now (role, visibility and state all allow it)."""
    if not can_see(actor, state):
        return []
    allowed = []
    for name, spec in ACTIONS.items():
        if not _may(actor, spec, state) or (state.status or "new") not in spec.allowed_from:
            continue
        try:
            spec.transition(state, actor)
        except InvalidTransition:
            continue
        allowed.append(name)
    return allowed


# -- reading and applying -------------------------------------------------------------------------------
def item_state(session: Session, post_id: int) -> ItemState:
    row = session.execute(
        select(Post.id, Post.triage_status, Post.assigned_to, Post.escalated_to, Post.triage_version).where(
            Post.id == post_id
        )
    ).one_or_none()
    if row is None:
        raise ItemNotFound(f"item {post_id} tidak ditemukan")
    return ItemState(row[0], row[1], row[2], row[3], row[4] or 0)


def _last_actor(session: Session, post_id: int) -> str | None:
    return session.scalar(
        select(TriageEvent.actor)
        .where(TriageEvent.post_id == post_id)
        .order_by(TriageEvent.id.desc())
        .limit(1)
    )


def _clean_note(note: str | None, spec: ActionSpec) -> str | None:
    note = (note or "").strip() or None
    if spec.note_required and not note:
        raise NoteRequired(f"tindakan '{spec.name}' memerlukan catatan")
    if note and len(note) > MAX_NOTE:
        raise TriageError(f"catatan terlalu panjang ({len(note)} karakter, paling banyak {MAX_NOTE})")
    return note


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
        raise TriageError(f"unknown action {action!r}; expected one of {', '.join(ACTIONS)}")
    if not _may(actor, spec, None):
        raise PermissionDenied(actor, spec.permission, f"action {action}")
    state = item_state(session, post_id)
    if not can_see(actor, state):
        raise PermissionDenied(actor, auth.QUEUE_READ, f"item {post_id} is not escalated to Polri")
    if not _may(actor, spec, state):
        raise PermissionDenied(actor, spec.permission, f"action {action} on item {post_id}")
    if state.version != expected_version:
        raise Conflict(state, _last_actor(session, post_id))
    note = _clean_note(note, spec)
    if (state.status or "new") not in spec.allowed_from:
        raise InvalidTransition(f"tindakan '{action}' tidak berlaku untuk item berstatus '{state.status}'")
    changes = spec.transition(state, actor)
    now = now or utcnow()
    values: dict[str, Any] = {
        "triage_status": changes.get("status", state.status),
        "assigned_to": changes.get("assigned_to", state.assigned_to),
        "escalated_to": changes.get("escalated_to", state.escalated_to),
        "triage_version": expected_version + 1,
    }
    statement = update(Post).where(Post.id == post_id, Post.triage_version == expected_version)
    if spec.decides:
        # decided_at keeps the first decision (response time = first decision − flagged).
        session.execute(
            update(Post).where(Post.id == post_id, Post.decided_at.is_(None)).values(decided_at=now)
        )
    result = session.execute(statement.values(**values).execution_options(synchronize_session=False))
    if result.rowcount != 1:
        current = item_state(session, post_id)
        raise Conflict(current, _last_actor(session, post_id))
    after = ItemState(
        post_id,
        values["triage_status"],
        values["assigned_to"],
        values["escalated_to"],
        values["triage_version"],
    )
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


@dataclass(slots=True)
class NarrativeResult:
    narrative_id: int
    action: str
    applied: list[Decision]
    skipped: list[tuple[int, str]]  # (post id, why)


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
        raise TriageError(f"unknown action {action!r}")
    if not _may(actor, spec, None):
        raise PermissionDenied(actor, spec.permission, f"action {action}")
    narrative = session.get(Narrative, narrative_id)
    if narrative is None:
        raise ItemNotFound(f"narasi {narrative_id} tidak ditemukan")
    rows = session.execute(
        select(Post.id, Post.triage_status, Post.assigned_to, Post.escalated_to, Post.triage_version)
        .where(Post.narrative_id == narrative_id, Post.triage_status.is_not(None))
        .order_by(Post.id)
    ).all()
    states = [ItemState(r[0], r[1], r[2], r[3], r[4] or 0) for r in rows]
    visible = [s for s in states if can_see(actor, s)]
    if expected_versions:
        for state in visible:
            seen = expected_versions.get(state.post_id)
            if seen is not None and seen != state.version:
                raise Conflict(state, _last_actor(session, state.post_id))
    note = _clean_note(note, spec)
    now = utcnow()
    applied: list[Decision] = []
    skipped: list[tuple[int, str]] = []
    for state in visible:
        if not _may(actor, spec, state) or action not in allowed_actions(actor, state):
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
        narrative.status = applied[-1].after.status
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
def queue_for(
    session: Session, actor: Actor, f: queue.QueueFilter, page: int = 1, page_size: int = 25
) -> queue.QueuePage:
    """The queue as this officer may see it: Polri only ever gets items escalated to Polri."""
    if actor.can(auth.QUEUE_READ):
        return queue.queue_page(session, f, page, page_size)
    if actor.can(auth.QUEUE_READ_POLRI):
        return queue.queue_page(session, replace(f, escalated_to="polri"), page, page_size)
    raise PermissionDenied(actor, auth.QUEUE_READ)


def item_for(session: Session, actor: Actor, post_id: int) -> queue.ItemDetail:
    """One item in full, if this officer may see it (ItemNotFound otherwise, for Polri too)."""
    if not auth.can_read_queue(actor):
        raise PermissionDenied(actor, auth.QUEUE_READ)
    state = item_state(session, post_id)
    if not can_see(actor, state):
        raise ItemNotFound(f"item {post_id} tidak ditemukan")
    detail = queue.item_detail(session, post_id)
    if detail is None:
        raise ItemNotFound(f"item {post_id} tidak ditemukan")
    if not actor.can(auth.QUEUE_READ):
        # Other posts of the narrative are shown to Polri only when they too were escalated to Polri.
        detail.narrative_posts = [p for p in detail.narrative_posts if p.escalated_to == "polri"]
    return detail

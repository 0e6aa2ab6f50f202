"""The triage rules, pure: the case of a flagged post, the action table, who may see and do what, inboxes.

A case keeps four things apart (issue 14): the workflow stage (`status`: new → in_review → decided →
escalated → closed), the verdict (hoaks / bukan hoaks / perlu dicek), Bawaslu's election-violation
finding, and custody (`holder`: the agency holding the item now, plus every agency it was escalated to).
So escalating a hoax to Bawaslu and on to Polri never erases the hoax verdict, and each agency records its
own follow-up on the same item. Nothing here touches the database.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

from monitor import auth
from monitor.auth import Actor
from monitor.classify.base import CLAIM_CONFIRMED, CLAIM_SUGGESTED
from monitor.records import account_key
from monitor.store.queue import QueueFilter
from monitor.store.tips import TIPLINE_PLATFORM  # citizens' tips: queued because someone asked

STATUSES = ("new", "in_review", "decided", "escalated", "closed")
OPEN_STATUSES = ("new", "in_review")
VERDICTS = ("hoax", "not_hoax", "needs_check")
AGENCIES = ("kpu", "bawaslu", "polri")
ESCALATION_TARGETS = ("bawaslu", "polri")
MAX_NOTE = 2000
# Verdicts that become training labels (hoaks = 1, bukan hoaks = 0).
LABEL_OF_VERDICT = {"hoax": 1, "not_hoax": 0}


class TriageError(Exception):
    """An action could not be applied; the message is for the officer."""


class ItemNotFound(TriageError):
    pass


class InvalidTransition(TriageError):
    pass


class NoteRequired(TriageError):
    pass


@dataclass(frozen=True, slots=True)
class ItemState:
    """The case of a post, as an officer saw it."""

    post_id: int
    status: str | None
    assigned_to: str | None
    escalated_to: str | None
    version: int
    verdict: str | None = None
    violation: bool = False
    holder: str | None = None
    chain: tuple[str, ...] = field(default=())

    def as_audit(self) -> dict[str, Any]:
        data = asdict(self)
        data.pop("post_id")
        data["chain"] = list(self.chain)
        return data


class Conflict(TriageError):
    """Someone changed the item since the officer saw it; `current` is its state now."""

    def __init__(self, current: ItemState, changed_by: str | None) -> None:
        who = f" oleh {changed_by}" if changed_by else ""
        super().__init__(
            f"item {current.post_id} sudah diubah{who} (kini versi {current.version}); "
            "periksa lagi lalu putuskan"
        )
        self.current = current
        self.changed_by = changed_by


# -- the action table -----------------------------------------------------------------------------------
Transition = Callable[[ItemState, Actor], dict[str, Any]]


@dataclass(frozen=True, slots=True)
class ActionSpec:
    name: str
    permission: str
    transition: Transition
    note_required: bool = False
    decides: bool = False  # sets decided_at the first time (for response times)
    when_closed: bool = False  # also allowed on a closed item


def _progress(state: ItemState) -> str:
    """The stage after a verdict: decided, unless the item is already with another agency."""
    return state.status if state.status in ("escalated", "closed") else "decided"


def _take(state: ItemState, actor: Actor) -> dict[str, Any]:
    if state.assigned_to == actor.username:
        raise InvalidTransition("item sudah ditangani oleh Anda")
    status = "in_review" if state.status in (None, "new") else state.status
    return {"status": status, "assigned_to": actor.username}


def _verdict(value: str) -> Transition:
    def transition(state: ItemState, actor: Actor) -> dict[str, Any]:
        if state.verdict == value:
            raise InvalidTransition("putusan ini sudah tercatat")
        status = "in_review" if value == "needs_check" and state.status in (None, "new") else None
        return {"verdict": value, "status": status or _progress(state)}

    return transition


def _escalate(target: str) -> Transition:
    def transition(state: ItemState, actor: Actor) -> dict[str, Any]:
        if state.holder == target:
            raise InvalidTransition(f"item sudah dipegang {target}")
        chain = state.chain if target in state.chain else (*state.chain, target)
        return {"status": "escalated", "holder": target, "escalated_to": target, "chain": chain}

    return transition


def _violation(state: ItemState, actor: Actor) -> dict[str, Any]:
    if state.violation:
        raise InvalidTransition("pelanggaran sudah tercatat")
    return {"violation": True, "status": _progress(state)}


def _keep(state: ItemState, actor: Actor) -> dict[str, Any]:
    return {}


def _close(state: ItemState, actor: Actor) -> dict[str, Any]:
    return {"status": "closed"}


ACTIONS: dict[str, ActionSpec] = {
    spec.name: spec
    for spec in (
        ActionSpec("take", auth.TRIAGE, _take),
        ActionSpec("hoax", auth.LABEL, _verdict("hoax"), decides=True),
        ActionSpec("not_hoax", auth.LABEL, _verdict("not_hoax"), decides=True),
        ActionSpec("needs_check", auth.TRIAGE, _verdict("needs_check")),
        ActionSpec("escalate_bawaslu", auth.ESCALATE_BAWASLU, _escalate("bawaslu"), decides=True),
        ActionSpec("escalate_polri", auth.ESCALATE_POLRI, _escalate("polri"), decides=True),
        ActionSpec("violation", auth.MARK_VIOLATION, _violation, decides=True),
        ActionSpec("clarify", auth.CLARIFY, _keep, note_required=True, when_closed=True),
        ActionSpec("follow_up", auth.FOLLOW_UP, _keep, note_required=True, when_closed=True),
        ActionSpec("close", auth.TRIAGE, _close, decides=True),
    )
}


def may(actor: Actor, spec: ActionSpec, state: ItemState | None) -> bool:
    """The role allows the action (on this item, when given)."""
    if actor.can(spec.permission):
        return True
    # Polri closes what it holds once the follow-up is done.
    return spec.name == "close" and actor.can(auth.CLOSE_POLRI) and (state is None or state.holder == "polri")


def can_see(actor: Actor, state: ItemState) -> bool:
    """Polri sees only what was escalated to Polri; the other read roles see the whole queue."""
    if actor.can(auth.QUEUE_READ):
        return True
    return actor.can(auth.QUEUE_READ_POLRI) and ("polri" in state.chain or state.escalated_to == "polri")


def permitted_actions(actor: Actor) -> list[str]:
    """Actions the role may ever take (whatever the item's state)."""
    return [name for name, spec in ACTIONS.items() if may(actor, spec, None)]


def check_allowed(spec: ActionSpec, state: ItemState) -> None:
    """Raise InvalidTransition unless the action applies to the item's stage."""
    if state.status == "closed" and not spec.when_closed:
        raise InvalidTransition(f"tindakan '{spec.name}' tidak berlaku untuk item yang sudah ditutup")


def allowed_actions(actor: Actor, state: ItemState) -> list[str]:
    """Actions the actor may take on this item now (role, visibility and state all allow it)."""
    if not can_see(actor, state):
        return []
    allowed = []
    for name, spec in ACTIONS.items():
        if not may(actor, spec, state):
            continue
        try:
            check_allowed(spec, state)
            spec.transition(state, actor)
        except InvalidTransition:
            continue
        allowed.append(name)
    return allowed


def clean_note(note: str | None, spec: ActionSpec) -> str | None:
    note = (note or "").strip() or None
    if spec.note_required and not note:
        raise NoteRequired(f"tindakan '{spec.name}' memerlukan catatan")
    if note and len(note) > MAX_NOTE:
        raise TriageError(f"catatan terlalu panjang ({len(note)} karakter, paling banyak {MAX_NOTE})")
    return note


# -- inboxes ----------------------------------------------------------------------------------------------
def inbox_filter(actor: Actor) -> QueueFilter:
    """ "Untuk saya": what this officer should look at first.

    KPU (and admin): new flags it holds; Bawaslu and Polri: open items escalated to them; the analyst:
    items without a hoaks / bukan hoaks verdict (the label queue)."""
    if actor.role in ("bawaslu", "polri"):
        return QueueFilter(statuses=("escalated",), holder=actor.role)
    if actor.role == "analyst":
        return QueueFilter(unlabelled=True, include_closed=False)
    return QueueFilter(statuses=OPEN_STATUSES, holder="kpu")


# -- entering the queue ------------------------------------------------------------------------------------
# Fact-checkers' and official sources' own posts report hoaxes; they never enter the queue as one.
OWN_VOICE_KINDS = frozenset({"factcheck", "official"})
NEWS_PLATFORM = "news"  # items of the configured news outlets (monitor.collectors.feeds)
# Evidence first: a match to a known debunk adds this to the score the queue is ordered by, so a post that
# retells a debunked claim comes before one flagged on its wording alone (the score is a triage order and
# wording alone misleads far more often; models/default/README.md).
EVIDENCE_BONUS = {CLAIM_CONFIRMED: 1.0, CLAIM_SUGGESTED: 0.5}


def priority_of(score: float, reach: int | None, claim_status: str | None = None) -> float:
    """Queue order: the hoax score plus the evidence bonus of its debunk match, weighted by how many people
    the post may reach (log scale)."""
    evidence = EVIDENCE_BONUS.get(claim_status or "", 0.0)
    return (float(score) + evidence) * math.log10(10 + max(reach or 0, 0))


def reports_hoaxes(
    platform: str | None,
    raw: dict[str, Any] | None,
    author_handle: str | None = None,
    official_handles: frozenset[str] = frozenset(),
) -> bool:
    """Whether a post is a fact-check or an official source's own post (never queued as a hoax): a
    fact-check feed item, a post of a source marked `official: true` in config/sources.yml, or a post by one
    of the configured official accounts (`[narratives] official_accounts`, whatever the source)."""
    if platform == "factcheck" or (raw or {}).get("source_kind") in OWN_VOICE_KINDS:
        return True
    handle = account_key(author_handle)
    return bool(handle) and handle in official_handles


def queue_placement(
    state: Any,
    *,
    flagged: bool,
    score: float,
    reach: int | None,
    now: Any,
    claim_status: str | None = None,
    official_handles: frozenset[str] = frozenset(),
) -> dict[str, Any]:
    """Where a freshly scored post stands in the queue: its flag, priority, stage and flag time.

    A post newly flagged enters as "new"; one un-flagged before anyone touched it leaves; a decision an
    officer already took is never overwritten by a re-score; a citizen's tip stays queued at the tipline's
    priority; fact-checks and official posts never enter (one already waiting untouched leaves). An item of
    a configured news outlet (platform "news") is flagged only on evidence, a confirmed match to a known
    debunk (`claim_status`): the outlets are chosen by the officers, the score alone flags 6–9 % of real
    headlines (models/default/README.md), and a merely suggested match is too weak for text that is
    mostly true (a report of a real re-vote "matches" the hoax that the election will be re-run).
    `state` is the post's current row (triage_status, flagged_at, platform, raw, priority, author_handle)."""
    status, flagged_at = state.triage_status, state.flagged_at
    priority = priority_of(score, reach, claim_status)
    if state.platform == TIPLINE_PLATFORM:
        flagged, priority = True, state.priority
    if state.platform == NEWS_PLATFORM and claim_status != CLAIM_CONFIRMED:
        flagged = False
    own_voice = reports_hoaxes(state.platform, state.raw, state.author_handle, official_handles)
    if flagged and status is None and not own_voice:
        status, flagged_at = "new", now
    elif (not flagged or own_voice) and status == "new":
        status = None
    return {"post_flagged": flagged, "priority": priority, "triage_status": status, "flagged_at": flagged_at}

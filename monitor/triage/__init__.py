"""Triage: the case of each flagged post and what officers may do to it (services floor).

`rules` is the pure part (stages, verdicts, the action table, who may see and do what, inboxes);
`actions` applies actions and reads the queue through the store;
`export` turns a queue view or the decided hoaxes into files for the forum and fact-checkers. This face
keeps the import path `monitor.triage` that the dashboard, CLI, tests and benches use.
"""

from monitor.triage.actions import (
    Decision,
    NarrativeResult,
    apply,
    apply_to_narrative,
    inbox_count,
    item_for,
    item_state,
    queue_for,
    record_scores,
    scope,
)
from monitor.triage.rules import (
    ACTIONS,
    AGENCIES,
    ESCALATION_TARGETS,
    LABEL_OF_VERDICT,
    MAX_NOTE,
    OPEN_STATUSES,
    STATUSES,
    VERDICTS,
    ActionSpec,
    Conflict,
    InvalidTransition,
    ItemNotFound,
    ItemState,
    NoteRequired,
    TriageError,
    allowed_actions,
    can_see,
    inbox_filter,
    permitted_actions,
    priority_of,
    queue_placement,
    reports_hoaxes,
)

__all__ = [
    "priority_of",
    "queue_placement",
    "record_scores",
    "reports_hoaxes",
    "ACTIONS",
    "AGENCIES",
    "ESCALATION_TARGETS",
    "LABEL_OF_VERDICT",
    "MAX_NOTE",
    "OPEN_STATUSES",
    "STATUSES",
    "VERDICTS",
    "ActionSpec",
    "Conflict",
    "Decision",
    "InvalidTransition",
    "ItemNotFound",
    "ItemState",
    "NarrativeResult",
    "NoteRequired",
    "TriageError",
    "allowed_actions",
    "apply",
    "apply_to_narrative",
    "can_see",
    "inbox_count",
    "inbox_filter",
    "item_for",
    "item_state",
    "permitted_actions",
    "queue_for",
    "scope",
]

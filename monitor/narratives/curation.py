"""An analyst's corrections: merge two narratives that tell one claim, split posts off into a new narrative.

Both are audited (who, when, what moved) in the append-only audit log, and both drop the centroids they
change: the next load recomputes them from the members, and a grouper in another process (the scheduler)
sees the audit event and rebuilds its index instead of assigning to a narrative that no longer exists.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from monitor.narratives.grouping import forget_indexes
from monitor.store import Database
from monitor.store import narrative_curation as curation_store
from monitor.store import narratives as store
from monitor.store.queries import add_audit_event


class CurationError(ValueError):
    """A merge or split that cannot be done (unknown narrative, posts that are not members, ...)."""


@dataclass(slots=True)
class CurationResult:
    narrative_id: int  # the narrative that holds the moved posts
    moved: int


def merge_narratives(
    db: Database,
    keep: int,
    absorb: int,
    *,
    actor: str,
    note: str | None = None,
    neutral: Callable[[str], str] | None = None,
    role: str | None = None,
) -> CurationResult:
    """Move every member and response of `absorb` into `keep`; `absorb` stays as an empty, merged row.
    `neutral`: see `store.refresh_stats` (the title of a narrative naming several pairs names none);
    `role`: the actor's role, for the audit log (the dashboard knows it, the command line does not)."""
    if keep == absorb:
        raise CurationError(f"cannot merge narrative {keep} into itself")
    with db.session() as session:
        for narrative_id in (keep, absorb):
            if store.get_narrative(session, narrative_id) is None:
                raise CurationError(f"no narrative with id {narrative_id}")
        moved = curation_store.move_members(session, None, absorb, keep)
        curation_store.mark_curated(session, keep)
        curation_store.mark_curated(session, absorb, status=f"merged:{keep}", emptied=True)
        store.refresh_stats(session, [keep], neutral=neutral)
        add_audit_event(
            session,
            actor=actor,
            role=role,
            action="narrative_merge",
            narrative_id=keep,
            note=note,
            before={"narratives": [keep, absorb]},
            after={"narrative": keep, "merged": absorb, "moved_posts": moved},
        )
    forget_indexes()
    return CurationResult(keep, moved)


def split_narrative(
    db: Database,
    narrative_id: int,
    post_ids: Sequence[int],
    *,
    actor: str,
    note: str | None = None,
    neutral: Callable[[str], str] | None = None,
    role: str | None = None,
) -> CurationResult:
    """Move the given member posts of a narrative into a new narrative titled by the earliest of them
    (`neutral` and `role` as for `merge_narratives`)."""
    wanted = sorted(set(post_ids))
    if not wanted:
        raise CurationError("name at least one post to split off")
    with db.session() as session:
        source = store.get_narrative(session, narrative_id)
        if source is None:
            raise CurationError(f"no narrative with id {narrative_id}")
        members = curation_store.member_ids(session, narrative_id)
        strangers = [p for p in wanted if p not in members]
        if strangers:
            raise CurationError(
                f"post(s) {', '.join(map(str, strangers))} are not members of narrative {narrative_id}"
            )
        if len(wanted) == len(members):
            raise CurationError(f"splitting off every post of narrative {narrative_id} leaves it empty")
        first = curation_store.earliest_post(session, wanted)
        new_id = store.insert_narrative(
            session,
            label=" ".join(first.text.split()),
            first_seen=first.created_at,
            topic=source.topic,
            candidates=list(source.candidates or []),
        )
        moved = curation_store.move_members(session, wanted, narrative_id, new_id)
        curation_store.mark_curated(session, narrative_id)
        curation_store.mark_curated(session, new_id)
        store.refresh_stats(session, [narrative_id, new_id], neutral=neutral)
        add_audit_event(
            session,
            actor=actor,
            role=role,
            action="narrative_split",
            narrative_id=narrative_id,
            note=note,
            before={"narrative": narrative_id},
            after={"narrative": narrative_id, "new_narrative": new_id, "posts": wanted},
        )
    forget_indexes()
    return CurationResult(new_id, moved)

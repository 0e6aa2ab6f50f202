"""Narratives that may tell the same claim as a given one: what an analyst checks before merging.

Grouping keeps apart retellings of one claim that share few words ("tinta pemilu mengandung babi" and "tinta
belum halal, jangan celup jari"): on the demo stream no vector space we ship separates such pairs from pairs
of different claims by a threshold (README, "Narratives"), so joining them automatically would mix claims.
Ranked by similarity, though, the right one is often near the top: on the demo stream, of the 20
narratives that have a sibling of the same claim, 11 find one as their most similar narrative and 16 among
their 5 most similar.
So the dashboard and `monitor narratives similar` list the nearest live narratives and leave the merge to
the analyst (audited, see curation.py).

Similarity is the mean cosine between the members of the two narratives in the grouping's vector space:
the dot product of their centroids, which are means of unit vectors (the stored centroids; a narrative
whose centroid is missing or from another space is re-encoded from its latest members). On the demo stream
it ranks a sibling first more often than the cosine between the centroids' directions (11 against 9 of 20;
among 3: 13 against 14; among 5: 16 both). Candidates are the narratives grouping still matches against:
active in the last `[narratives] active_days` before the newest one, with members (a merged narrative has
none).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np

from monitor.config import Settings
from monitor.narratives.grouping import active_masker, narrative_centroid
from monitor.narratives.space import VectorSpace
from monitor.store import Database
from monitor.store import narratives as store


@dataclass(frozen=True, slots=True)
class SimilarNarrative:
    narrative_id: int
    label: str
    similarity: float  # mean cosine between the two narratives' members
    post_count: int
    topic: str | None
    candidates: list[str]
    last_seen: datetime


def similar_narratives(
    db: Database,
    settings: Settings,
    narrative_id: int,
    *,
    limit: int = 5,
    space: VectorSpace | None = None,
) -> list[SimilarNarrative]:
    """The `limit` live narratives nearest to `narrative_id`, nearest first (empty when it has no members).

    Raises LookupError for an unknown id. Pass `space` to reuse one (building the TF-IDF space fits it on
    the reference texts, about a second)."""
    space = space or VectorSpace.from_settings(settings)
    comparable = active_masker(settings).mask_unnamed
    with db.session() as session:
        target = store.get_narrative(session, narrative_id)
        if target is None:
            raise LookupError(f"no narrative with id {narrative_id}")
        anchor = narrative_centroid(session, target, space, comparable)
        if anchor is None:
            return []
        newest = store.newest_activity(session) or target.last_seen
        since = newest - timedelta(days=settings.narratives.active_days)
        others = [
            row
            for row in store.active_narratives(session, since)
            if row.id != narrative_id and (row.post_count or 0) > 0
        ]
        vectors, kept = [], []
        for row in others:
            centroid = narrative_centroid(session, row, space, comparable)
            if centroid is not None:
                vectors.append(centroid)
                kept.append(row)
        if not kept:
            return []
        # Centroids are means of unit vectors, so their dot product is the mean cosine between the two
        # narratives' members.
        sims = np.vstack(vectors).astype(np.float32) @ np.asarray(anchor, dtype=np.float32)
        order = np.argsort(-sims, kind="stable")[:limit]
        return [
            SimilarNarrative(
                narrative_id=kept[i].id,
                label=kept[i].label,
                similarity=float(sims[i]),
                post_count=kept[i].post_count or 0,
                topic=kept[i].topic,
                candidates=list(kept[i].candidates or []),
                last_seen=kept[i].last_seen,
            )
            for i in order
        ]

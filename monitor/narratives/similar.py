"""Narratives that may tell the same claim as a given one: what an analyst checks before merging.

Grouping keeps apart retellings of one claim that share few words ("tinta pemilu mengandung babi" and "tinta
belum halal, jangan celup jari"): on the demo stream no vector space we ship separates such pairs from pairs
of different claims by a threshold (README, "Narratives"), so joining them automatically would mix claims.
Ranked by similarity, though, the right one is often near the top: on the demo stream, of the 20
narratives that have a sibling of the same claim, 9 find one as their most similar narrative and 16 among
their 5 most similar (real pairs are harder, see below).
So the dashboard and `monitor narratives similar` list the nearest live narratives and leave the merge to
the analyst (audited, see curation.py).

Similarity is the cosine between the directions of the two narratives' centroids in the grouping's vector
space (the stored centroids; a narrative whose centroid is missing or from another space is re-encoded from
its latest members). Measured on the real paraphrase pairs of bench/narratives_quality.py that grouping
split in two, the other half's narrative is the nearest for 34 of 262 halves and among the 5 nearest for 77
(the mean cosine between members, the dot product of the centroids: 28 and 65); on the demo stream 9 and 16
of 20 (mean cosine: 11 and 16). Candidates are the narratives grouping still matches against:
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
    similarity: float  # cosine of the centroids' directions, -1..1
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
        matrix = np.vstack(vectors).astype(np.float32)
        lengths = np.linalg.norm(matrix, axis=1)
        lengths[lengths == 0] = 1.0
        sims = (matrix @ anchor) / (lengths * (float(np.linalg.norm(anchor)) or 1.0))
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

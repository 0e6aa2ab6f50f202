"""Which narratives matter most: flagged retellings × reach × growth, not size.

A narrative of forty harmless posts (or of clarifications) must not outrank a hoax that a few hundred thousand
people saw this week and that doubled since last week. The score multiplies three factors, each bounded so no
single one decides alone:

- flagged: member posts the classifier flagged (a narrative with none scores 0 — it is not a hoax narrative);
- reach: log10(10 + total reach), so ten times the audience adds one step, not ten times the rank;
- growth: (posts this window + 1) / (posts the window before + 1), clipped to [0.5, 10].
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from monitor.store import narratives as store
from monitor.store.schema import Narrative, utcnow

GROWTH_CLIP = (0.5, 10.0)


def rank_score(flagged: int, reach: int, recent: int, previous: int) -> float:
    """The ranking rule (see the module docstring)."""
    growth = min(max((recent + 1) / (previous + 1), GROWTH_CLIP[0]), GROWTH_CLIP[1])
    return flagged * math.log10(10 + max(reach, 0)) * growth


@dataclass(slots=True)
class RankedNarrative:
    narrative: Narrative
    score: float
    flagged: int
    reach: int
    recent: int
    previous: int

    @property
    def growth(self) -> float:
        return (self.recent + 1) / (self.previous + 1)


def ranking_time(session: Session) -> datetime:
    """The moment to rank at when none is given: just after the newest narrative activity, so an archive
    imported later ranks as of its own weeks (the clock when there is no narrative yet)."""
    newest = store.newest_activity(session)
    return newest + timedelta(seconds=1) if newest else utcnow()


def top_narratives(
    session: Session,
    *,
    now: datetime,
    window: timedelta = timedelta(days=7),
    limit: int = 20,
    topic: str | None = None,
) -> list[RankedNarrative]:
    """The narratives active in the last two windows, best first; only those with flagged members."""
    rows = store.rank_inputs(session, now=now, window=window, topic=topic)
    ranked = [
        RankedNarrative(
            r.narrative,
            rank_score(r.flagged, r.reach, r.recent, r.previous),
            r.flagged,
            r.reach,
            r.recent,
            r.previous,
        )
        for r in rows
        if r.flagged > 0
    ]
    ranked.sort(key=lambda r: (-r.score, r.narrative.id))
    return ranked[:limit]

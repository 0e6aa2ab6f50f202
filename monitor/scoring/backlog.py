"""Scoring the backlog: every stored post the active model has not scored yet, page by page.

Scores are written with the store's rules for the queue (flagged posts enter it as "new"); afterwards the
newly flagged posts are grouped into narratives, so one scoring job leaves the queue and the narratives in
step. The classifier itself knows nothing of the database: this module hands it texts and known claims.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from monitor import narratives, triage
from monitor.claims import claims_for_model, load_claim_base
from monitor.classify import Classifier
from monitor.config import Settings
from monitor.scoring.registry import load_active_classifier
from monitor.store import Database, claiming, queries

log = logging.getLogger(__name__)


def score_pending(
    db: Database,
    settings: Settings,
    model: Classifier,
    *,
    limit: int | None = None,
    on_batch: Callable[[int], None] | None = None,
) -> int:
    """Score every stored post `model`'s version has not scored yet (at most `limit`); returns how many."""
    with db.session() as session:
        claim_ids = queries.claim_ids_by_key(session)
    model.add_claims(claims_for_model(model, load_claim_base(settings, db)))
    size = settings.pipeline.score_batch_size
    done = last_id = 0
    while limit is None or done < limit:
        take = size if limit is None else min(size, limit - done)
        # Claimed, not just read: concurrent scorers (processes, workers) take disjoint pages.
        with claiming.claimed_posts(db, model.version, take, after_id=last_id) as (session, todo):
            if not todo:
                break
            last_id = todo[-1][0]
            scores = model.predict([text for _, text, _ in todo])
            results = [
                {
                    "post_id": post_id,
                    "reach": reach,
                    "score": float(score.hoax_score),
                    "flagged": bool(score.flagged),
                    "reasons": list(score.reasons),
                    "matched_claim_id": claim_ids.get(score.matched_claim_id or ""),
                    "claim_similarity": score.claim_similarity,
                    "claim_status": score.claim_status,
                }
                for (post_id, _, reach), score in zip(todo, scores, strict=True)
            ]
            triage.record_scores(
                session, model.version, results, official_accounts=settings.narratives.official_accounts
            )
        done += len(todo)
        if on_batch is not None:
            on_batch(len(todo))
    return done


def score_backlog(
    db: Database,
    settings: Settings,
    *,
    limit: int | None = None,
    on_batch: Callable[[int], None] | None = None,
    group: bool = True,
    model: Classifier | None = None,
) -> int:
    """Score what the active model has not scored yet, then group the newly flagged posts into narratives.

    `model` is the active classifier when the caller already holds it (a worker keeps it between tasks)."""
    model = model or load_active_classifier(settings, db)
    scored = score_pending(db, settings, model, limit=limit, on_batch=on_batch)
    if group:  # also when nothing was scored: a run killed after scoring left posts waiting for a narrative
        # One grouper at a time across processes: two would both assign the same waiting post.
        with claiming.hold_lock(db, claiming.NARRATIVES_LOCK, wait=True):
            grouped = narratives.assign_new_posts(db, settings)
        log.info("scored %d post(s); %d grouped into narratives", scored, grouped)
    return scored

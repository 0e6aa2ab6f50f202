"""The decision: which posts are flagged, and each post's `Score` with the reasons an officer reads.

The flag rule lives here, apart from the model that computes the probabilities: a post is flagged by its
own calibrated score, or by a confirmed match to a debunked claim, with the exceptions below (each one a
false flag seen on real chatter). Nothing here fits or reads files.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import sparse
from sklearn.linear_model import LogisticRegression

from monitor.classify.base import CLAIM_CONFIRMED, CLAIM_SUGGESTED, KnownClaim, Score
from monitor.classify.claims import ClaimIndex, ClaimMatches
from monitor.classify.features import PreparedBatch
from monitor.classify.reasons import build_reasons, top_terms


def decision_values(lr: LogisticRegression, blocks: list[Any]) -> np.ndarray:
    """`lr.decision_function` on the feature blocks side by side, without stacking them (same arithmetic,
    block by block; stacking a batch's sparse blocks costs more than scoring it)."""
    coef = lr.coef_[0]
    out = np.full(blocks[0].shape[0], float(lr.intercept_[0]), dtype=np.float64)
    start = 0
    for block in blocks:
        width = block.shape[1]
        out += np.asarray(block @ coef[start : start + width], dtype=np.float64).ravel()
        start += width
    return out


def is_flagged(
    *,
    score: float,
    threshold: float,
    feature_set: int,
    claim_status: str | None,
    debunk_term: str | None,
    asking: bool,
    invites: bool,
    fact: KnownClaim | None,
) -> bool:
    """The flag rule for one post.

    By score: at or above the threshold, unless it is an invitation to vote with no debunk match, or
    (feature set 3) it reads as a debunk by its content ("tidak benar", "[HOAKS]", "dibantah"; surface
    markers like "Faktanya" no longer count). By claim: a confirmed match to a debunk, unless the post
    itself reads as a debunk quoting the claim, plainly asks whether it is true, or is nearer to a known
    true fact."""
    by_score = (
        score >= threshold
        and not (invites and claim_status is None)
        and not (feature_set >= 3 and debunk_term is not None)
    )
    by_claim = claim_status == CLAIM_CONFIRMED and debunk_term is None and not asking and fact is None
    return bool(by_score or by_claim)


def shown_terms(
    word: sparse.csr_matrix,
    probs: np.ndarray,
    threshold: float,
    coef: np.ndarray,
    vocabulary: np.ndarray,
    hidden: frozenset[str] = frozenset(),
) -> list[list[str]]:
    """Top terms per post (never only `hidden` words); only posts at or above the threshold show them, so
    only those are computed."""
    above = np.flatnonzero(probs >= threshold)
    terms: list[list[str]] = [[] for _ in range(len(probs))]
    if above.size:
        for row, found in zip(above, top_terms(word[above], coef, vocabulary, hidden=hidden), strict=True):
            terms[row] = found
    return terms


@dataclass(slots=True)
class DisplayMatches:
    """Claim matches found again for some rows (`rows`, positions in the batch) in another index: they
    replace the claim shown and its reasons for those rows; the flag decision keeps the batch's matches."""

    rows: np.ndarray
    matches: ClaimMatches
    index: ClaimIndex

    def lookup(self) -> dict[int, int]:
        return {int(row): k for k, row in enumerate(self.rows)}


def assemble_scores(
    batch: PreparedBatch,
    probs: np.ndarray,
    *,
    threshold: float,
    feature_set: int,
    matches: ClaimMatches,
    index: ClaimIndex,
    terms: list[list[str]],
    shown: DisplayMatches | None = None,
) -> list[Score]:
    """One `Score` per post of `batch`: the flag rule applied, the claim to show and the reasons.

    `shown` (optional) re-ranked matches for some rows: what those rows show (claim, similarity, status,
    reasons); the decision is taken on `matches` either way."""
    redone = shown.lookup() if shown is not None else {}
    # Feature set 2: a post that plainly asks whether a claim is true ("... itu benar gak sih?") is not
    # flagged by a claim match alone, like a debunk quoting it (its own score still decides).
    asking = batch.genre_features()[:, 2] >= 1.0 if feature_set >= 2 else np.zeros(len(probs), dtype=bool)
    # Feature set 3: an invitation to vote with no debunk match is not flagged on its score alone.
    invites = (
        batch.call_to_vote
        if feature_set >= 3 and batch.call_to_vote is not None
        else np.zeros(len(probs), dtype=bool)
    )
    scores: list[Score] = []
    for i, relevance in enumerate(batch.relevance):
        status = matches.status[i]
        debunk_term = batch.debunk_terms[i]
        if debunk_term is None and batch.fact_checked is not None:
            debunk_term = batch.fact_checked[i]
        prob = float(probs[i])
        fact = None
        if matches.fact_index is not None and matches.fact_index[i] >= 0:
            assert matches.fact_similarity is not None  # set together with fact_index
            if float(matches.fact_similarity[i]) >= float(matches.similarity[i]):
                fact = index.claims[int(matches.fact_index[i])]
        flagged = is_flagged(
            score=prob,
            threshold=threshold,
            feature_set=feature_set,
            claim_status=status,
            debunk_term=debunk_term,
            asking=bool(asking[i]),
            invites=bool(invites[i]),
            fact=fact,
        )
        # What is shown: the batch's match, or the re-ranked one for the rows that have it.
        show, show_index, row = matches, index, i
        if i in redone:
            assert shown is not None
            show, show_index, row = shown.matches, shown.index, redone[i]
            status = show.status[row]
        claim = None
        if status is not None:
            claim = show_index.claims[show.prefer_candidates(row, relevance.candidates, show_index)]
        similarity = float(show.similarity[row])
        scores.append(
            Score(
                hoax_score=prob,
                flagged=flagged,
                topics=list(relevance.topics) or ["other"],
                candidates=list(relevance.candidates),
                matched_claim=claim.claim if claim is not None else None,
                matched_claim_id=claim.id if claim is not None else None,
                claim_similarity=similarity if claim is not None else None,
                claim_status=status,
                reasons=build_reasons(
                    score=prob,
                    threshold=threshold,
                    flagged=flagged,
                    terms=terms[i],
                    claim_text=claim.claim if claim is not None else None,
                    claim_status=status,
                    claim_similarity=similarity,
                    debunk_term=debunk_term,
                    off_topic=bool(getattr(relevance, "off_topic", False)),
                    claim=claim,
                    fact=fact,
                ),
                **_fact_fields(fact, matches, index, i),
            )
        )
    return scores


def _fact_fields(fact: KnownClaim | None, matches: ClaimMatches, index: ClaimIndex, i: int) -> dict[str, Any]:
    """The true fact a post matches (id, similarity, suggested/confirmed), or nothing."""
    if fact is None or matches.fact_similarity is None:
        return {}
    similarity = float(matches.fact_similarity[i])
    status = CLAIM_CONFIRMED if similarity >= index.confirm_threshold else CLAIM_SUGGESTED
    return {"matched_fact_id": fact.id, "fact_similarity": similarity, "fact_status": status}

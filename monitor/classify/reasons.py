"""Reasons shown to officers (Bahasa Indonesia): top terms, matched claim, debunk markers."""

from __future__ import annotations

from urllib.parse import urlparse

import numpy as np
from scipy import sparse

from monitor.classify.base import KnownClaim
from monitor.classify.features import readable_term
from monitor.classify.stopwords import is_content_term
from monitor.text.display import shorten as shorten_line

MAX_CLAIM_CHARS = 160
MIN_CONTRIBUTION = 0.02


def format_score(value: float) -> str:
    return f"{value:.2f}".replace(".", ",")


def shorten(text: str, limit: int = MAX_CLAIM_CHARS) -> str:
    """A claim cut for a reason line (see monitor.text.shorten)."""
    return shorten_line(text, limit)


def top_terms(
    word_matrix: sparse.csr_matrix,
    coef: np.ndarray,
    vocabulary: np.ndarray,
    k: int = 3,
    hidden: frozenset[str] = frozenset(),
) -> list[list[str]]:
    """The k word n-grams that push each row most towards "hoaks" (largest positive tf-idf × weight); an
    n-gram made only of function words or `hidden` words (the election's topic words) is never cited."""
    contrib = sparse.csr_matrix(word_matrix.multiply(coef.reshape(1, -1)))
    data, indices, indptr = contrib.data, contrib.indices, contrib.indptr
    out: list[list[str]] = []
    for row in range(contrib.shape[0]):
        start, end = indptr[row], indptr[row + 1]
        if start == end:
            out.append([])
            continue
        values = data[start:end]
        order = np.argsort(values)[::-1][: k * 2]
        terms: list[str] = []
        for j in order:
            if values[j] < MIN_CONTRIBUTION or len(terms) >= k:
                break
            term = readable_term(str(vocabulary[indices[start + j]]))
            if not is_content_term(term, hidden):
                continue
            # Skip a unigram already inside a chosen bigram (and vice versa) to keep reasons short.
            if any(term in chosen or chosen in term for chosen in terms):
                continue
            terms.append(term)
        out.append(terms)
    return out


def provenance(claim: KnownClaim | None) -> str:
    """ "(turnbackhoax.id, 2024-02-15, https://...)": who debunked it, when, and where to read it."""
    if claim is None:
        return ""
    parts = []
    if claim.source_url:
        host = urlparse(claim.source_url).netloc.removeprefix("www.")
        parts += [host, claim.date or "", claim.source_url]
    elif claim.date:
        parts.append(claim.date)
    parts = [p for p in parts if p]
    return f" ({', '.join(parts)})" if parts else ""


def build_reasons(
    *,
    score: float,
    threshold: float,
    flagged: bool,
    terms: list[str],
    claim_text: str | None,
    claim_status: str | None,
    claim_similarity: float | None,
    debunk_term: str | None,
    off_topic: bool,
    claim: KnownClaim | None = None,
    fact: KnownClaim | None = None,
) -> list[str]:
    """Evidence first: the matched debunk (publisher, date, link), then the score and the content words that
    pushed it, then markers and context. A match to a known TRUE fact is shown as "sesuai fakta"."""
    reasons: list[str] = []
    where = provenance(claim)
    if claim_text is not None and claim_status == "confirmed":
        if debunk_term is None:
            reasons.append(f"mirip hoaks yang sudah dibantah: {shorten(claim_text)}{where}")
        else:
            reasons.append(f"mengutip hoaks yang sudah dibantah: {shorten(claim_text)}{where}")
    elif claim_text is not None and claim_status == "suggested":
        similarity = format_score(claim_similarity or 0.0)
        reasons.append(
            f"kemungkinan mirip hoaks yang sudah dibantah (kemiripan {similarity}): "
            f"{shorten(claim_text)}{where}"
        )
    if fact is not None:
        reasons.append(f"sesuai fakta yang sudah diperiksa: {shorten(fact.claim)}{provenance(fact)}")
    if score >= threshold:
        reasons.append(f"skor hoaks {format_score(score)} ≥ ambang {format_score(threshold)}")
        if terms:
            reasons.append("istilah pemicu: " + ", ".join(f"«{t}»" for t in terms))
    if debunk_term is not None:
        reasons.append(f"ada penanda bantahan/klarifikasi: «{debunk_term}»")
    if off_topic:
        reasons.append("konteks di luar pemilu (mis. pemilihan ketua OSIS, pilkades)")
    if not flagged and score < threshold:
        reasons.append(f"skor hoaks {format_score(score)} di bawah ambang {format_score(threshold)}")
    return reasons

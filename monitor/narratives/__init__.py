"""Narratives: the retellings of one false claim, grouped as scored posts arrive, with their responses.

The package face keeps the names callers use (`assign_new_posts` after scoring, `NarrativeGrouper`,
`VectorSpace`, ...). Inside: `index.py` (the in-memory MinHash + centroid index, no database; its records
in `items.py`), `space.py` (the vector space), `roles.py` (member or response: debunks, news and official
posts), `grouping.py` (index + store, claim anchoring), `minhash.py` + `bands.py` (signatures and their
compact banded index), `curation.py` (an analyst's merge and split, audited), `similar.py` (the narratives
an analyst may want to merge), `ranking.py` (flagged × reach × growth).
"""

from monitor.narratives.curation import merge_narratives, split_narrative
from monitor.narratives.grouping import GroupingStats, NarrativeGrouper, assign_new_posts, forget_indexes
from monitor.narratives.index import NarrativeIndex, PostItem, Signer, candidates_of, primary_topic
from monitor.narratives.ranking import RankedNarrative, rank_score, top_narratives
from monitor.narratives.roles import post_role
from monitor.narratives.similar import SimilarNarrative, similar_narratives
from monitor.narratives.space import VectorSpace, reference_texts, shipped_embedder

__all__ = [
    "GroupingStats",
    "NarrativeGrouper",
    "NarrativeIndex",
    "PostItem",
    "RankedNarrative",
    "Signer",
    "SimilarNarrative",
    "VectorSpace",
    "assign_new_posts",
    "candidates_of",
    "forget_indexes",
    "merge_narratives",
    "post_role",
    "primary_topic",
    "rank_score",
    "reference_texts",
    "shipped_embedder",
    "similar_narratives",
    "split_narrative",
    "top_narratives",
]

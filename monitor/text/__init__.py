"""Text foundations: normalisation, election-keyword relevance and candidate masking."""

from monitor.text.display import shorten
from monitor.text.keyword_versions import KeywordsComparison, compare_keywords
from monitor.text.keywords import KeywordsConfig, KeywordsError, load_keywords
from monitor.text.neutral import NEUTRAL_TOKEN, CandidateMasker
from monitor.text.normalize import NormalizedText, normalize, text_hash
from monitor.text.relevance import KeywordMatcher, Relevance

__all__ = [
    "NEUTRAL_TOKEN",
    "CandidateMasker",
    "KeywordMatcher",
    "KeywordsComparison",
    "KeywordsConfig",
    "KeywordsError",
    "NormalizedText",
    "Relevance",
    "compare_keywords",
    "load_keywords",
    "normalize",
    "shorten",
    "text_hash",
]

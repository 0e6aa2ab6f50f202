"""The Pilkada-by-configuration bench's keywords (no datasets needed)."""

from __future__ import annotations

from bench.new_election import PILGUB_JATIM_2024, REPO, regional_keywords
from monitor.text import CandidateMasker, KeywordMatcher, load_keywords


def test_the_regional_copy_names_the_pilkadas_pairs_and_keeps_everything_else() -> None:
    base = load_keywords(REPO / "config" / "keywords.yml")
    jatim = regional_keywords(base, PILGUB_JATIM_2024, "pilgub-jatim-test")
    assert jatim.scope == "regional" and jatim.version == "pilgub-jatim-test"
    assert set(jatim.candidates) == {"01", "02", "03"}
    assert jatim.topics == base.topics and jatim.regional_terms == base.regional_terms
    masker = CandidateMasker(jatim)
    assert masker.mask_unnamed("Bu Risma dan Khofifah debat lagi malam ini") == "dan debat lagi malam ini"
    # A presidential name is no pair in this election.
    assert masker.mask_unnamed("Anies debat lagi malam ini") == "anies debat lagi malam ini"
    # A post naming a configured pair is election-relevant and attributed to it.
    found = KeywordMatcher(jatim).match("Luluk Nur Hamidah kampanye di Sumenep")
    assert found.relevant and found.candidates == ("01",)

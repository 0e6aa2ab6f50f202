"""A new election by configuration: Pilkada pairs, parties, chat abbreviations and keyword versions.

Masking and relevance read the *active* keywords file, so a Pilkada with four pairs (built here, in the
test) is masked without retraining; the shipped national file keeps regional pair numbers apart from the
presidential ones; "dpt" meaning "dapat" in chat is not the voter roll.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from bench.relevance_gaps import measure, measure_sets
from monitor.text import CandidateMasker, KeywordMatcher, KeywordsConfig, KeywordsError, load_keywords
from monitor.text.keyword_versions import compare_keywords
from monitor.text.keywords import parse_keywords
from monitor.text.neutral import NEUTRAL_TOKEN, PARTY_TOKEN

KEYWORDS_FILE = Path(__file__).resolve().parent.parent / "config" / "keywords.yml"

# A regional election with four pairs, written as an operator would for a Pilbup.
PILKADA = """\
version: "pilbup-sekadau-2024.1"
scope: regional
topics:
  sidalih: {label_id: "Daftar pemilih", label_en: "Voter roll", terms: [dpt, "cek dpt", "daftar pemilih"]}
  sirekap: {label_id: "Sirekap", label_en: "Recap", terms: [sirekap, "rekap suara"]}
  procedure: {label_id: "Prosedur", label_en: "Procedure", terms: [tps, "surat suara"]}
  institutions: {label_id: "Lembaga", label_en: "Bodies", terms: [kpu, bawaslu]}
  general: {label_id: "Umum", label_en: "General", terms: [pemilu, paslon]}
regional_terms: [pilkada, pilbup, cabup, "calon bupati"]
candidates:
  "01": {label: "Alfa - Bravo", names: ["alfa wijaya", alfa], nicknames: ["bang alfa"],
         numbers: ["01", "1", "satu"], coalition: ["tim alfa"]}
  "02": {label: "Citra - Delta", names: ["citra lestari", citra], nicknames: ["kak citra"],
         numbers: ["02", "2", "dua"], coalition: ["tim citra"]}
  "03": {label: "Eko - Fajar", names: ["eko santoso", eko], nicknames: ["pak eko"],
         numbers: ["03", "3", "tiga"], coalition: ["tim eko"]}
  "04": {label: "Gita - Hadi", names: ["gita purnama", gita], nicknames: ["bu gita"],
         numbers: ["04", "4", "empat"], coalition: ["tim gita"]}
number_context:
  strong: [paslon, cabup, "nomor urut", "calon bupati"]
  weak: [pendukung, coblos]
parties:
  names: [gerindra, "partai golkar"]
  acronyms: [PAN]
ambiguous:
  dpt: {capitals: true, before: [cek, di], after: [ganda]}
"""
PAIRS = {
    "01": ("Alfa Wijaya", "Bang Alfa", "Tim Alfa", "01", "1", "satu"),
    "02": ("Citra Lestari", "Kak Citra", "Tim Citra", "02", "2", "dua"),
    "03": ("Eko Santoso", "Pak Eko", "Tim Eko", "03", "3", "tiga"),
    "04": ("Gita Purnama", "Bu Gita", "Tim Gita", "04", "4", "empat"),
}
PARALLEL = [
    "Server Sirekap disetel buat menangin {0}, suara paslon {3} digelembungkan",
    "{1} sudah pasti menang pilbup, C1 di TPS 07 diubah. Pendukung {3} diam aja?",
    "{2} lapor ke Bawaslu: cabup nomor urut {4} dirugikan",
    "Coblos no {4}, coblos {1}! Besok paslon {5} menang, kata grup WA",
]


@pytest.fixture(scope="module")
def shipped() -> KeywordsConfig:
    return load_keywords(KEYWORDS_FILE)


@pytest.fixture(scope="module")
def matcher(shipped: KeywordsConfig) -> KeywordMatcher:
    return KeywordMatcher(shipped)


@pytest.fixture(scope="module")
def pilkada() -> KeywordsConfig:
    return parse_keywords(PILKADA, source="pilkada.yml")


# ------------------------------------------------------------------------------------- chat abbreviations


@pytest.mark.parametrize(
    ("text", "relevant"),
    [
        ("anak sy dpt juara kelas", False),
        ("sy blm dpt info dari sekolah", False),
        ("dpt salam dari ibu", False),
        ("Alhamdulillah dpt rezeki hari ini", False),
        ("Tdk Dpt Dihapus begitu saja", False),  # title case is not the acronym
        ("cek dpt di mana ya", True),
        ("ada dpt ganda di desa kami", True),
        ("nama saya tidak ada di dpt", True),
        ("DPT Pemilu 2024 sudah ditetapkan", True),
        ("Nama ibu saya hilang dari DPT", True),
        ("dptnya belum diumumkan", True),
        ("tinta printer habis", False),
        ("tinta ungu di jari tidak hilang", True),
    ],
)
def test_chat_abbreviations_need_a_confirming_word(
    matcher: KeywordMatcher, text: str, relevant: bool
) -> None:
    assert matcher.match(text).relevant is relevant


def test_chat_dpt_next_to_another_election_term_is_not_the_voter_roll(matcher: KeywordMatcher) -> None:
    rel = matcher.match("sy dpt undangan dari KPU")
    assert rel.relevant and "sidalih" not in rel.topics and "dpt" not in rel.terms
    # Another voter-roll term confirms it.
    assert "dpt" in matcher.match("KPU bersihkan dpt dan daftar pemilih").terms


@pytest.mark.parametrize(
    "word",
    [
        "pilkada",
        "pilbup",
        "pilgub",
        "pilwalkot",
        "pemilukada",
        "pemilihan bupati",
        "pemilihan gubernur",
        "pemilihan walikota",
        "pemilihan wali kota",
        "cabup",
        "cagub",
        "cawalkot",
        "paslon kepala daerah",
        "sirekep",
        "sirekab",
        "pilpress",
        "Pemilu 2O24",
        "pemilu2O24",
        "KPU-RI",
        "kpuri",
    ],
)
def test_pilkada_words_and_misspellings_are_relevant(matcher: KeywordMatcher, word: str) -> None:
    assert matcher.match(f"info soal {word} hari ini").relevant, word


# ------------------------------------------------------------------------------------- regional pairs


def test_national_config_keeps_regional_pair_numbers_apart(matcher: KeywordMatcher) -> None:
    assert matcher.match("paslon 02 menang").candidates == ("02",)
    regional = matcher.match("pilbup paslon 02 menang telak")
    assert regional.relevant and regional.candidates == () and regional.topics == ("other",)
    assert matcher.match("cagub nomor urut 2 kampanye di pasar").candidates == ()
    # A named presidential candidate is still that candidate in a Pilkada post.
    assert matcher.match("Gibran hadir di kampanye pilgub").candidates == ("02",)


def test_national_masker_masks_regional_pair_numbers_beyond_its_pairs(shipped: KeywordsConfig) -> None:
    masker = CandidateMasker(shipped)
    masked = {masker.mask(f"pilbup paslon {n} menang, nomor urut {n} unggul") for n in ("02", "04", "05")}
    assert masked == {f"pilbup paslon {NEUTRAL_TOKEN} menang, {NEUTRAL_TOKEN} unggul"}


def test_four_pair_pilkada_is_masked_without_retraining(pilkada: KeywordsConfig) -> None:
    masker = CandidateMasker(pilkada)
    for template in PARALLEL:
        masked = {masker.mask(template.format(*forms)) for forms in PAIRS.values()}
        assert len(masked) == 1, masked
        assert NEUTRAL_TOKEN in masked.pop()
    assert masker.mask("Bu Gita janji jalan mulus") == f"{NEUTRAL_TOKEN} janji jalan mulus"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Sirekap sengaja menggelembungkan suara pasangan Prabowo Subianto–Gibran Rakabuming Raka "
            "di ribuan TPS.",
            "Sirekap sengaja menggelembungkan suara pasangan calon tertentu di ribuan TPS.",
        ),
        (
            "Capres Ganjar menyatakan mundur dari pencalonan Pilpres 2024.",
            "Capres tertentu menyatakan mundur",
        ),
        (
            "Surat suara tercoblos 01 ditemukan di gudang KPU!",
            "Surat suara tercoblos paslon tertentu ditemukan",
        ),
        ("KPU menghentikan rekapitulasi suara", "KPU menghentikan rekapitulasi suara"),
    ],
)
def test_neutral_phrasing_names_no_pair_and_keeps_the_wording(
    shipped: KeywordsConfig, text: str, expected: str
) -> None:
    masker = CandidateMasker(shipped)
    neutral = masker.neutral_phrasing(text)
    assert neutral.startswith(expected)
    for name in ("Prabowo", "Gibran", "Ganjar", "01"):
        assert name not in neutral
    assert NEUTRAL_TOKEN not in masker.mask(neutral)  # nothing left to mask


def test_four_pair_pilkada_relevance_names_the_fourth_pair(pilkada: KeywordsConfig) -> None:
    matcher = KeywordMatcher(pilkada)
    assert matcher.match("pilbup paslon 04 menang").candidates == ("04",)  # scope regional
    assert matcher.match("calon bupati nomor urut 4 ke TPS").candidates == ("04",)
    assert matcher.topic_order[-2:] == ("candidate:04", "other")
    rel = matcher.match("tim gita dan kak citra debat soal dpt ganda")
    assert rel.candidates == ("02", "04") and "sidalih" in rel.topics


# ------------------------------------------------------------------------------------- parties, nicknames


def test_parties_and_nicknames_are_masked_but_not_ordinary_words(shipped: KeywordsConfig) -> None:
    masker = CandidateMasker(shipped)
    assert masker.mask("Gerindra, PDI Perjuangan dan PAN rapat") == (
        f"{PARTY_TOKEN} , {PARTY_TOKEN} dan {PARTY_TOKEN} rapat"
    )
    assert masker.mask("goreng di pan, sidang umum pbb") == "goreng di pan, sidang umum pbb"
    assert masker.mask("amin ya allah") == "amin ya allah"
    assert masker.mask("wowo dan anis baswedan debat") == f"{NEUTRAL_TOKEN} dan {NEUTRAL_TOKEN} debat"
    assert masker.mask("Koalisi PDIP solid") == f"{NEUTRAL_TOKEN} solid"  # the coalition, not the party


def test_parties_alone_do_not_make_a_post_relevant(matcher: KeywordMatcher) -> None:
    assert not matcher.match("Gerindra dan Golkar rapat soal harga beras").relevant


# ------------------------------------------------------------------------------------- versions


def test_keyword_comparison_reports_a_new_election(shipped: KeywordsConfig, pilkada: KeywordsConfig) -> None:
    same = compare_keywords(shipped, load_keywords(KEYWORDS_FILE))
    assert same.same and same.message() == ""
    diff = compare_keywords(shipped, pilkada)
    assert not diff.same and diff.candidates_added == ("04",) and diff.parties_changed
    assert set(diff.candidates_changed) == {"01", "02", "03"}
    assert shipped.version in diff.message() and "paslon baru 04" in diff.message()
    assert "new pairs 04" in diff.message("en")


def test_fingerprint_changes_with_a_term_even_if_the_version_does_not(pilkada: KeywordsConfig) -> None:
    edited = parse_keywords(PILKADA.replace("bu gita", "ibu gita"))
    assert edited.version == pilkada.version and edited.fingerprint != pilkada.fingerprint
    assert not compare_keywords(pilkada, edited).same


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            ("names: [gerindra,", "names: [citra,"),
            'parties.names[0]: party name "citra" is already listed for candidate 02',
        ),
        (
            ("dpt: {capitals: true,", "dptx: {capitals: true,"),
            "ambiguous.dptx: an ambiguous term must also be listed in a topic",
        ),
        (("scope: regional", "scope: local"), "scope: "),
    ],
)
def test_new_sections_are_validated(tmp_path: Path, change: tuple[str, str], expected: str) -> None:
    path = tmp_path / "keywords.yml"
    path.write_text(textwrap.dedent(PILKADA).replace(*change), encoding="utf-8")
    with pytest.raises(KeywordsError) as info:
        load_keywords(path)
    assert str(path) in str(info.value) and expected.replace('"', "'") in str(info.value).replace('"', "'")


# ------------------------------------------------------------------------------------- real tweets


def test_chat_dpt_on_real_tweets(shared_datasets: Path) -> None:
    """Real election chatter with the word "dpt": before, nearly every row was put under the voter roll."""
    rows = [r for r in measure(shared_datasets) if r["set"].endswith(":dpt")]
    total = sum(r["rows"] for r in rows)
    assert total >= 50
    assert sum(r["sidalih_before"] for r in rows) >= 0.9 * total
    assert sum(r["sidalih_after"] for r in rows) <= 0.05 * total


def test_pilkada_words_on_real_tweets(shared_datasets: Path) -> None:
    """Pilgub Jatim 2024 tweets: "pilgub", "cagub", "calon gubernur" make many more of them relevant."""
    sets = {row["set"]: row for row in measure_sets(shared_datasets)}
    jatim = sets["pilkada_jatim"]
    assert jatim["rows"] > 5000
    assert jatim["relevant_after"] >= 1.3 * jatim["relevant_before"]

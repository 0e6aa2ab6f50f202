"""monitor/text: normalisation, keyword relevance and candidate masking, on the shipped keywords.yml."""

from __future__ import annotations

import re
import sys
import unicodedata
from pathlib import Path

import pytest
from sklearn.feature_extraction.text import CountVectorizer

from monitor.text import (
    NEUTRAL_TOKEN,
    CandidateMasker,
    KeywordMatcher,
    KeywordsConfig,
    NormalizedText,
    Relevance,
    load_keywords,
    normalize,
    text_hash,
)

KEYWORDS_FILE = Path(__file__).resolve().parent.parent / "config" / "keywords.yml"


@pytest.fixture(scope="module")
def keywords() -> KeywordsConfig:
    return load_keywords(KEYWORDS_FILE)


@pytest.fixture(scope="module")
def matcher(keywords: KeywordsConfig) -> KeywordMatcher:
    return KeywordMatcher(keywords)


@pytest.fixture(scope="module")
def masker(keywords: KeywordsConfig) -> CandidateMasker:
    return CandidateMasker(keywords)


# --------------------------------------------------------------------------------------------- normalise


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Yg gak terdaftar", "yang tidak terdaftar"),
        ("ga bisa, gk mau, nggak tau", "tidak bisa, tidak mau, tidak tahu"),
        ("tdk sdh blm", "tidak sudah belum"),
        ("udh udah krn dgn utk", "sudah sudah karena dengan untuk"),
        ("Gak!! yg? (sdh)", "tidak!! yang? (sudah)"),
        ("cek DPT dpt", "cek dpt dpt"),  # the voter-roll acronym is never read as "dapat"
        ("yglain gaada", "yglain gaada"),  # only whole words are expanded
    ],
)
def test_informal_spellings_are_expanded(raw: str, expected: str) -> None:
    assert normalize(raw).text == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("bangettt", "banget"),
        ("HOAXXX", "hoax"),
        ("curanggg bangeeettt", "curang banget"),
        ("maaaaf", "maaf"),
        ("Alhamdulillaaah", "alhamdulillah"),
        ("KPPPS", "kpps"),
        ("gaaak", "tidak"),  # collapsed first, then expanded
        ("tahun 2000 dan 1111", "tahun 2000 dan 1111"),  # digits are never collapsed
        ("maaf saat kpps", "maaf saat kpps"),  # legitimate doubles stay
    ],
)
def test_elongations_collapse(raw: str, expected: str) -> None:
    assert normalize(raw).text == expected


def test_urls_mentions_hashtags_are_split_out() -> None:
    nt = normalize(
        "Cek di https://cekdptonline.kpu.go.id/, kata @KPU_ID dan @Bawaslu_RI. #Pemilu2024 #CekDPT "
        "(sumber: www.kpu.go.id/berita?id=5) mail admin@kpu.go.id"
    )
    assert nt.urls == ("https://cekdptonline.kpu.go.id/", "www.kpu.go.id/berita?id=5")
    assert nt.mentions == ("kpu_id", "bawaslu_ri")
    assert nt.hashtags == ("pemilu2024", "cekdpt")
    assert "http" not in nt.text and "www." not in nt.text and "#" not in nt.text
    assert "kata dan ." in nt.text  # both mentions removed
    assert "pemilu2024 cekdpt" in nt.text
    assert "admin@kpu.go.id" in nt.text  # an e-mail address is not a mention
    assert nt.text == " ".join(nt.text.split())


def test_url_keeps_its_own_parenthesis_but_not_sentence_punctuation() -> None:
    nt = normalize("baca (https://id.wikipedia.org/wiki/Pemilu_(Indonesia)). atau https://x.example/a?b=1!")
    assert nt.urls == ("https://id.wikipedia.org/wiki/Pemilu_(Indonesia)", "https://x.example/a?b=1")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("ｃｅｋ　ＤＰＴ", "cek dpt"),  # fullwidth letters and ideographic space
        ("𝐒𝐢𝐫𝐞𝐤𝐚𝐩 𝐄𝐑𝐑𝐎𝐑", "sirekap error"),  # mathematical bold
        ("ce\u200bk d\u200dpt\u2060", "cek dpt"),  # zero-width space / joiner / word joiner
        ("si\u00adrekap\ufeff", "sirekap"),  # soft hyphen, BOM
        ("\u202ekpu\u202c \u200fcurang", "kpu curang"),  # bidi controls
        ("КРU сurang", "kpu curang"),  # Cyrillic look-alikes
        ("a\x00b\x07c\x1bd", "abcd"),  # C0 controls
        ("baris\nbaru\tdan\r\nspasi\u00a0keras", "baris baru dan spasi keras"),
    ],
)
def test_odd_unicode_is_folded(raw: str, expected: str) -> None:
    assert normalize(raw).text == expected


def test_emoji_survive_without_error() -> None:
    nt = normalize(
        "Pemilu damai 🗳️🇮🇩 👨\u200d👩\u200d👧 ❤️ 👍🏽 "
        "🏴\U000e0067\U000e0062\U000e0065\U000e006e\U000e0067\U000e007f"
    )
    assert nt.text.startswith("pemilu damai 🗳🇮🇩 👨👩👧 ❤ 👍🏽 🏴")
    assert normalize("❤️").text == normalize("❤").text  # variation selectors do not split duplicates


def test_every_format_character_is_removed() -> None:
    format_chars = [chr(c) for c in range(sys.maxunicode + 1) if unicodedata.category(chr(c)) == "Cf"]
    assert len(format_chars) > 100
    text = "xy".join(format_chars)
    assert normalize(text).text == "xy" * (len(format_chars) - 1)


@pytest.mark.parametrize(
    "raw",
    [
        "Yg gak terdaftar di DPT bangettt!!! #Pemilu2024 @kpu_id https://t.co/x",
        "ｃｅｋ　ＤＰＴ\u200b maaaaf 𝐒𝐢𝐫𝐞𝐤𝐚𝐩 🗳️",
        "Paslon 02 vs 01?? gaaak jelas, krn C1 beda",
    ],
)
def test_normalisation_is_idempotent(raw: str) -> None:
    once = normalize(raw).text
    assert normalize(once).text == once


def test_normalize_rejects_non_text() -> None:
    with pytest.raises(TypeError, match="expects str"):
        normalize(None)  # type: ignore[arg-type]


def test_text_hash_ignores_case_spacing_links_and_slang() -> None:
    a = text_hash("Sirekap DICURANGI   yg gak percaya cek https://a.example/1")
    b = text_hash("sirekap dicurangi yang tidak percaya cek https://b.example/2 ")
    c = text_hash("sirekap aman")
    assert a == b != c
    assert re.fullmatch(r"[0-9a-f]{40}", a)


# --------------------------------------------------------------------------------------------- relevance


@pytest.mark.parametrize(
    ("text", "relevant"),
    [
        ("cek DPT sekarang", True),
        ("DPT-nya sudah keluar", True),
        ("dptnya belum ada", True),
        ("saya dapat kabar baik", False),
        ("adpt dan dptx", False),
        ("pemiluan", False),  # a term followed by other letters is another word
    ],
)
def test_word_boundaries(matcher: KeywordMatcher, text: str, relevant: bool) -> None:
    assert matcher.match(text).relevant is relevant


@pytest.mark.parametrize(
    ("text", "term"),
    [
        ("cek   dpt", "cek dpt"),
        ("cek-dpt dulu", "cek dpt"),
        ("#CekDPT", "cek dpt"),
        ("hasil QUICK  COUNT", "quick count"),
        ("quick-count dan real_count", "quick count"),
        ("kotak\n\nsuara", "kotak suara"),
        ("C.Hasil di TPS", "c hasil"),
        ("si rekap error", "sirekap"),
        ("si-rekap error", "sirekap"),
        ("SIREKAPnya down", "sirekap"),
        ("#Pemilu2024", "pemilu2024"),
        ("pemilu2024", "pemilu2024"),
        ("pilpres2019 dulu", "pilpres"),
        ("di tps07 ramai", "tps"),
    ],
)
def test_terms_match_across_spacing_hashtags_and_digits(
    matcher: KeywordMatcher, text: str, term: str
) -> None:
    assert term in matcher.match(text).terms


@pytest.mark.parametrize(
    ("text", "topics", "candidates"),
    [
        ("Nama saya gak ada di DPT, padahal udah dicoklit pantarlih", ("sidalih",), ()),
        (
            "Angka Sirekap di TPS 07 terbaca 831, di C hasil 31, sudah dilaporkan",
            ("sirekap", "procedure"),
            (),
        ),
        ("Surat suara sudah tercoblos sebelum hari H!!!", ("procedure",), ()),
        ("Bawaslu dan KPU rapat hari ini", ("other",), ()),
        ("Pemilu 2024 makin dekat, jangan golput", ("other",), ()),
        ("Prabowo-Gibran curang di Sirekap", ("sirekap", "candidate:02"), ("02",)),
        ("Cak Imin dan Anies kampanye di Pontianak", ("candidate:01",), ("01",)),
        ("Ganjar–Mahfud MD: sat set!", ("candidate:03",), ("03",)),
        (
            "Debat capres: Anies vs Prabowo vs Ganjar",
            ("candidate:01", "candidate:02", "candidate:03"),
            ("01", "02", "03"),
        ),
        ("pendukung 02 ngamuk di TPS", ("procedure", "candidate:02"), ("02",)),
        ("coblos no. 3 ya", ("procedure", "candidate:03"), ("03",)),
        ("Paslon nomor urut 1 menang di dapil ini", ("candidate:01",), ("01",)),
        ("capres nomor dua", ("candidate:02",), ("02",)),
    ],
)
def test_topics_and_candidates_on_realistic_posts(
    matcher: KeywordMatcher, text: str, topics: tuple[str, ...], candidates: tuple[str, ...]
) -> None:
    rel = matcher.match(text)
    assert rel.relevant
    assert rel.topics == topics
    assert rel.candidates == candidates


@pytest.mark.parametrize(
    "text",
    [
        "Antre di TPS 01 sejak pagi",  # a polling station number, not a pair
        "RT 02 kerja bakti",
        "pilih 2 orang saja",  # a weak context needs the two-digit form or "nomor"
        "kubu 1 lawan kubu 3",
        "jam 01.00 malam",
        "nomor 2 di antrean",  # a bare ordinal is not a candidate reference for relevance
    ],
)
def test_bare_numbers_are_not_candidates(matcher: KeywordMatcher, text: str) -> None:
    assert matcher.match(text).candidates == ()


def test_terms_are_canonical_sorted_unique(matcher: KeywordMatcher) -> None:
    rel = matcher.match("SIREKAP, si rekap, Sirekap!! cek dpt, CEK-DPT, paslon 02, Prabowo")
    assert rel.terms == tuple(sorted(set(rel.terms)))
    assert rel.terms == ("02", "cek dpt", "paslon", "prabowo", "sirekap")


def test_off_topic_is_a_separate_flag(matcher: KeywordMatcher) -> None:
    osis = matcher.match("Pemilihan ketua OSIS besok pakai kotak suara dan bilik suara")
    assert osis.relevant and osis.off_topic and osis.topics == ("procedure",)
    pilkades = matcher.match("Pilkades di desa kami ricuh")
    assert not pilkades.relevant and pilkades.off_topic
    assert matcher.match("Pilkada serentak November").topics == ("other",)  # pilkada is an election term
    assert matcher.match("cek DPT").off_topic is False


@pytest.mark.parametrize(
    "text",
    [
        "Donald Trump Didakwa Manipulasi Pemilu AS 2020",  # real headlines (2023)
        "Partai PM Kamboja Hun Sen Klaim Kemenangan Telak dalam Pemilu",
        "Junta Myanmar Memperpanjang Status Keadaan Darurat, Pemilu Kembali Ditunda",
        "Presiden Zimbabwe Emmerson Mnangagwa Kembali Menang dalam Pemilu Kontroversial",
        "Video Siaran CNN Menyatakan Trump Akan Menangkan Pilpres AS",
    ],
)
def test_another_countrys_election_is_not_relevant(matcher: KeywordMatcher, text: str) -> None:
    rel = matcher.match(text)
    assert rel.abroad and not rel.relevant
    assert rel.terms  # what matched is kept: the post is left out for being about an election abroad


@pytest.mark.parametrize(
    "text",
    [
        "Pemilu 2024 diatur China, rakyat dibohongi",  # a hoax about our election naming a country
        "Server Sirekap ada di Singapura, pemilu dikendalikan asing",  # a specific topic
        "PM Kamboja klaim menang pemilu, KPU RI kirim pemantau",  # an institution
        "Trump ucapkan selamat ke Prabowo atas kemenangan pilpres",  # a candidate
        "Pemilu Indonesia lebih jujur dari pemilu AS",  # a home word
        "WNI di Malaysia: pemilu di sana ricuh",  # Indonesians voting abroad
        "Pemilu di Malaysia ricuh, ribuan pemilih tidak dapat undangan",  # "di" is not a context word
        "Pilkada Jatim: cagub didukung pengusaha Singapura, presiden AS diam",  # a Pilkada word
    ],
)
def test_our_election_stays_relevant_when_a_country_is_named(matcher: KeywordMatcher, text: str) -> None:
    rel = matcher.match(text)
    assert rel.relevant and not rel.abroad


def test_without_an_abroad_section_nothing_is_abroad(keywords: KeywordsConfig) -> None:
    bare = KeywordMatcher(keywords.model_copy(update={"abroad": type(keywords.abroad)()}))
    rel = bare.match("Donald Trump Didakwa Manipulasi Pemilu AS 2020")
    assert rel.relevant and not rel.abroad


def test_links_and_mentions_count_but_do_not_bridge(matcher: KeywordMatcher) -> None:
    rel = matcher.match("cek di sini ya https://cekdptonline.kpu.go.id/")
    assert {"cekdptonline", "kpu"} <= set(rel.terms)
    assert "bawaslu" in matcher.match("lapor ke @Bawaslu_RI").terms
    assert "anies baswedan" in matcher.match("kata @aniesbaswedan").terms
    # "cek" at the end of the text and "dpt" in a link must not join into "cek dpt".
    assert "cek dpt" not in matcher.match("ayo cek https://example.id/dpt").terms


def test_match_accepts_normalised_text_and_relevance_defaults(matcher: KeywordMatcher) -> None:
    nt = normalize("Yg gak ada di DPT lapor!")
    assert isinstance(nt, NormalizedText)
    assert matcher.match(nt) == matcher.match("Yg gak ada di DPT lapor!")
    empty = matcher.match("halo apa kabar")
    assert empty == Relevance() and not empty.relevant and empty.off_topic is False
    assert matcher.version == "2024.4"


def test_from_file(tmp_path: Path) -> None:
    assert KeywordMatcher.from_file(KEYWORDS_FILE).match("sirekap").topics == ("sirekap",)


# --------------------------------------------------------------------------------------------- masking

# The same posts written about each pair, as a swapping writer would: names, nicknames, numbers in
# context, slogans, campaign teams.
_PAIRS = {
    "01": {
        "pair": "Anies-Muhaimin",
        "p": "Anies Baswedan",
        "vp": "Cak Imin",
        "p1": "Anies",
        "team": "Timnas AMIN",
        "slogan": "Indonesia adil makmur untuk semua",
        "n2": "01",
        "n1": "1",
        "nw": "satu",
    },
    "02": {
        "pair": "Prabowo-Gibran",
        "p": "Prabowo Subianto",
        "vp": "Mas Gibran",
        "p1": "Prabowo",
        "team": "TKN Prabowo-Gibran",
        "slogan": "Oke gas",
        "n2": "02",
        "n1": "2",
        "nw": "dua",
    },
    "03": {
        "pair": "Ganjar-Mahfud",
        "p": "Ganjar Pranowo",
        "vp": "Mahfud MD",
        "p1": "Ganjar",
        "team": "TPN Ganjar-Mahfud",
        "slogan": "sat set",
        "n2": "03",
        "n1": "3",
        "nw": "tiga",
    },
}
_PARALLEL_POSTS = [
    "VIRAL!!! Server Sirekap disetel buat menangin {pair}, suara paslon {n2} digelembungkan bangettt",
    "Katanya {p} dan {vp} sudah pasti menang, C1 di TPS 07 diubah. Pendukung {n2} diam aja?",
    "[HOAKS] Video surat suara tercoblos untuk nomor urut {n1} itu video lama. Faktanya KPU membantah.",
    "{team} lapor ke Bawaslu: capres no. {n1} dirugikan, {slogan}! #Pemilu2024",
    "Yg milih {p1} gak usah ke TPS 03 besok, capres nomor {nw} udh menang kata grup WA",
    "{p1}nya curang?? kubu {n2} ngamuk, pasangan calon {n1} harus didiskualifikasi @KPU_ID",
    "Coblos no {n1}, coblos {p1}! Tanggal 14/02/2024 pukul 07.00 di TPS 01 RT 02",
]


@pytest.mark.parametrize("template", _PARALLEL_POSTS)
def test_swapped_parallel_posts_mask_identically(masker: CandidateMasker, template: str) -> None:
    masked = {key: masker.mask(template.format(**values)) for key, values in _PAIRS.items()}
    assert masked["01"] == masked["02"] == masked["03"], masked
    assert NEUTRAL_TOKEN in masked["01"]
    for values in _PAIRS.values():
        for word in ("anies", "prabowo", "ganjar", "imin", "gibran", "mahfud", "oke gas", "sat set"):
            assert word not in masked["01"], (word, values)


def test_mask_keeps_everything_else(masker: CandidateMasker) -> None:
    out = masker.mask("Paslon 02 curang di TPS 01 RT 02, tanggal 14/02/2024 pukul 07.00, lihat formulir C1")
    assert out == "paslon paslonx curang di tps 01 rt 02, tanggal 14/02/2024 pukul 07.00, lihat formulir c1"
    assert masker.mask("Sirekap error lagi") == "sirekap error lagi"


def test_every_reference_term_is_masked_whatever_the_pair(
    keywords: KeywordsConfig, masker: CandidateMasker
) -> None:
    frames = ["{} curang di sirekap", "kata {}, dpt aman", "relawan {}!!! #pemilu2024", "({})"]
    for frame in frames:
        masked_frames = {masker.mask(frame.format("anies baswedan"))}
        for key, cand in keywords.candidates.items():
            for field, term in cand.reference_terms():
                masked = masker.mask(frame.format(term))
                assert masked in masked_frames, (key, field, term, masked)
        assert len(masked_frames) == 1


def test_number_forms_in_context_are_masked_for_every_pair(
    keywords: KeywordsConfig, masker: CandidateMasker
) -> None:
    for context in ["paslon {}", "capres no. {}", "nomor urut {}", "coblos nomor {}", "calon {}"]:
        outputs = {
            masker.mask(f"katanya {context.format(number)} menang")
            for cand in keywords.candidates.values()
            for number in cand.numbers
        }
        assert len(outputs) == 1, outputs
        assert NEUTRAL_TOKEN in outputs.pop()


def test_masking_accepts_normalised_text(masker: CandidateMasker) -> None:
    raw = "Prabowo-Gibran yg gak jelas"
    assert masker.mask(normalize(raw)) == masker.mask(raw) == masker.mask(normalize(raw).text)
    assert masker.mask(raw) == "paslonx yang tidak jelas"


def test_neutral_token_survives_default_vectorizer(masker: CandidateMasker) -> None:
    analyzer = CountVectorizer().build_analyzer()
    assert NEUTRAL_TOKEN in analyzer(masker.mask("Anies menang"))


# -- campaign acronyms (case decides: "AMIN" is pair 01, "amin" is "amen") --------------------------------
def test_acronyms_count_only_in_capitals(matcher: KeywordMatcher) -> None:
    assert matcher.match("Program AMIN soal BPJS gimana?").candidates == ("01",)
    assert matcher.match("Relawan GAMA pasang baliho").candidates == ("03",)
    assert not matcher.match("Semoga lancar semua, amin ya Allah").relevant
    assert not matcher.match("Amin, semoga sehat selalu").relevant
    # all-caps text says nothing about case, so it is not read as an acronym
    assert not matcher.match("SEMOGA SEHAT AMIN YA ALLAH").relevant


def test_acronym_and_name_versions_mask_alike(masker: CandidateMasker) -> None:
    versions = [
        "Program AMIN: tanah adat bakal diambil negara!!",
        "Program Prabowo-Gibran: tanah adat bakal diambil negara!!",
        "Program GAMA: tanah adat bakal diambil negara!!",
    ]
    assert len({masker.mask(v) for v in versions}) == 1
    assert masker.mask("amin ya allah") == "amin ya allah"

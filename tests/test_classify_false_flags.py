"""False-flag guard: legitimate news, announcements, reports and questions stay out of the queue; genre cues;
feature-set compatibility of model folders written before the genre cues existed."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from classify_corpus import REPO, train_tiny

from monitor.classify import load_classifier
from monitor.classify.features import (
    EXTRA_FEATURE_NAMES,
    GENRE_FEATURE_NAMES,
    TextPreparer,
    genre_features,
)
from monitor.classify.model import HoaxClassifier
from monitor.text import load_keywords

DEFAULT_MODEL = REPO / "models" / "default"

# Written for this test only (not in data/seed/ nor in the synthetic stream's phrase pools).
LEGITIMATE = [
    # news headlines about real procedure and incidents
    "Dua Anggota KPPS di Kecamatan Toba Dilarikan ke Puskesmas Setelah Penghitungan",
    "PSU di Satu TPS Nanga Pinoh Digelar Sabtu Pagi",
    "Rapat Pleno PPK Sungai Tebelian Molor hingga Tengah Malam",
    "KPU Landak Koreksi Selisih Data Sirekap di Lima TPS",
    "Logistik Pemilu untuk Desa Perbatasan Jagoi Babang Tiba Tepat Waktu",
    "Bawaslu Bengkayang Proses Laporan Dugaan Pemilih Ganda",
    # announcements of KPU / Bawaslu / PPK / PPS / police
    "KPU Kab. Melawi: rapat pleno rekapitulasi tingkat kabupaten dimulai Senin pukul 09.00 WIB di aula "
    "kantor bupati.",
    "Pengumuman PPS Desa Nanga Mau: salinan DPT dapat dilihat di papan pengumuman kantor desa sampai hari H.",
    "Bawaslu Kapuas Hulu mengimbau warga melaporkan praktik politik uang ke posko pengaduan tiap kecamatan.",
    "PPK Silat Hilir menggelar rekapitulasi hasil penghitungan suara besok, terbuka untuk umum dan pemantau.",
    "Polres Landak mengerahkan 300 personel untuk mengawal pergeseran kotak suara dari PPS ke PPK.",
    "TPS di Desa Sui Ambawang dibuka pukul 07.00 dan ditutup pukul 13.00. Bawa KTP-el atau undangan.",
    # citizens' factual reports
    "Lapor: TPS 09 Nanga Pinoh kekurangan 10 surat suara DPRD provinsi, PPS sudah antar tambahan jam 11.",
    "Di TPS 04 desa kami angka Sirekap beda sama plano, sudah kami foto dan serahkan ke PPK waktu pleno.",
    "KPPS TPS 12 baru selesai hitung jam 2 pagi, semua saksi dapat salinan C hasil. Aman terkendali.",
    "Tenda TPS 07 bocor kena hujan, kotak suara dipindah ke rumah pak kadus, pencoblosan jalan terus.",
    "Sy saksi di TPS 21, penghitungan lancar dan angka di Sirekap sama persis dgn C hasil 👍",
    "Ada pemilih lansia pingsan antre di TPS 15, langsung ditangani petugas puskesmas, sekarang sdh pulang.",
    # citizens' questions
    "Numpang tanya, kalau undangan memilih hilang masih bisa nyoblos pakai KTP aja kan?",
    "Ada yg tau pleno PPK Tebas mulai jam berapa besok? mau ikut lihat",
    "Kalau angka di Sirekap beda sama yg di TPS, yg dipakai buat hasil resmi yang mana ya?",
    "Boleh tanya, pemilih pindahan dari Ketapang nyoblosnya di TPS mana?",
]
HOAXES = [
    "SEBARKAN!! server sirekap ada di singapura, suara sudah diatur dari luar negeri sblm pemilu",
    "info dari grup sebelah: tinta pemilu mengandung babi jadi haram, jgn mau dicelup",
    "Surat suara di gudang KPU Melawi sudah dicoblos semua utk paslon 02, sy liat sendiri tadi malam!!",
    "Sirekap sengaja menggelembungkan suara Ganjar-Mahfud di ratusan TPS, ini kecurangan sistematis",
    "KPU Umumkan Pemilu Diundur ke Bulan Juli karena Logistik Belum Siap",
    "NIK warga dijual buat isi DPT siluman, punya sy dipakai nyoblos di kabupaten lain. Viralkan!",
    "Coblos dua paslon sekaligus tetap sah, suaranya dibagi dua. Kata petugas KPPS sendiri.",
    "Bansos PKH dicabut kalau tidak pilih Anies-Muhaimin, pendamping sudah cocokkan data pemilih",
]


@pytest.mark.skipif(not (DEFAULT_MODEL / "card.json").is_file(), reason="models/default not built")
@pytest.mark.xfail(
    strict=True,
    reason="default-2024.3 and 2024.4 (trained on real public text) flag 5 of these 22 seed-style legitimate "
    "posts (news of KPPS members taken to hospital, PSU, corrections): a measured regression against 2024.2; "
    "2024.5 to 2024.7 flag 2 of them, 2024.8 to 2024.11 one; like 2024.4 they miss 2 of the 8 hoaxes "
    "(one is allowed)",
)
def test_default_model_leaves_legitimate_posts_out_and_flags_hoaxes() -> None:
    default = load_classifier(DEFAULT_MODEL)
    legit = default.predict(LEGITIMATE)
    flagged = [(t, round(s.hoax_score, 3)) for t, s in zip(LEGITIMATE, legit, strict=True) if s.flagged]
    assert len(flagged) <= 0.15 * len(LEGITIMATE), flagged
    hoaxes = default.predict(HOAXES)
    missed = [(t, round(s.hoax_score, 3)) for t, s in zip(HOAXES, hoaxes, strict=True) if not s.flagged]
    # Hoaxes dressed as news headlines are the model's weak side (see the model card): one miss allowed.
    assert len(missed) <= 1, missed


def test_genre_cues() -> None:
    cues = genre_features(
        [
            "sudah dilaporkan ke pps dan dikoreksi di pleno",
            "kpu mengumumkan tps dibuka pukul 07.00 wib",
            "numpang tanya, pesan itu benar gak sih?",
            "server sirekap di luar negeri, suara diatur asing",
        ]
    )
    assert cues.shape == (4, len(GENRE_FEATURE_NAMES))
    report, announce, question = (GENRE_FEATURE_NAMES.index(n) for n in GENRE_FEATURE_NAMES)
    assert cues[0, report] == 1.0 and cues[1, announce] == 1.0 and cues[2, question] == 1.0
    assert np.all(cues[3] == 0.0)
    assert set(np.unique(cues)) <= {0.0, 0.5, 1.0}


def test_a_question_about_a_claim_is_not_flagged_by_the_match_alone(tmp_path: Path) -> None:
    model = HoaxClassifier.load(train_tiny(tmp_path / "tiny-q"))
    model.set_claim_thresholds(0.3, 0.5)
    claim = "Server Sirekap KPU berada di Singapura dan suara diatur dari luar negeri"
    (asking,) = model.predict([f"Ada pesan bilang {claim}, itu benar gak sih?"])
    assert asking.claim_status == "confirmed" and asking.matched_claim_id == "kh-t01"
    assert asking.flagged is (asking.hoax_score >= model.threshold)  # only its own score decides


def test_older_feature_set_model_folders_still_load_and_score_the_same(tmp_path: Path) -> None:
    folder = train_tiny(tmp_path / "tiny-fs1", feature_set=1)
    loaded = HoaxClassifier.load(folder)
    assert loaded.feature_set == 1
    assert loaded.card_["features"]["extra"] == list(EXTRA_FEATURE_NAMES)
    texts = ["tinta pemilu haram sebarkan", "jadwal pleno ppk besok pukul 09.00"]
    again = HoaxClassifier.load(folder)
    assert [s.hoax_score for s in loaded.predict(texts)] == [s.hoax_score for s in again.predict(texts)]
    two = HoaxClassifier.load(train_tiny(tmp_path / "tiny-fs2", feature_set=2))
    assert two.feature_set == 2 and two.card_["features"]["feature_set"] == 2
    assert two.card_["features"]["extra"] == [*EXTRA_FEATURE_NAMES, *GENRE_FEATURE_NAMES]
    three = HoaxClassifier.load(train_tiny(tmp_path / "tiny-fs3", feature_set=3))
    assert three.feature_set == 3 and three.card_["features"]["feature_set"] == 3
    # set 3 drops the relevance columns: "not election-relevant" is the pipeline's gate, not hoax evidence
    assert three.card_["features"]["extra"] == [*EXTRA_FEATURE_NAMES[:2], *GENRE_FEATURE_NAMES]
    assert three.preparer_.prepare(["Anies mundur"]).masked == ["paslonx mundur"]  # set 3 keeps the token
    four = HoaxClassifier.load(train_tiny(tmp_path / "tiny-fs4", feature_set=4))
    assert four.feature_set == 4 and four.card_["features"]["feature_set"] == 4
    assert four.preparer_.prepare(["Calon gubernur Anies mundur"]).masked == ["calon gubernur mundur"]
    five = HoaxClassifier.load(train_tiny(tmp_path / "tiny-fs5", feature_set=5))
    assert five.feature_set == 5 and five.card_["features"]["feature_set"] == 5
    assert five.preparer_.prepare(["Calon gubernur Anies mundur"]).masked == ["mundur"]
    assert five.preparer_.prepare(["Anies mundur – https://t.co/x"]).masked == ["mundur –"]  # set 5 keeps it
    six = HoaxClassifier.load(train_tiny(tmp_path / "tiny-fs6", feature_set=6))
    assert six.feature_set == 6 and six.card_["features"]["feature_set"] == 6
    assert six.preparer_.prepare(["Anies mundur – https://t.co/x"]).masked == ["mundur"]
    assert six.preparer_.prepare(["“Anies mundur” 🙏"]).masked == ["“ mundur” 🙏"]  # set 6 keeps them
    seven = HoaxClassifier.load(train_tiny(tmp_path / "tiny-fs7", feature_set=7))
    assert seven.feature_set == 7 and seven.card_["features"]["feature_set"] == 7
    assert seven.preparer_.prepare(["“Anies mundur” 🙏"]).masked == ["mundur"]
    assert seven.preparer_.prepare(["Viral! Anies mundur (foto)"]).masked == ["viral! mundur (foto)"]
    eight = HoaxClassifier.load(train_tiny(tmp_path / "tiny-fs8", feature_set=8))
    assert eight.feature_set == 8 and eight.card_["features"]["feature_set"] == 8
    assert eight.preparer_.prepare(["Viral! Anies mundur (foto)"]).masked == ["mundur"]
    assert eight.preparer_.prepare(["Anies mundur di Sekadau"]).masked == ["mundur di sekadau"]
    current = HoaxClassifier.load(train_tiny(tmp_path / "tiny-fs9"))
    assert current.feature_set == 9 and current.card_["features"]["feature_set"] == 9
    assert current.preparer_.prepare(["Anies mundur di Sekadau"]).masked == ["mundur di"]
    unfit = HoaxClassifier(REPO / "config" / "keywords.yml", feature_set=10)  # parameters are checked in fit
    with pytest.raises(ValueError, match="feature_set"):
        unfit.fit(["a", "b", "c", "d"], [0, 1, 0, 1])


def test_the_regional_election_frame_is_no_evidence_either_way(tmp_path: Path) -> None:
    """Feature set 5: the words that name a regional election and the offices it fills are dropped like the
    candidate references, so a Pilkada's chatter is not flagged for saying "calon gubernur" (the training's
    chatter is about the presidential election; those words came from older hoaxes). What is claimed, and
    where, stays; only the district's own places go, from set 9 (`test_a_place_is_no_evidence_either_way`)."""
    model = HoaxClassifier.load(train_tiny(tmp_path / "tiny"))
    prepare = model.preparer_.prepare
    said = [
        "Calon Gubernur Jawa Timur nomor urut 3 mencoblos di TPS 16 Surabaya",
        "Pilkada Sekadau: Bupati dan Wakil Bupati hadiri debat, pilbup makin seru",
        "Cawagub itu resmi didiskualifikasi, surat keputusannya beredar",
    ]
    bare = [
        "jawa timur mencoblos di tps 16 surabaya",
        ": dan hadiri debat, makin seru",
        "itu resmi didiskualifikasi, surat keputusannya beredar",
    ]
    assert prepare(said).masked == bare
    # The same claim about any office reads the same, for the score and for the debunk matcher.
    offices = [f"{office} sekadau sudah ditangkap kpk" for office in ("bupati", "wali kota", "gubernur")]
    assert len(set(prepare(offices).masked)) == 1
    assert model.preparer_.mask_one("Cagub Anies sudah ditangkap KPK") == "sudah ditangkap kpk"
    # Frame words are no part of other words, and a post of frame words alone is kept as it is.
    assert prepare(["bupatinya ramah", "Pilkada"]).masked == ["bupatinya ramah", "pilkada"]


def test_a_lone_separator_is_no_evidence_either_way(tmp_path: Path) -> None:
    """Feature set 6: a dash, bar or bullet standing alone is dropped from what the n-grams and the debunk
    matcher see. News shared as "Judul – https://..." kept the dash once the link was removed, and 2024.6
    flagged held-out headlines with " –" appended three times as often; " - " hid caught claims."""
    model = HoaxClassifier.load(train_tiny(tmp_path / "tiny"))
    plain = "Polda Papua minta bantuan 10 SSK untuk pengamanan pemilu 2024"
    shared = [f"{plain} {mark} https://t.co/yR90t2M8Lk" for mark in ("–", "-", "—", "|", "•", "»", "~")]
    shared += [f"• {plain} | detikNews", f"{plain} -- »"]
    bare = model.preparer_.prepare([plain]).masked[0]
    assert set(model.preparer_.prepare(shared).masked) == {bare} | {f"{bare} detiknews"}
    assert len(set(model.predict_proba(shared[:7]).tolist())) == 1
    assert model.preparer_.mask_one(shared[0]) == model.preparer_.mask_one(plain)
    # Marks inside or attached to words, and sentence punctuation, stay; a post of marks alone is kept.
    kept = model.preparer_.prepare(["periode 2019-2024 benar!!! ya?", "– | –"]).masked
    assert kept == ["periode 2019-2024 benar!!! ya?", "– | –"]


def test_quote_marks_emoji_and_retweets_are_no_evidence_either_way(tmp_path: Path) -> None:
    """Feature set 7: fact-checkers quote the claims they check and drop their emoji, the scraped headlines
    have no quote marks, and tweets start "RT @akun:" when retweeted; 2024.7 had learned quote marks as a sign
    of a hoax (a headline quoting a speaker in curly quotes: 49 % flagged instead of 7 %). The n-grams no
    longer see them; the cues still read the text as written."""
    model = HoaxClassifier.load(train_tiny(tmp_path / "tiny"))
    plain = "KPU: tahapan pemilu berjalan sesuai jadwal"
    written = [
        "KPU: “tahapan pemilu berjalan sesuai jadwal”",
        'KPU: "tahapan pemilu berjalan sesuai jadwal"',
        "KPU: ‘tahapan pemilu berjalan sesuai jadwal’",
        "RT @infopemilu: KPU: tahapan pemilu berjalan sesuai jadwal",
        "KPU: tahapan pemilu berjalan sesuai jadwal 🙏🇮🇩",
        "«KPU: tahapan pemilu berjalan sesuai jadwal» 😂😂",
    ]
    prepare = model.preparer_.prepare
    assert set(prepare(written).masked) == set(prepare([plain]).masked)
    assert len(set(model.predict_proba([plain, *written]).tolist())) == 1
    assert model.preparer_.mask_one(written[0]) == model.preparer_.mask_one(plain)
    # An apostrophe inside a word stays, and so does "RT" as a neighbourhood ("ketua RT 05").
    assert prepare(["Jum'at ketua RT 05 coblos"]).masked == ["jum'at ketua rt 05 coblos"]
    # The cues read the text before its marks go: a time range is an announcement, "?" a question.
    cues = prepare(["TPS dibuka pukul 07.00 – 13.00", "Benarkah TPS tutup jam 12?"]).genre_features()
    assert cues[0].tolist() == [0.0, 1.0, 0.0] and cues[1][2] > 0


def test_a_forwards_framing_is_no_evidence_either_way(tmp_path: Path) -> None:
    """Feature set 8: an opener ("Info:", "Viral!", "Breaking news:"), a condolence formula ("Innalillahi
    ...") and a bracketed media tag ("(foto)") say how a message was forwarded, and officials and newsrooms
    write them too; with set 7, "Info: " in front of a held-out election headline changed 10 % of the
    decisions. The n-grams and the debunk matcher no longer see them; the cues still do."""
    model = HoaxClassifier.load(train_tiny(tmp_path / "tiny"))
    plain = "Petugas KPPS di TPS 05 meninggal dunia setelah penghitungan suara"
    framed = [
        f"Info: {plain}",
        f"INFO TERKINI!! {plain}",
        f"Viral!!! {plain}",
        f"Breaking News: {plain}",
        f"[VIDEO] {plain}",
        f"(Viral) Update: {plain}",
        f"Innalillahi wa inna ilaihi roji'un, {plain}",
        f"Inalillahi... {plain} (foto)",
        f"{plain} [video]",
    ]
    prepare = model.preparer_.prepare
    assert set(prepare(framed).masked) == set(prepare([plain]).masked)
    assert len(set(model.predict_proba([plain, *framed]).tolist())) == 1
    assert model.preparer_.mask_one(framed[0]) == model.preparer_.mask_one(plain)
    # What says what happened stays: "beredar", "video viral", an opener without a mark after it (a
    # sentence), the word "foto" outside brackets; and a post of framing alone is kept as it is.
    kept = [
        "beredar video viral kotak suara dibakar",
        "info tps pindah ke balai desa",
        "foto c1 sudah diunggah",
    ]
    assert prepare([*kept, "Info:"]).masked == [*kept, "info:"]
    # The cues read the text as written.
    assert prepare([f"Info: {plain}"]).cues == [f"info: {plain.lower()}"]


def test_a_place_is_no_evidence_either_way(tmp_path: Path) -> None:
    """Feature set 9: the district's own places (the keywords' `places`) are dropped from what the n-grams
    and the debunk matcher see. The seed's ordinary posts name Sekadau far more often than its hoaxes, and
    2024.10 had learned the district's own name as -2.2 logit: "DPT di Sekadau banyak pemilih siluman"
    scored 0.06, the same claim about Kalimantan Barat 0.77. A place the district adds to the ACTIVE
    keywords is dropped without retraining."""
    folder = train_tiny(tmp_path / "tiny")
    model = HoaxClassifier.load(folder)
    claim = "DPT di {} banyak pemilih siluman, cek sebelum dihapus"
    places = ["Sekadau", "Kalimantan Barat", "Belitang Hulu", "Pontianak", "Kalbar", "Nanga Taman"]
    prepare = model.preparer_.prepare
    assert set(prepare([claim.format(p) for p in places]).masked) == set(prepare([claim.format("")]).masked)
    assert len(set(model.predict_proba([claim.format(p) for p in places]).tolist())) == 1
    # Multi-word names go whole ("belitang hulu" leaves no "hulu"); a place inside a word stays.
    assert prepare(["TPS 07 Belitang Hulu pindah", "sekadauku"]).masked == ["tps 07 pindah", "sekadauku"]
    # Set 8 still reads places (older model folders score as before).
    set8 = TextPreparer.for_feature_set(model.preparer_.keywords_file, 8)
    assert "sekadau" in set8.mask_one(claim.format("Sekadau"))
    # A new district's desa, listed only in the active keywords, is dropped at load.
    active = load_keywords(REPO / "config" / "keywords.yml")
    active = active.model_copy(update={"places": [*active.places, "Tapang Pulau"]})
    local = HoaxClassifier.load(folder, keywords=active)
    new_desa, bare = claim.format("Tapang Pulau"), claim.format("")
    assert local.preparer_.mask_one(new_desa) == local.preparer_.mask_one(bare)
    assert model.preparer_.mask_one(new_desa) != model.preparer_.mask_one(bare)


def test_naming_a_pair_or_a_party_is_no_evidence_either_way(tmp_path: Path) -> None:
    """Feature set 4: the masked references are dropped from what the n-grams see. In the public sets the
    non-hoaxes (news, chatter) name candidates far more often than circulated hoaxes do, so with the neutral
    token kept a model learned "names a pair = not a hoax" and missed real claims about candidates."""
    model = HoaxClassifier.load(train_tiny(tmp_path / "tiny"))
    bare = ["resmi mundur dari pilpres 2024", "surat suara sudah dicoblos di gudang kpu"]
    named = [
        "Anies resmi mundur dari pilpres 2024",
        "Surat suara PDIP sudah dicoblos 02 di gudang KPU",
    ]
    assert model.preparer_.prepare(named).masked == model.preparer_.prepare(bare).masked
    assert model.predict_proba(named).tolist() == model.predict_proba(bare).tolist()
    # The matcher masks claims the same way, so a claim naming a pair still matches its retelling.
    assert model.preparer_.mask_one("KPU mendiskualifikasi Prabowo-Gibran") == "kpu mendiskualifikasi"

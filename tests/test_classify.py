"""The classifier: skops round-trip, card, neutrality, hard negatives, claim matching, calibration."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import numpy as np
import pytest
from classify_corpus import REPO, corpus, known_claims, train_tiny

from monitor.classify import KnownClaim, Score, load_classifier
from monitor.classify.base import ClassifierError
from monitor.classify.calibration import choose_threshold, fit_platt
from monitor.classify.model import HoaxClassifier
from monitor.classify.neutrality import CandidateSwapper

KEYWORDS = REPO / "config" / "keywords.yml"
DEFAULT_MODEL = REPO / "models" / "default"


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return train_tiny(tmp_path_factory.mktemp("models") / "tiny-1")


@pytest.fixture(scope="module")
def model(tiny: Path) -> HoaxClassifier:
    return load_classifier(tiny)  # type: ignore[return-value]


def test_scores_follow_the_contract(model: HoaxClassifier) -> None:
    scores = model.predict(["SEBARKAN!! tinta pemilu mengandung babi", "besok pilkades di desa kami"])
    assert len(scores) == 2
    for score in scores:
        assert isinstance(score, Score)
        assert isinstance(score.hoax_score, float) and 0.0 <= score.hoax_score <= 1.0
        assert isinstance(score.flagged, bool)
        assert score.topics and all(isinstance(t, str) for t in score.topics)
        assert score.claim_status in (None, "suggested", "confirmed")
        assert all(isinstance(r, str) and r for r in score.reasons)
    assert model.predict([]) == []


def test_skops_round_trip_gives_identical_scores(tiny: Path, model: HoaxClassifier, tmp_path: Path) -> None:
    texts = [row["text"] for row in corpus()][:40]
    again = HoaxClassifier.load(tiny)
    assert np.allclose(model.predict_proba(texts), again.predict_proba(texts))
    again.save(tmp_path / "copy")
    third = load_classifier(tmp_path / "copy")
    assert [s.flagged for s in third.predict(texts)] == [s.flagged for s in model.predict(texts)]
    # The archive is skops (a zip with a schema), not a pickle.
    with zipfile.ZipFile(tiny / "model.skops") as archive:
        assert "schema.json" in archive.namelist()


def test_loading_refuses_untrusted_content(tmp_path: Path, tiny: Path) -> None:
    import shutil

    import skops.io as sio

    folder = tmp_path / "evil"
    shutil.copytree(tiny, folder)
    sio.dump({"word": Path("x"), "char": 1, "lr": 2, "calibrator": 3}, folder / "model.skops")
    with pytest.raises(ClassifierError, match="untrusted"):
        load_classifier(folder)
    (folder / "model.skops").unlink()
    with pytest.raises(ClassifierError, match="model.skops is missing"):
        load_classifier(folder)


def test_card_contents(tiny: Path) -> None:
    card = json.loads((tiny / "card.json").read_text(encoding="utf-8"))
    for key in (
        "version",
        "created_at",
        "threshold",
        "claim_thresholds",
        "keywords_version",
        "features",
        "embedder",
    ):
        assert key in card, key
    assert card["version"] == "tiny-1"
    assert 0.0 < card["threshold"] < 1.0
    assert card["features"]["candidate_masking"] is True
    assert card["embedder"]["kind"] == "tfidf"
    assert (tiny / "keywords.yml").is_file() and (tiny / "claims.jsonl").is_file()


@pytest.mark.skipif(not (DEFAULT_MODEL / "card.json").is_file(), reason="models/default not built")
def test_default_model_card_records_data_and_metrics() -> None:
    raw = (DEFAULT_MODEL / "card.json").read_text(encoding="utf-8")
    card = json.loads(raw)
    sources = card["data"]["sources"]
    assert sources[0]["name"] == "seed" and len(sources[0]["sha256"]) == 64 and sources[0]["rows"] > 0
    assert sources[0]["path"] == "data/seed/posts.jsonl"
    # every public file read is recorded by a path relative to ../shared/datasets, with its hash
    assert len(sources) > 10 and all(s["path"].startswith("datasets/") for s in sources[1:])
    assert all(len(s["sha256"]) == 64 for s in sources)
    assert "/work/" not in raw and "/home/" not in raw and "/tmp/" not in raw
    assert {"precision", "recall", "f1", "n"} <= set(card["metrics"]["all"])
    assert card["metrics"]["neutrality"]["decision_changes"] == 0
    suites = card["suites"]
    assert set(suites) == {"chatter", "claims", "headlines", "matching", "seed"}
    for name in ("chatter", "headlines"):
        assert suites[name]["metric"] == "fpr" and 0 < suites[name]["precision_at_3pct"] < 1
    assert suites["claims"]["metric"] == "recall" and suites["matching"]["claim_title"]["queries"] > 500


PARALLEL = [
    "SEBARKAN!! {a} curang, surat suara sudah dicoblos untuk {a} ditemukan di gudang",
    "sirekap menggelembungkan suara {a} di tps 07, ini bukan hoax, info dari grup sebelah",
    "Debat semalam {a} bicara soal harga pupuk, menurut saya masuk akal",
    "[HOAKS] {a} disebut akan menghapus bansos. Faktanya tidak ada pernyataan itu",
    "relawan {a} bagi-bagi sembako di Sekadau, apa itu boleh saat masa tenang?",
]
REFERENCES = {
    "01": ["Anies", "paslon 01", "Cak Imin", "Anies Baswedan", "Gus Imin", "nomor urut 1"],
    "02": ["Prabowo", "paslon 02", "Mas Gibran", "Prabowo Subianto", "Pak Bowo", "nomor urut 2"],
    "03": ["Ganjar", "paslon 03", "Pak Mahfud", "Ganjar Pranowo", "Mahfud MD", "nomor urut 3"],
}


def test_swapping_candidates_never_changes_a_score(model: HoaxClassifier) -> None:
    for template in PARALLEL:
        for i in range(len(REFERENCES["01"])):
            texts = [template.format(a=REFERENCES[pair][i]) for pair in ("01", "02", "03")]
            scores = model.predict(texts)
            assert len({s.hoax_score for s in scores}) == 1, texts
            assert len({s.flagged for s in scores}) == 1, texts
            assert len({s.claim_similarity for s in scores}) == 1, texts
            assert [s.candidates for s in scores] == [["01"], ["02"], ["03"]], texts


@pytest.mark.skipif(not (DEFAULT_MODEL / "card.json").is_file(), reason="models/default not built")
def test_swapper_variants_on_the_default_model() -> None:
    default = load_classifier(DEFAULT_MODEL)
    swapper = CandidateSwapper.from_file(KEYWORDS)
    post = "Prabowo-Gibran menang krn sirekap diatur, paslon 02 sudah pasti, SEBARKAN sebelum dihapus"
    variants = swapper.variants(post)
    assert len(variants) == 5 and any("Anies" in v for v in variants) and any("Ganjar" in v for v in variants)
    scores = default.predict([post, *variants])
    assert len({round(s.hoax_score, 12) for s in scores}) == 1
    assert len({s.flagged for s in scores}) == 1


HARD_NEGATIVES = [
    "[HOAKS] Tinta pemilu mengandung babi. Faktanya tinta sudah bersertifikat halal MUI.",
    "Cek fakta: klaim server Sirekap di Singapura salah, server KPU ada di dalam negeri.",
    "Klarifikasi KPU: tidak ada surat suara yang sudah dicoblos sebelum hari pemungutan.",
    "angka Sirekap di TPS 07 terbaca 831, di C hasil 31, sudah dilaporkan ke PPS",
    "pemilihan ketua OSIS minggu depan, calonnya tiga orang, pakai kotak suara kardus",
    "pilkades di desa sebelah berjalan damai, kotak suara dibuka jam 8",
]


@pytest.mark.skipif(not (DEFAULT_MODEL / "card.json").is_file(), reason="models/default not built")
def test_hard_negatives_are_not_flagged_by_the_default_model() -> None:
    default = load_classifier(DEFAULT_MODEL)
    scores = default.predict(HARD_NEGATIVES)
    assert [s.flagged for s in scores] == [False] * len(HARD_NEGATIVES), [
        (t, s.hoax_score, s.reasons) for t, s in zip(HARD_NEGATIVES, scores, strict=True) if s.flagged
    ]
    hoaxes = default.predict(
        [
            "SEBARKAN!! server sirekap ada di singapura, suara sudah diatur dari luar negeri sblm pemilu",
            "info dari grup sebelah: tinta pemilu mengandung babi jadi haram, jgn mau dicelup",
        ]
    )
    assert all(s.flagged for s in hoaxes), [(s.hoax_score, s.reasons) for s in hoaxes]


def test_claim_matching_suggested_and_confirmed(tiny: Path) -> None:
    model = HoaxClassifier.load(tiny)
    model.set_claim_thresholds(0.3, 0.6)
    verbatim, paraphrase, unrelated = model.predict(
        [
            "Server Sirekap KPU berada di Singapura dan suara diatur dari luar negeri.",
            "katanya sirekap servernya di singapura ya",
            "jadwal posyandu bulan depan hari selasa",
        ]
    )
    assert verbatim.claim_status == "confirmed" and verbatim.matched_claim_id == "kh-t01"
    assert verbatim.flagged
    assert any(r.startswith("mirip hoaks yang sudah dibantah: Server Sirekap") for r in verbatim.reasons)
    assert paraphrase.claim_status == "suggested" and paraphrase.matched_claim_id == "kh-t01"
    assert 0.3 <= paraphrase.claim_similarity < 0.6
    assert unrelated.claim_status is None and unrelated.matched_claim is None


def test_a_debunk_quoting_the_claim_is_not_flagged_by_the_match(tiny: Path) -> None:
    model = HoaxClassifier.load(tiny)
    model.set_claim_thresholds(0.3, 0.5)
    (debunk,) = model.predict(
        [
            "[HOAKS] Server Sirekap KPU berada di Singapura dan suara diatur dari luar negeri. "
            "Faktanya di Indonesia."
        ]
    )
    assert debunk.claim_status == "confirmed"
    assert debunk.flagged is False
    assert any("bantahan" in r for r in debunk.reasons)


def test_add_claims_from_a_feed(tiny: Path) -> None:
    model = HoaxClassifier.load(tiny)
    text = "Pemilih wajib membawa fotokopi akta kelahiran ke TPS atau suaranya hangus."
    assert model.predict([text])[0].matched_claim_id is None
    feed_claim = KnownClaim(
        id="https://cekfakta.example/akta",
        claim="Pemilih wajib membawa fotokopi akta kelahiran ke TPS, kalau tidak suaranya hangus.",
        verdict="hoaks",
        source_url="https://cekfakta.example/akta",
        date="2024-02-10",
    )
    model.add_claims([feed_claim, feed_claim])  # the same claim twice is kept once
    score = model.predict([text])[0]
    assert score.matched_claim_id == "https://cekfakta.example/akta"
    assert score.claim_status == "confirmed"
    assert len(model.matcher_) == len(known_claims()) + 1


def test_threshold_choice_keeps_precision_floor() -> None:
    rng = np.random.default_rng(3)
    labels = np.r_[np.ones(200, int), np.zeros(300, int)]
    probs = np.clip(np.r_[rng.normal(0.7, 0.15, 200), rng.normal(0.35, 0.15, 300)], 0, 1)
    for policy in ("max_f1", "max_recall"):
        choice = choose_threshold(probs, labels, 0.8, policy=policy)
        flagged = probs >= choice.threshold
        precision = (flagged & (labels == 1)).sum() / flagged.sum()
        assert precision >= 0.8 and choice.met_target
    recall_pick = choose_threshold(probs, labels, 0.8, policy="max_recall")
    f1_pick = choose_threshold(probs, labels, 0.8, policy="max_f1")
    assert recall_pick.recall >= f1_pick.recall and f1_pick.f1 >= recall_pick.f1
    with pytest.raises(ValueError, match="both labels"):
        choose_threshold(probs, np.ones_like(labels))


def test_platt_calibration_is_monotone_and_bounded() -> None:
    decision = np.linspace(-4, 4, 50)
    labels = (decision > 0).astype(int)  # perfectly separable: Platt's targets keep it off 0 and 1
    calibrator = fit_platt(decision, labels)
    probs = calibrator.predict_proba(decision.reshape(-1, 1))[:, 1]
    assert np.all(np.diff(probs) >= 0) and probs.min() > 0.0 and probs.max() < 1.0


def test_fit_rejects_bad_labels() -> None:
    model = HoaxClassifier(KEYWORDS)
    with pytest.raises(ValueError, match="both labels"):
        model.fit(["a b", "c d"], [1, 1])
    with pytest.raises(ValueError, match="2 texts but 1 labels"):
        model.fit(["a b", "c d"], [1])
    with pytest.raises(ClassifierError, match="not fitted"):
        model.predict(["x"])


def test_shown_claim_is_about_the_same_pair_without_changing_the_score(tiny: Path) -> None:
    model = HoaxClassifier.load(tiny)
    names = {"01": "Anies Baswedan", "02": "Prabowo Subianto", "03": "Ganjar Pranowo"}
    model.add_claims(
        KnownClaim(
            f"kh-p{key}",
            f"Kotak suara berisi surat suara tercoblos untuk {name} ditemukan di gudang.",
            "hoaks",
            None,
            None,
        )
        for key, name in names.items()
    )
    posts = [
        f"kotak suara berisi surat suara tercoblos untuk {name} ditemukan di gudang!!"
        for name in names.values()
    ]
    scores = model.predict(posts)
    assert [s.matched_claim_id for s in scores] == ["kh-p01", "kh-p02", "kh-p03"]
    assert len({s.claim_similarity for s in scores}) == 1
    assert len({s.hoax_score for s in scores}) == 1 and len({s.flagged for s in scores}) == 1


def test_model_file_naming_dangerous_types_is_refused_and_nothing_runs(tmp_path: Path) -> None:
    """A crafted model.skops naming builtins.exec, os.system and an object whose reduce would run a shell
    command is refused, naming the types, and the command never runs."""
    import os

    import skops.io as sio

    from monitor.classify.persist import load_state

    marker = tmp_path / "pwned"

    class Payload:
        def __reduce__(self):  # noqa: ANN204 - the attack: rebuilding the object would run a command
            return (os.system, (f"touch {marker}",))

    evil = tmp_path / "model.skops"
    sio.dump({"word": Payload(), "char": 1, "lr": exec, "calibrator": os.system}, evil)
    with pytest.raises(ClassifierError) as caught:
        load_state(evil)
    message = str(caught.value)
    assert "builtins.exec" in message and "posix.system" in message and "Payload" in message
    assert not marker.exists()

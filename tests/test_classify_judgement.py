"""The shipped model's judgement on REAL posts (../shared/datasets, skipped without it) and on the probes
officers reported: surface markers must not decide, cited cues must be faithful, evidence comes first."""

from __future__ import annotations

import random
import re
from pathlib import Path

import numpy as np
import pytest
from classify_corpus import REPO
from conftest import SHARED_DATASETS
from scipy.special import logit

from monitor.classify import KnownClaim, load_classifier, realdata
from monitor.classify.model import MARKER_WEIGHT_CAP
from monitor.classify.stopwords import STOP_WORDS
from monitor.classify.suites import subsample

MODEL = REPO / "models" / "default"
MARKERS = {
    "prefix Faktanya": lambda t: "Faktanya, " + t,
    "suffix Sebarkan": lambda t: t + " Sebarkan!",
    "prefix cek fakta": lambda t: "Cek fakta: " + t,
    "suffix copas dari grup": lambda t: t + " (copas dari grup sebelah)",
    "capitals": lambda t: t.upper(),
    # Lone separators, as news shared with a link leaves them ("Judul – https://...")
    "suffix en dash": lambda t: t + " –",
    "suffix hyphen": lambda t: t + " - ",
    "separator bar": lambda t: t + " | ",
    # How a text was written down: quoted, retweeted, with emoji
    "quoted end": lambda t: " ".join(t.split()[:-3]) + " “" + " ".join(t.split()[-3:]) + "”",
    "prefix RT": lambda t: "RT @akun: " + t,
    "suffix emoji": lambda t: t + " 😂🙏",
    # How a forward is framed: an opener, a condolence formula, a media tag
    "prefix Info": lambda t: "Info: " + t,
    "prefix Viral": lambda t: "Viral! " + t,
    "prefix Innalillahi": lambda t: "Innalillahi, " + t,
    "suffix (foto)": lambda t: t + " (foto)",
}


@pytest.fixture(scope="module")
def model():  # noqa: ANN201 - a HoaxClassifier
    return load_classifier(MODEL)


@pytest.fixture(scope="module")
def real_posts() -> list[str]:
    """200 held-out real chatter posts and 200 newest circulated claims (deterministic subsets)."""
    if not SHARED_DATASETS.is_dir():
        pytest.skip(f"{SHARED_DATASETS} is absent (the public datasets live outside the project)")
    chatter = subsample(list(realdata.read_pilkada_jatim(SHARED_DATASETS)), 100)
    chatter += subsample(list(realdata.read_rizano(SHARED_DATASETS)), 100)
    claims = subsample(list(realdata.read_tbh_2026(SHARED_DATASETS)), 200)
    return [r.text for r in chatter + claims]


@pytest.mark.shared
@pytest.mark.parametrize("marker", sorted(MARKERS))
def test_surface_markers_change_at_most_five_percent_of_decisions(model, real_posts, marker) -> None:
    before = [s.flagged for s in model.predict(real_posts)]
    after = [s.flagged for s in model.predict([MARKERS[marker](t) for t in real_posts])]
    changed = sum(a != b for a, b in zip(before, after, strict=True))
    assert changed / len(real_posts) <= 0.05, f"{marker}: {changed} of {len(real_posts)} decisions changed"


_CUES = re.compile(r"«([^»]+)»")


@pytest.mark.shared
def test_cited_cues_are_faithful(model, real_posts) -> None:
    """Removing the cited cue words lowers the score far more than removing as many other words."""
    rng = random.Random(5)
    cited_drops, random_drops = [], []
    scores = model.predict(real_posts)
    for text, score in zip(real_posts, scores, strict=True):
        cue_line = next((r for r in score.reasons if r.startswith("istilah pemicu")), None)
        if not score.flagged or cue_line is None:
            continue
        cue_words = {w for cue in _CUES.findall(cue_line) for w in cue.split() if w != "[paslon]"}
        words = text.split()
        keep = [w for w in words if re.sub(r"\W", "", w.lower()) not in cue_words]
        removed = len(words) - len(keep)
        others = [i for i, w in enumerate(words) if re.sub(r"\W", "", w.lower()) not in cue_words]
        if removed == 0 or len(others) < removed:
            continue
        drop_random = set(rng.sample(others, removed))
        shuffled = " ".join(w for i, w in enumerate(words) if i not in drop_random)
        new_cited, new_random = model.predict_proba([" ".join(keep), shuffled])
        cited_drops.append(score.hoax_score - new_cited)
        random_drops.append(score.hoax_score - new_random)
    assert len(cited_drops) >= 20
    assert np.mean(cited_drops) > 2 * max(np.mean(random_drops), 0.005)


def test_reasons_never_cite_function_words_or_the_elections_own_words(model) -> None:
    """«dari», «ini» say nothing; neither do «tps», «pemilu», «kpu»: every scored post is about the
    election, so its topic words are why it was scored, not why it looks false."""
    posts = [
        "Ini dari grup sebelah: server Sirekap ada di luar negeri, hasil pemilu kita sudah diatur asing",
        "Katanya surat suara sudah dicoblos duluan untuk paslon tertentu di gudang KPU, ini sudah viral",
        "Di TPS 29 Sebetung listrik padam saat menghitung, lanjut pakai genset.",
        "Pemilu di TPS kami ditunda, KPU bilang kotak suara hilang, sebarkan ke grup pemilu lain",
    ]
    topic_words = model.preparer_.topic_words
    assert {"tps", "pemilu", "kpu", "sirekap", "pilkada"} <= topic_words
    cited = 0
    for score in model.predict(posts):
        for line in score.reasons:
            if line.startswith("istilah pemicu"):
                for cue in _CUES.findall(line):
                    cited += 1
                    assert any(w not in STOP_WORDS and w not in topic_words for w in cue.split()), line
    assert cited >= 6  # the flagged posts still cite their content cues


def test_a_bracketed_marker_leaves_nothing_behind(model) -> None:
    """A bracketed marker such as "(copas dari grup sebelah)" is stripped with its brackets: the empty "( )"
    once left behind had char n-grams that leant towards "hoax", as much as the capped marker itself."""
    plain = "Sirekap error lagi, hasil di TPS 07 belum masuk"
    for marked in (f"{plain} (copas dari grup sebelah)", f"{plain} [Sebarkan!]", f"(Faktanya) {plain}"):
        assert model.preparer_.prepare([marked]).masked == model.preparer_.prepare([plain]).masked


def test_the_shipped_marker_columns_keep_to_the_cap(model) -> None:
    """The two surface-marker columns (debunk, forward) may inform but never decide: the shipped model was
    fitted with the current cap, and a marker alone moves a post's logit by at most that much."""
    start = len(model.word_.vocabulary_) + len(model.char_.vocabulary_)
    weights = model.lr_.coef_[0, start : start + 2]
    assert np.all(np.abs(weights) <= MARKER_WEIGHT_CAP + 1e-9), weights
    plain = "Server Sirekap ada di luar negeri, hasil pemilu kita dipegang asing"
    before, after = model.predict_proba([plain, plain + " Sebarkan!"])
    assert abs(logit(after) - logit(before)) <= MARKER_WEIGHT_CAP * abs(model.calibrator_.coef_[0, 0]) + 1e-6


def test_probes_officers_reported(model) -> None:
    ajakan, klarifikasi = model.predict(
        [
            "Ayo datang ke TPS tanggal 14 Februari, jangan golput",
            "❌ HOAKS! Beredar pesan berantai bahwa server Sirekap berada di luar negeri. KPU menegaskan "
            "informasi tersebut tidak benar; server Sirekap berada di Indonesia. #KPUMelayani",
        ]
    )
    assert not ajakan.flagged, ajakan.reasons
    assert not klarifikasi.flagged, klarifikasi.reasons


def test_matched_debunk_comes_first_with_its_source(model) -> None:
    score = model.predict(["Server Sirekap ada di luar negeri, hasil pemilu kita dipegang asing"])[0]
    assert score.matched_claim is not None
    assert score.reasons[0].startswith(("mirip hoaks", "kemungkinan mirip hoaks")), score.reasons


def test_a_true_fact_never_raises_a_flag(tmp_path: Path) -> None:
    fresh = load_classifier(MODEL)
    fact = "KPU memperpanjang masa pencocokan dan penelitian data pemilih di Kabupaten Sekadau hingga 20 Juli"
    fresh.add_claims([KnownClaim("fakta-1", fact, "benar", "https://kpu.go.id/berita/1", "2024-07-01")])
    score = fresh.predict([fact])[0]
    assert score.claim_status is None or score.matched_claim != fact
    assert any(r.startswith("sesuai fakta") for r in score.reasons), score.reasons
    assert not score.flagged or score.hoax_score >= fresh.threshold


def test_active_keywords_mask_at_load_and_a_version_mismatch_is_reported(caplog) -> None:
    import logging

    from monitor.text import load_keywords

    # The model's own copy has its training version (config/keywords.yml may have moved on since).
    trained = load_keywords(MODEL / "keywords.yml")
    same = load_classifier(MODEL, keywords=trained)
    assert same.keywords_mismatch is None
    active = load_keywords(REPO / "config" / "keywords.yml")
    newer = active.model_copy(update={"version": "2029.1"})
    with caplog.at_level(logging.WARNING, logger="monitor.classify.model"):
        model = load_classifier(MODEL, keywords=newer)
    assert model.keywords_mismatch is not None and "2029.1" in model.keywords_mismatch
    assert any("keywords version mismatch" in r.getMessage() for r in caplog.records)
    text = "Server Sirekap ada di luar negeri, hasil pemilu kita dipegang asing"
    assert model.predict([text])[0].hoax_score == pytest.approx(same.predict([text])[0].hoax_score)


def test_suites_also_report_the_relevant_part_an_officer_sees(model) -> None:
    """The pipeline scores only election-relevant posts: every rate is given over those rows too, and the
    report prints both lines."""
    from monitor.classify import suites
    from monitor.classify.datasets import LabelledText

    rows = [
        LabelledText("Server Sirekap ada di luar negeri, hasil pemilu kita dipegang asing", 1, "t"),
        LabelledText("Surat suara sudah dicoblos duluan di TPS 05, sebarkan!", 1, "t"),
        LabelledText("Resep nasi goreng kampung pakai terasi, enak sekali", 1, "t"),
    ]
    result = suites.rate_suite(model, "claims", rows)
    assert result.n == 3 and result.relevant is not None and result.relevant.n == 2
    flags = [s.flagged for s in model.predict([r.text for r in rows])]
    assert result.relevant.flagged == sum(flags[:2])
    shown = result.as_dict()
    assert shown["relevant"]["n"] == 2 and shown["relevant"]["metric"] == "recall"
    chatter = suites.RateResult("chatter", "fpr", 100, 8, relevant=suites.RateResult("chatter", "fpr", 50, 2))
    out = chatter.as_dict(recall=0.6, relevant_recall=0.4)
    assert out["relevant"]["value"] == 0.04
    assert out["relevant"]["precision_at_3pct"] == round(suites.precision_at(0.4, 0.04), 4)
    lines = suites.report_lines({"chatter": out})
    assert len(lines) == 2 and "relevan (masuk antrean): n=    50 fpr=0.0400" in lines[1]

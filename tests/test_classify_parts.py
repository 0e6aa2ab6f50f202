"""The classifier's parts: estimator conventions, the flag rule, the claim matcher, the model folder."""

from __future__ import annotations

import inspect
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from classify_corpus import REPO, corpus, known_claims

from monitor.classify import ClassifierError, KnownClaim, load_classifier
from monitor.classify.base import CLAIM_CONFIRMED, CLAIM_SUGGESTED
from monitor.classify.claims import CLAIM_THRESHOLDS, ClaimMatcher
from monitor.classify.decision import is_flagged
from monitor.classify.embed import TfidfEmbedder, char_tfidf
from monitor.classify.model import HoaxClassifier
from monitor.classify.persist import CARD_FILE, read_model_folder
from monitor.text.keywords import KeywordsError

KEYWORDS = REPO / "config" / "keywords.yml"
DEFAULT_MODEL = REPO / "models" / "default"


def test_init_records_parameters_and_reads_nothing(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere" / "keywords.yml"
    model = HoaxClassifier(missing, version="v", C=2.0, claim_thresholds=(0.3, 0.5))  # no file is read
    params = set(inspect.signature(HoaxClassifier.__init__).parameters) - {"self"}
    assert set(vars(model)) == params
    assert model.C == 2.0 and model.claim_thresholds == (0.3, 0.5) and model.keywords_file == missing
    with pytest.raises(ClassifierError, match="not fitted"):
        model.predict(["apa saja"])
    with pytest.raises(KeywordsError, match="nowhere/keywords.yml"):  # read in fit, named when missing
        model.fit(["a", "b", "c", "d"], [0, 1, 0, 1])


def test_everything_learned_ends_in_an_underscore() -> None:
    rows = corpus()
    model = HoaxClassifier(KEYWORDS, claims=known_claims(), min_df=1)
    before = set(vars(model))
    model.fit([r["text"] for r in rows], [r["label"] for r in rows])
    learned = set(vars(model)) - before
    assert {
        "word_",
        "char_",
        "lr_",
        "calibrator_",
        "threshold_",
        "matcher_",
        "preparer_",
        "fit_report_",
    } <= learned
    assert all(name.endswith("_") for name in learned), sorted(learned)
    # The saved state's names still reach the fitted estimators, and the protocol's threshold is settable.
    assert model.lr is model.lr_ and model.word is model.word_ and model.char is model.char_
    model.threshold = 0.9
    assert model.threshold_ == 0.9 and model.describe()["threshold"] == 0.9


def test_models_default_loads_with_its_card_values() -> None:
    model = load_classifier(DEFAULT_MODEL)
    assert isinstance(model, HoaxClassifier)
    card = json.loads((DEFAULT_MODEL / CARD_FILE).read_text(encoding="utf-8"))
    assert model.version == card["version"] and model.threshold == card["threshold"]
    assert model.describe()["claim_thresholds"] == card["claim_thresholds"]
    assert len(model.matcher_) == card["claims"] == len(model.matcher_.feature_claims)
    assert model.matcher_.shown.embedder is model.matcher_.features.embedder  # one char TF-IDF space


def test_an_imported_claim_archive_adds_evidence_without_moving_the_scores() -> None:
    """A district that imports a fact-checker's archive (`monitor claims import`) gets its debunks shown and
    confirmed matches flagged, while the scores of everything else stay as the model was judged."""
    model = load_classifier(DEFAULT_MODEL)
    posts = [
        "Ayo datang ke TPS tanggal 14 Februari, jangan golput",
        "KPU Sekadau gelar simulasi pemungutan suara di balai desa",
        "Server Sirekap ada di luar negeri, hasil pemilu kita dipegang asing",
        "Kotak suara di gudang kecamatan sudah dibuka malam-malam oleh orang tak dikenal",
    ]
    before = model.predict(posts)
    archive = [
        KnownClaim(f"archive-{i}", text, "SALAH", None, None)
        for i, text in enumerate(p["text"] for p in corpus() if p["label"] == 1)
    ]
    archive.append(
        KnownClaim("archive-box", "Kotak suara di gudang kecamatan dibuka malam-malam", "SALAH", None, None)
    )
    model.add_claims(archive)
    assert len(model.matcher_) > len(model.matcher_.feature_claims) + 50
    after = model.predict(posts)
    np.testing.assert_array_equal([s.hoax_score for s in after], [s.hoax_score for s in before])
    box = after[3]
    assert box.matched_claim_id == "archive-box" and box.claim_status == CLAIM_CONFIRMED and box.flagged
    # Rebuilding the matcher (new thresholds from config/monitor.toml) keeps the archive out of the features.
    model.set_claim_thresholds(0.45, 0.6)
    assert len(model.matcher_) > len(model.matcher_.feature_claims) + 50
    again = model.predict(posts)
    assert [s.hoax_score for s in again] == [s.hoax_score for s in after]


@pytest.mark.parametrize(
    ("case", "expected"),
    [
        ({}, True),  # at or above the threshold
        ({"score": 0.2}, False),
        ({"score": 0.2, "claim_status": CLAIM_CONFIRMED}, True),  # a confirmed debunk match flags alone
        ({"score": 0.2, "claim_status": CLAIM_SUGGESTED}, False),  # a suggestion never does
        ({"score": 0.2, "claim_status": CLAIM_CONFIRMED, "asking": True}, False),
        ({"score": 0.2, "claim_status": CLAIM_CONFIRMED, "debunk_term": "tidak benar"}, False),
        ({"invites": True}, False),  # "ayo datang ke TPS" is not flagged on its score alone
        ({"invites": True, "claim_status": CLAIM_SUGGESTED}, True),
        ({"debunk_term": "dibantah"}, False),  # set 3: a debunk by content is never flagged on its score
        ({"debunk_term": "dibantah", "feature_set": 2}, True),
    ],
)
def test_the_flag_rule(case: dict, expected: bool) -> None:
    fact = KnownClaim("f-1", "Fakta", "benar", None, None) if case.pop("fact", False) else None
    args = {
        "score": 0.8,
        "threshold": 0.6,
        "feature_set": 3,
        "claim_status": None,
        "debunk_term": None,
        "asking": False,
        "invites": False,
        "fact": fact,
    }
    assert is_flagged(**{**args, **case}) is expected


def test_a_confirmed_match_nearer_a_true_fact_does_not_flag() -> None:
    fact = KnownClaim("f-1", "Fakta", "benar", None, None)
    common = {"score": 0.1, "threshold": 0.6, "feature_set": 3, "debunk_term": None, "asking": False}
    assert is_flagged(**common, claim_status=CLAIM_CONFIRMED, invites=False, fact=None)
    assert not is_flagged(**common, claim_status=CLAIM_CONFIRMED, invites=False, fact=fact)


class _SentenceLike(TfidfEmbedder):
    """A dense embedder of another kind, standing in for a sentence-transformers model."""

    kind = "sentence-transformers"

    def encode_matrix(self, texts: list[str]) -> np.ndarray:
        return np.asarray(super().encode_matrix(texts).toarray(), dtype=np.float32)


def _fitted_tfidf(texts: list[str]) -> TfidfEmbedder:
    return TfidfEmbedder(char_tfidf(min_df=1).fit(texts))


def test_claim_matcher_without_a_sentence_model_adds_claims_to_what_is_shown_not_to_the_features() -> None:
    claims = known_claims()
    tfidf = _fitted_tfidf([c.claim.lower() for c in claims])
    matcher = ClaimMatcher(tfidf, str.lower, claims=claims)
    assert matcher.embedder is tfidf and matcher.features.embedder is tfidf
    assert (matcher.suggest_threshold, matcher.confirm_threshold) == CLAIM_THRESHOLDS["tfidf"]
    masked = [claims[1].claim.lower()]
    char = tfidf.encode_matrix(masked)
    computed = matcher.feature_matches(char)
    assert matcher.shown_matches(masked, char, computed) is computed  # same claims: reused
    new = KnownClaim("new-1", "Server rekapitulasi dipindah ke luar negeri", "salah", None, None)
    assert matcher.add([claims[0], new]) == 1
    assert len(matcher) == len(claims) + 1 and len(matcher.feature_claims) == len(claims)
    found = matcher.shown_matches(masked, char, computed)
    assert found.status == [CLAIM_CONFIRMED] and matcher.claims[int(found.index[0])].id == claims[1].id
    # A post retelling the added claim is shown it (and may be flagged by it); its features do not see it.
    retold = [new.claim.lower()]
    char = tfidf.encode_matrix(retold)
    shown = matcher.shown_matches(retold, char, matcher.feature_matches(char))
    assert matcher.claims[int(shown.index[0])].id == "new-1" and shown.status == [CLAIM_CONFIRMED]
    assert matcher.feature_matches(char).similarity[0] < shown.similarity[0]


def test_a_claim_base_too_big_to_keep_dense_is_matched_in_row_blocks_with_the_same_result(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from monitor.classify import claims as claims_module

    claims = known_claims()
    tfidf = _fitted_tfidf([c.claim.lower() for c in claims])
    posts = [c.claim.lower() for c in claims] * 70 + ["ayo ke tps besok pagi", "harga cabai naik lagi"]
    char = tfidf.encode_matrix(posts)
    dense = ClaimMatcher(tfidf, str.lower, claims=claims).shown.match(char)
    monkeypatch.setattr(claims_module, "DENSE_LIMIT", 0)  # keep the claims sparse, as a big archive is
    blocks: list[int] = []
    real_pool = claims_module.ThreadPoolExecutor

    def counting_pool(workers: int, **kwargs: object) -> object:
        blocks.append(workers)
        return real_pool(workers, **kwargs)

    monkeypatch.setattr(claims_module, "ThreadPoolExecutor", counting_pool)
    monkeypatch.setattr(claims_module.os, "sched_getaffinity", lambda _pid: {0, 1, 2})
    split = ClaimMatcher(tfidf, str.lower, claims=claims).shown.match(char)
    assert blocks == [3]  # 212 posts: one block per usable core (3), up to MATCH_THREADS
    assert split.sims is not None and dense.sims is not None
    np.testing.assert_allclose(split.sims, dense.sims, atol=1e-6)
    assert split.index.tolist() == dense.index.tolist() and split.status == dense.status
    assert split.status[-2:] == [None, None]
    # A small batch is not split.
    ClaimMatcher(tfidf, str.lower, claims=claims).shown.match(char[:10])
    assert blocks == [3]


def test_claim_matcher_with_a_handed_in_embedder_keeps_features_in_tfidf_space() -> None:
    claims = known_claims()
    texts = [c.claim.lower() for c in claims]
    tfidf, sentence = _fitted_tfidf(texts), _SentenceLike(char_tfidf(min_df=1).fit(texts))
    matcher = ClaimMatcher(tfidf, str.lower, embedder=sentence, thresholds=(0.5, 0.9), claims=claims)
    assert matcher.shown is not matcher.features and matcher.embedder is sentence
    assert (matcher.suggest_threshold, matcher.confirm_threshold) == (0.5, 0.9)
    assert (matcher.features.suggest_threshold, matcher.features.confirm_threshold) == CLAIM_THRESHOLDS[
        "tfidf"
    ]
    matcher.add([KnownClaim("new-1", "Klaim baru sekali", "salah", None, None)])
    assert len(matcher.shown) == len(claims) + 1 and len(matcher.features) == len(claims)
    char = tfidf.encode_matrix(texts[:1])
    assert isinstance(matcher.feature_matches(char).similarity, np.ndarray)
    shown = matcher.shown_matches(texts[:1], char, matcher.feature_matches(char))
    assert matcher.claims[int(shown.index[0])].id == claims[0].id  # found in the embedder's own space


def test_claims_and_persist_do_not_load_the_model() -> None:
    code = (
        "import sys, monitor.classify.claims, monitor.classify.persist, monitor.classify.decision; "
        "sys.exit('monitor.classify.model' in sys.modules)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr


def _trusted_after(code: str) -> tuple[list[str], bool]:
    """skops' trusted scikit-learn types, and whether torch got imported, in a fresh interpreter."""
    script = (
        f"{code}; import json, sys; from skops.io import _trusted_types as t; "
        "print(json.dumps([sorted(t.SKLEARN_ESTIMATOR_TYPE_NAMES), 'torch' in sys.modules]))"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=REPO, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr
    names, torch = json.loads(result.stdout.strip().splitlines()[-1])
    return names, torch


def test_loading_a_model_does_not_import_torch_and_trusts_the_same_types() -> None:
    lean, torch_lean = _trusted_after(
        "from pathlib import Path; from monitor.classify import load_classifier; "
        "load_classifier(Path('models/default')).predict_proba(['Server Sirekap di luar negeri'])"
    )
    plain, torch_plain = _trusted_after("import skops.io")
    assert not torch_lean and torch_plain  # the plain import pays for torch; the model load does not
    assert lean == plain and len(lean) > 100  # and skops trusts exactly the same estimator types


def test_a_broken_card_is_named(tmp_path: Path) -> None:
    folder = tmp_path / "m"
    folder.mkdir()
    for name in ("model.skops", "keywords.yml"):
        (folder / name).write_bytes((DEFAULT_MODEL / name).read_bytes())
    with pytest.raises(ClassifierError, match="card.json is missing"):
        read_model_folder(folder)
    (folder / CARD_FILE).write_text('{"version": "x",\n  oops}', encoding="utf-8")
    with pytest.raises(ClassifierError, match=r"card\.json: not valid JSON .*line 2"):
        read_model_folder(folder)

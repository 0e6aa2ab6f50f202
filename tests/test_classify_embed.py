"""The Embedder seam: TF-IDF fallback with a warning, and a tiny sentence-transformers model built here."""

from __future__ import annotations

import logging
import socket
from pathlib import Path

import numpy as np
import pytest
from classify_corpus import REPO, corpus, known_claims

from monitor.classify import load_classifier
from monitor.classify.embed import Embedder, SentenceTransformerEmbedder, TfidfEmbedder
from monitor.classify.model import HoaxClassifier

KEYWORDS = REPO / "config" / "keywords.yml"


@pytest.fixture
def connections(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """Every outgoing connection attempt, refused and recorded. "Falls back quickly" means: without
    waiting on the network at all, which holds however busy the machine is (a wall-clock bound does not)."""
    attempts: list[object] = []

    def refuse(self: socket.socket, address: object) -> None:
        attempts.append(address)
        raise OSError("network disabled in this test")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    return attempts


def _unit_rows(matrix: np.ndarray) -> bool:
    return bool(np.allclose(np.linalg.norm(matrix, axis=1), 1.0, atol=1e-5))


def test_no_setting_falls_back_to_tfidf_with_a_warning(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="monitor.classify.embed"):
        embedder = Embedder.from_setting(None)
    assert isinstance(embedder, TfidfEmbedder)
    assert any(r.levelno == logging.WARNING and "TF-IDF" in r.getMessage() for r in caplog.records)
    vectors = embedder.encode(
        ["server sirekap di singapura", "cek dpt online pakai nik", "tinta pemilu halal"]
    )
    assert vectors.shape[0] == 3 and _unit_rows(vectors)


def test_missing_folder_falls_back_quickly(
    caplog: pytest.LogCaptureFixture, tmp_path: Path, connections: list[object]
) -> None:
    with caplog.at_level(logging.WARNING, logger="monitor.classify.embed"):
        embedder = Embedder.from_setting(str(tmp_path / "no-such-model"))
    assert isinstance(embedder, TfidfEmbedder)
    assert connections == []  # a missing folder never goes to the network
    assert any("no-such-model" in r.getMessage() and "TF-IDF" in r.getMessage() for r in caplog.records)


def test_uncached_hub_name_offline_falls_back_without_network(
    caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch, connections: list[object]
) -> None:
    monkeypatch.setenv("MONITOR_OFFLINE", "1")
    with caplog.at_level(logging.WARNING, logger="monitor.classify.embed"):
        embedder = Embedder.from_setting("example-org/model-that-is-not-cached")
    assert isinstance(embedder, TfidfEmbedder)
    assert connections == []  # offline: not one connection attempted, so no timeout to wait out
    assert any("model-that-is-not-cached" in r.getMessage() for r in caplog.records)


def test_a_folder_that_is_not_a_model_falls_back(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    (tmp_path / "notes.txt").write_text("not a model", encoding="utf-8")
    with caplog.at_level(logging.WARNING, logger="monitor.classify.embed"):
        assert isinstance(Embedder.from_setting(str(tmp_path)), TfidfEmbedder)
    assert any("modules.json" in r.getMessage() for r in caplog.records)


def build_tiny_sentence_transformer(folder: Path) -> Path:
    """A StaticEmbedding over a WordPiece tokenizer trained here on a few hundred sentences."""
    from sentence_transformers import SentenceTransformer
    from tokenizers import Tokenizer, models, normalizers, pre_tokenizers, trainers

    try:
        from sentence_transformers.sentence_transformer.modules import StaticEmbedding
    except ImportError:  # older sentence-transformers
        from sentence_transformers.models import StaticEmbedding

    sentences = [row["text"] for row in corpus()] + [claim.claim for claim in known_claims()]
    sentences = sentences * 3  # a few hundred sentences
    tokenizer = Tokenizer(models.WordPiece(unk_token="[UNK]"))
    tokenizer.normalizer = normalizers.BertNormalizer(lowercase=True)
    tokenizer.pre_tokenizer = pre_tokenizers.Whitespace()
    tokenizer.train_from_iterator(
        sentences, trainers.WordPieceTrainer(vocab_size=400, special_tokens=["[UNK]", "[PAD]"])
    )
    model = SentenceTransformer(modules=[StaticEmbedding(tokenizer, embedding_dim=24)], device="cpu")
    model.save(str(folder))
    return folder


@pytest.fixture(scope="module")
def tiny_st(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_tiny_sentence_transformer(tmp_path_factory.mktemp("st") / "tiny-static")


def test_tiny_sentence_transformer_loads_from_disk(tiny_st: Path) -> None:
    embedder = Embedder.from_setting(str(tiny_st))
    assert isinstance(embedder, SentenceTransformerEmbedder)
    vectors = embedder.encode(["server sirekap di singapura", "tinta pemilu halal"])
    assert vectors.shape == (2, 24) and vectors.dtype == np.float32 and _unit_rows(vectors)
    assert embedder.encode([]).shape == (0, 24)
    assert embedder.describe()["kind"] == "sentence-transformers"


def test_classifier_with_embedding_features_round_trips(tiny_st: Path, tmp_path: Path) -> None:
    embedder = Embedder.from_setting(str(tiny_st))
    rows = corpus()
    model = HoaxClassifier(
        KEYWORDS, version="emb-1", claims=known_claims(), embedder=embedder, embedding_features=True, min_df=1
    )
    model.fit([r["text"] for r in rows], [r["label"] for r in rows])
    model.save(tmp_path / "emb-1")
    assert (tmp_path / "emb-1" / "embedder" / "modules.json").is_file()
    loaded = load_classifier(tmp_path / "emb-1")
    texts = ["SEBARKAN server sirekap di singapura", "cara cek dpt online pakai nik", "pilkades besok"]
    assert np.allclose(model.predict_proba(texts), loaded.predict_proba(texts))
    card = loaded.card_
    assert card["features"]["embedding"] is True and card["embedder"]["kind"] == "sentence-transformers"
    # Claims are matched in the embedding space; thresholds come from the card.
    score = loaded.predict(["Server Sirekap KPU berada di Singapura dan suara diatur dari luar negeri."])[0]
    assert score.matched_claim_id == "kh-t01" and score.claim_similarity > 0.9

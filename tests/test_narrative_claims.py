"""Claim-anchored grouping: a narrative is the retellings of ONE known claim, whatever their wording.

Posts the classifier matched to the same known debunk share that claim's narrative even when they share
almost no words; posts it left unmatched join the claim's narrative when close enough to the claim's own
wording (`[narratives] claim_anchor_threshold`); one claim told about two pairs is one narrative naming both,
and debunks that differ only by the pair they name are one claim; the anchor survives a restart (it is
stored as the narrative's known claim). SQLite and PostgreSQL.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from sqlalchemy import select
from test_narrative_roles import AT, ingest

from monitor.classify.embed import TfidfEmbedder
from monitor.config import Settings, load_settings
from monitor.narratives import NarrativeGrouper, VectorSpace, forget_indexes
from monitor.narratives.index import NarrativeIndex, PostItem
from monitor.store import Database
from monitor.store.schema import KnownClaim, Narrative, NarrativeMember, NarrativeResponse, Post

REPO = Path(__file__).resolve().parent.parent
CLAIM = "Surat suara sudah dicoblos untuk satu paslon sebelum hari pemungutan suara"
# Three retellings of CLAIM that share few words with each other (TF-IDF similarity well below the bar).
RETELLINGS = [
    "Di gudang logistik kecamatan ketemu kotak penuh kertas suara yg udah ada lubangnya, pemilu curang",
    "Paslon itu sudah menang duluan, surat suaranya dicoblos petugas sebelum tanggal 14. Sebarkan",
    "Kertas suara sudah bolong duluan sebelum hari pencoblosan, hasil TPS pasti sudah diatur",
]


def grouped_settings(db: Database, **narratives: float) -> Settings:
    # A paraphrase bar no retelling reaches: whatever joins here joins through its claim.
    return load_settings(
        REPO / "config" / "monitor.toml",
        database_url=db.url,
        home=REPO,
        narratives={"similarity_threshold": 0.95, **narratives},
    )


def members_by_post(db: Database) -> dict[str, tuple[int | None, str | None]]:
    with db.session() as session:
        rows = session.execute(
            select(Post.native_id, Post.narrative_id, NarrativeMember.method).join(
                NarrativeMember, NarrativeMember.post_id == Post.id, isouter=True
            )
        ).all()
    return {native: (narrative, method) for native, narrative, method in rows}


def test_posts_matched_to_one_claim_share_its_narrative_whatever_their_wording(db: Database) -> None:
    forget_indexes()
    settings = grouped_settings(db)
    posts = [{"id": f"r{i}", "text": text, "claim": CLAIM} for i, text in enumerate(RETELLINGS)]
    ingest(db, settings, posts)
    stats = NarrativeGrouper(db, settings).assign_pending()
    assert stats.assigned == 3 and stats.new_narratives == 1
    grouped = members_by_post(db)
    assert len({grouped[f"r{i}"][0] for i in range(3)}) == 1
    assert [grouped[f"r{i}"][1] for i in range(3)] == ["new", "claim", "claim"]
    with db.session() as session:
        narrative = session.scalars(select(Narrative)).one()
        assert narrative.label == CLAIM  # titled by the claim's wording
        assert narrative.known_claim_id is not None


def test_one_claim_told_about_two_pairs_is_one_narrative_naming_both(db: Database) -> None:
    forget_indexes()
    settings = grouped_settings(db)
    posts = [
        {"id": "a1", "text": RETELLINGS[0], "claim": CLAIM, "candidates": ["01"]},
        {"id": "a2", "text": RETELLINGS[1], "claim": CLAIM, "candidates": ["01"]},
        {"id": "b1", "text": RETELLINGS[2], "claim": CLAIM, "candidates": ["02"]},
        {"id": "n1", "text": RETELLINGS[2] + " wkwk", "claim": CLAIM},
    ]
    ingest(db, settings, posts)
    NarrativeGrouper(db, settings).assign_pending()
    grouped = members_by_post(db)
    assert len({grouped[p][0] for p in ("a1", "a2", "b1", "n1")}) == 1
    with db.session() as session:
        narrative = session.scalars(select(Narrative)).one()
        assert sorted(narrative.candidates) == ["01", "02"]  # the pairs named, as an attribute


def test_debunks_that_differ_only_by_the_pair_are_one_claim_and_answer_only_their_pairs(db: Database) -> None:
    """One debunk per pair ("... tercoblos untuk Anies–Muhaimin", "... untuk Prabowo–Gibran") is one claim
    family: posts matched to either share a narrative. A clarification naming a pair that none of the
    narrative's members name does not attach to it; one naming a member's pair does."""
    forget_indexes()
    settings = grouped_settings(db, similarity_threshold=0.28)  # the TF-IDF default: responses attach
    found = "Surat suara yang sudah tercoblos untuk pasangan {} ditemukan di gudang"
    claim_01 = found.format("Anies Baswedan–Muhaimin Iskandar")
    claim_02 = found.format("Prabowo Subianto–Gibran Rakabuming Raka")
    clarification = (
        "[HOAKS] Kotak penuh kertas suara yg udah ada lubangnya di gudang logistik untuk {}? Tidak benar"
    )
    posts = [
        {"id": "a1", "text": RETELLINGS[0], "claim": claim_01, "candidates": ["01"]},
        {"id": "b1", "text": RETELLINGS[1], "claim": claim_02, "candidates": ["02"]},
        {"id": "kpu03", "text": clarification.format("Ganjar–Mahfud"), "claim": claim_01, "score": 0.0},
        {"id": "kpu01", "text": clarification.format("Anies–Muhaimin"), "claim": claim_01, "score": 0.0},
    ]
    posts[2]["candidates"], posts[3]["candidates"] = ["03"], ["01"]
    ids = ingest(db, settings, posts)
    NarrativeGrouper(db, settings).assign_pending()
    grouped = members_by_post(db)
    assert grouped["a1"][0] == grouped["b1"][0] is not None
    assert grouped["b1"][1] == "claim"
    with db.session() as session:
        links = dict(session.execute(select(NarrativeResponse.post_id, NarrativeResponse.narrative_id)).all())
        narrative = session.get(Narrative, grouped["a1"][0])
        assert narrative is not None
        # Titled by the claim, naming no pair: one pair's debunk wording does not stand for both.
        assert (
            narrative.label
            == "Surat suara yang sudah tercoblos untuk pasangan calon tertentu ditemukan di gudang"
        )
        assert narrative.candidates == ["01", "02"]
    assert links == {ids["kpu03"]: None, ids["kpu01"]: grouped["a1"][0]}


def test_unmatched_posts_anchor_to_the_known_claim_by_its_wording_and_the_anchor_survives_a_restart(
    db: Database,
) -> None:
    forget_indexes()
    settings = grouped_settings(db, claim_anchor_threshold=0.3)
    with db.session() as session:
        session.add(KnownClaim(key="kh-anchor", claim=CLAIM, verdict="hoaks", topics=[]))
        session.add(KnownClaim(key="kh-other", claim="Tinta pemilu mengandung lemak babi", verdict="hoaks"))
    # Close to the claim's wording, but the classifier reported no match (matched_claim_id stays empty).
    first = "Surat suara sudah dicoblos untuk paslon itu sebelum hari pemungutan suara, cek gudang"
    second = "Katanya surat suara udah dicoblos buat satu paslon sebelum hari pemungutan, ngeri"
    unrelated = "Petugas TPS di Sekadau menolak saksi masuk saat penghitungan suara, rekam semua"
    ingest(db, settings, [{"id": "u1", "text": first}, {"id": "x1", "text": unrelated, "minutes": 20}])
    NarrativeGrouper(db, settings).assign_pending()
    with db.session() as session:
        anchor_id = session.scalar(select(KnownClaim.id).where(KnownClaim.key == "kh-anchor"))
        anchored = session.scalars(select(Narrative).where(Narrative.known_claim_id == anchor_id)).all()
        assert len(anchored) == 1
        assert anchored[0].label == CLAIM
        assert session.scalar(select(Post.matched_claim_id).where(Post.native_id == "u1")) is None
    grouped = members_by_post(db)
    assert grouped["u1"][0] == anchored[0].id
    assert grouped["x1"][0] not in (None, anchored[0].id)  # flagged, far from every claim: its own narrative

    # A new process (nothing cached): the anchor comes back from the store and the next retelling joins.
    forget_indexes()
    ingest(db, settings, [{"id": "u2", "text": second, "minutes": 40}])
    NarrativeGrouper(db, settings).assign_pending()
    grouped = members_by_post(db)
    assert grouped["u2"] == (anchored[0].id, "claim")


def test_no_anchoring_without_a_threshold_for_the_space(db: Database) -> None:
    """A space with no measured anchor bar (a sentence model) groups by similarity only unless configured."""
    settings = grouped_settings(db)
    space = VectorSpace.from_settings(settings, embedder=TfidfEmbedder())
    assert space.default_anchor_threshold() == 0.3
    space.kind = "sentence-transformers"
    assert space.default_anchor_threshold() is None
    assert NarrativeGrouper(db, settings, space).anchor_threshold is None


def test_claim_narrative_is_not_taken_from_an_evicted_narrative() -> None:
    index = NarrativeIndex(4, similarity_threshold=0.99)
    vector = np.array([1, 0, 0, 0], dtype=np.float32)
    other = np.array([0, 1, 0, 0], dtype=np.float32)
    first = index.assign([PostItem(1, "a b c", AT, claim_id=7)], vector[None, :])[0]
    index.evict_before(AT.replace(year=AT.year + 1))
    later = AT.replace(year=AT.year + 1)
    second = index.assign([PostItem(2, "d e f", later, claim_id=7)], other[None, :])[0]
    assert second.created and second.slot != first.slot
    third = index.assign([PostItem(3, "g h i", later, claim_id=7)], vector[None, :])[0]
    assert (third.slot, third.method) == (second.slot, "claim")

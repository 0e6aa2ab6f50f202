"""Narratives of one claim: debunks, news and official posts answer a narrative without joining it; a debunk
naming a pair answers only that pair's narrative; titles come from the claim; grouping resumes after a crash;
an analyst's merge and split are audited; ranking is by flagged posts × reach × growth."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select, update
from typer.testing import CliRunner

from monitor import triage
from monitor.classify.embed import TfidfEmbedder
from monitor.config import Settings, load_settings
from monitor.narratives import (
    NarrativeGrouper,
    VectorSpace,
    assign_new_posts,
    forget_indexes,
    post_role,
    rank_score,
    top_narratives,
)
from monitor.pipeline import Pipeline
from monitor.records import RawPost
from monitor.store import Database
from monitor.store import narratives as store
from monitor.store.schema import KnownClaim, Narrative, NarrativeMember, NarrativeResponse, Post, TriageEvent

REPO = Path(__file__).resolve().parent.parent
AT = datetime(2024, 2, 10, 3, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def space() -> VectorSpace:
    return VectorSpace.from_settings(
        load_settings(REPO / "config" / "monitor.toml", home=REPO), embedder=TfidfEmbedder()
    )


def ingest(db: Database, settings: Settings, posts: list[dict]) -> dict[str, int]:
    """Store posts (keys: id, text, and optionally platform, author_name, score, flagged, candidates,
    claim, minutes) and their scores; returns native id -> post id."""
    records = [
        RawPost(
            platform=p.get("platform", "x"),
            native_id=p["id"],
            text=p["text"],
            created_at=AT + timedelta(minutes=p.get("minutes", i * 10)),
            author_name=p.get("author_name"),
            author_handle=p.get("author_handle"),
            views=p.get("views", 100),
        )
        for i, p in enumerate(posts)
    ]
    stats = Pipeline(db, settings).ingest(records)
    assert stats.relevant == len(posts), "every test post must be election-relevant"
    with db.session() as session:
        ids = dict(session.execute(select(Post.native_id, Post.id)).all())
        claims: dict[str, int] = {}
        for p in posts:
            if p.get("claim") and p["claim"] not in claims:
                row = KnownClaim(key=f"kh-{len(claims)}", claim=p["claim"], verdict="hoaks", topics=[])
                session.add(row)
                session.flush()
                claims[p["claim"]] = row.id
        triage.record_scores(
            session,
            "test-model",
            [
                {
                    "post_id": ids[p["id"]],
                    "score": p.get("score", 0.9),
                    "flagged": p.get("flagged", p.get("score", 0.9) >= 0.5),
                    "matched_claim_id": claims.get(p.get("claim")),
                    "reach": p.get("views", 100),
                }
                for p in posts
            ],
        )
        for p in posts:
            if "candidates" in p:
                session.execute(
                    update(Post).where(Post.id == ids[p["id"]]).values(candidates=p["candidates"])
                )
    return ids


SIREKAP = "Server Sirekap berada di China dan data suara dikirim ke luar negeri"
SIREKAP_POSTS = [
    {
        "id": "h1",
        "text": "Server Sirekap KPU ternyata ada di China, data suara kita dikirim ke luar negeri! Sebarkan",
    },
    {
        "id": "h2",
        "text": "Data suara pemilu di Sirekap disimpan di server China, suara rakyat dikirim ke luar negeri",
    },
    {
        "id": "d1",
        "text": "[HOAKS] Beredar klaim bahwa server Sirekap ada di China dan data suara dikirim ke luar "
        "negeri. Faktanya KPU sudah membantah.",
        "score": 0.05,
        "platform": "telegram",
    },
    {
        "id": "o1",
        "text": "Server Sirekap berada di Indonesia, data suara pemilu tidak dikirim ke China. #KPUSekadau",
        "score": 0.02,
        "author_name": "KPU Kabupaten Sekadau",
    },
    {"id": "n1", "text": "KPU Bantah Server Sirekap Pemilu Ada di China", "score": 0.1, "platform": "news"},
]


def test_roles_from_source_then_wording() -> None:
    assert post_role(text="KPU Bantah Server Sirekap di China", platform="news") == "news"
    assert (
        post_role(text="Jadwal pleno besok", platform="x", author_name="Bawaslu Kabupaten Sekadau")
        == "official"
    )
    assert (
        post_role(
            text="Jadwal pleno", platform="x", author_handle="@KPU_Sekadau", official_handles=["kpu_sekadau"]
        )
        == "official"
    )
    assert post_role(text="Cek fakta: klaim tinta babi tidak benar", platform="x") == "debunk"
    assert post_role(text="Ini bukan hoaks! Tinta pemilu mengandung babi, sebarkan", platform="x") == "member"
    assert post_role(text="Tinta pemilu mengandung babi, KPU tidak benar", platform="x") == "member"


def test_debunks_news_and_official_posts_answer_without_joining(
    db: Database, settings: Settings, space: VectorSpace
) -> None:
    posts = [{**p, "claim": SIREKAP} for p in SIREKAP_POSTS]
    ids = ingest(db, settings, posts)
    stats = NarrativeGrouper(db, settings, space).assign_pending()
    assert stats.assigned == 2 and stats.new_narratives == 1 and stats.responses == 3
    with db.session() as session:
        (narrative,) = session.scalars(select(Narrative))
        members = set(session.scalars(select(Post.id).where(Post.narrative_id == narrative.id)))
        assert members == {ids["h1"], ids["h2"]}
        responses = dict(session.execute(select(NarrativeResponse.post_id, NarrativeResponse.kind)).all())
        assert responses == {ids["d1"]: "debunk", ids["o1"]: "official", ids["n1"]: "news"}
        assert {r.narrative_id for r in session.scalars(select(NarrativeResponse))} == {narrative.id}
        # The title is the claim as the debunk words it; the count and the quote are members only.
        assert narrative.label == SIREKAP
        assert narrative.post_count == 2
        assert {p.id for p, _m in store.narrative_posts(session, narrative.id)} == members
        assert store.response_counts(session, [narrative.id]) == {
            narrative.id: {"debunk": 1, "official": 1, "news": 1}
        }
        assert store.count_posts_to_group(session, settings.narratives.score_floor) == 0


def test_a_debunk_naming_a_pair_answers_only_that_pairs_narrative(
    db: Database, settings: Settings, space: VectorSpace
) -> None:
    posts = [
        {
            "id": "h02",
            "text": "Surat suara sudah tercoblos untuk paslon 02 ditemukan di gudang logistik Sekadau",
            "candidates": ["02"],
        },
        {
            "id": "d01",
            "text": "[HOAKS] Beredar klaim surat suara sudah tercoblos untuk paslon 01 ditemukan di gudang "
            "logistik. Faktanya tidak ada.",
            "candidates": ["01"],
            "score": 0.1,
        },
        {
            "id": "d02",
            "text": "[HOAKS] Beredar klaim surat suara sudah tercoblos untuk paslon 02 ditemukan di gudang "
            "logistik. Faktanya tidak ada.",
            "candidates": ["02"],
            "score": 0.1,
        },
    ]
    claim = "Surat suara sudah tercoblos ditemukan di gudang logistik"
    ids = ingest(db, settings, [{**p, "claim": claim} for p in posts])
    NarrativeGrouper(db, settings, space).assign_pending()
    with db.session() as session:
        (narrative,) = session.scalars(select(Narrative))
        assert narrative.candidates == ["02"]
        links = dict(session.execute(select(NarrativeResponse.post_id, NarrativeResponse.narrative_id)).all())
        assert links == {ids["d01"]: None, ids["d02"]: narrative.id}


def test_grouping_resumes_after_a_crash_mid_run(
    db: Database, monkeypatch: pytest.MonkeyPatch, space: VectorSpace
) -> None:
    """A run dies after two batches (as with kill -9: the open transaction is lost); the next run groups
    exactly the posts still waiting, and the result equals an uninterrupted run."""
    settings = load_settings(
        REPO / "config" / "monitor.toml", database_url=db.url, home=REPO, narratives={"batch_size": 2}
    )
    rows = [json.loads(line) for line in (REPO / "tests/fixtures/narratives_labelled.jsonl").open()][:30]
    posts = [{"id": r["id"], "text": r["text"], "minutes": i} for i, r in enumerate(rows)]
    ingest(db, settings, posts)
    real = store.refresh_stats
    calls = {"n": 0}

    def dies_on_third_batch(session, narrative_ids, **options):
        calls["n"] += 1
        if calls["n"] == 3:
            raise KeyboardInterrupt("killed")
        return real(session, narrative_ids, **options)

    monkeypatch.setattr(store, "refresh_stats", dies_on_third_batch)
    grouper = NarrativeGrouper(db, settings, space)
    with pytest.raises(KeyboardInterrupt):
        grouper.assign_pending()
    with db.session() as session:
        assert session.scalar(select(func.count()).select_from(NarrativeMember)) == 4  # two batches saved
        assert store.count_posts_to_group(session, settings.narratives.score_floor) == len(posts) - 4
    monkeypatch.setattr(store, "refresh_stats", real)
    resumed = NarrativeGrouper(db, settings, space)  # a new process: the index comes from the store
    assert resumed.assign_pending().assigned == len(posts) - 4
    with db.session() as session:
        assert store.count_posts_to_group(session, settings.narratives.score_floor) == 0
        assert session.scalar(select(func.count()).select_from(NarrativeMember)) == len(posts)
        counted = session.scalar(select(func.sum(Narrative.post_count)))
        assert counted == len(posts)
        empty = session.scalar(select(func.count()).select_from(Narrative).where(Narrative.post_count == 0))
        assert empty == 0


def test_cli_merge_and_split_are_audited(sqlite_db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    settings = load_settings(REPO / "config" / "monitor.toml", database_url=sqlite_db.url, home=REPO)
    posts = [
        {"id": "t1", "text": "Tinta pemilu 2024 mengandung babi, jangan mau dicelup"},
        {"id": "t2", "text": "Katanya tinta pemilu tidak halal karena ada unsur babi"},
        {"id": "g1", "text": "Golput akan didenda Rp 5 juta oleh KPU setelah pemilu"},
    ]
    ids = ingest(sqlite_db, settings, posts)
    forget_indexes()
    assert assign_new_posts(sqlite_db, settings) == 3
    with sqlite_db.session() as session:
        narrative_of = dict(session.execute(select(Post.id, Post.narrative_id)).all())
    tinta, golput = narrative_of[ids["t1"]], narrative_of[ids["g1"]]
    assert tinta != golput
    monkeypatch.setenv("MONITOR_HOME", str(REPO))
    monkeypatch.setenv("MONITOR_DATABASE_URL", sqlite_db.url)
    from monitor.cli import app

    runner = CliRunner()
    merged = runner.invoke(app, ["narratives", "merge", str(tinta), str(golput), "--by", "analis1"])
    assert merged.exit_code == 0, merged.output
    in_tinta = sum(1 for n in narrative_of.values() if n == tinta)
    with sqlite_db.session() as session:
        assert session.scalar(select(func.count()).where(Post.narrative_id == golput)) == 0
        assert session.get(Post, ids["g1"]).narrative_id == tinta
        assert session.get(Narrative, golput).status == f"merged:{tinta}"
        assert session.get(Narrative, golput).post_count == 0
        assert session.get(Narrative, tinta).post_count == in_tinta + 1
    split = runner.invoke(
        app, ["narratives", "split", str(tinta), "--posts", str(ids["g1"]), "--by", "analis1"]
    )
    assert split.exit_code == 0, split.output
    with sqlite_db.session() as session:
        moved = session.get(Post, ids["g1"]).narrative_id
        assert moved not in (tinta, golput) and session.get(Narrative, moved).post_count == 1
        assert session.get(Narrative, tinta).post_count == in_tinta
        events = list(session.scalars(select(TriageEvent).order_by(TriageEvent.id)))
        assert [(e.action, e.actor) for e in events][-2:] == [
            ("narrative_merge", "analis1"),
            ("narrative_split", "analis1"),
        ]
    stranger = runner.invoke(app, ["narratives", "split", str(tinta), "--posts", "999999"])
    assert stranger.exit_code == 2 and "not members" in stranger.output
    same = runner.invoke(app, ["narratives", "merge", str(tinta), str(tinta)])
    assert same.exit_code == 2 and "into itself" in same.output
    forget_indexes()


def test_ranking_is_flagged_times_reach_times_growth(
    db: Database, settings: Settings, space: VectorSpace
) -> None:
    assert rank_score(0, 10**6, 50, 0) == 0  # no flagged post: not a hoax narrative
    assert rank_score(10, 1000, 10, 10) > rank_score(10, 100, 10, 10)
    assert rank_score(10, 1000, 20, 5) > rank_score(10, 1000, 5, 20)
    # Many harmless posts lose to a few flagged ones that travel far.
    posts = [
        {
            "id": f"c{i}",
            "text": f"Pleno rekapitulasi suara pemilu PPK kecamatan {i} berjalan lancar",
            "score": 0.4,
        }
        for i in range(6)
    ]
    posts += [
        {"id": f"h{i}", "text": text, "views": 50_000, "claim": SIREKAP}
        for i, text in enumerate(p["text"] for p in SIREKAP_POSTS[:2])
    ]
    ingest(db, settings, posts)
    NarrativeGrouper(db, settings, space).assign_pending()
    with db.session() as session:
        top = top_narratives(session, now=AT + timedelta(days=1))
        assert top and top[0].narrative.label == SIREKAP
        assert all(r.flagged > 0 for r in top)

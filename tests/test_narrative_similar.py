"""The narratives an analyst may want to merge: ranked by how alike their members are (SQLite and
PostgreSQL), with merged narratives left out, and the same list on the command line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import select
from test_narrative_roles import ingest
from typer.testing import CliRunner

from monitor.config import Settings, load_settings
from monitor.narratives import NarrativeGrouper, forget_indexes, merge_narratives, similar_narratives
from monitor.store import Database
from monitor.store.schema import Narrative, Post

REPO = Path(__file__).resolve().parent.parent
POSTS = [
    {"id": "t1", "text": "Tinta pemilu 2024 mengandung babi, jangan mau jarinya dicelup di TPS"},
    {"id": "g1", "text": "Golput akan didenda Rp 5 juta oleh KPU setelah pemilu selesai"},
    {"id": "t2", "text": "Katanya tinta pemilu tidak halal karena ada unsur babi, tolak dicelup"},
    {"id": "s1", "text": "Server Sirekap ada di luar negeri, hasil pemilu dikendalikan asing"},
]


def split_settings(db: Database) -> Settings:
    # A paraphrase bar nothing reaches: every post opens its own narrative, as retellings that share few
    # words do at the default bar.
    return load_settings(
        REPO / "config" / "monitor.toml",
        database_url=db.url,
        home=REPO,
        narratives={"similarity_threshold": 0.99},
    )


def grouped(db: Database, settings: Settings) -> dict[str, int]:
    ids = ingest(db, settings, POSTS)
    forget_indexes()
    NarrativeGrouper(db, settings).assign_pending()
    with db.session() as session:
        narrative_of = dict(session.execute(select(Post.id, Post.narrative_id)).all())
    found = {native: narrative_of[post_id] for native, post_id in ids.items()}
    assert len(set(found.values())) == len(POSTS)
    return found


def test_the_narrative_of_the_same_claim_comes_first_and_a_merged_one_is_gone(db: Database) -> None:
    settings = split_settings(db)
    narrative = grouped(db, settings)
    similar = similar_narratives(db, settings, narrative["t1"])
    assert [s.narrative_id for s in similar][0] == narrative["t2"]
    assert narrative["t1"] not in [s.narrative_id for s in similar]
    assert len(similar) == 3 and similar[0].similarity > similar[1].similarity >= similar[2].similarity
    assert similar[0].post_count == 1 and "babi" in similar[0].label
    assert len(similar_narratives(db, settings, narrative["t1"], limit=1)) == 1

    # After a merge the absorbed narrative (empty) is no candidate, and the kept one, whose stored centroid
    # the merge dropped, is compared from its members.
    merge_narratives(db, narrative["t1"], narrative["t2"], actor="analis1")
    with db.session() as session:
        assert session.get(Narrative, narrative["t1"]).centroid is None
    after = similar_narratives(db, settings, narrative["t1"])
    assert {s.narrative_id for s in after} == {narrative["g1"], narrative["s1"]}
    assert similar_narratives(db, settings, narrative["t2"]) == []  # no members left to compare
    with pytest.raises(LookupError, match="no narrative with id 999999"):
        similar_narratives(db, settings, 999999)
    forget_indexes()


def test_cli_lists_similar_narratives(sqlite_db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    settings = split_settings(sqlite_db)
    narrative = grouped(sqlite_db, settings)
    monkeypatch.setenv("MONITOR_HOME", str(REPO))
    monkeypatch.setenv("MONITOR_DATABASE_URL", sqlite_db.url)
    monkeypatch.setenv("MONITOR_NARRATIVES__SIMILARITY_THRESHOLD", "0.99")
    from monitor.cli import app

    runner = CliRunner()
    listed = runner.invoke(app, ["narratives", "similar", str(narrative["t1"]), "--json", "--limit", "2"])
    assert listed.exit_code == 0, listed.output
    rows = [json.loads(line) for line in listed.output.splitlines()]
    assert [r["id"] for r in rows][0] == narrative["t2"] and len(rows) == 2
    assert set(rows[0]) >= {"id", "similarity", "post_count", "topic", "candidates", "last_seen", "label"}
    table = runner.invoke(app, ["narratives", "similar", str(narrative["t1"])])
    assert table.exit_code == 0 and f"monitor narratives merge {narrative['t1']} ID" in table.output
    unknown = runner.invoke(app, ["narratives", "similar", "999999"])
    assert unknown.exit_code == 2 and "no narrative with id 999999" in unknown.output
    forget_indexes()

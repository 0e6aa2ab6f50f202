"""Exports on SQLite and PostgreSQL: the queue view as CSV (formulas neutralised) and JSON lines, decided
hoaxes as schema.org ClaimReview, and the `monitor export` commands."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import update
from triage_seed import add_users, seed_queue
from typer.testing import CliRunner

from monitor import auth, triage
from monitor.cli import app
from monitor.store import Database, queue
from monitor.store.schema import Post
from monitor.triage import export

WIB = ZoneInfo("Asia/Jakarta")
REPO = Path(__file__).resolve().parent.parent


pytestmark = pytest.mark.usefixtures("cheap_hashes")


@pytest.fixture
def seeded(db: Database) -> dict:
    actors = add_users(db)
    seeded = seed_queue(db, n=6, hostile=False)
    first, second = seeded["post_ids"][:2]
    with db.session() as session:
        session.execute(update(Post).where(Post.id == first).values(text='=HYPERLINK("http://x") DPT ganda'))
        session.execute(update(Post).where(Post.id == second).values(author_name="@admin", text="+62 hoaks"))
    return {"db": db, "actors": actors, **seeded}


def _apply(db: Database, actor: auth.Actor, post_id: int, action: str, note: str | None = None) -> None:
    with db.session() as session:
        version = triage.item_state(session, post_id).version
        triage.apply(session, actor, post_id, action, expected_version=version, note=note)


def test_csv_neutralises_formulas_and_jsonl_keeps_codes(seeded: dict) -> None:
    db, kpu, ids = seeded["db"], seeded["actors"]["kpu"], seeded["post_ids"]
    _apply(db, kpu, ids[0], "hoax")
    with db.session() as session:
        rows = export.queue_rows(session, kpu, queue.QueueFilter())
    assert len(rows) == len(ids)
    table = list(csv.reader(io.StringIO(export.to_csv(rows, WIB))))
    header, body = table[0], {int(r[0]): dict(zip(table[0], r, strict=True)) for r in table[1:]}
    assert header[:5] == ["ID", "Platform", "Waktu unggah", "Akun", "Teks"]
    assert body[ids[0]]["Teks"] == '\'=HYPERLINK("http://x") DPT ganda'
    assert body[ids[0]]["Putusan"] == "Hoaks" and body[ids[0]]["Dipegang"] == "KPU"
    assert body[ids[1]]["Akun"] == "'@admin" and body[ids[1]]["Teks"] == "'+62 hoaks"
    assert not any(cell.startswith(("=", "+", "-", "@")) for row in table for cell in row)
    records = [json.loads(line) for line in export.to_jsonl(rows).splitlines()]
    by_id = {r["id"]: r for r in records}
    assert by_id[ids[0]]["verdict"] == "hoax" and by_id[ids[0]]["text"].startswith("=HYPERLINK")
    assert export.neutralise(-3) == -3  # numbers stay numbers


def test_polri_exports_only_what_it_may_see(seeded: dict) -> None:
    db, actors, ids = seeded["db"], seeded["actors"], seeded["post_ids"]
    _apply(db, actors["kpu"], ids[2], "escalate_polri")
    with db.session() as session:
        rows = export.queue_rows(session, actors["polri"], queue.QueueFilter())
    assert [r.id for r in rows] == [ids[2]]


def test_claim_reviews_for_decided_posts(seeded: dict) -> None:
    db, kpu, ids = seeded["db"], seeded["actors"]["kpu"], seeded["post_ids"]
    _apply(db, kpu, ids[3], "hoax")
    _apply(db, kpu, ids[3], "clarify", note="KPU: DPT tidak ganda, cek di cekdptonline.kpu.go.id")
    _apply(db, kpu, ids[3], "escalate_bawaslu")  # escalation keeps the verdict, and so the review
    _apply(db, kpu, ids[4], "not_hoax")
    _apply(db, kpu, ids[5], "needs_check")  # not a verdict to publish
    with db.session() as session:
        reviews = list(export.claim_reviews(session, "KPU Kabupaten Sekadau", "https://pantau.example/"))
    assert len(reviews) == 2
    hoax = next(r for r in reviews if r["reviewRating"]["ratingValue"] == 1)
    assert hoax["@context"] == "https://schema.org" and hoax["@type"] == "ClaimReview"
    assert hoax["reviewRating"]["alternateName"] == "Hoaks"
    assert hoax["reviewBody"].startswith("KPU: DPT tidak ganda")
    assert hoax["author"] == {"@type": "Organization", "name": "KPU Kabupaten Sekadau"}
    assert hoax["url"] == f"https://pantau.example/antrian?item={ids[3]}"
    assert hoax["itemReviewed"]["@type"] == "Claim" and hoax["itemReviewed"]["appearance"]["url"]
    assert json.loads(export.dumps_jsonld(reviews)) == reviews


def test_export_commands(sqlite_db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    actors = add_users(sqlite_db)
    ids = seed_queue(sqlite_db, n=4, hostile=False)["post_ids"]
    _apply(sqlite_db, actors["kpu"], ids[0], "hoax")
    monkeypatch.setenv("MONITOR_DATABASE_URL", sqlite_db.url)
    monkeypatch.setenv("MONITOR_HOME", str(REPO))
    runner = CliRunner()
    out = tmp_path / "antrian.csv"
    done = runner.invoke(app, ["export", "queue", "--out", str(out), "--verdict", "hoax"])
    assert done.exit_code == 0, done.output
    assert "exported 1 rows" in done.output and len(out.read_text(encoding="utf-8").splitlines()) == 2
    jsonl = tmp_path / "antrian.jsonl"
    assert runner.invoke(app, ["export", "queue", "--out", str(jsonl)]).exit_code == 0
    assert len(jsonl.read_text(encoding="utf-8").splitlines()) == 4
    reviews = tmp_path / "claimreview.json"
    done = runner.invoke(app, ["export", "claimreview", "--out", str(reviews)])
    assert done.exit_code == 0, done.output
    assert json.loads(reviews.read_text(encoding="utf-8"))[0]["author"]["name"] == "KPU Kabupaten Sekadau"
    bad = runner.invoke(app, ["export", "queue", "--out", str(tmp_path / "x.xlsx")])
    assert bad.exit_code == 2 and ".csv or .jsonl" in bad.output
    bad = runner.invoke(app, ["export", "queue", "--out", str(out), "--holder", "camat"])
    assert bad.exit_code == 2 and "--holder" in bad.output

"""`monitor claims import`: JSONL and ClaimReview in, keyed upserts, verdict kinds, and the claim base
that scoring matches against (SQLite and PostgreSQL, through the real CLI)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from alembic import command
from classify_corpus import train_tiny
from sqlalchemy import select, text
from typer.testing import CliRunner

from monitor.claims import claims_for_model, import_claims, load_claim_base, read_claims
from monitor.claims.readers import ClaimItem, Rejected
from monitor.classify.claims import write_known_claims
from monitor.cli import app
from monitor.config import Settings, load_settings
from monitor.scoring.backlog import score_pending
from monitor.scoring.registry import load_configured
from monitor.store import Database
from monitor.store.schema import KnownClaim

REPO = Path(__file__).resolve().parent.parent
SERVER = "Server Sirekap ada di luar negeri, hasil pemilu kita dipegang asing"
JSONL = [
    {
        "claim": SERVER,
        "verdict": "SALAH",
        "publisher": "Kompas Cek Fakta",
        "url": "https://cekfakta.example.id/sirekap-server",
        "published_at": "2024-02-20",
    },
    {
        "claim": "KPU menambah waktu pemungutan suara di Kuala Lumpur",
        "verdict": "BENAR",
        "publisher": "KPU RI",
        "url": "https://kpu.example.id/kuala-lumpur",
        "published_at": "2024-02-21T10:00:00+07:00",
    },
    {"claim": "Tinta pemilu mengandung babi", "verdict": "Hoaks"},  # no URL: keyed by the claim text
    {"claim": "Surat suara ini sudah dicoblos", "verdict": "ngawur"},
    {"verdict": "salah", "url": "https://x.example.id/1"},
    {"claim": "KPPS dibayar 5 juta", "verdict": "salah", "published_at": "20-02-2024"},
]


def review(claim: str, rating: str, url: str, **extra: object) -> dict:
    return {
        "@context": "https://schema.org",
        "@type": "ClaimReview",
        "claimReviewed": claim,
        "reviewRating": {"@type": "Rating", "alternateName": rating},
        "author": {"@type": "Organization", "name": "Tempo Cek Fakta"},
        "url": url,
        "datePublished": "2024-01-10",
        **extra,
    }


def write_jsonl(path: Path, rows: list) -> Path:
    path.write_text("\n".join(r if isinstance(r, str) else json.dumps(r) for r in rows) + "\n", "utf-8")
    return path


@pytest.fixture
def cli(db: Database, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("MONITOR_HOME", str(REPO))
    monkeypatch.setenv("MONITOR_DATABASE_URL", db.url)
    return CliRunner()


def run(cli: CliRunner, args: list[str]):  # noqa: ANN201 (a click Result)
    """Invoke the CLI wide enough that rich does not wrap file paths in messages."""
    return cli.invoke(app, args, env={"COLUMNS": "400"})


def stored(db: Database) -> dict[str, KnownClaim]:
    with db.session() as session:
        rows = list(session.scalars(select(KnownClaim)))
        session.expunge_all()
    return {row.key: row for row in rows}


# ------------------------------------------------------------------------------------------ JSONL via CLI


def test_jsonl_import_counts_rejects_and_is_idempotent(cli: CliRunner, db: Database, tmp_path: Path) -> None:
    src = write_jsonl(tmp_path / "claims.jsonl", [*JSONL[:3], "{broken", *JSONL[3:]])
    first = run(cli, ["claims", "import", str(src)])
    assert first.exit_code == 0, first.output
    assert "read=7 new=3 updated=0 unchanged=0 debunks=2 facts=1 other=0 rejected=4" in first.stdout
    assert f"{src}: line 4: not valid JSON" in first.stderr
    assert "line 5: field 'verdict': unknown verdict 'ngawur'" in first.stderr
    assert "line 6: field 'claim' is missing or empty" in first.stderr
    assert "line 7: field 'published_at' must be an ISO date" in first.stderr

    rows = stored(db)
    server = rows["https://cekfakta.example.id/sirekap-server"]
    assert (server.claim, server.verdict, server.kind) == (SERVER, "salah", "false")
    assert (server.source, server.claim_date) == ("Kompas Cek Fakta", "2024-02-20")
    fact = rows["https://kpu.example.id/kuala-lumpur"]
    assert (fact.verdict, fact.kind, fact.claim_date) == ("benar", "true", "2024-02-21")
    ink = next(r for r in rows.values() if r.claim == "Tinta pemilu mengandung babi")
    assert ink.key.startswith("claim:") and ink.kind == "false" and ink.verdict == "hoaks"

    again = run(cli, ["claims", "import", str(src)])
    assert "new=0 updated=0 unchanged=3" in again.stdout
    assert len(stored(db)) == 3

    JSONL_CHANGED = [{**JSONL[0], "verdict": "Menyesatkan"}]
    changed = run(cli, ["claims", "import", str(write_jsonl(tmp_path / "c2.jsonl", JSONL_CHANGED))])
    assert "new=0 updated=1" in changed.stdout
    server = stored(db)["https://cekfakta.example.id/sirekap-server"]
    assert server.verdict == "menyesatkan" and server.updated_at is not None


def test_file_level_errors_name_the_file(cli: CliRunner, tmp_path: Path) -> None:
    missing = run(cli, ["claims", "import", str(tmp_path / "nope.jsonl")])
    assert missing.exit_code == 2 and "nope.jsonl: file not found" in missing.stderr
    bad = tmp_path / "bad.json"
    bad.write_text('{"@type": "ClaimReview",\n  "claimReviewed": }', encoding="utf-8")
    broken = run(cli, ["claims", "import", str(bad)])
    assert broken.exit_code == 2 and "bad.json, line 2, column" in broken.stderr
    page = tmp_path / "page.html"
    page.write_text("<html><body><p>no markup</p></body></html>", encoding="utf-8")
    no_ld = run(cli, ["claims", "import", str(page)])
    assert no_ld.exit_code == 2 and "no <script" in no_ld.stderr
    plain = tmp_path / "plain.json"
    plain.write_text(json.dumps({"@type": "NewsArticle", "headline": "Berita"}), encoding="utf-8")
    no_review = run(cli, ["claims", "import", str(plain)])
    assert no_review.exit_code == 2 and "plain.json: no ClaimReview object found" in no_review.stderr
    forced = run(
        cli, ["claims", "import", str(write_jsonl(tmp_path / "c.json", JSONL[:1])), "--format", "jsonl"]
    )
    assert forced.exit_code == 0 and "new=1" in forced.stdout
    wrong = run(cli, ["claims", "import", str(page), "--format", "csv"])
    assert wrong.exit_code == 2 and "--format must be one of auto, jsonl, claimreview" in wrong.stderr
    only_bad = write_jsonl(tmp_path / "bad.jsonl", [JSONL[3]])
    assert run(cli, ["claims", "import", str(only_bad)]).exit_code == 1


# ------------------------------------------------------------------------------------------ ClaimReview


def test_claimreview_object_list_graph_and_nested(tmp_path: Path) -> None:
    one = review(SERVER, "Keliru", "https://cekfakta.tempo.example/1", inLanguage="id")
    one["itemReviewed"] = {
        "@type": "Claim",
        "firstAppearance": {"@type": "CreativeWork", "url": "https://x.example/status/1"},
        "appearance": [{"url": "https://fb.example/p/2"}, "https://x.example/status/1"],
    }
    (tmp_path / "one.json").write_text(json.dumps(one), encoding="utf-8")
    item = next(iter(read_claims(tmp_path / "one.json")))
    assert isinstance(item, ClaimItem)
    assert (item.claim, item.verdict, item.kind, item.publisher) == (
        SERVER,
        "salah",
        "false",
        "Tempo Cek Fakta",
    )
    assert (item.url, item.published, item.language) == (
        "https://cekfakta.tempo.example/1",
        "2024-01-10",
        "id",
    )
    assert item.appearances == ("https://x.example/status/1", "https://fb.example/p/2")
    assert item.review == one

    graph = {
        "@context": "https://schema.org",
        "@graph": [
            {"@type": "WebPage", "name": "Cek fakta"},
            {"@type": "NewsArticle", "review": review("Klaim A", "Fakta", "https://e.example/a")},
            review("Klaim B", "Satire", "https://e.example/b"),
            {"@type": ["schema:ClaimReview"], "claimReviewed": "Klaim C", "reviewRating": {"name": "FALSE"}},
        ],
    }
    (tmp_path / "graph.jsonld").write_text(json.dumps(graph), encoding="utf-8")
    items = list(read_claims(tmp_path / "graph.jsonld"))
    assert [(i.where, i.claim, i.kind) for i in items] == [
        ("@graph[1].review", "Klaim A", "true"),
        ("@graph[2]", "Klaim B", "other"),
        ("@graph[3]", "Klaim C", "false"),
    ]
    assert items[2].key.startswith("claim:") and items[2].publisher is None

    # WordPress SEO style: the author and the claim are separate nodes, referred to by @id.
    yoast = {
        "@context": "https://schema.org",
        "@graph": [
            {"@type": "Organization", "@id": "https://e.example/#org", "name": "Cek Fakta Daerah"},
            {"@type": "Claim", "@id": "https://e.example/#claim", "appearance": "https://tiktok.example/v/9"},
            {
                "@type": "ClaimReview",
                "claimReviewed": "Klaim E",
                "reviewRating": {"alternateName": "Disinformasi"},
                "author": {"@id": "https://e.example/#org"},
                "itemReviewed": {"@id": "https://e.example/#claim"},
            },
        ],
    }
    (tmp_path / "yoast.json").write_text(json.dumps(yoast), encoding="utf-8")
    (ref,) = read_claims(tmp_path / "yoast.json")
    assert (ref.publisher, ref.appearances, ref.verdict) == (
        "Cek Fakta Daerah",
        ("https://tiktok.example/v/9",),
        "disinformasi",
    )

    listed = [review("Klaim D", "Salah", "https://e.example/d"), review("", "Salah", "https://e.example/e")]
    (tmp_path / "list.txt").write_text(json.dumps(listed), encoding="utf-8")  # detected from the content
    first, second = read_claims(tmp_path / "list.txt")
    assert isinstance(first, ClaimItem) and first.claim == "Klaim D"
    assert second == Rejected("[1]", "field 'claimReviewed' is missing or empty")


def test_claimreview_in_html_pages(cli: CliRunner, db: Database, tmp_path: Path) -> None:
    article = {
        "@context": "https://schema.org",
        "@graph": [
            {"@type": "Article", "headline": "[SALAH] Server Sirekap di luar negeri"},
            review(SERVER, "Salah", "https://turnbackhoax.example/sirekap"),
        ],
    }
    bad_rating = review("Klaim tanpa label", "Perlu dicek", "https://turnbackhoax.example/x")
    page = (
        "<!doctype html>\n<html><head>\n<title>Cek fakta</title>\n"
        '<script type="application/ld+json">' + json.dumps(article) + "</script>\n"
        '<script type="application/ld+json">{"@type": "ClaimReview", oops}</script>\n'
        '<script type="application/ld+json; charset=utf-8">' + json.dumps(bad_rating) + "</script>\n"
        '<script>var x = {"@type": "ClaimReview"};</script>\n'
        "</head><body><p>isi</p></body></html>\n"
    )
    path = tmp_path / "page.html"
    path.write_text(page, encoding="utf-8")
    result = run(cli, ["claims", "import", str(path)])
    assert result.exit_code == 0, result.output
    assert "read=3 new=1" in result.stdout and "rejected=2" in result.stdout
    assert "script at line 5: not valid JSON-LD" in result.stderr
    assert (
        "script at line 6: $: field 'reviewRating.alternateName': unknown verdict 'Perlu dicek'"
        in result.stderr
    )
    row = stored(db)["https://turnbackhoax.example/sirekap"]
    assert row.kind == "false" and row.review["claimReviewed"] == SERVER


# ------------------------------------------------------------------------------------------ the claim base


def test_claim_base_from_the_database_keeps_verdicts(
    db: Database, settings: Settings, tmp_path: Path
) -> None:
    import_claims(db, write_jsonl(tmp_path / "c.jsonl", JSONL[:3]))
    base = load_claim_base(settings, db)
    assert {(c.claim, c.verdict) for c in base} == {
        (SERVER, "salah"),
        ("KPU menambah waktu pemungutan suara di Kuala Lumpur", "benar"),
        ("Tinta pemilu mengandung babi", "hoaks"),
    }
    assert [c.verdict for c in load_claim_base(settings, db, kinds=("true",))] == ["benar"]

    class Plain:  # a classifier that does not tell facts from debunks gets only the debunks
        pass

    class Aware:
        matches_true_claims = True

    assert {c.verdict for c in claims_for_model(Plain(), base)} == {"salah", "hoaks"}
    assert len(claims_for_model(Aware(), base)) == 3


def test_claim_base_without_a_database_is_the_active_models_file(tmp_path: Path) -> None:
    from monitor.classify.base import KnownClaim as Claim

    home = tmp_path / "home"
    (home / "config").mkdir(parents=True)
    (home / "config" / "monitor.toml").write_text("", encoding="utf-8")
    folder = home / "models" / "default"
    folder.mkdir(parents=True)
    write_known_claims(
        folder / "claims.jsonl",
        [Claim("kh-1", SERVER, "salah", None, None), Claim("kh-2", "Fakta KPU", "benar", None, None)],
    )
    cfg = load_settings(
        home / "config" / "monitor.toml", database_url=f"sqlite:///{tmp_path}/none.db", home=home
    )
    assert [c.id for c in load_claim_base(cfg)] == ["kh-1", "kh-2"]
    assert [c.id for c in load_claim_base(cfg, kinds=("false",))] == ["kh-1"]
    assert not (tmp_path / "none.db").exists()


def test_scoring_matches_imported_debunks_but_not_facts(
    db: Database, settings: Settings, tmp_path: Path
) -> None:
    import_claims(db, write_jsonl(tmp_path / "c.jsonl", JSONL[:3]))
    model = load_configured(train_tiny(tmp_path / "tiny"), settings)
    score_pending(db, settings, model)
    matcher = model.matcher_  # the fitted claim indexes (monitor.classify.claims.ClaimMatcher)
    debunk = dict(zip((c.id for c in matcher.claims), matcher.shown.debunk, strict=True))
    assert debunk["https://cekfakta.example.id/sirekap-server"] is True
    # A true fact is kept as a fact ("sesuai fakta"), never as a debunk that could raise a score.
    assert debunk.get("https://kpu.example.id/kuala-lumpur") in (None, False)


def test_feed_claims_get_their_kind_from_the_verdict(db: Database) -> None:
    """Claims that fact-checker feeds store through the pipeline get a kind from their verdict too."""
    from monitor.store import queries

    with db.session() as session:
        queries.upsert_known_claims(
            session,
            [
                {"key": "f-1", "claim": "Klaim feed", "verdict": "BENAR"},
                {"key": "f-2", "claim": "Klaim feed 2", "verdict": "hoaks"},
            ],
        )
    assert {k: r.kind for k, r in stored(db).items()} == {"f-1": "true", "f-2": "false"}


def test_init_seeds_through_the_importer(cli: CliRunner, db: Database) -> None:
    seed_lines = sum(1 for line in (REPO / "data" / "known_hoaxes.jsonl").open() if line.strip())
    first = run(cli, ["init"])
    assert first.exit_code == 0, first.output
    assert f"known debunked claims added: {seed_lines}" in first.stdout
    again = run(cli, ["init"])
    assert "known debunked claims added: 0" in again.stdout
    rows = stored(db)
    assert len(rows) == seed_lines and {r.kind for r in rows.values()} == {"false"}
    assert rows["kh-001"].topics == ["sidalih"] and rows["kh-001"].explanation


def test_migration_gives_existing_claims_their_kind(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'old.db'}")
    try:
        config = db._alembic_config()
        with db.engine.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, "0003")
            for key, verdict in (("a", "salah"), ("b", "benar"), ("c", "klarifikasi")):
                connection.execute(
                    text(
                        "INSERT INTO known_claims (key, claim, verdict, topics, added_at) "
                        "VALUES (:k, 'klaim', :v, '[]', '2024-01-01 00:00:00')"
                    ),
                    {"k": key, "v": verdict},
                )
        db.upgrade()
        assert {k: r.kind for k, r in stored(db).items()} == {"a": "false", "b": "true", "c": "other"}
    finally:
        db.dispose()


def test_real_turnbackhoax_headings(sqlite_db: Database, shared_datasets: Path, tmp_path: Path) -> None:
    """6,975 real turnbackhoax.id headings ("[SALAH] claim", link) as JSONL: verdict labels as published."""
    import pandas as pd

    from monitor.text.verdicts import split_verdict

    sheet = shared_datasets / "Melekmedia__turnbackhoax-dataset" / "turnbackhoax_headings.xlsx"
    frame = pd.read_excel(sheet)
    lines = []
    for header, link in zip(frame["Header"], frame["Link"], strict=True):
        verdict, claim = split_verdict(str(header))  # "[SALAH] …", "(HOAX) …", "HOAX: …"
        lines.append({"claim": claim, "verdict": verdict or "", "url": link, "publisher": "turnbackhoax.id"})
    src = write_jsonl(tmp_path / "tbh.jsonl", lines)
    summary = import_claims(sqlite_db, src)
    assert summary.read == len(frame)
    assert summary.new + summary.rejected + summary.duplicates == summary.read
    assert summary.debunks + summary.facts + summary.other == summary.new
    assert summary.debunks >= 0.75 * summary.read  # SALAH, HOAX, DISINFORMASI, FITNAH ... are debunks
    assert summary.facts >= 300 and summary.other >= 300  # [BENAR]; [KLARIFIKASI], [BERITA]
    assert summary.rejected <= 0.03 * summary.read  # events and "[Top 5]" lists carry no verdict
    assert all("verdict" in r.reason for r in summary.rejected_items)
    again = import_claims(sqlite_db, src)
    assert (again.new, again.updated) == (0, 0)
    kinds = {row.kind for row in stored(sqlite_db).values() if row.claim.lower().startswith("tinta")}
    assert kinds <= {"false", "true", "other"}


@pytest.mark.skipif(
    not (REPO / "models" / "default" / "card.json").is_file(), reason="models/default not built"
)
def test_classify_matches_imported_debunks_not_facts(cli: CliRunner, tmp_path: Path) -> None:
    """Through the CLI: `claims import` then `classify` against the database's claim base."""
    debunk = "Petugas KPPS di Sekadau dibayar sepuluh juta untuk mencoblos sisa surat suara"
    fact = "KPU Sekadau membuka posko pengaduan daftar pemilih di setiap kantor kecamatan"
    rows = [
        {"claim": debunk, "verdict": "HOAKS", "url": "https://cekfakta.example.id/kpps-10-juta"},
        {"claim": fact, "verdict": "FAKTA", "url": "https://kpu.example.id/posko"},
    ]
    assert run(cli, ["init"]).exit_code == 0
    assert "new=2" in run(cli, ["claims", "import", str(write_jsonl(tmp_path / "c.jsonl", rows))]).stdout
    posts = write_jsonl(tmp_path / "in.jsonl", [{"id": 1, "text": debunk}, {"id": 2, "text": fact}])
    out = tmp_path / "out.jsonl"
    result = run(cli, ["classify", "--input", str(posts), "--output", str(out)])
    assert result.exit_code == 0, result.output
    scored = {row["id"]: row for row in map(json.loads, out.read_text(encoding="utf-8").splitlines())}
    assert scored[1]["matched_claim"] == debunk
    assert scored[2]["matched_claim"] != fact  # a true fact is never a matched debunk

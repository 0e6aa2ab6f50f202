"""The pipeline: relevance filter, idempotent upserts, cursor in the same transaction, claims."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from monitor.config import Settings
from monitor.pipeline import Pipeline
from monitor.records import RawPost
from monitor.store import Database, queries
from monitor.store.schema import IngestRun, KnownClaim, Post, Source

T0 = datetime(2024, 2, 14, 1, 0, tzinfo=UTC)


def post(i: int, text: str, **extra: object) -> RawPost:
    return RawPost(
        platform="telegram", native_id=str(i), text=text, created_at=T0 + timedelta(minutes=i), **extra
    )  # type: ignore[arg-type]


RELEVANT = "Cek DPT kalian di cekdptonline sebelum 14 Februari ya"
IRRELEVANT = "Alhamdulillah dapat rezeki hari ini, makan enak"


def test_only_election_posts_are_stored(db: Database, settings: Settings) -> None:
    stats = Pipeline(db, settings).ingest(
        [post(1, RELEVANT), post(2, IRRELEVANT), post(3, "DPT ganda di TPS 04?")]
    )
    assert (stats.read, stats.relevant, stats.new, stats.updated) == (3, 2, 2, 0)
    with db.session() as session:
        stored = session.scalars(select(Post).order_by(Post.native_id)).all()
    assert [p.native_id for p in stored] == ["1", "3"]
    assert "sidalih" in stored[0].topics and stored[0].matched_terms
    assert len(stored[0].text_hash) == 40


def test_reimport_adds_nothing_and_updates_engagement(db: Database, settings: Settings) -> None:
    pipeline = Pipeline(db, settings)
    first = [post(i, f"{RELEVANT} #{i}", likes=i, views=10 * i) for i in range(1, 2501)]
    stats = pipeline.ingest(first)
    assert (stats.read, stats.new, stats.updated) == (2500, 2500, 0)
    again = [post(i, f"{RELEVANT} #{i}", likes=i + 100, views=10 * i) for i in range(1, 2501)]
    stats = pipeline.ingest(again)
    assert (stats.read, stats.new, stats.updated) == (2500, 0, 2500)
    with db.session() as session:
        assert session.scalar(select(func.count()).select_from(Post)) == 2500
        assert session.scalar(select(Post.likes).where(Post.native_id == "7")) == 107


def test_cursor_commits_with_its_batch_and_a_crash_loses_nothing(db: Database, settings: Settings) -> None:
    settings.pipeline.batch_size = 100
    with db.session() as session:
        queries.ensure_source(session, "kanal", "telegram")

    class Source_:
        def __init__(self, stop_after: int | None) -> None:
            self.stop_after, self.yielded = stop_after, 0

        def fetch(self, start: int) -> Iterator[RawPost]:
            for i in range(start, 350):
                if self.stop_after is not None and self.yielded == self.stop_after:
                    raise ConnectionError("network dropped")
                self.yielded += 1
                self.last = i
                yield post(i, f"{RELEVANT} {i}")

        def checkpoint(self) -> dict[str, int]:
            return {"next": self.last + 1}

    crashing = Source_(stop_after=250)
    with pytest.raises(ConnectionError):
        Pipeline(db, settings).ingest(crashing.fetch(0), source="kanal", checkpoint=crashing.checkpoint)
    with db.session() as session:
        cursor = queries.get_source(session, "kanal").cursor
        stored = session.scalar(select(func.count()).select_from(Post))
    assert cursor == {"next": 200} and stored == 200  # two whole batches, the third never committed
    resumed = Source_(stop_after=None)
    stats = Pipeline(db, settings).ingest(
        resumed.fetch(cursor["next"]), source="kanal", checkpoint=resumed.checkpoint
    )
    assert stats.new == 150
    with db.session() as session:
        assert session.scalar(select(func.count()).select_from(Post)) == 350
        assert session.scalar(select(Source.cursor).where(Source.name == "kanal")) == {"next": 350}


def test_run_counts_accumulate_per_batch(db: Database, settings: Settings) -> None:
    settings.pipeline.batch_size = 2
    with db.session() as session:
        run_id = queries.start_run(session, "import:x.jsonl")
    Pipeline(db, settings).ingest([post(1, RELEVANT), post(2, IRRELEVANT), post(3, RELEVANT)], run_id=run_id)
    with db.session() as session:
        run = session.get(IngestRun, run_id)
    assert (run.read, run.relevant, run.new) == (3, 2, 2)


def test_fact_check_items_become_known_claims(db: Database, settings: Settings) -> None:
    item = RawPost(
        platform="factcheck",
        native_id="tbh-1",
        text="[SALAH] Server Sirekap ada di luar negeri",
        created_at=T0,
        url="https://turnbackhoax.id/2024/02/15/salah-server-sirekap/",
        raw={
            "known_claim": {
                "claim": "Server Sirekap ada di luar negeri",
                "verdict": "salah",
                "source": "turnbackhoax",
            }
        },
    )
    stats = Pipeline(db, settings).ingest([item, item])
    assert stats.claims == 1
    with db.session() as session:
        claim = session.scalar(select(KnownClaim).where(KnownClaim.key == item.url))
    assert claim.claim == "Server Sirekap ada di luar negeri" and claim.claim_date == "2024-02-14"


def _export(path, n: int) -> None:
    import json

    with path.open("w", encoding="utf-8") as handle:
        for i in range(n):
            text = RELEVANT if i % 3 else IRRELEVANT
            handle.write(
                json.dumps(
                    {
                        "platform": "x",
                        "id": str(i),
                        "text": f"{text} {i}",
                        "created_at": "2024-02-14T08:00:00+07:00",
                        "likes": i,
                    }
                )
                + "\n"
            )
            if i % 500 == 7:
                handle.write("{broken line\n")


def test_file_read_in_a_second_process_gives_the_same_result(
    tmp_path, db: Database, settings: Settings
) -> None:
    settings.pipeline.batch_size = 300
    export = tmp_path / "export.jsonl"
    _export(export, 2000)
    rejected: list[int] = []
    stats = Pipeline(db, settings).ingest_file(
        export, parallel=True, on_reject=lambda r: rejected.append(r.line_no)
    )
    assert (stats.read, stats.relevant, stats.new, stats.rejected) == (2000, 1333, 1333, 4)
    assert rejected == [9, 510, 1011, 1512]  # each broken line sits right after item 7, 507, 1007, 1507
    with db.session() as session:
        assert session.scalar(select(func.count()).select_from(Post)) == 1333
    again = Pipeline(db, settings).ingest_file(export, parallel=False)
    assert (again.read, again.relevant, again.new, again.updated, again.rejected) == (2000, 1333, 0, 1333, 4)


def test_second_process_errors_reach_the_caller(tmp_path, sqlite_db: Database) -> None:
    from monitor.collectors.files import FileFormatError
    from monitor.config import load_settings

    settings = load_settings(database_url=sqlite_db.url)
    export = tmp_path / "export.csv"
    export.write_text("id,text,created_at\n1,cek dpt,2024-01-01\n", encoding="utf-8")
    with pytest.raises(FileFormatError, match="'isi'"):
        Pipeline(sqlite_db, settings).ingest_file(export, mapping={"text": "isi"}, parallel=True)

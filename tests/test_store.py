"""The store on SQLite and PostgreSQL: migrations match models, idempotent upserts, append-only audit."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import select, text
from sqlalchemy.exc import DatabaseError

from monitor import triage
from monitor.store import Database, DatabaseNotInitialised, queries
from monitor.store.schema import Base, Post, TriageEvent


def _row(native_id: str, **extra: object) -> dict[str, object]:
    base = {
        "platform": "x",
        "native_id": native_id,
        "url": None,
        "author_handle": "warga",
        "author_name": None,
        "author_followers": 10,
        "text": "cek dpt",
        "lang": "id",
        "created_at": datetime(2024, 2, 14, 1, 0, tzinfo=UTC),
        "likes": 1,
        "shares": 0,
        "replies": 0,
        "views": None,
        "reach": 11,
        "raw": None,
        "text_hash": "h" * 40,
        "matched_terms": ["dpt"],
        "topics": ["sidalih"],
        "candidates": [],
        "source_name": None,
    }
    base.update(extra)
    return base


def test_migrations_match_models(db: Database) -> None:
    with db.engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    assert diff == [], f"schema.py and the migrations disagree: {diff}"


def test_one_linear_migration_chain(sqlite_db: Database) -> None:
    script = ScriptDirectory.from_config(sqlite_db._alembic_config())
    assert len(script.get_heads()) == 1, "migrations must form one chain (two files share a down_revision)"


def test_upgrade_is_idempotent_and_check_current(tmp_path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'x.db'}")
    with pytest.raises(DatabaseNotInitialised, match="monitor init"):
        db.check_current()
    before, after = db.upgrade()
    assert before is None and after == db.head_revision()
    assert db.upgrade() == (after, after)
    db.check_current()
    with db.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() == 30000
        assert connection.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar() == 10000


def test_upsert_counts_new_and_updated_and_refreshes_engagement(db: Database) -> None:
    with db.session() as session:
        first = queries.upsert_posts(session, [_row("1"), _row("2"), _row("2", likes=5)])
    assert (first.new, first.updated) == (2, 0)
    with db.session() as session:
        again = queries.upsert_posts(session, [_row("1", likes=40, views=900, text="changed"), _row("3")])
    assert (again.new, again.updated) == (1, 1)
    with db.session() as session:
        posts = {p.native_id: p for p in session.scalars(select(Post))}
    assert len(posts) == 3
    assert posts["1"].likes == 40 and posts["1"].views == 900
    assert posts["1"].text == "cek dpt"  # the first sighting's text is kept
    assert posts["2"].likes == 5
    # A later sighting without a count keeps the count we had.
    with db.session() as session:
        queries.upsert_posts(session, [_row("1", likes=None)])
        assert session.scalar(select(Post.likes).where(Post.native_id == "1")) == 40


def test_datetimes_come_back_aware_utc(db: Database) -> None:
    wib = timezone(timedelta(hours=7))
    with db.session() as session:
        queries.upsert_posts(session, [_row("9", created_at=datetime(2024, 2, 14, 8, 0, tzinfo=wib))])
    with db.session() as session:
        created = session.scalar(select(Post.created_at))
    assert created == datetime(2024, 2, 14, 1, 0, tzinfo=UTC)
    assert created.tzinfo is not None and created.utcoffset() == timedelta(0)


def test_triage_events_are_append_only(db: Database) -> None:
    with db.session() as session:
        queries.add_audit_event(session, actor="kpu1", role="kpu", action="mark_hoax", note="cek")
    with pytest.raises(DatabaseError, match="append-only"), db.session() as session:
        session.execute(text("UPDATE triage_events SET note = 'diubah'"))
    with pytest.raises(DatabaseError, match="append-only"), db.session() as session:
        session.execute(text("DELETE FROM triage_events"))
    with db.session() as session:
        assert session.scalar(select(TriageEvent.note)) == "cek"


def test_save_scores_queues_flagged_and_keeps_decisions(db: Database) -> None:
    with db.session() as session:
        queries.upsert_posts(session, [_row("1", reach=1000), _row("2"), _row("3")])
        ids = {p.native_id: p.id for p in session.scalars(select(Post))}
    results = [
        {"post_id": ids["1"], "score": 0.9, "flagged": True, "reach": 1000, "reasons": ["a"]},
        {"post_id": ids["2"], "score": 0.95, "flagged": True, "reach": 11},
        {"post_id": ids["3"], "score": 0.1, "flagged": False, "reach": 11},
    ]
    with db.session() as session:
        triage.record_scores(session, "v1", results)
        session.execute(
            text(f"UPDATE posts SET triage_status = 'decided', verdict = 'hoax' WHERE id = {ids['2']}")
        )
    with db.session() as session:
        queue = queries.flagged_posts(session)
        assert [p.native_id for p in queue] == ["1", "2"]  # reach lifts a slightly lower score
        assert queue[0].triage_status == "new" and queue[0].flagged_at is not None
        # Re-scoring with a model that no longer flags post 2 keeps the officer's decision.
        triage.record_scores(session, "v2", [{**results[1], "score": 0.2, "flagged": False}])
    with db.session() as session:
        post = session.scalar(select(Post).where(Post.id == ids["2"]))
        assert (post.triage_status, post.verdict, post.scored_version) == ("decided", "hoax", "v2")
        assert list(queries.triage_labels(session)) == [("cek dpt", 1)]


def test_upsert_accepts_other_post_columns_and_stores_them_like_the_orm(db: Database) -> None:
    flagged_at = datetime(2024, 2, 14, 3, 30, tzinfo=UTC)
    with db.session() as session:
        queries.upsert_posts(session, [_row("7", hoax_score=0.8, flagged=True, flagged_at=flagged_at)])
    with db.session() as session:
        post = session.scalar(select(Post).where(Post.native_id == "7"))
        assert (post.hoax_score, post.flagged, post.flagged_at) == (0.8, True, flagged_at)
        assert post.matched_terms == ["dpt"] and post.raw is None
        # The ORM writes and reads the same rows the bulk path wrote.
        post.likes = 3
    with db.session() as session:
        assert session.scalar(select(Post.likes).where(Post.native_id == "7")) == 3
    with pytest.raises(ValueError, match="not columns of posts: colour"), db.session() as session:
        queries.upsert_posts(session, [_row("8", colour="red")])

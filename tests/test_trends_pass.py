"""Tren's post-date aggregates in one pass (`trends.post_trends`), against a count by hand, on SQLite and
PostgreSQL: posts with several topics or none, flagged and not, the WIB day boundary, range ends; and on
SQLite the query reads the covering index `ix_posts_trend`, never the posts table."""

from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import event, update

from monitor.store import Database, queries, trends
from monitor.store.schema import Post

WIB = ZoneInfo("Asia/Jakarta")
T0 = datetime(2024, 2, 10, 16, 30, tzinfo=UTC)  # 23.30 WIB on 10 Feb
POSTS = [  # (minutes after T0, platform, topics, flagged)
    (0, "x", ["sidalih", "sirekap"], True),
    (10, "x", ["sidalih"], False),
    (29, "telegram", [], True),  # 23.59 WIB: still 10 Feb
    (30, "telegram", ["sidalih"], True),  # 00.00 WIB: 11 Feb
    (45, "youtube", ["sirekap", "candidate:01"], False),
    (60 * 24, "x", ["sidalih"], False),  # 11 Feb 23.30 WIB: outside a range ending at 00.00 WIB on the 11th+1
]


def _seed(db: Database) -> None:
    rows = [
        {
            "platform": platform,
            "native_id": f"t{i}",
            "url": f"https://example.org/{i}",
            "text": f"pos tren {i}",
            "lang": "id",
            "created_at": T0 + timedelta(minutes=minutes),
            "text_hash": hashlib.sha1(f"pos tren {i}".encode()).hexdigest(),
            "matched_terms": ["dpt"],
            "topics": topics,
            "candidates": [],
            "source_name": "demo",
            "likes": 0,
            "shares": 0,
            "replies": 0,
            "views": 0,
            "reach": 0,
        }
        for i, (minutes, platform, topics, _) in enumerate(POSTS)
    ]
    with db.session() as session:
        queries.upsert_posts(session, rows)
    with db.session() as session:
        for i, (*_, flagged) in enumerate(POSTS):
            session.execute(update(Post).where(Post.native_id == f"t{i}").values(flagged=flagged))


def test_one_pass_matches_the_hand_count(db: Database) -> None:
    _seed(db)
    start = datetime(2024, 2, 10, tzinfo=WIB)
    end = datetime(2024, 2, 11, 12, tzinfo=WIB)  # noon of the 11th: the last post is outside
    with db.session() as session:
        got = trends.post_trends(session, start, end, WIB)
        wrappers = (
            trends.posts_per_day_by_topic(session, start, end, WIB),
            trends.flagged_share_per_day(session, start, end, WIB),
            trends.platform_split(session, start, end),
        )
    ten, eleven = date(2024, 2, 10), date(2024, 2, 11)
    assert [(c.day, c.key, c.count) for c in got.per_topic] == [
        (ten, "sidalih", 2),
        (ten, "sirekap", 1),
        (eleven, "candidate:01", 1),
        (eleven, "sidalih", 1),
        (eleven, "sirekap", 1),
    ]
    assert [(s.day, s.total, s.flagged) for s in got.shares] == [(ten, 3, 2), (eleven, 2, 1)]
    assert [(p.platform, p.total, p.flagged) for p in got.platforms] == [
        ("telegram", 2, 2),
        ("x", 2, 1),
        ("youtube", 1, 0),
    ]
    assert wrappers == (got.per_topic, got.shares, got.platforms)


def test_sqlite_reads_only_the_covering_index(sqlite_db: Database) -> None:
    _seed(sqlite_db)
    start, end = datetime(2024, 2, 10, tzinfo=WIB), datetime(2024, 2, 12, tzinfo=WIB)
    with sqlite_db.session() as session:
        statements: list[str] = []
        connection = session.connection()

        def keep(_conn, _cursor, statement, parameters, _context, _many):  # noqa: ANN001
            statements.append((statement, parameters))

        event.listen(connection, "before_cursor_execute", keep)
        trends.post_trends(session, start, end, WIB)
        event.remove(connection, "before_cursor_execute", keep)
        statement, parameters = statements[-1]
        plan = " ".join(
            str(row[-1]) for row in connection.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters)
        )
    assert "COVERING INDEX ix_posts_trend" in plan, plan

"""Soak: 6 targets, 2 of them failing in different ways, 50 scheduled runs of each source.

The scheduler's job function is driven directly (no wall clock). Between runs the good targets publish new
posts, more than one run's page budget at the start, so cursors must carry the backlog across runs. At the
end the 4 good targets have collected everything they published, exactly once, and health said the truth
after every run: good targets ok, the failing ones failing with their own error.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

import pytest
import yaml
from httpserver import RecordedServer, Reply, Request, serve
from mastodon_stream import BASE_ID, HOST, status
from sqlalchemy import func, select

from monitor import scheduler
from monitor.config import load_settings
from monitor.store import Database
from monitor.store.schema import Post
from monitor.store.sources import target_health

REPO = Path(__file__).resolve().parent.parent
RUNS = 50
FAST = {"requests_per_minute": None, "backoff_base": 0.01, "backoff_max": 0.02, "timeout": 5, "retries": 1}
TAG_OFFSET = {"pemilu": 0, "kpu": 100_000}  # two hashtags, disjoint statuses
NEWS = "https://berita.example.id"
FEED_WINDOW = 15  # a feed shows only its newest items, like WordPress


class World:
    """What the good targets have published so far (grows between runs)."""

    def __init__(self) -> None:
        self.toots = {"pemilu": 25, "kpu": 25}  # more than one run's budget (2 pages of 5) at the start
        self.items = {"a": 3, "b": 3}

    def grow(self, round_no: int) -> None:
        self.toots["pemilu"] += 3
        self.toots["kpu"] += 1 + round_no % 4
        self.items["a"] += 1
        self.items["b"] += round_no % 3  # some rounds publish nothing: a 304-less unchanged feed

    def timeline(self, tag: str):  # noqa: ANN201
        def handler(request: Request) -> Reply:
            total, offset = self.toots[tag], TAG_OFFSET[tag]
            limit = int(request.param("limit") or 20)
            max_id = int(request.param("max_id") or BASE_ID + offset + total + 1) - BASE_ID - offset
            since_id = int(request.param("since_id") or BASE_ID + offset) - BASE_ID - offset
            numbers = list(range(min(max_id - 1, total), max(since_id, 0), -1))[:limit]
            headers = {}
            if numbers and numbers[-1] - 1 > max(since_id, 0):
                url = f"{HOST}/api/v1/timelines/tag/{tag}?max_id={BASE_ID + offset + numbers[-1]}"
                headers["Link"] = f'<{url}>; rel="next"'
            return Reply.json([status(n + offset, tag) for n in numbers], headers=headers)

        return handler

    def feed(self, name: str):  # noqa: ANN201
        def handler(_request: Request) -> Reply:
            total = self.items[name]
            entries = []
            for n in range(max(1, total - FEED_WINDOW + 1), total + 1):
                when = datetime(2024, 2, 1, tzinfo=UTC) + timedelta(hours=n)
                entries.append(
                    f"<item><title>Berita pemilu {name}-{n}: KPU umumkan jadwal rekapitulasi suara</title>"
                    f"<link>{NEWS}/{name}/{n}</link><guid>{NEWS}/{name}/{n}</guid>"
                    f"<pubDate>{format_datetime(when)}</pubDate><description>Rekapitulasi suara pemilu "
                    f"di TPS {n} Sekadau berjalan tertib.</description></item>"
                )
            body = (
                '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel>'
                f"<title>Berita {name}</title><language>en-US</language>{''.join(entries)}</channel></rss>"
            )
            return Reply(body=body, content_type="application/rss+xml; charset=utf-8")

        return handler

    def expected(self) -> set[str]:
        toots = {
            f"{HOST}/users/warga{(n + off) % 7}/statuses/{BASE_ID + n + off}"
            for tag, off in TAG_OFFSET.items()
            for n in range(1, self.toots[tag] + 1)
        }
        return toots | {
            f"{NEWS}/{name}/{n}" for name, total in self.items.items() for n in range(1, total + 1)
        }


def _configure(server: RecordedServer, tmp_path: Path, world: World, db: Database):  # noqa: ANN202
    for tag in TAG_OFFSET:
        server.route(f"/api/v1/timelines/tag/{tag}", handler=world.timeline(tag))
    server.fault("/api/v1/timelines/tag/rusak", "status", status=503, times=None)  # failure 1: 5xx
    for name in ("a", "b"):
        server.route(f"/{name}.xml", handler=world.feed(name))
    server.fault("/endless.xml", "endless", times=None)  # failure 2: a body that never ends
    sources = {
        "sources": [
            {
                "name": "masto",
                "type": "mastodon",
                "options": {
                    "base_url": server.url,
                    "hashtags": ["pemilu", "kpu", "rusak"],
                    "page_size": 5,
                    "max_pages": 2,
                    **FAST,
                },
            },
            {
                "name": "berita",
                "type": "feed",
                "options": {
                    "base_url": server.url,
                    "feeds": ["/a.xml", "/endless.xml", "/b.xml"],
                    "publisher": "Berita",
                    "max_bytes": 200_000,
                    **FAST,
                },
            },
        ]
    }
    path = tmp_path / "sources.yml"
    path.write_text(yaml.safe_dump(sources), encoding="utf-8")
    return load_settings(
        REPO / "config" / "monitor.toml", database_url=db.url, home=REPO, paths={"sources_file": str(path)}
    )


@pytest.mark.slow
def test_soak_six_targets_two_failing_fifty_runs(
    db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    world = World()
    with serve() as server:
        cfg = _configure(server, tmp_path, world, db)
        monkeypatch.setattr(scheduler, "_CONTEXT", scheduler.SchedulerContext(cfg, db, threading.Event()))
        for round_no in range(1, RUNS + 1):
            scheduler.run_source_job("masto")
            scheduler.run_source_job("berita")
            with db.session() as session:
                health = {h.target: h for h in target_health(session)}
            for good in ("tag:pemilu", "tag:kpu", "/a.xml", "/b.xml"):
                assert health[good].state == "ok" and health[good].consecutive_failures == 0, (round_no, good)
            rusak, endless = health["tag:rusak"], health["/endless.xml"]
            assert (rusak.state, rusak.last_error_kind, rusak.consecutive_failures) == (
                "failing",
                "unavailable",
                round_no,
            )
            assert (endless.state, endless.last_error_kind, endless.consecutive_failures) == (
                "failing",
                "too_large",
                round_no,
            )
            assert "503" in rusak.last_error and "200,000" in endless.last_error
            world.grow(round_no)
        # The last growth is collected by one more scheduled run of each (runs 51): nothing is left behind.
        scheduler.run_source_job("masto")
        scheduler.run_source_job("berita")
    expected = world.expected()
    with db.session() as session:
        stored = list(session.scalars(select(Post.native_id)))
        langs = set(session.scalars(select(Post.lang).where(Post.platform == "news")))
        health = {h.target: h for h in target_health(session)}
        runs = session.scalar(select(func.count()).select_from(Post))
    assert len(stored) == len(set(stored)) == runs  # 0 duplicated
    assert set(stored) == expected  # 0 lost
    published = {
        "tag:pemilu": world.toots["pemilu"],
        "tag:kpu": world.toots["kpu"],
        "/a.xml": world.items["a"],
        "/b.xml": world.items["b"],
    }
    assert {t: health[t].posts_total for t in published} == published  # each post yielded exactly once
    assert langs == {"id"}  # the feeds say en-US; the text says Indonesian

"""`monitor run`'s tipline job (issue 17): scheduled only when config/tipline.yml enables a channel; each
run puts officers' verdicts on decided tips in the outbox for the citizens who asked, once (SQLite and
PostgreSQL)."""

from __future__ import annotations

import logging
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import yaml
from sqlalchemy import func, select

from monitor import scheduler, triage
from monitor.auth import Actor
from monitor.classify import Score
from monitor.config import Settings, load_settings
from monitor.store import Database
from monitor.store.schema import Post, TipReply
from monitor.tipline import Incoming, TipKeys, Tipline, TiplineConfig

REPO = Path(__file__).resolve().parent.parent
SECRET = "s" * 40
T0 = datetime(2024, 2, 12, 3, 0, tzinfo=UTC)
UNKNOWN = "Kabar kotak suara dibuka semalam di desa kami sebelum hari pencoblosan"


class QuietModel:
    """Flags nothing and knows no claim: every tip waits for the officers."""

    version = "quiet-1"
    threshold = 0.5
    claims: tuple = ()

    def fit(self, texts: list[str], labels: list[int]) -> QuietModel:
        return self

    def add_claims(self, claims: object) -> None:
        return None

    def predict(self, texts: list[str]) -> list[Score]:
        return [Score(0.1, False, ["other"], [], None, None, None, None) for _ in texts]


def _settings(db: Database, tmp_path: Path) -> Settings:
    sources = tmp_path / "sources.yml"
    sources.write_text("sources: []\n")
    return load_settings(
        REPO / "config" / "monitor.toml", database_url=db.url, home=REPO, paths={"sources_file": str(sources)}
    )


def _job_ids(cfg: Settings, db: Database, tipline_file: Path | None) -> set[str]:
    return {job.id for job in scheduler.build_scheduler(cfg, db, tipline_file=tipline_file).get_jobs()}


def test_job_follows_the_tipline_file(
    sqlite_db: Database, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    cfg = _settings(sqlite_db, tmp_path)
    off = tmp_path / "off.yml"
    off.write_text(yaml.safe_dump({"telegram": {"enabled": False}, "whatsapp": {"enabled": False}}))
    assert scheduler.TIPLINE_JOB not in _job_ids(cfg, sqlite_db, off)
    assert scheduler.TIPLINE_JOB not in _job_ids(cfg, sqlite_db, tmp_path / "absent.yml")
    whatsapp = tmp_path / "whatsapp.yml"
    whatsapp.write_text(
        yaml.safe_dump(
            {"telegram": {"enabled": False}, "whatsapp": {"enabled": True}, "notify": {"every_seconds": 30}}
        )
    )
    jobs = {
        job.id: job for job in scheduler.build_scheduler(cfg, sqlite_db, tipline_file=whatsapp).get_jobs()
    }
    assert jobs[scheduler.TIPLINE_JOB].trigger.interval == timedelta(seconds=30)
    broken = tmp_path / "broken.yml"
    broken.write_text("notify:\n  every_seconds: -5\n")
    with caplog.at_level(logging.ERROR):
        assert scheduler.TIPLINE_JOB not in _job_ids(cfg, sqlite_db, broken)
    assert any("broken.yml" in r.getMessage() and "every_seconds" in r.getMessage() for r in caplog.records)


def test_job_queues_each_verdict_once(db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cfg = _settings(db, tmp_path)
    config = TiplineConfig()
    bot = Tipline(db, config, TipKeys(SECRET), QuietModel(), now=lambda: T0)
    bot.handle(
        [
            Incoming("telegram", "1", "1", "/mulai", T0),
            Incoming("telegram", "1", "2", UNKNOWN, T0),
            Incoming("telegram", "2", "1", UNKNOWN, T0),  # did not opt in: hears nothing later
        ]
    )
    with db.session() as session:
        before = session.scalar(select(func.count()).select_from(TipReply))
        post = session.scalars(select(Post).where(Post.platform == "tipline")).one()
        triage.apply(session, Actor("petugas", "kpu"), post.id, "hoax", expected_version=post.triage_version)
    monkeypatch.setattr(scheduler, "_CONTEXT", scheduler.SchedulerContext(cfg, db, threading.Event()))
    scheduler.tipline_job(config)
    scheduler.tipline_job(config)  # a second run finds nothing new
    with db.session() as session:
        verdicts = session.scalars(select(TipReply).where(TipReply.kind == "verdict")).all()
        assert session.scalar(select(func.count()).select_from(TipReply)) == before + 1
    assert len(verdicts) == 1 and "hoaks" in verdicts[0].text.lower()

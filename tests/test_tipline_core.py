"""The tipline's parts: masking, pseudonyms, limits, commands, config, retention, weekly numbers, queue."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from monitor import triage
from monitor.auth import Actor
from monitor.classify import KnownClaim, Score
from monitor.cli import app
from monitor.config import ConfigError, Settings
from monitor.store import Database, queries, tip_outbox
from monitor.store.schema import Post, Tip, TipAsker, TipReply
from monitor.tipline import (
    Incoming,
    TipKeys,
    Tipline,
    TiplineConfig,
    citizen_questions,
    load_tipline_config,
    mask_nik,
    purge_expired,
    queue_decided_verdicts,
)
from monitor.tipline.bot import parse_command
from monitor.tipline.limits import RateLimiter, Verdict
from monitor.tipline.outbox import DeliveryError
from monitor.tipline.service import Housekeeping
from monitor.tipline.telegram import parse_update
from monitor.tipline.whatsapp import WebhookPayloadError, parse_webhook, valid_signature

SECRET = "k" * 40
T0 = datetime(2024, 2, 12, 3, 0, tzinfo=UTC)  # Monday 10.00 WIB, ISO week 2024-W07


@dataclass
class WordModel:
    """A transparent stand-in classifier: 'hoaks' in a text scores high; no claim matches."""

    version: str = "word-1"
    threshold: float = 0.5
    claims: tuple[KnownClaim, ...] = ()

    def fit(self, texts: Sequence[str], labels: Sequence[int]) -> WordModel:
        return self

    def add_claims(self, claims: Iterable[KnownClaim]) -> None:
        self.claims += tuple(claims)

    def predict(self, texts: Sequence[str]) -> list[Score]:
        return [
            Score(
                0.9 if "hoaks" in t.lower() else 0.1,
                "hoaks" in t.lower(),
                ["other"],
                [],
                None,
                None,
                None,
                None,
            )
            for t in texts
        ]


def message(chat: str, ref: str, text: str | None, at: datetime = T0) -> Incoming:
    return Incoming("telegram", chat, ref, text, at)


# -- pure parts ------------------------------------------------------------------------------------------
def test_mask_nik_masks_sixteen_digits_only() -> None:
    assert mask_nik("NIK 6105012345678901.") == "NIK [NIK disamarkan]."
    assert mask_nik("6105 0123 4567 8901 / 6105-0123-4567-8901") == "[NIK disamarkan] / [NIK disamarkan]"
    kept = "HP 081234567890, TPS 012, 17 digit 12345678901234567, 15 digit 123456789012345"
    assert mask_nik(kept) == kept


def test_pseudonyms_are_keyed_and_addresses_round_trip() -> None:
    keys, other = TipKeys(SECRET), TipKeys("z" * 40)
    assert keys.pseudonym("telegram", "42") == keys.pseudonym("telegram", "42")
    assert keys.pseudonym("telegram", "42") != other.pseudonym("telegram", "42")
    assert keys.pseudonym("telegram", "42") != keys.pseudonym("whatsapp", "42")
    sealed = keys.seal("6281234")
    assert "6281234" not in sealed and keys.open(sealed) == "6281234"
    with pytest.raises(ValueError, match="cannot be decrypted"):
        other.open(sealed)


def test_rate_limiter_notices_once_and_spares_others() -> None:
    limiter = RateLimiter(per_minute=3, per_day=5)
    verdicts = [limiter.check("a", T0 + timedelta(seconds=i)) for i in range(6)]
    assert verdicts == [Verdict.ALLOW] * 3 + [Verdict.NOTICE, Verdict.DROP, Verdict.DROP]
    assert limiter.check("b", T0) is Verdict.ALLOW
    assert limiter.check("a", T0 + timedelta(minutes=2)) is Verdict.ALLOW  # the minute passed
    assert limiter.check("a", T0 + timedelta(minutes=3)) is Verdict.ALLOW
    assert limiter.check("a", T0 + timedelta(minutes=4)) is Verdict.NOTICE  # five today: the day limit


def test_commands_and_updates_are_parsed() -> None:
    assert parse_command("/mulai@LindungiHakmuBot") == "start"
    assert parse_command("Hapus") == "delete" and parse_command("/bantuan") == "help"
    assert parse_command("mulai sekarang") is None and parse_command("/unknown") is None
    group = {"update_id": 1, "message": {"message_id": 3, "date": 1, "chat": {"id": -5, "type": "group"}}}
    assert parse_update(group) is None
    assert parse_update({"update_id": 2, "edited_message": {}}) is None


def test_whatsapp_payloads_and_signatures() -> None:
    assert valid_signature("s", b"{}", "sha256=" + "0" * 64) is False
    assert valid_signature("s", b"{}", None) is False
    with pytest.raises(WebhookPayloadError, match="object"):
        parse_webhook({"object": "page"})
    bad = {
        "object": "whatsapp_business_account",
        "entry": [{"changes": [{"field": "messages", "value": {"messages": [{"id": "x"}]}}]}],
    }
    with pytest.raises(WebhookPayloadError, match=r"entry\.0\.changes\.0\.value\.messages\.0"):
        parse_webhook(bad)
    statuses = {
        "object": "whatsapp_business_account",
        "entry": [{"changes": [{"field": "messages", "value": {"statuses": [{}]}}]}],
    }
    assert parse_webhook(statuses) == []


def test_config_errors_name_the_file_line_and_key(tmp_path: Path, settings: Settings, monkeypatch) -> None:
    path = tmp_path / "tipline.yml"
    path.write_text("name: X\nlimits:\n  per_minute: banyak\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"tipline\.yml: limits\.per_minute \(line 3\)"):
        load_tipline_config(settings, path)
    path.write_text("dpt_patterns: ['(unclosed']\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="dpt_patterns"):
        load_tipline_config(settings, path)
    monkeypatch.delenv("MONITOR_TIPLINE_SECRET", raising=False)
    with pytest.raises(ConfigError, match="MONITOR_TIPLINE_SECRET"):
        TiplineConfig().secret()
    monkeypatch.setenv("MONITOR_TIPLINE_SECRET", "short")
    with pytest.raises(ConfigError, match="at least 32"):
        TiplineConfig().secret()
    assert load_tipline_config(settings).telegram.base_url == "https://api.telegram.org"  # the shipped file


# -- with a database --------------------------------------------------------------------------------------
def bot(db: Database, now: datetime = T0) -> Tipline:
    return Tipline(db, TiplineConfig(), TipKeys(SECRET), WordModel(), now=lambda: now)


def test_unknown_tip_stays_queued_when_a_new_model_rescores_it(db: Database) -> None:
    tipline = bot(db)
    tipline.handle([message("1", "1", "Kabar kotak suara dibuka semalam di desa kami")])
    with db.session() as session:
        post = session.scalars(select(Post).where(Post.platform == "tipline")).one()
        triage.record_scores(
            session,
            "another-model",
            [{"post_id": post.id, "score": 0.01, "flagged": False, "reach": 0, "reasons": []}],
        )
    with db.session() as session:
        again = session.get(Post, post.id)
    assert (again.flagged, again.triage_status, again.priority) == (True, "new", post.priority)
    assert again.scored_version == "another-model" and again.hoax_score == pytest.approx(0.01)


def test_weekly_numbers_and_retention(db: Database) -> None:
    tipline = bot(db)
    tipline.handle(
        [
            message("1", "1", "/mulai"),
            message("1", "2", "Kabar kotak suara dibuka semalam di desa kami"),
            message("2", "1", "Kabar kotak suara dibuka semalam di desa kami"),
            message("3", "1", "Bagaimana cara cek DPT saya?"),
        ]
    )
    with db.session() as session:  # the automatic answer went out 30 s after it arrived
        session.execute(TipReply.__table__.update().values(status="sent", sent_at=T0 + timedelta(seconds=30)))
        session.execute(
            Tip.__table__.update().where(Tip.kind == "dpt").values(answered_at=T0 + timedelta(seconds=30))
        )
        post = session.scalars(select(Post).where(Post.platform == "tipline")).one()
        triage.apply(
            session,
            Actor("petugas", "kpu"),
            post.id,
            "hoax",
            expected_version=post.triage_version,
            now=T0 + timedelta(hours=2),
        )
    later = T0 + timedelta(hours=3)
    assert queue_decided_verdicts(db, tipline.config, now=lambda: later) == 1  # only the consenting asker
    assert queue_decided_verdicts(db, tipline.config, now=lambda: later) == 0
    week = citizen_questions(db, T0 - timedelta(days=1), T0 + timedelta(days=6))
    assert (week.received, week.answered_automatically, week.answered_by_officers, week.waiting) == (
        3,
        1,
        2,
        0,
    )
    assert week.median_answer_seconds is not None and week.median_answer_seconds >= 2 * 3600

    counts = purge_expired(db, tipline.config, now=T0 + timedelta(days=tipline.config.retention_days + 1))
    assert counts["tips"] == 3 and counts["askers"] == 3
    with db.session() as session:
        assert session.scalar(select(func.count()).select_from(Tip)) == 0
        assert session.scalar(select(func.count()).select_from(TipAsker)) == 0
        # The post officers decided stays (its audit trail is append-only); no citizen is linked to it.
        assert session.scalar(select(func.count()).select_from(Post)) == 1


def test_stats_command_prints_the_weekly_numbers(db: Database, settings: Settings, monkeypatch) -> None:
    bot(db).handle([message("9", "1", "Bagaimana cara cek DPT saya?")])
    monkeypatch.setenv("MONITOR_DATABASE_URL", db.url)
    monkeypatch.setenv("MONITOR_HOME", str(settings.home))
    result = CliRunner().invoke(app, ["tipline", "stats", "--week", "2024-W07"])
    assert result.exit_code == 0, result.output
    assert "Pertanyaan warga 2024-W07" in result.output and "Pertanyaan masuk" in result.output
    assert CliRunner().invoke(app, ["tipline", "stats", "--week", "2024-X"]).exit_code == 2


def test_the_running_bot_picks_up_new_known_claims(db: Database) -> None:
    tipline = bot(db)
    assert tipline.refresh_claims() == 0
    with db.session() as session:
        queries.upsert_known_claims(
            session,
            [{"key": "https://cekfakta.example/1", "claim": "Klaim baru dari umpan", "verdict": "salah"}],
        )
    Housekeeping(tipline, [], claims_every=0.0)()
    assert [c.id for c in tipline.classifier.claims] == ["https://cekfakta.example/1"]  # type: ignore[attr-defined]
    assert tipline.refresh_claims() == 0  # each claim is handed over once


def test_greetings_get_a_hint_and_stay_out_of_the_queue(db: Database) -> None:
    result = bot(db).handle(
        [message("5", "1", "halo min"), message("5", "2", "makasih ya"), message("6", "1", "cek dpt")]
    )
    assert result.answered == {"too_short": 2, "dpt": 1}
    with db.session() as session:
        assert session.scalars(select(Tip.kind)).all() == ["dpt"]
        assert session.scalar(select(func.count()).select_from(Post)) == 0
        hints = session.scalars(select(TipReply.text).where(TipReply.kind == "command")).all()
    assert len(hints) == 2 and all(h.startswith("Pesan ini terlalu singkat") for h in hints)


class Recorder:
    """A channel that records what it sends; some chats refuse for good, one asks to wait."""

    name = "telegram"

    def __init__(self) -> None:
        self.sent: list[tuple[str, str]] = []

    def send(self, chat_id: str, text: str) -> None:
        if chat_id == "blocked":
            raise DeliveryError("403 Forbidden: bot was blocked by the user", permanent=True)
        if chat_id == "busy":
            raise DeliveryError("429 Too Many Requests", retry_after=30)
        self.sent.append((chat_id, text))


def test_outbox_sends_once_retries_later_and_never_resends_after_a_crash(db: Database) -> None:
    tipline, channel = bot(db), Recorder()
    tipline.handle([message(chat, "1", "/bantuan") for chat in ("ok", "blocked", "busy")])
    assert tipline.deliver(channel) == 1 and [c for c, _ in channel.sent] == ["ok"]
    with db.session() as session:
        rows = {r.status: r for r in session.scalars(select(TipReply))}
    assert set(rows) == {"sent", "failed", "pending"}
    assert rows["sent"].address == "" and rows["failed"].address == ""  # addresses are forgotten
    assert rows["pending"].next_attempt_at == T0 + timedelta(seconds=30)  # the platform's Retry-After
    assert tipline.deliver(channel) == 0  # not due yet

    tipline.handle([message("ok", "2", "/bantuan")])
    with db.session() as session:  # a process claims it, then dies before sending or recording
        assert len(tip_outbox.claim_due_replies(session, "telegram", T0, 10)) == 1
    assert tipline.abandon_interrupted() == 1
    assert tipline.deliver(channel) == 0 and len(channel.sent) == 1

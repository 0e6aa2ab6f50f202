"""Alerts: one alert per spike at the right hour, delivered to Telegram/SMTP/webhook stand-ins, retried."""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import socket
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from httpserver import RecordedServer, Reply, Request
from sqlalchemy import select

from monitor.alerts import (
    check_spikes,
    deliver_pending,
    load_alerts_config,
    scheduled_check,
    send_test,
)
from monitor.config import ConfigError, Settings, load_settings
from monitor.store import Database, queries
from monitor.store import alerts as alert_store
from monitor.store.schema import Alert, AlertDelivery, Narrative

REPO = Path(__file__).resolve().parent.parent
TOKEN = "123456:TEST-token"
BURST = datetime(2024, 2, 14, 6, 0, tzinfo=UTC)  # 13:00 WIB


def write_config(tmp_path: Path, channels: dict, rules: list[dict], **extra: object) -> Path:
    path = tmp_path / "alerts.yml"
    path.write_text(json.dumps({"channels": channels, "rules": rules, **extra}), encoding="utf-8")
    return path


def settings_for(db: Database, alerts_file: Path) -> Settings:
    return load_settings(
        REPO / "config" / "monitor.toml",
        database_url=db.url,
        home=REPO,
        paths={"alerts_file": str(alerts_file)},
        dashboard={"public_url": "https://pemantau.example/"},
    )


def seed_narrative(
    db: Database,
    *,
    burst: bool,
    topic: str = "sirekap",
    candidates: tuple[str, ...] = (),
    burst_times: list[datetime] | None = None,
) -> int:
    """Eight days of one post every two hours, plus (optionally) 12 posts in the hour of BURST."""
    start = BURST - timedelta(days=8)
    times = [start + timedelta(hours=2 * i, minutes=7) for i in range(8 * 12)]
    if burst_times is not None:
        times += burst_times
    elif burst:
        times += [BURST + timedelta(minutes=4 * i) for i in range(12)]
    with db.session() as session:
        narrative = Narrative(
            label="Server Sirekap KPU ternyata ada di China, data suara dikirim ke luar negeri",
            topic=topic,
            candidates=list(candidates),
            platforms=["x"],
            first_seen=times[0],
            last_seen=times[-1],
            post_count=len(times),
            total_reach=0,
        )
        session.add(narrative)
        session.flush()
        rows = [
            {
                "platform": "x",
                "native_id": f"p{i}",
                "text": f"Server Sirekap di China, data suara bocor #{i}",
                "created_at": at,
                "reach": 100 + i,
                "text_hash": f"h{i}",
                "matched_terms": ["sirekap"],
                "topics": [topic, *(f"candidate:{c}" for c in candidates)],
                "candidates": list(candidates),
                "hoax_score": 0.9,
                "flagged": True,
                "narrative_id": narrative.id,
            }
            for i, at in enumerate(times)
        ]
        queries.upsert_posts(session, rows)
        return narrative.id


def run_hourly(db: Database, settings: Settings, config, first: datetime, hours: int) -> list[list[int]]:
    """Run the check at half past each hour, as the scheduler would."""
    return [check_spikes(db, settings, config, first + timedelta(hours=h, minutes=30)) for h in range(hours)]


@pytest.fixture
def webhook_server():
    with RecordedServer() as server:
        server.route("/hook", Reply.json({"ok": True}), method="POST")
        yield server


def test_burst_fires_exactly_one_alert_at_its_hour(db: Database, tmp_path: Path, webhook_server) -> None:
    narrative_id = seed_narrative(db, burst=True)
    path = write_config(
        tmp_path,
        {"hook": {"type": "webhook", "url": webhook_server.url + "/hook"}},
        [{"name": "narasi", "subject": "narrative", "min_score": 0.5, "channels": ["hook"], "role": "kpu"}],
    )
    settings = settings_for(db, path)
    config = load_alerts_config(path)
    fired = run_hourly(db, settings, config, BURST - timedelta(hours=6), 12)
    assert [len(f) for f in fired] == [0] * 6 + [1] + [0] * 5  # at the first check after it began, once
    with db.session() as session:
        alerts = list(session.scalars(select(Alert)))
        assert len(alerts) == 1
        alert = alerts[0]
        # The first sliding window that spiked began before the burst's clock hour and holds part of it.
        assert BURST - timedelta(hours=1) < alert.window_start <= BURST
        assert alert.narrative_id == narrative_id
        assert 8 <= alert.observed <= 12
        # One post every two hours: 0.5 an hour overall, 1 in the same hour-long window of the earlier days.
        assert 0.5 <= alert.expected <= 1.0
        assert f"Narasi #{narrative_id}" in alert.message
        assert re.search(
            r"Bertambah \d+ unggahan dalam 1 jam \(14 Feb 2024 1[23]\.\d0–1[34]\.\d0 WIB\)", alert.message
        )
        assert re.search(r"biasanya [01],\d per 1 jam — naik \d+,\d× lipat", alert.message)
        assert "Contoh:" in alert.message
        assert f"https://pemantau.example/?narrative={narrative_id}" in alert.message
        assert "Untuk: KPU" in alert.message
        assert [d.status for d in alert_store.deliveries_of(session, alert.id)] == ["pending"]
    # Checking again later (or from a second process) never repeats the alert.
    assert check_spikes(db, settings, config, BURST + timedelta(minutes=50)) == []


def test_a_burst_across_the_hour_boundary_alerts(db: Database, tmp_path: Path, webhook_server) -> None:
    """Seven posts from 13.40 to 14.20 WIB: no clock hour holds five, one sliding hour holds all seven."""
    burst = [BURST + timedelta(minutes=40 + 6 * i) for i in range(7)]
    assert max(sum(1 for t in burst if t.hour == h) for h in (6, 7)) < 5
    narrative_id = seed_narrative(db, burst=False, burst_times=burst)
    path = write_config(
        tmp_path,
        {"hook": {"type": "webhook", "url": webhook_server.url + "/hook"}},
        [{"name": "narasi", "subject": "narrative", "channels": ["hook"], "role": "kpu"}],
    )
    fired = run_hourly(db, settings_for(db, path), load_alerts_config(path), BURST - timedelta(hours=2), 5)
    assert sum(len(f) for f in fired) == 1
    with db.session() as session:
        (alert,) = session.scalars(select(Alert))
        assert alert.narrative_id == narrative_id and alert.observed == 7
        assert "Bertambah 7 unggahan dalam 1 jam" in alert.message


def test_candidate_rule_fires_for_a_procedure_narrative_naming_the_pair(
    db: Database, tmp_path: Path, webhook_server
) -> None:
    """The shipped Polri rule lists candidate:01..03; a narrative's primary topic is "procedure"."""
    narrative_id = seed_narrative(db, burst=True, topic="procedure", candidates=("02",))
    shipped = [
        r for r in load_alerts_config(REPO / "config" / "alerts.yml").rules if r.name == "narasi-paslon"
    ]
    (rule,) = shipped
    assert rule.matches_narrative("procedure", ["02"]) and not rule.matches_narrative("procedure", [])
    path = write_config(
        tmp_path,
        {"hook": {"type": "webhook", "url": webhook_server.url + "/hook"}},
        [
            {
                "name": "narasi-paslon",
                "subject": "narrative",
                "topics": rule.topics,
                "candidates": rule.candidates,
                "min_score": rule.min_score,
                "channels": ["hook"],
                "role": "polri",
            },
            {
                "name": "lama",
                "subject": "narrative",
                "topics": ["candidate:02"],
                "channels": ["hook"],
                "role": "kpu",
            },
            {
                "name": "paslon-saja",
                "subject": "narrative",
                "candidates": ["01"],
                "channels": ["hook"],
                "role": "polri",
            },
        ],
    )
    ids = check_spikes(db, settings_for(db, path), load_alerts_config(path), BURST + timedelta(minutes=55))
    with db.session() as session:
        alerts = [session.get(Alert, i) for i in ids]
        assert sorted((a.rule, a.narrative_id) for a in alerts) == [
            ("lama", narrative_id),
            ("narasi-paslon", narrative_id),
        ]
        alerts = [a for a in alerts if a.rule == "narasi-paslon"]
        assert "Paslon: 02" in alerts[0].message and "Untuk: Polri" in alerts[0].message


def test_flat_baseline_fires_nothing(db: Database, tmp_path: Path, webhook_server) -> None:
    seed_narrative(db, burst=False)
    path = write_config(
        tmp_path,
        {"hook": {"type": "webhook", "url": webhook_server.url + "/hook"}},
        [
            {"name": "narasi", "subject": "narrative", "channels": ["hook"], "role": "kpu"},
            {
                "name": "topik",
                "subject": "topic",
                "topics": ["sirekap"],
                "channels": ["hook"],
                "role": "bawaslu",
            },
        ],
    )
    fired = run_hourly(db, settings_for(db, path), load_alerts_config(path), BURST - timedelta(days=1), 30)
    assert sum(len(f) for f in fired) == 0


def test_topic_rule_names_the_main_narrative(db: Database, tmp_path: Path, webhook_server) -> None:
    narrative_id = seed_narrative(db, burst=True)
    path = write_config(
        tmp_path,
        {"hook": {"type": "webhook", "url": webhook_server.url + "/hook"}},
        [
            {
                "name": "topik",
                "subject": "topic",
                "topics": ["sirekap"],
                "channels": ["hook"],
                "role": "bawaslu",
            }
        ],
    )
    ids = check_spikes(db, settings_for(db, path), load_alerts_config(path), BURST + timedelta(minutes=55))
    assert len(ids) == 1
    with db.session() as session:
        alert = session.get(Alert, ids[0])
        assert alert.topic == "sirekap" and alert.narrative_id == narrative_id
        # The topic by its name in the keywords file, not its key.
        assert "Lonjakan topik Sirekap / rekapitulasi suara" in alert.message
        assert "Untuk: Bawaslu" in alert.message


def telegram_handler(received: list[dict]):
    def handle(request: Request) -> Reply:
        if request.path != f"/bot{TOKEN}/sendMessage":
            return Reply.json({"ok": False, "error_code": 401, "description": "Unauthorized"}, status=401)
        received.append(request.json())
        return Reply.json({"ok": True, "result": {"message_id": len(received)}})

    return handle


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Inbox:
    def __init__(self) -> None:
        self.messages: list[bytes] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's hook name)
        self.messages.append(envelope.content)
        return "250 OK"


def test_delivery_to_telegram_smtp_and_a_retried_webhook(
    db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MONITOR_TELEGRAM_TOKEN", TOKEN)
    monkeypatch.setenv("MONITOR_WEBHOOK_SECRET", "s3cret")
    seed_narrative(db, burst=True)
    received: list[dict] = []
    inbox = Inbox()
    smtp_port = free_port()
    smtp = Controller(inbox, hostname="127.0.0.1", port=smtp_port)
    smtp.start()
    try:
        with RecordedServer() as server:
            server.route(f"/bot{TOKEN}/sendMessage", handler=telegram_handler(received), method="POST")
            server.route("/hook", Reply.json({"ok": True}), method="POST")
            server.fault("/hook", "status", status=503, times=1)  # the first webhook call fails
            channels = {
                "tg": {"type": "telegram", "base_url": server.url, "chat_id": "-100200"},
                "mail": {
                    "type": "email",
                    "host": "127.0.0.1",
                    "port": smtp_port,
                    "sender": "pemantau@example.go.id",
                    "recipients": ["bawaslu@example.go.id"],
                },
                "hook": {
                    "type": "webhook",
                    "url": server.url + "/hook",
                    "secret_env": "MONITOR_WEBHOOK_SECRET",
                },
            }
            path = write_config(
                tmp_path,
                channels,
                [
                    {
                        "name": "narasi",
                        "subject": "narrative",
                        "channels": ["tg", "mail", "hook"],
                        "role": "kpu",
                    }
                ],
                delivery={"backoff_seconds": 60},
            )
            config = load_alerts_config(path)
            now = BURST + timedelta(minutes=50)
            assert len(check_spikes(db, settings_for(db, path), config, now)) == 1

            first = deliver_pending(db, config, now)
            assert (first.sent, first.retried, first.failed) == (2, 1, 0)
            assert received[0]["chat_id"] == "-100200" and "Lonjakan narasi" in received[0]["text"]
            assert len(inbox.messages) == 1 and b"Lonjakan narasi" in inbox.messages[0]
            with db.session() as session:
                hook = session.scalar(select(AlertDelivery).where(AlertDelivery.channel == "hook"))
                assert hook.status == "pending" and hook.attempts == 1 and "503" in hook.last_error
                assert hook.next_attempt_at == now + timedelta(seconds=60)

            assert deliver_pending(db, config, now + timedelta(seconds=30)).retried == 0  # not yet due
            second = deliver_pending(db, config, now + timedelta(seconds=61))
            assert (second.sent, second.retried, second.failed) == (1, 0, 0)
            assert server.hits("/hook") == 2
            request = server.requests[-1]
            digest = hmac.new(b"s3cret", request.body, hashlib.sha256).hexdigest()
            assert request.headers["X-Monitor-Signature"] == f"sha256={digest}"
            assert request.json()["narrative_id"] is not None
            with db.session() as session:
                statuses = {d.channel: (d.status, d.attempts) for d in session.scalars(select(AlertDelivery))}
            assert statuses == {"tg": ("sent", 1), "mail": ("sent", 1), "hook": ("sent", 2)}
            assert deliver_pending(db, config, now + timedelta(hours=1)).sent == 0  # nothing sent twice
    finally:
        smtp.stop()


def test_permanent_failure_stops_and_retries_give_up(
    db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MONITOR_TELEGRAM_TOKEN", "wrong-token")
    seed_narrative(db, burst=True)
    with RecordedServer() as server:
        server.route("/bot{TOKEN}/sendMessage", Reply.json({"ok": True}), method="POST")
        server.route("/hook", Reply.json({"ok": True}), method="POST")
        server.fault("/hook", "status", status=500, times=None)
        channels = {
            "tg": {"type": "telegram", "base_url": server.url, "chat_id": 5},
            "hook": {"type": "webhook", "url": server.url + "/hook"},
        }
        path = write_config(
            tmp_path,
            channels,
            [{"name": "r", "subject": "narrative", "channels": ["tg", "hook"], "role": "polri"}],
            delivery={"max_attempts": 3, "backoff_seconds": 1},
        )
        config = load_alerts_config(path)
        now = BURST + timedelta(minutes=50)
        check_spikes(db, settings_for(db, path), config, now)
        reports = [deliver_pending(db, config, now + timedelta(minutes=m)) for m in range(4)]
        assert [(r.failed, r.retried) for r in reports] == [(1, 1), (0, 1), (1, 0), (0, 0)]
        assert server.hits("/hook") == 3
    with db.session() as session:
        rows = {d.channel: d for d in session.scalars(select(AlertDelivery))}
    assert rows["tg"].status == "failed" and rows["tg"].attempts == 1
    assert "wrong-token" not in (rows["tg"].last_error or "")
    assert rows["hook"].status == "failed" and rows["hook"].attempts == 3


def test_quiet_hours_hold_deliveries_until_they_end(db: Database, tmp_path: Path, webhook_server) -> None:
    seed_narrative(db, burst=True)
    path = write_config(
        tmp_path,
        {"hook": {"type": "webhook", "url": webhook_server.url + "/hook"}},
        [
            {
                "name": "r",
                "subject": "narrative",
                "channels": ["hook"],
                "role": "kpu",
                "quiet_hours": {"start": "12:00", "end": "15:30"},
            }
        ],
    )
    config = load_alerts_config(path)
    now = BURST + timedelta(minutes=50)  # 13:50 WIB
    assert len(check_spikes(db, settings_for(db, path), config, now)) == 1
    assert deliver_pending(db, config, now).sent == 0
    with db.session() as session:
        delivery = session.scalar(select(AlertDelivery))
        assert delivery.next_attempt_at == datetime(2024, 2, 14, 8, 30, tzinfo=UTC)  # 15:30 WIB
    assert deliver_pending(db, config, datetime(2024, 2, 14, 8, 31, tzinfo=UTC)).sent == 1


def test_scheduled_check_and_test_message(sqlite_db: Database, tmp_path: Path, webhook_server) -> None:
    path = write_config(
        tmp_path,
        {"hook": {"type": "webhook", "url": webhook_server.url + "/hook"}},
        [{"name": "r", "subject": "topic", "channels": ["hook"], "role": "kpu"}],
    )
    settings = settings_for(sqlite_db, path)
    report = scheduled_check(settings)
    assert report.as_dict() == {"alerts": 0, "sent": 0, "retried": 0, "failed": 0, "grouped": 0}
    assert send_test(settings, "hook") == "HTTP 200"
    body = webhook_server.requests[-1].json()
    assert body["test"] is True and "Pesan uji" in body["text"]
    with pytest.raises(ConfigError, match="no channel 'nope'"):
        send_test(settings, "nope")


def test_bad_config_names_file_and_key(tmp_path: Path) -> None:
    path = write_config(
        tmp_path,
        {"hook": {"type": "webhook", "url": "http://x"}},
        [{"name": "r", "subject": "topic", "channels": ["missing"], "role": "kpu"}],
    )
    with pytest.raises(ConfigError, match="unknown channel"):
        load_alerts_config(path)
    path.write_text(
        "rules:\n  - name: r\n    subject: topik\n    channels: [a]\n    role: kpu\n", encoding="utf-8"
    )
    with pytest.raises(ConfigError, match=r"alerts.yml: rules.0.subject"):
        load_alerts_config(path)
    path.write_text("rules: [\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"alerts.yml: line 2 not valid YAML"):
        load_alerts_config(path)
    assert load_alerts_config(REPO / "config" / "alerts.yml").rules  # the shipped file is valid


def test_alerts_name_topics_in_indonesian_and_no_pair_for_a_narrative_naming_several(tmp_path: Path) -> None:
    from monitor.alerts.check import topic_text

    settings = load_settings(REPO / "config" / "monitor.toml", home=REPO)
    assert topic_text(settings, "sidalih") == "Sidalih / daftar pemilih"
    assert topic_text(settings, "candidate:03") == "Paslon 03"
    assert topic_text(settings, "candidates") == "Beberapa paslon"
    assert topic_text(settings, "other") == "Lainnya"
    assert topic_text(settings, None) == "-"
    # A broken keywords file leaves the keys readable instead of failing the alert.
    broken = tmp_path / "keywords.yml"
    broken.write_text("topics: [", encoding="utf-8")
    settings.paths.keywords_file = broken
    assert topic_text(settings, "sidalih") == "sidalih"

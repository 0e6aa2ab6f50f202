"""The tipline on Telegram, end to end: a loopback Bot API, the real default model, SQLite and PostgreSQL."""

from __future__ import annotations

import math
import os
import re
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select, update
from tipline_fixtures import (
    HOAX_FORWARD,
    REPO,
    SECRET,
    TOKEN,
    UNKNOWN,
    RunningBot,
    bot_api,
    load_model,
    running_bot,
    seed_claims,
    tipline_config,
    wait_for,
)

from monitor import triage
from monitor.auth import Actor
from monitor.classify import Classifier
from monitor.config import Settings, load_settings
from monitor.store import Database
from monitor.store.schema import Post, Tip, TipAsker, TipReply, TriageEvent
from monitor.tipline import NotifyResult, notify_decided_tips


@pytest.fixture(scope="module")
def model() -> Classifier:
    return load_model()


@pytest.fixture(autouse=True)
def _secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MONITOR_TIPLINE_SECRET", SECRET)


@pytest.fixture
def seeded(db: Database, settings: Settings) -> Database:
    seed_claims(db, settings)
    return db


def notify(bot: RunningBot) -> NotifyResult:
    t = bot.tipline
    return notify_decided_tips(t.db, t.config, t.keys, [bot.channel], now=t.now)


def max_attempts(db: Database) -> int:
    with db.session() as session:
        return session.scalar(select(func.max(TipReply.attempts))) or 0


def tip_posts(db: Database) -> list[Post]:
    with db.session() as session:
        return list(session.scalars(select(Post).where(Post.platform == "tipline").order_by(Post.id)))


def test_forwarded_hoax_is_answered_with_the_known_debunk(seeded: Database, model: Classifier) -> None:
    with bot_api() as (server, api), running_bot(seeded, tipline_config(server.url), model):
        api.message(501, HOAX_FORWARD, forwarded=True)
        api.message(502, "Ribuan WNA China dimasukkan ke DPT supaya bisa mencoblos", photo_caption=True)
        wait_for(lambda: api.replies_to(501) and api.replies_to(502), what="both answers")
    answer = api.replies_to(501)[0]
    assert answer.startswith("⚠️ HOAKS.")
    assert "Ribuan WNA asal China diberi KTP elektronik" in answer  # the debunked claim, quoted
    assert "Faktanya: WNA pemegang izin tinggal tetap" in answer  # its explanation, first sentence only
    assert "Sumber: https://turnbackhoax.id/" in answer
    assert api.replies_to(502)[0].startswith("⚠️ HOAKS.")  # a photo's caption is read too
    assert tip_posts(seeded) == []  # answered at once: nothing for officers to queue
    with seeded.session() as session:
        assert session.scalars(select(Tip.kind)).all() == ["debunk", "debunk"]


def test_true_fact_and_dpt_question(seeded: Database, model: Classifier) -> None:
    fact = "KPU Kabupaten Sekadau membuka posko pengecekan DPT di setiap kantor kecamatan selama Januari 2024"
    with bot_api() as (server, api), running_bot(seeded, tipline_config(server.url), model):
        api.message(601, fact)
        api.message(602, "Min, bagaimana cara cek DPT saya?")
        api.message(603, "cek dpt 6105012345678901")
        wait_for(lambda: all(api.replies_to(c) for c in (601, 602, 603)), what="three answers")
    assert api.replies_to(601)[0].startswith("✅ BENAR.")
    for chat in (602, 603):
        answer = api.replies_to(chat)[0]
        assert "https://cekdptonline.kpu.go.id/" in answer
        assert "Jangan kirim NIK" in answer and "kirim NIK Anda" not in answer  # never asks for one
    assert "sudah kami samarkan" in api.replies_to(603)[0]
    assert tip_posts(seeded) == []


def test_unknown_tip_is_queued_then_the_officers_verdict_is_sent_once(
    seeded: Database, model: Classifier
) -> None:
    with bot_api() as (server, api):
        config = tipline_config(server.url)
        with running_bot(seeded, config, model) as bot:
            api.message(701, "/mulai")
            wait_for(lambda: api.replies_to(701), what="the consent text")
            api.message(701, UNKNOWN, forwarded=True)
            api.message(702, UNKNOWN)  # asked, but never agreed to hear back
            wait_for(lambda: len(api.replies_to(701)) == 2 and api.replies_to(702), what="acknowledgements")
            assert api.replies_to(701)[1].startswith("Terima kasih, sedang kami periksa.")
            assert "Hasilnya kami kirim ke sini" in api.replies_to(701)[1]
            assert "/mulai" in api.replies_to(702)[0]

            [post] = tip_posts(seeded)
            assert (post.flagged, post.triage_status, post.source_name) == (True, "new", "tipline")
            with seeded.session() as session:
                decision = triage.apply(
                    session, Actor("petugas", "kpu"), post.id, "hoax", expected_version=post.triage_version
                )
            assert decision.after.status in ("hoax", "decided")

            first = notify(bot)
            wait_for(lambda: len(api.replies_to(701)) == 3, what="the verdict")
            again = notify(bot)
    assert (first.queued, again.queued, again.sent) == (1, 0, 0)
    verdict = api.replies_to(701)[2]
    assert verdict.startswith("Hasil pemeriksaan KPU Kabupaten Sekadau atas pesan yang Anda kirim")
    assert "WIB" in verdict and "HOAKS" in verdict and "Nanga Taman" in verdict
    assert len(api.replies_to(702)) == 1  # no consent, no verdict message


def test_identical_tips_group_and_demand_raises_priority(seeded: Database, model: Classifier) -> None:
    other = "Petugas KPPS di Sekadau dibayar untuk mencoblos sisa surat suara malam nanti, cek kebenarannya"
    with bot_api() as (server, api), running_bot(seeded, tipline_config(server.url), model):
        api.message(801, UNKNOWN)
        api.message(
            802,
            "  katanya KOTAK SUARA di desa Nanga Taman sudah dibuka semalam "
            "sebelum pencoblosan, benar tidak? ",
        )
        api.message(803, UNKNOWN)
        api.message(803, UNKNOWN)  # the same citizen twice counts once
        api.message(804, other)
        wait_for(lambda: len(api.all_sent()) == 5, what="five acknowledgements")
    posts = tip_posts(seeded)
    assert len(posts) == 2
    grouped, single = (posts[0], posts[1]) if "Nanga" in posts[0].text else (posts[1], posts[0])
    with seeded.session() as session:
        asked = dict(
            session.execute(
                select(Tip.post_id, func.count(func.distinct(Tip.asker_id))).group_by(Tip.post_id)
            ).all()
        )
    assert asked == {grouped.id: 3, single.id: 1}
    # The demand signal: at least the floor (someone asked), one step up per doubling of askers.
    assert grouped.priority == pytest.approx(max(grouped.hoax_score, 0.5) * (1 + math.log2(3)))
    assert single.priority == pytest.approx(max(single.hoax_score, 0.5))


def test_nik_is_masked_before_storage(seeded: Database, model: Classifier) -> None:
    text = (
        "Data bocor! NIK 6105 0123 4567 8901 atas nama tetangga saya dipakai nyoblos di TPS lain "
        "oleh orang asing"
    )
    with bot_api() as (server, api), running_bot(seeded, tipline_config(server.url), model):
        api.message(901, text)
        wait_for(lambda: api.replies_to(901), what="an answer")
    assert "sudah kami samarkan" in api.replies_to(901)[0]
    [post] = tip_posts(seeded)
    assert "[NIK disamarkan]" in post.text and "8901" not in post.text
    with seeded.session() as session:
        stored = [str(v) for row in session.execute(select(Post.text, Post.raw)) for v in row]
        stored += [str(v) for row in session.execute(select(TipReply.text, TipReply.address)) for v in row]
        askers = session.scalars(select(TipAsker)).all()
    assert not any(re.search(r"\d{4}\D?\d{4}\D?\d{4}\D?\d{4}", value) for value in stored)
    # The chat id is kept only as a keyed hash, never in clear.
    assert [a.pseudonym for a in askers] != ["901"] and all("901" not in a.pseudonym for a in askers)


def test_hapus_deletes_a_citizens_tips(seeded: Database, model: Classifier) -> None:
    mine = "Surat suara di gudang KPU Sekadau basah semua jadi pemilu diundur ke bulan depan, betul kah?"
    with bot_api() as (server, api), running_bot(seeded, tipline_config(server.url), model):
        api.message(1001, "/mulai")
        api.message(1001, mine)
        api.message(1001, UNKNOWN)
        api.message(1002, UNKNOWN)
        wait_for(lambda: len(api.replies_to(1001)) == 3 and api.replies_to(1002), what="answers")
        api.message(1001, "/hapus")
        wait_for(lambda: len(api.replies_to(1001)) == 4, what="the deletion notice")
    assert api.replies_to(1001)[3].startswith("Data Anda sudah dihapus (2 pesan)")
    [post] = tip_posts(seeded)  # the tip only this citizen sent is gone; the shared one stays
    assert "Nanga Taman" in post.text
    with seeded.session() as session:
        assert session.scalar(select(func.count()).select_from(Tip)) == 1
        assert session.scalars(select(TipAsker.address)).all() == [None, None]


def test_flood_from_one_citizen_is_throttled_without_losing_others(
    seeded: Database, model: Classifier
) -> None:
    others = {1102: "Ada yang bilang TPS 05 Sekadau Hilir pindah ke balai desa besok", 1103: UNKNOWN}
    base = int(time.time())
    with bot_api() as (server, api), running_bot(seeded, tipline_config(server.url, per_minute=5), model):
        for i in range(100):
            api.message(
                1101,
                f"spam nomor {i} tentang pemilu curang di mana-mana kata orang",
                at=base + i // 10,
            )
            if i % 20 == 0:
                for chat, text in others.items():
                    api.message(chat, f"{text} ({i})", at=base + i // 10)
        wait_for(lambda: not api.updates, what="every update confirmed")
        wait_for(
            lambda: len(api.replies_to(1102)) == 5 and len(api.replies_to(1103)) == 5, what="others' answers"
        )
    flood = api.replies_to(1101)
    assert len(flood) == 6  # five answers and one notice, then silence
    assert sum("Terlalu banyak pesan" in text for text in flood) == 1
    with seeded.session() as session:
        per_asker = session.execute(select(Tip.asker_id, func.count()).group_by(Tip.asker_id)).all()
    assert sorted(count for _, count in per_asker) == [5, 5, 5]


def test_survives_429_and_500_and_restarts_without_answering_twice(
    seeded: Database, model: Classifier
) -> None:
    with bot_api() as (server, api):
        config = tipline_config(server.url)
        send = api.path("sendMessage")
        server.fault(api.path("getUpdates"), "429", retry_after=1, method="POST")
        server.fault(api.path("getUpdates"), "status", status=500, times=3, method="POST")  # beyond retries
        with running_bot(seeded, config, model) as bot:
            api.message(1201, HOAX_FORWARD)
            wait_for(lambda: api.replies_to(1201), what="an answer after the API recovered")
            # sendMessage fails through every retry: the reply waits in the outbox.
            server.fault(send, "status", status=500, times=None, method="POST")
            api.message(1202, UNKNOWN)
            wait_for(lambda: not api.updates, what="the update confirmed")
            wait_for(lambda: max_attempts(seeded) > 0, what="a failed send")
            bot.stop()
        server.clear_faults()
        api.message(1203, "/bantuan")
        with seeded.session() as session:  # the failed reply is due again now
            session.execute(
                update(TipReply).where(TipReply.status == "pending").values(next_attempt_at=datetime.now(UTC))
            )
        with running_bot(seeded, config, model):  # a restart: same database, a new process's state
            wait_for(lambda: api.replies_to(1202) and api.replies_to(1203), what="answers after the restart")
            api.message(1201, "/bantuan")
            wait_for(lambda: len(api.replies_to(1201)) == 2, what="a later message")
    assert (
        len(api.replies_to(1201)) == 2 and len(api.replies_to(1202)) == 1 and len(api.replies_to(1203)) == 1
    )
    assert server.hits(api.path("getUpdates")) >= 5


def test_officer_decision_answers_the_next_identical_tip_at_once(seeded: Database, model: Classifier) -> None:
    with bot_api() as (server, api), running_bot(seeded, tipline_config(server.url), model):
        api.message(1301, UNKNOWN)
        wait_for(lambda: api.replies_to(1301), what="the acknowledgement")
        [post] = tip_posts(seeded)
        with seeded.session() as session:
            triage.apply(
                session, Actor("petugas", "kpu"), post.id, "not_hoax", expected_version=post.triage_version
            )
        api.message(1302, UNKNOWN)
        wait_for(lambda: api.replies_to(1302), what="the answer")
    assert api.replies_to(1302)[0].startswith("ℹ️ Petugas KPU Kabupaten Sekadau sudah memeriksa pesan ini")
    with seeded.session() as session:
        assert session.scalar(select(func.count()).select_from(TriageEvent)) == 1
        kinds = session.scalars(select(Tip.kind).order_by(Tip.id)).all()
    assert kinds == ["queued", "decided"]


class Fragile:
    """The real model, except that one text makes it fail (a bug triggered by one odd message)."""

    def __init__(self, model: Classifier) -> None:
        self.model = model
        self.version, self.threshold = model.version, model.threshold

    def add_claims(self, claims: object) -> None:
        self.model.add_claims(claims)  # type: ignore[arg-type]

    def fit(self, texts: object, labels: object) -> Fragile:
        return self

    def predict(self, texts: list[str]) -> list:  # type: ignore[type-arg]
        if any("PESAN-ANEH" in text for text in texts):
            raise RuntimeError("the classifier failed on this text")
        return self.model.predict(texts)


def test_one_message_that_cannot_be_answered_does_not_stop_the_others(
    seeded: Database, model: Classifier
) -> None:
    with bot_api() as (server, api):
        for chat, text in (
            (1401, HOAX_FORWARD),
            (1402, "PESAN-ANEH tentang pemilu di desa kami"),
            (1403, UNKNOWN),
        ):
            api.message(chat, text)
        with running_bot(seeded, tipline_config(server.url), Fragile(model)):  # type: ignore[arg-type]
            wait_for(lambda: api.replies_to(1401) and api.replies_to(1403), what="the other answers")
            wait_for(lambda: not api.updates, what="every update confirmed")
    assert api.replies_to(1402) == []
    assert len(api.replies_to(1401)) == 1 and len(api.replies_to(1403)) == 1


def test_monitor_tipline_run_answers_and_stops_on_sigterm(tmp_path: Path) -> None:
    """The real command in its own process: settings, the active model, polling, a clean stop."""
    url = f"sqlite:///{tmp_path / 'monitor.db'}"
    database = Database(url)
    database.upgrade()
    seed_claims(database, load_settings(REPO / "config" / "monitor.toml", database_url=url, home=REPO))
    database.dispose()
    with bot_api() as (server, api):
        config = tmp_path / "tipline.yml"
        config.write_text(
            f"telegram:\n  base_url: {server.url}\n  poll_timeout: 1\n"
            "  http: {requests_per_minute: null}\n",
            encoding="utf-8",
        )
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("MONITOR_")},
            "MONITOR_HOME": str(REPO),
            "MONITOR_DATABASE_URL": url,
            "MONITOR_TIPLINE_SECRET": SECRET,
            "MONITOR_TIPLINE_TELEGRAM_TOKEN": TOKEN,
            "PYTHONPATH": str(REPO),
        }
        command = [sys.executable, "-m", "monitor.cli", "tipline", "run", "--config", str(config)]
        process = subprocess.Popen(
            command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        try:
            api.message(1501, HOAX_FORWARD)
            wait_for(
                lambda: api.replies_to(1501) or process.poll() is not None, timeout=180, what="an answer"
            )
        finally:
            process.send_signal(signal.SIGTERM)
            out, err = process.communicate(timeout=120)
    assert process.returncode == 0, err
    assert api.replies_to(1501) and api.replies_to(1501)[0].startswith("⚠️ HOAKS.")
    assert "Telegram: long polling" in out and "tipline stopped" in out
    assert TOKEN not in out + err  # the token never reaches the logs

"""The weekly report's "Pertanyaan Warga" (issue 17): the citizen tipline's week beside the week before, in
the data (SQLite and PostgreSQL), the PDF (pdftotext, pages as images) and the HTML; absent when the
tipline received nothing."""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from report_seed import WEEK, WIB, seed_week
from sqlalchemy import select

from monitor import triage
from monitor.auth import Actor
from monitor.classify import KnownClaim, Score
from monitor.config import Settings, load_settings
from monitor.reports import build_weekly_report
from monitor.reports.data import collect_week
from monitor.store import Database
from monitor.store.schema import Post, Tip, TipReply
from monitor.store.tips import TiplineWeek
from monitor.store.weeks import parse_week
from monitor.tipline import Incoming, TipKeys, Tipline, TiplineConfig, citizen_questions

REPO = Path(__file__).resolve().parent.parent
SECRET = "q" * 40
T0 = datetime(2024, 2, 12, 3, 0, tzinfo=UTC)  # Monday 10.00 WIB of 2024-W07
UNKNOWN = "Kabar kotak suara dibuka semalam di desa kami sebelum hari pencoblosan"
needs_poppler = pytest.mark.skipif(
    shutil.which("pdftoppm") is None or shutil.which("pdftotext") is None,
    reason="poppler-utils (pdftoppm, pdftotext) not installed: run `make sysdeps`",
)


@dataclass
class QuietModel:
    """A classifier that flags nothing and knows no claim: every question is new to the bot."""

    version: str = "quiet-1"
    threshold: float = 0.5
    claims: tuple[KnownClaim, ...] = ()

    def fit(self, texts: Sequence[str], labels: Sequence[int]) -> QuietModel:
        return self

    def add_claims(self, claims: Iterable[KnownClaim]) -> None:
        self.claims += tuple(claims)

    def predict(self, texts: Sequence[str]) -> list[Score]:
        return [Score(0.1, False, ["other"], [], None, None, None, None) for _ in texts]


def _ask(db: Database, at: datetime, messages: list[tuple[str, str, str]]) -> None:
    bot = Tipline(db, TiplineConfig(), TipKeys(SECRET), QuietModel(), now=lambda: at)
    bot.handle([Incoming("telegram", chat, ref, text, at) for chat, ref, text in messages])


def seed_questions(db: Database) -> None:
    """W07: three tips (one "cek DPT" answered after 30 s, two asking the same unknown message, decided by
    an officer 2 hours later); W06: one tip still waiting."""
    _ask(
        db,
        T0 - timedelta(days=7),
        [("9", "1", "Pesan berantai soal surat suara tercoblos di gudang logistik")],
    )
    _ask(
        db,
        T0,
        [
            ("1", "1", "/mulai"),
            ("1", "2", UNKNOWN),
            ("2", "1", UNKNOWN),
            ("3", "1", "Bagaimana cara cek DPT saya?"),
        ],
    )
    with db.session() as session:  # the automatic answer went out 30 s after the question arrived
        session.execute(TipReply.__table__.update().values(status="sent", sent_at=T0 + timedelta(seconds=30)))
        session.execute(
            Tip.__table__.update().where(Tip.kind == "dpt").values(answered_at=T0 + timedelta(seconds=30))
        )
        post = session.scalars(select(Post).where(Post.platform == "tipline", Post.text == UNKNOWN)).one()
        triage.apply(
            session,
            Actor("petugas", "kpu"),
            post.id,
            "hoax",
            expected_version=post.triage_version,
            now=T0 + timedelta(hours=2),
        )


def _settings(db: Database) -> Settings:
    return load_settings(REPO / "config" / "monitor.toml", database_url=db.url, home=REPO)


def test_week_data_holds_the_tipline_numbers(db: Database) -> None:
    seed_week(db)
    seed_questions(db)
    window = parse_week(WEEK, WIB)
    data = collect_week(db, _settings(db), window)
    assert data.questions == TiplineWeek(3, 1, 2, 0, 7200.0)
    assert data.previous_questions == TiplineWeek(1, 0, 0, 1, None)
    assert data.has_questions
    # The same numbers as the tipline's own face (`monitor tipline stats`).
    assert data.questions == citizen_questions(db, window.start, window.end)
    assert data.canonical()["questions"]["answered_by_officers"] == 2  # covered by the snapshot hash


@needs_poppler
def test_pdf_and_html_show_pertanyaan_warga(sqlite_db: Database, tmp_path: Path) -> None:
    seed_week(sqlite_db)
    seed_questions(sqlite_db)
    cfg = _settings(sqlite_db)
    pdf = build_weekly_report(sqlite_db, cfg, WEEK, "pdf")
    path = tmp_path / "laporan.pdf"
    path.write_bytes(pdf)
    text = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True, text=True
    ).stdout
    assert "Pertanyaan Warga" in text
    rows = {
        "Pertanyaan masuk": r"3\s+1\s+\+2",
        "Dijawab otomatis": r"1\s+0\s+\+1",
        "Dijawab petugas": r"2\s+0\s+\+2",
        "Masih menunggu jawaban": r"0\s+1\s+−1",
        "Median waktu sampai dijawab": r"2 jam\s+-\s+tidak dapat",
    }
    for label, numbers in rows.items():
        assert re.search(re.escape(label) + r".*?\s" + numbers, text), label
    assert "Minggu ini 3 pertanyaan masuk; 3 (100,0%) sudah dijawab, 0 masih menunggu." in " ".join(
        text.split()
    )
    # Every page renders; the one with the section is kept for a human look (tests/artifacts/).
    subprocess.run(["pdftoppm", "-r", "60", "-png", str(path), str(tmp_path / "page")], check=True)
    pages = sorted(tmp_path.glob("page*.png"))
    assert pages and all(page.stat().st_size > 1000 for page in pages)
    artifacts = REPO / "tests" / "artifacts"
    artifacts.mkdir(exist_ok=True)
    for page in pages:
        shutil.copy(page, artifacts / f"report-questions-{page.name}")
    html = build_weekly_report(sqlite_db, cfg, WEEK, "html").decode("utf-8")
    section = html[html.index('<section id="pertanyaan-warga">') : html.index('<section id="narasi">')]
    assert "<h2>Pertanyaan Warga</h2>" in section and '<td class="num">3</td>' in section
    assert html.index('id="pertanyaan-warga"') < html.index('id="metode"')


@needs_poppler
def test_no_tips_no_section(sqlite_db: Database, tmp_path: Path) -> None:
    seed_week(sqlite_db)
    cfg = _settings(sqlite_db)
    assert not collect_week(sqlite_db, cfg, parse_week(WEEK, WIB)).has_questions
    path = tmp_path / "laporan.pdf"
    path.write_bytes(build_weekly_report(sqlite_db, cfg, WEEK, "pdf"))
    text = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True, text=True
    ).stdout
    assert "Pertanyaan Warga" not in text and "Ringkasan" in text
    assert "pertanyaan-warga" not in build_weekly_report(sqlite_db, cfg, WEEK, "html").decode("utf-8")

"""The weekly report: week windows in WIB, SQL aggregates on SQLite and PostgreSQL, and the rendered
PDF (pdftoppm/pdftotext) and HTML, reproducible byte for byte."""

from __future__ import annotations

import re
import shutil
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import pytest
from report_seed import EXPECTED, MODEL, WEEK, WIB, seed_week, wib
from typer.testing import CliRunner

from monitor.config import Settings, load_settings
from monitor.reports import (
    build_weekly_report,
    default_filename,
    previous_week,
    scheduled_weekly_report,
)
from monitor.reports import wording as w
from monitor.reports.data import collect_week
from monitor.reports.rules import count_escalations, escalation_target, pseudonym, quote_of
from monitor.store import Database
from monitor.store.weeks import WeekError, parse_week

REPO = Path(__file__).resolve().parent.parent
SECTION_TITLES = (
    "Laporan Mingguan Pemantauan Hoaks Pemilu",
    "Ringkasan",
    "Grafik",
    "Lima Narasi Teratas",
    "Catatan Metode",
)
needs_poppler = pytest.mark.skipif(
    shutil.which("pdftoppm") is None or shutil.which("pdftotext") is None,
    reason="poppler-utils (pdftoppm, pdftotext) not installed: run `make sysdeps`",
)


def _settings(db: Database, **overrides: object) -> Settings:
    return load_settings(REPO / "config" / "monitor.toml", database_url=db.url, home=REPO, **overrides)


def pdf_text(pdf: bytes, tmp_path: Path) -> str:
    path = tmp_path / "report.pdf"
    path.write_bytes(pdf)
    return subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True, text=True
    ).stdout


def pdf_pages(pdf: bytes, tmp_path: Path) -> list[Path]:
    path = tmp_path / "pages.pdf"
    path.write_bytes(pdf)
    subprocess.run(["pdftoppm", "-r", "40", "-png", str(path), str(tmp_path / "page")], check=True)
    return sorted(tmp_path.glob("page*.png"))


# -- weeks --------------------------------------------------------------------------------------------------
def test_iso_week_window_is_monday_to_monday_in_wib() -> None:
    week = parse_week("2024-W07", WIB)
    assert week.label == "2024-W07"
    assert week.start == datetime(2024, 2, 11, 17, 0, tzinfo=UTC)  # Monday 00:00 WIB
    assert week.end == datetime(2024, 2, 18, 17, 0, tzinfo=UTC)
    assert [d.day for d in week.days] == [12, 13, 14, 15, 16, 17, 18]
    assert week.previous().label == "2024-W06"
    assert parse_week("2024w7", WIB) == week
    assert parse_week("2021-W01", WIB).previous().label == "2020-W53"


@pytest.mark.parametrize("text", ["2024-07", "W07", "2023-W53", "2024-W00", "2024-W99", ""])
def test_bad_week_is_refused_with_the_value_named(text: str) -> None:
    with pytest.raises(WeekError, match=re.escape(text) if text else "ISO week"):
        parse_week(text, WIB)


def test_default_filename_and_previous_week() -> None:
    assert default_filename("2024w7", "html") == "laporan-mingguan-2024-W07.html"
    assert default_filename("2024-W07") == "laporan-mingguan-2024-W07.pdf"
    with pytest.raises(ValueError, match="docx"):
        default_filename("2024-W07", "docx")
    cfg = load_settings(REPO / "config" / "monitor.toml", home=REPO)
    # Monday 19 Feb 2024 07:00 WIB is Monday 00:00 UTC: the previous week is W07 in WIB.
    assert previous_week(cfg, datetime(2024, 2, 19, 0, 0, tzinfo=UTC)).label == "2024-W07"
    # Sunday 18 Feb 23:00 UTC is already Monday 06:00 WIB.
    assert previous_week(cfg, datetime(2024, 2, 18, 23, 0, tzinfo=UTC)).label == "2024-W07"


# -- small rules --------------------------------------------------------------------------------------------
def test_escalations_count_each_item_once_per_agency() -> None:
    assert escalation_target("escalate", {}, {"escalated_to": "polri"}) == "polri"
    assert escalation_target("note", {"escalated_to": "polri"}, {"escalated_to": "polri"}) is None
    assert escalation_target("escalate_bawaslu", None, None) == "bawaslu"
    assert escalation_target("narrative.escalate_polri", None, {"applied": [1, 2]}) is None
    assert escalation_target("hoax", {"escalated_to": None}, {"escalated_to": None}) is None
    assert escalation_target("decide", {"triage_status": "new"}, {"triage_status": "hoax"}) is None
    events = [
        {
            "id": 1,
            "post_id": 7,
            "narrative_id": None,
            "action": "escalate",
            "before": {},
            "after": {"escalated_to": "bawaslu"},
        },
        {
            "id": 2,
            "post_id": 7,
            "narrative_id": None,
            "action": "escalate",
            "before": {"escalated_to": "polri"},
            "after": {"escalated_to": "bawaslu"},
        },
        {
            "id": 3,
            "post_id": None,
            "narrative_id": 4,
            "action": "escalate_polri",
            "before": None,
            "after": None,
        },
    ]
    assert count_escalations(events) == {"bawaslu": 1, "polri": 1}


def test_pseudonyms_are_stable_salted_and_hide_handles() -> None:
    first = pseudonym("twitter", "@Budi_Sekadau", "garam")
    assert re.fullmatch(r"akun-[0-9a-f]{4}", first)
    assert first == pseudonym("twitter", "budi_sekadau", "garam")
    assert first != pseudonym("twitter", "budi_sekadau", "garam-lain")
    quoted = quote_of("cek @budi_sekadau https://x.invalid/abc " + "kata " * 60, "twitter", "garam")
    assert "budi" not in quoted and "x.invalid" not in quoted and "[tautan]" in quoted
    assert f"@{pseudonym('twitter', 'budi_sekadau', 'garam')}" in quoted
    assert len(quoted) <= 182 and quoted.endswith("…")


def test_indonesian_wording() -> None:
    assert w.number(1234567) == "1.234.567"
    assert w.percent(0.125) == "12,5%"
    assert w.change(12, 10) == "+2 (+20,0%)"
    assert w.change(3, 5) == "−2 (−40,0%)"
    assert w.change(4, 4) == "tetap"
    assert w.change(5, 0) == "+5 (minggu lalu 0)"
    assert w.duration(5 * 3600) == "5 jam"
    assert w.duration(26 * 3600 + 60) == "1 hari 2 jam"
    assert w.duration(20) == "< 1 menit"
    assert w.moment(datetime(2024, 2, 18, 16, 50, tzinfo=UTC), WIB) == "18 Februari 2024 23.50 WIB"


# -- aggregation on both databases --------------------------------------------------------------------------
def test_week_aggregates_match_the_hand_count(db: Database) -> None:
    seed_week(db)
    data = collect_week(db, _settings(db), parse_week(WEEK, WIB))
    figures = data.figures
    for key in (
        "collected",
        "relevant",
        "flagged",
        "hoax",
        "escalated_bawaslu",
        "escalated_polri",
        "decisions",
    ):
        assert getattr(figures, key) == EXPECTED[key], key
        assert getattr(data.previous_figures, key) == EXPECTED["previous"][key], f"previous {key}"
    assert figures.median_decision_seconds == EXPECTED["median_decision_seconds"]
    assert data.previous_figures.median_decision_seconds == EXPECTED["previous"]["median_decision_seconds"]
    assert data.daily["posts"].tolist() == EXPECTED["daily_posts"]
    share = data.topic_share().set_index("topic")
    assert share.loc["sidalih", ["posts", "flagged"]].tolist() == [4, 4]
    assert share.loc["sirekap", ["posts", "flagged"]].tolist() == [2, 2]
    assert share.loc["candidates", ["posts", "flagged"]].tolist() == [3, 2]
    assert share.loc["procedure", ["posts", "flagged"]].tolist() == [1, 0]
    assert share.loc["other", ["posts", "flagged"]].tolist() == [2, 0]
    assert data.platforms.to_dict(orient="records") == [
        {"platform": "twitter", "posts": 5, "flagged": 4},
        {"platform": "facebook", "posts": 3, "flagged": 2},
        {"platform": "mastodon", "posts": 1, "flagged": 0},
        {"platform": "tiktok", "posts": 1, "flagged": 0},
    ]
    assert data.triage == {"escalated": 1, "hoax": 2, "in_review": 1, "new": 1, "not_hoax": 1}
    assert data.model_versions == {MODEL: 10}
    assert data.active_model == MODEL and data.card is not None and data.card.precision == 0.84
    assert data.keywords_version  # config/keywords.yml carries a version
    assert data.week_precision == {"confirmed": 2, "rejected": 1, "precision": 0.6667}
    assert data.newest_post == wib(18, 23, 50)

    assert data.group_kind == "text_hash"
    first, second = data.groups
    assert (first.key, first.posts, first.previous_posts, first.flagged) == ("aaaa", 4, 2, 4)
    assert first.claim_key == "kh-001"
    assert first.example_author == pseudonym("twitter", "akun_a2", "KPU Kabupaten Sekadau")
    assert "warga_sekadau" not in first.example and "[tautan]" in first.example
    assert first.statuses == {"escalated": 1, "hoax": 2, "new": 1}
    assert (second.key, second.posts, second.previous_posts) == ("bbbb", 2, 0)
    assert second.claim is None

    health = {s.name: s for s in data.sources}
    assert health["mastodon-kpu"].missing_days == [5, 6] and health["mastodon-kpu"].read == 250
    assert health["rss-cekfakta"].missing_days == [] and health["rss-cekfakta"].failed == 1
    assert health["telegram-x"].missing_days == list(range(7)) and health["telegram-x"].runs == 0


def test_narratives_are_used_when_present(db: Database) -> None:
    seed_week(db, narratives=True)
    data = collect_week(db, _settings(db), parse_week(WEEK, WIB))
    assert data.group_kind == "narrative"
    first, second = data.groups
    assert first.label == "DPT ganda di Sekadau" and first.status == "hoax" and first.claim_key == "kh-001"
    assert (first.posts, first.previous_posts) == (4, 2)
    assert second.label == "Server Sirekap di luar negeri" and second.claim is None


@pytest.mark.postgres
def test_sqlite_and_postgresql_give_the_same_report(sqlite_db: Database, pg_db: Database) -> None:
    seed_week(sqlite_db)
    seed_week(pg_db)
    lite = collect_week(sqlite_db, _settings(sqlite_db), parse_week(WEEK, WIB))
    pg = collect_week(pg_db, _settings(pg_db), parse_week(WEEK, WIB))
    assert lite.canonical() == pg.canonical()
    assert lite.snapshot == pg.snapshot
    assert build_weekly_report(sqlite_db, _settings(sqlite_db), WEEK, "html") == build_weekly_report(
        pg_db, _settings(pg_db), WEEK, "html"
    )


# -- rendering ----------------------------------------------------------------------------------------------
@needs_poppler
def test_pdf_has_pages_sections_and_the_right_totals(sqlite_db: Database, tmp_path: Path) -> None:
    seed_week(sqlite_db)
    cfg = _settings(sqlite_db)
    pdf = build_weekly_report(sqlite_db, cfg, WEEK, "pdf")
    assert pdf.startswith(b"%PDF-")
    pages = pdf_pages(pdf, tmp_path)
    assert 2 <= len(pages) <= 6, f"{len(pages)} pages"
    assert all(page.stat().st_size > 1000 for page in pages)
    text = pdf_text(pdf, tmp_path)
    for title in SECTION_TITLES:
        assert title in text, title
    rows = {
        "Pos terkumpul": r"320\s+40\s+\+280",
        "Pos relevan pemilu": r"10\s+3\s+\+7",
        "Pos ditandai model": r"6\s+2\s+\+4",
        "Hoaks terkonfirmasi petugas": r"2\s+1\s+\+1",
        "Eskalasi ke Bawaslu": r"2\s+0\s+\+2",
        "Eskalasi ke Polri": r"1\s+1\s+tetap",
        "Median waktu dari ditandai sampai diputuskan": r"5 jam\s+1 jam\s+\+4 jam",
    }
    for label, numbers in rows.items():
        assert re.search(re.escape(label) + r".*?\s" + numbers, text), label
    assert "18 Februari 2024 23.50 WIB" in text  # data cut-off: the newest post of the week
    assert MODEL in text and "2024-W07" in text
    assert "mastodon-kpu" in text and "Sab 17 Feb, Min 18 Feb" in text  # the gap is stated
    assert "warga_sekadau" not in text and "akun_a2" not in text  # handles are pseudonymised
    data = collect_week(sqlite_db, cfg, parse_week(WEEK, WIB))
    assert data.snapshot in text.replace("\n", "")
    assert "66,7%" in text  # officers' precision this week: 2 of 3


@needs_poppler
def test_renders_are_byte_identical(sqlite_db: Database) -> None:
    seed_week(sqlite_db)
    cfg = _settings(sqlite_db)
    assert build_weekly_report(sqlite_db, cfg, WEEK, "html") == build_weekly_report(
        sqlite_db, cfg, WEEK, "html"
    )
    assert build_weekly_report(sqlite_db, cfg, WEEK, "pdf") == build_weekly_report(
        sqlite_db, cfg, WEEK, "pdf"
    )


def test_html_report_is_escaped_and_self_contained(sqlite_db: Database) -> None:
    seed_week(sqlite_db)
    with sqlite_db.session() as session:
        from monitor.store.schema import Post

        post = session.get(Post, 2)
        post.text = "<script>alert(1)</script> DPT ganda"
    html = build_weekly_report(sqlite_db, _settings(sqlite_db), WEEK, "html").decode("utf-8")
    assert "<script>" not in html and "&lt;script&gt;" in html
    for title in SECTION_TITLES:
        assert title in html
    assert html.count('src="data:image/png;base64,') == 5
    assert "http://" not in html.replace('lang="id"', "") and "https://" not in html


@needs_poppler
def test_empty_week_gives_a_short_report_saying_so(sqlite_db: Database, tmp_path: Path) -> None:
    cfg = _settings(sqlite_db)
    pdf = build_weekly_report(sqlite_db, cfg, "2030-W01", "pdf")
    pages = pdf_pages(pdf, tmp_path)
    assert 1 <= len(pages) <= 2
    text = pdf_text(pdf, tmp_path)
    assert "Tidak ada data untuk minggu ini" in text
    assert "Ringkasan" in text and "Catatan Metode" in text
    html = build_weekly_report(sqlite_db, cfg, "2030-W01", "html").decode()
    assert "Tidak ada data untuk minggu ini" in html and "<img" not in html


# -- entry points -------------------------------------------------------------------------------------------
def test_scheduled_report_writes_last_weeks_pdf(sqlite_db: Database, tmp_path: Path) -> None:
    seed_week(sqlite_db)
    cfg = _settings(sqlite_db, paths={"reports_dir": str(tmp_path / "laporan")})
    path = scheduled_weekly_report(cfg, now=datetime(2024, 2, 19, 7, 0, tzinfo=WIB))
    assert path == tmp_path / "laporan" / "laporan-mingguan-2024-W07.pdf"
    assert path.read_bytes() == build_weekly_report(sqlite_db, cfg, WEEK, "pdf")
    assert not list((tmp_path / "laporan").glob(".*partial"))


def test_cli_report_command(sqlite_db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from monitor.cli import app

    seed_week(sqlite_db)
    monkeypatch.setenv("MONITOR_DATABASE_URL", sqlite_db.url)
    monkeypatch.setenv("MONITOR_HOME", str(REPO))
    out = tmp_path / "minggu7.html"
    runner = CliRunner()
    result = runner.invoke(app, ["report", "--week", "2024-W07", "--format", "html", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert out.read_bytes() == build_weekly_report(sqlite_db, _settings(sqlite_db), WEEK, "html")
    assert "2024-W07" in result.output and str(out) in result.output.replace("\n", "")

    bad = runner.invoke(app, ["report", "--week", "2024-W60", "--out", str(tmp_path / "x.pdf")])
    assert bad.exit_code == 2 and "2024-W60" in bad.output
    assert not (tmp_path / "x.pdf").exists()

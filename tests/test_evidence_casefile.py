"""The screenshot in real headless Chromium, the Indonesian case-file PDF (read back with poppler), NIK
masking, and the `monitor evidence` commands end to end."""

from __future__ import annotations

import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest
from evidence_support import NIK, PAGE_HTML, REPO, evidence_settings, point_post_at, rewrite_member
from httpserver import RecordedServer
from triage_seed import seed_queue
from typer.testing import CliRunner

from monitor import evidence, triage
from monitor.auth import Actor
from monitor.cli import app
from monitor.evidence.casefile import long_date, mask_nik
from monitor.store import Database

KPU = Actor("kpu", "kpu")
CHROMIUM = Path("/usr/bin/chromium")
needs_chromium = pytest.mark.skipif(not CHROMIUM.exists(), reason=f"{CHROMIUM} is absent (Debian chromium)")
needs_poppler = pytest.mark.skipif(
    shutil.which("pdftotext") is None or shutil.which("pdftoppm") is None,
    reason="pdftotext/pdftoppm absent (Debian poppler-utils)",
)


@pytest.fixture
def page_server() -> RecordedServer:
    with RecordedServer() as server:
        server.route("/status/1", body=PAGE_HTML, content_type="text/html; charset=utf-8")
        yield server


def test_mask_nik_keeps_region_code_and_hides_the_rest() -> None:
    assert mask_nik(f"NIK saya {NIK}.") == "NIK saya 6107************."
    assert mask_nik("nik 6107 0123 4567 0001 bocor") == "nik 6107************ bocor"
    assert mask_nik("6107-0123-4567-0001") == "6107************"
    # Not a NIK: too short, too long, or a phone number.
    for text in ("TPS 012 Sekadau", "081234567890", "12345678901234567", "skor 0.81"):
        assert mask_nik(text) == text


def test_long_date_is_indonesian_in_wib() -> None:
    from datetime import UTC, datetime

    assert long_date(datetime(2024, 2, 12, 3, 30, tzinfo=UTC)) == "Senin, 12 Februari 2024 pukul 10.30 WIB"


@needs_chromium
def test_screenshot_in_headless_chromium(
    sqlite_db: Database, page_server: RecordedServer, tmp_path: Path
) -> None:
    post_id = seed_queue(sqlite_db, n=2, hostile=False)["post_ids"][0]
    point_post_at(sqlite_db, post_id, f"{page_server.url}/status/1")
    cfg = evidence_settings(sqlite_db, tmp_path / "evidence", screenshot=True, screenshot_timeout=60)
    packet = evidence.freeze(sqlite_db, cfg, KPU, post_id)
    assert packet.missing == []
    shot = next(f for f in packet.files if f["name"] == "screenshot.png")
    data = (tmp_path / "evidence" / "objects" / shot["sha256"][:2] / shot["sha256"]).read_bytes()
    assert data.startswith(b"\x89PNG\r\n\x1a\n") and shot["size"] > 1000
    # The page was requested twice: once by the HTTP layer, once by Chromium, both with our User-Agent.
    agents = {r.headers.get("User-Agent", "") for r in page_server.requests if r.path == "/status/1"}
    assert len(page_server.requests) >= 2 and all(a.startswith("election-monitor/") for a in agents)


def test_chromium_absent_is_said_plainly(
    sqlite_db: Database, page_server: RecordedServer, tmp_path: Path
) -> None:
    post_id = seed_queue(sqlite_db, n=2, hostile=False)["post_ids"][0]
    point_post_at(sqlite_db, post_id, f"{page_server.url}/status/1")
    cfg = evidence_settings(
        sqlite_db, tmp_path / "evidence", screenshot=True, chromium_path=str(tmp_path / "no-chromium")
    )
    packet = evidence.freeze(sqlite_db, cfg, KPU, post_id)
    assert packet.missing == [
        {
            "file": "screenshot.png",
            "reason": f"Chromium tidak terpasang di {tmp_path / 'no-chromium'}; tangkapan layar tidak dibuat",
        }
    ]


@needs_poppler
def test_case_file_pdf_reads_in_indonesian_with_nik_masked(
    db: Database, page_server: RecordedServer, tmp_path: Path
) -> None:
    post_id = seed_queue(db, n=2, hostile=False)["post_ids"][0]
    point_post_at(
        db, post_id, f"{page_server.url}/status/1", text=f"DPT ganda! NIK {NIK} dipakai orang lain di TPS 03"
    )
    with db.session() as session:
        triage.apply(session, KPU, post_id, "hoax", expected_version=0, note=f"pelapor NIK {NIK}")
        triage.apply(session, KPU, post_id, "escalate_polri", expected_version=1, note="UU ITE")
    cfg = evidence_settings(db, tmp_path / "evidence")
    packet = evidence.freeze(db, cfg, KPU, post_id, trigger="escalation")
    out = evidence.export_zip(db, cfg, KPU, post_id, tmp_path / "kasus.zip")
    with zipfile.ZipFile(out) as archive:
        pdf = archive.read("berkas-kasus.pdf")
    (tmp_path / "kasus.pdf").write_bytes(pdf)
    text = subprocess.run(
        ["pdftotext", "-layout", str(tmp_path / "kasus.pdf"), "-"],
        capture_output=True,
        check=True,
        timeout=60,
    ).stdout.decode("utf-8")
    flat = " ".join(text.split())
    for phrase in (
        "BERITA ACARA PEMBEKUAN BUKTI DIGITAL",
        "karena eskalasi item",
        "Unggahan yang dibekukan",
        "Jangkauan saat dibekukan",
        "DPT ganda membuat pemilu curang",  # the matched debunk
        "memutuskan hoaks",
        "mengeskalasi ke Polri",
        "Sidik jari berkas (SHA-256)",
        "Cara memverifikasi",
        "tangkapan layar dimatikan di konfigurasi",  # what is missing, said plainly
        "6107************",
    ):
        assert phrase in flat, f"{phrase!r} missing from the PDF text"
    assert NIK not in text and "0123 4567" not in text
    assert packet.manifest_sha256 in flat.replace(" ", "") or packet.manifest_sha256[:32] in flat
    subprocess.run(
        ["pdftoppm", "-r", "60", "-png", str(tmp_path / "kasus.pdf"), str(tmp_path / "page")],
        check=True,
        timeout=120,
    )
    pages = sorted(tmp_path.glob("page*.png"))
    assert pages and all(p.stat().st_size > 5000 for p in pages)
    artifacts = REPO / "tests" / "artifacts"
    if db.dialect == "sqlite":  # kept for a person to look at (tests/artifacts is ignored by git)
        artifacts.mkdir(exist_ok=True)
        for page in pages:
            shutil.copy(page, artifacts / f"evidence-casefile-{page.name}")


def test_cli_freeze_show_export_verify(
    db: Database, page_server: RecordedServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    post_id = seed_queue(db, n=2, hostile=False)["post_ids"][0]
    point_post_at(db, post_id, f"{page_server.url}/status/1")
    monkeypatch.setenv("MONITOR_HOME", str(REPO))
    monkeypatch.setenv("MONITOR_DATABASE_URL", db.url)
    monkeypatch.setenv("MONITOR_EVIDENCE__FOLDER", str(tmp_path / "evidence"))
    monkeypatch.setenv("MONITOR_EVIDENCE__SCREENSHOT", "false")
    monkeypatch.setenv("MONITOR_EVIDENCE__ALLOW_PRIVATE_HOSTS", "true")
    runner = CliRunner()
    env = {"COLUMNS": "250"}
    frozen = runner.invoke(app, ["evidence", "freeze", str(post_id)], env=env)
    assert frozen.exit_code == 0, frozen.output
    assert f"frozen item={post_id} seq=1 manifest_sha256=" in frozen.output
    assert "missing screenshot.png: tangkapan layar dimatikan" in frozen.output
    shown = runner.invoke(app, ["evidence", "show", str(post_id)], env=env)
    assert shown.exit_code == 0 and "page.html" in shown.output and "trigger=on_demand" in shown.output
    out = tmp_path / "kasus.zip"
    exported = runner.invoke(app, ["evidence", "export", str(post_id), "--out", str(out)], env=env)
    assert exported.exit_code == 0, exported.output
    verified = runner.invoke(app, ["evidence", "verify", str(out)], env=env)
    assert verified.exit_code == 0 and verified.output.strip().splitlines()[-1].startswith("OK:"), (
        verified.output
    )
    everything = runner.invoke(app, ["evidence", "verify", "--all"], env=env)
    assert everything.exit_code == 0 and "links=1" in everything.output, everything.output
    broken = tmp_path / "broken.zip"
    rewrite_member(out, broken, "files/page.html", lambda data: data.replace(b"Sekadau", b"Sekadav"))
    failed = runner.invoke(app, ["evidence", "verify", str(broken)], env=env)
    assert failed.exit_code == 1
    assert "FAIL: paket #1: berkas page.html berubah" in failed.output
    usage = runner.invoke(app, ["evidence", "verify"], env=env)
    assert usage.exit_code == 2 and "FILE.zip or --all" in usage.output
    missing = runner.invoke(app, ["evidence", "export", "999999", "--out", str(tmp_path / "x.zip")], env=env)
    assert missing.exit_code == 2 and "tidak ditemukan" in missing.output

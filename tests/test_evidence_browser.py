"""The evidence panel in real headless Chromium: an officer freezes an item (with a real screenshot of a
loopback page), downloads the case file from the page and the zip verifies."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from evidence_support import PAGE_HTML, point_post_at
from httpserver import RecordedServer
from test_dashboard_browser import ARTIFACTS, CHROMIUM, server  # noqa: F401 (the streamlit fixture)
from triage_seed import CHEAP_HASHER, PASSWORDS, add_users, seed_queue

from monitor import auth, evidence
from monitor.store import Database

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"{CHROMIUM} is absent (Debian package chromium)"),
]


@pytest.fixture
def seeded_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict]:
    """The database the `server` fixture serves, with one post pointing at a loopback page."""
    monkeypatch.setattr(auth, "_hasher", CHEAP_HASHER)
    db = Database(f"sqlite:///{tmp_path / 'browser.db'}")
    db.upgrade()
    add_users(db)
    ids = seed_queue(db, n=3, hostile=False)["post_ids"]
    with RecordedServer() as pages:
        pages.route("/status/1", body=PAGE_HTML, content_type="text/html; charset=utf-8")
        point_post_at(db, ids[0], f"{pages.url}/status/1")
        monkeypatch.setenv("MONITOR_EVIDENCE__FOLDER", str(tmp_path / "evidence"))
        monkeypatch.setenv("MONITOR_EVIDENCE__SCREENSHOT", "true")
        monkeypatch.setenv("MONITOR_EVIDENCE__ALLOW_PRIVATE_HOSTS", "true")
        yield {"db": db, "url": db.url, "ids": ids, "pages": pages}
    db.dispose()


def test_freeze_and_download_the_case_file_in_the_browser(
    server: str,  # noqa: F811 (the fixture imported above)
    seeded_db: dict,
    tmp_path: Path,
) -> None:
    playwright_api = pytest.importorskip("playwright.sync_api")
    post_id = seeded_db["ids"][0]
    with playwright_api.sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=str(CHROMIUM),
            headless=True,
            args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1800}, accept_downloads=True)
            page.set_default_timeout(60_000)
            page.goto(f"{server}/?item={post_id}")
            page.get_by_label("Nama pengguna").fill("kpu")
            page.get_by_label("Kata sandi").fill(PASSWORDS["kpu"])
            page.get_by_role("button", name="Masuk").click()
            page.get_by_text(f"Item #{post_id}", exact=True).wait_for()
            page.get_by_text("Belum ada paket bukti untuk item ini.").wait_for()
            page.get_by_role("button", name="Bekukan bukti").click()
            page.get_by_text(f"Bukti item #{post_id} dibekukan sebagai paket #1.").wait_for(timeout=120_000)
            with page.expect_download(timeout=120_000) as download_info:
                page.get_by_role("button", name="Unduh berkas kasus").click()
            download = download_info.value
            saved = tmp_path / download.suggested_filename
            download.save_as(saved)
            ARTIFACTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / "evidence-panel.png"), full_page=True)
        finally:
            browser.close()
    assert saved.name == f"berkas-kasus-item-{post_id}.zip"
    result = evidence.verify_zip(saved, seeded_db["db"])
    assert result.ok, result.problems
    assert not any("screenshot.png" in note for note in result.notes)  # the screenshot was taken
    shown = evidence.packets_for(seeded_db["db"], auth.Actor("kpu", "kpu"), post_id)
    assert [(p.seq, p.frozen_by, p.missing) for p in shown] == [(1, "kpu", [])]

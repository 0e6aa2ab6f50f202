"""End to end in real headless Chromium: `streamlit run` on a free port against a seeded SQLite database.

Logs in, opens the queue, marks one item, escalates another, and opens posts carrying <script>,
<img onerror> and Markdown/link tricks: their text must appear literally and nothing may execute.
Screenshots of the queue and trends pages go to tests/artifacts/; with UPDATE_DOCS_SCREENSHOT=1 the
queue one also refreshes docs/screenshot-queue.png (the README's picture).
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select
from triage_seed import CHEAP_HASHER, HOSTILE_TEXTS, PASSWORDS, add_users, seed_queue

from monitor import auth
from monitor.store import Database, queue
from monitor.store.schema import Post

CHROMIUM = Path("/usr/bin/chromium")
REPO = Path(__file__).resolve().parent.parent
ARTIFACTS = REPO / "tests" / "artifacts"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"{CHROMIUM} is absent (Debian package chromium)"),
]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def seeded_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict]:
    monkeypatch.setattr(auth, "_hasher", CHEAP_HASHER)
    db = Database(f"sqlite:///{tmp_path / 'browser.db'}")
    db.upgrade()
    add_users(db)
    seeded = seed_queue(db, n=8)
    with db.session() as session:
        hostile = {
            text: pid
            for pid, text in session.execute(select(Post.id, Post.text).where(Post.text.in_(HOSTILE_TEXTS)))
        }
        order = [
            row.id for row in queue.queue_page(session, queue.QueueFilter(statuses=("new",)), 1, 25).rows
        ]
    yield {"db": db, "url": db.url, "hostile": hostile, "order": order, **seeded}
    db.dispose()


@pytest.fixture
def server(seeded_db: dict, tmp_path: Path) -> Iterator[str]:
    port = _free_port()
    env = {
        **os.environ,
        "MONITOR_DATABASE_URL": seeded_db["url"],
        "MONITOR_HOME": str(REPO),
        "HOME": str(tmp_path),
    }
    log = (tmp_path / "streamlit.log").open("w")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            str(REPO / "dashboards" / "app.py"),
            "--server.port",
            str(port),
            "--server.address",
            "127.0.0.1",
            "--server.headless",
            "true",
            "--browser.gatherUsageStats",
            "false",
            "--server.fileWatcherType",
            "none",
        ],
        env=env,
        cwd=tmp_path,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                with urllib.request.urlopen(f"{base}/_stcore/health", timeout=2) as response:
                    if response.read().strip() == b"ok":
                        break
            except OSError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("streamlit did not start:\n" + (tmp_path / "streamlit.log").read_text())
            time.sleep(0.5)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


def _choose_item(page, post_id: int) -> None:  # noqa: ANN001 (playwright Page)
    page.locator('[data-testid="stSelectbox"]').filter(has_text="Pilih item").click()
    page.keyboard.type(f"#{post_id} ")  # the option list is virtualised: narrow it first
    page.get_by_role("option", name=re.compile(rf"^#{post_id} ")).click()
    page.get_by_text(f"Item #{post_id}", exact=True).wait_for()


def test_browser_end_to_end(server: str, seeded_db: dict) -> None:
    playwright_api = pytest.importorskip("playwright.sync_api")
    db: Database = seeded_db["db"]
    plain = [pid for pid in seeded_db["order"] if pid not in seeded_db["hostile"].values()]
    first, second = plain[0], plain[1]
    dialogs: list[str] = []
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with playwright_api.sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=str(CHROMIUM),
            headless=True,
            args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1800})
            page.set_default_timeout(20_000)
            page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
            page.goto(server)
            # Before login: only the form.
            page.get_by_label("Nama pengguna").fill("kpu")
            page.get_by_label("Kata sandi").fill(PASSWORDS["kpu"])
            page.get_by_role("button", name="Masuk").click()
            page.get_by_role("heading", name="Antrian triase").wait_for()
            page.get_by_text(f"Item #{seeded_db['order'][0]}", exact=True).wait_for()  # most urgent first

            # Mark an item as a hoax.
            _choose_item(page, first)
            page.get_by_role("button", name="Hoaks", exact=True).click()
            page.get_by_text(f"Tersimpan: Hoaks untuk item #{first}.").wait_for()
            page.screenshot(path=str(ARTIFACTS / "queue.png"), full_page=True)

            # Escalate another one to the police.
            _choose_item(page, second)
            page.get_by_role("button", name="Eskalasi ke Polri").click()
            page.get_by_text(f"Tersimpan: Eskalasi ke Polri untuk item #{second}.").wait_for()

            # Hostile posts: literal text, nothing executed, no injected elements.
            for text, post_id in seeded_db["hostile"].items():
                _choose_item(page, post_id)
                shown = page.get_by_test_id("stText").filter(has_text=text).first
                shown.wait_for()
                assert shown.inner_text().strip() == text
            page.wait_for_timeout(1000)  # give any injected handler time to fire
            assert page.locator("img[src='x']").count() == 0
            assert page.locator("a[href^='javascript']").count() == 0
            assert page.locator("strong", has_text="tebal").count() == 0
            assert page.evaluate("() => window.__xss === undefined")
            assert dialogs == []

            # Trends page.
            page.get_by_role("link", name="Tren").click()
            page.get_by_role("heading", name="Tren").first.wait_for()
            page.locator('[data-testid="stVegaLiteChart"]').first.wait_for()
            page.wait_for_timeout(1500)
            page.screenshot(path=str(ARTIFACTS / "trends.png"), full_page=True)
        finally:
            browser.close()
    assert dialogs == []
    with db.session() as session:
        assert session.get(Post, first).triage_status == "hoax"
        escalated = session.get(Post, second)
        assert (escalated.triage_status, escalated.escalated_to) == ("escalated", "polri")
    if os.environ.get("UPDATE_DOCS_SCREENSHOT"):
        # Refresh the README's picture on request only: a test run must not change tracked files.
        shutil.copyfile(ARTIFACTS / "queue.png", REPO / "docs" / "screenshot-queue.png")

"""Helpers of the evidence tests: settings with a scratch evidence folder, a post pointing at a loopback
page, zip surgery (rewrite one member, drop one member), and the `page_server` and `seeded` fixtures
(import `page_server_fixture`, `seeded_fixture` into a test module to use them)."""

from __future__ import annotations

import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from httpserver import RecordedServer
from sqlalchemy import update
from triage_seed import seed_queue

from monitor.auth import Actor
from monitor.config import Settings, load_settings
from monitor.store import Database
from monitor.store.schema import Post

REPO = Path(__file__).resolve().parent.parent
KPU = Actor("kpu", "kpu")
NIK = "6107012345670001"
PAGE_HTML = (
    "<!DOCTYPE html><html lang='id'><head><meta charset='utf-8'><title>Unggahan</title></head>"
    "<body><h1>DPT ganda ditemukan di Sekadau!</h1><p>Sebarkan sebelum dihapus. NIK saya "
    f"{NIK} dipakai orang lain.</p></body></html>"
)


def evidence_settings(db: Database, folder: Path, **evidence: Any) -> Settings:
    options: dict[str, Any] = {
        "folder": str(folder),
        "screenshot": False,
        "fetch_timeout": 5.0,
        "fetch_deadline": 20.0,
        "allow_private_hosts": True,  # the test server is on 127.0.0.1
    }
    options.update(evidence)
    return load_settings(REPO / "config" / "monitor.toml", database_url=db.url, home=REPO, evidence=options)


def point_post_at(db: Database, post_id: int, url: str, text: str | None = None) -> None:
    values: dict[str, Any] = {"url": url, "raw": {"id": f"raw-{post_id}", "text": text or "asli", "url": url}}
    if text is not None:
        values["text"] = text
    with db.session() as session:
        session.execute(update(Post).where(Post.id == post_id).values(**values))


def rewrite_member(source: Path, target: Path, name: str, change: Any) -> None:
    """Copy the zip with member `name` passed through `change(bytes) -> bytes | None` (None: dropped)."""
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w") as new:
        for info in old.infolist():
            data = old.read(info.filename)
            if info.filename == name:
                data = change(data)
                if data is None:
                    continue
            new.writestr(info, data)


def flip_byte(data: bytes) -> bytes:
    middle = len(data) // 2
    return data[:middle] + bytes([data[middle] ^ 0x01]) + data[middle + 1 :]


@pytest.fixture(name="page_server")
def page_server_fixture() -> Iterator[RecordedServer]:
    """A loopback server answering /status/1 … /status/5 with the same post page."""
    with RecordedServer() as server:
        for i in range(1, 6):
            server.route(f"/status/{i}", body=PAGE_HTML, content_type="text/html; charset=utf-8")
        yield server


@pytest.fixture(name="seeded")
def seeded_fixture(db: Database, page_server: RecordedServer) -> list[int]:
    """Five flagged posts (the first three matched to a debunk), post i pointing at /status/i."""
    ids = seed_queue(db, n=5, hostile=False)["post_ids"]
    for i, post_id in enumerate(ids, 1):
        point_post_at(db, post_id, f"{page_server.url}/status/{i}")
    return ids

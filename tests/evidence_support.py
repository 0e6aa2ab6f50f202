"""Helpers of the evidence tests: settings with a scratch evidence folder, a post pointing at a loopback
page, and zip surgery (rewrite one member, drop one member)."""

from __future__ import annotations

import zipfile
from pathlib import Path
from typing import Any

from sqlalchemy import update

from monitor.config import Settings, load_settings
from monitor.store import Database
from monitor.store.schema import Post

REPO = Path(__file__).resolve().parent.parent
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

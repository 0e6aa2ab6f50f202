"""Showing an item's packets and exporting one as a zip an agency can verify on its own.

The zip holds: manifest.json (the exact bytes that were hashed), files/ (the packet's files, byte for
byte), rantai/ (every chain link's manifest from the first up to this packet: the chain proof),
berkas-kasus.pdf (the case file), CARA-VERIFIKASI.txt and ekspor.json (who exported it, when, the chain
hashes the store holds and the case file's hash).
"""

from __future__ import annotations

import json
import tempfile
import zipfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from monitor import auth
from monitor.auth import Actor
from monitor.config import Settings
from monitor.evidence.manifest import EvidenceError, canonical_json, sha256_hex
from monitor.evidence.packet import check_access, object_store
from monitor.store import Database
from monitor.store import evidence as store
from monitor.store.queries import add_audit_event
from monitor.store.schema import utcnow

CASE_FILE = "berkas-kasus.pdf"
HOW_TO = """CARA MEMVERIFIKASI PAKET BUKTI
1. sha256sum files/*         -> setiap hasil sama dengan "sha256" berkas itu di manifest.json
2. sha256sum manifest.json   -> sama dengan "manifest_sha256" di ekspor.json dan di berkas-kasus.pdf
3. rantai/NNNNNN.json        -> manifest setiap paket sebelumnya; "previous_manifest_sha256" tiap manifest
                                sama dengan sha256sum manifest sebelumnya
4. monitor evidence verify FILE.zip  -> memeriksa semuanya dan menyebut berkas/mata rantai yang gagal
"""


@dataclass(frozen=True, slots=True)
class PacketInfo:
    """One packet of an item as `show` lists it."""

    seq: int
    frozen_at: str
    frozen_by: str
    role: str | None
    trigger: str
    manifest_sha256: str
    files: list[dict[str, Any]]
    missing: list[dict[str, str]]
    released_by: str | None
    release_reason: str | None

    @property
    def frozen_at_utc(self) -> datetime:
        return datetime.fromisoformat(self.frozen_at)

    def as_dict(self) -> dict[str, Any]:
        return {
            "seq": self.seq,
            "frozen_at": self.frozen_at,
            "frozen_by": self.frozen_by,
            "role": self.role,
            "trigger": self.trigger,
            "manifest_sha256": self.manifest_sha256,
            "files": self.files,
            "missing": self.missing,
            "released_by": self.released_by,
            "release_reason": self.release_reason,
        }


def packets_for(db: Database, actor: Actor, post_id: int) -> list[PacketInfo]:
    """The item's packets, oldest first, for an actor allowed to see them."""
    with db.session() as session:
        check_access(session, actor, post_id)
        released = store.released_seqs(session)
        infos = []
        for link in store.packets_of(session, post_id):
            manifest = json.loads(link.manifest)
            release = released.get(link.seq)
            infos.append(
                PacketInfo(
                    seq=link.seq,
                    frozen_at=manifest["frozen_at_utc"],
                    frozen_by=link.actor,
                    role=link.role,
                    trigger=link.trigger,
                    manifest_sha256=link.manifest_sha256,
                    files=manifest["files"],
                    missing=manifest.get("missing", []),
                    released_by=release.actor if release else None,
                    release_reason=json.loads(release.manifest)["reason"] if release else None,
                )
            )
    return infos


def export_zip(
    db: Database, cfg: Settings, actor: Actor, post_id: int, out: Path | str, *, seq: int | None = None
) -> Path:
    """Write the item's latest packet (or packet `seq`) to `out` as a zip; the export is audited."""
    out = Path(out)
    objects = object_store(cfg)
    with db.session() as session:
        check_access(session, actor, post_id)
        packets = store.packets_of(session, post_id)
        if seq is not None:
            packets = [p for p in packets if p.seq == seq]
        if not packets:
            which = f"paket #{seq}" if seq is not None else "paket bukti"
            raise EvidenceError(f"item {post_id} belum punya {which}; bekukan dulu (monitor evidence freeze)")
        link = packets[-1]
        if link.seq in store.released_seqs(session):
            raise EvidenceError(f"paket bukti #{link.seq} sudah dilepas; berkasnya tidak ada lagi")
        manifest_bytes = link.manifest.encode("utf-8")
        if sha256_hex(manifest_bytes) != link.manifest_sha256:
            raise EvidenceError(
                f"paket bukti #{link.seq}: manifest di basis data diubah; jalankan verify --all"
            )
        manifest = json.loads(manifest_bytes)
        chain = store.chain_until(session, link.seq)
        chain_hashes = {str(s): sha256_hex(m.encode("utf-8")) for s, m in chain}
        files: dict[str, bytes] = {}
        for entry in manifest["files"]:
            data = objects.read(entry["sha256"])
            if data is None or sha256_hex(data) != entry["sha256"]:
                raise EvidenceError(
                    f"paket bukti #{link.seq}: berkas {entry['name']} hilang atau rusak di {objects.folder}"
                )
            files[entry["name"]] = data
        from monitor.evidence.casefile import case_file_pdf  # reportlab and fonts: only when exporting

        now = utcnow()
        pdf = case_file_pdf(
            manifest,
            link.manifest_sha256,
            files,
            district_label=cfg.report.district_label,
            exported_at=now,
            exported_by=f"{actor.username} ({actor.role})",
        )
        export = {
            "exported_at_utc": now.isoformat(),
            "exported_by": {"username": actor.username, "role": actor.role},
            "item": manifest["item"],
            "seq": link.seq,
            "manifest_sha256": link.manifest_sha256,
            "chain": chain_hashes,
            "documents": [{"name": CASE_FILE, "sha256": sha256_hex(pdf), "size": len(pdf)}],
        }
        out.parent.mkdir(parents=True, exist_ok=True)
        partial = out.with_name(out.name + ".part")
        with zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            archive.writestr("manifest.json", manifest_bytes)
            for name, data in files.items():
                archive.writestr(f"files/{name}", data)
            for chain_seq, chain_manifest in chain:
                archive.writestr(f"rantai/{chain_seq:06d}.json", chain_manifest.encode("utf-8"))
            archive.writestr(CASE_FILE, pdf)
            archive.writestr("CARA-VERIFIKASI.txt", HOW_TO)
            archive.writestr("ekspor.json", canonical_json(export))
        partial.replace(out)
        add_audit_event(
            session,
            actor=actor.username,
            role=actor.role,
            action="evidence.export",
            post_id=post_id,
            note=f"paket bukti #{link.seq} diekspor",
            after={"seq": link.seq, "manifest_sha256": link.manifest_sha256},
            at=now,
        )
    return out


def export_bytes(db: Database, cfg: Settings, actor: Actor, post_id: int) -> bytes:
    """The item's latest packet as zip bytes, for a download button (written through a temporary folder)."""
    auth.require(actor, auth.FREEZE_EVIDENCE, f"item {post_id}")
    with tempfile.TemporaryDirectory(prefix="evidence-export-") as folder:
        return export_zip(db, cfg, actor, post_id, Path(folder) / "berkas-kasus.zip").read_bytes()

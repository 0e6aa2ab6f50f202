"""Retention: releasing (deleting) the files of a packet whose item was later decided "bukan hoaks".

The packet's manifest stays in the chain (removing it would break every later link); a new `release` link
records who released which packet, when and why, so `verify` still passes and says the files were released
on purpose. Files are deleted only after the release link is committed, and only those no live packet
shares (content addressing stores identical bytes once).
"""

from __future__ import annotations

import json

from sqlalchemy.orm import Session

from monitor import __version__ as app_version
from monitor import auth
from monitor.auth import Actor
from monitor.config import Settings
from monitor.evidence.manifest import FORMAT, EvidenceError, canonical_json, sha256_hex
from monitor.evidence.packet import MAX_CHAIN_RETRIES, WIB, object_store
from monitor.store import Database
from monitor.store import evidence as store
from monitor.store.queries import add_audit_event
from monitor.store.schema import EvidencePacket, utcnow

RELEASABLE_STATUS = "not_hoax"
MIN_REASON = 10


def release(db: Database, cfg: Settings, actor: Actor, seq: int, reason: str) -> EvidencePacket:
    """Delete the files of packet `seq` (item decided "bukan hoaks") and record why as a chain link."""
    auth.require(actor, auth.RELEASE_EVIDENCE, f"packet {seq}")
    reason = (reason or "").strip()
    if len(reason) < MIN_REASON:
        raise EvidenceError(f"alasan pelepasan wajib diisi (paling sedikit {MIN_REASON} karakter)")
    objects = object_store(cfg)
    for _attempt in range(MAX_CHAIN_RETRIES):
        try:
            with db.session() as session:
                store.lock_chain(session)
                packet = store.link_by_seq(session, seq)
                if packet is None or packet.kind != "packet":
                    raise EvidenceError(f"paket bukti #{seq} tidak ada")
                if seq in store.released_seqs(session):
                    raise EvidenceError(f"paket bukti #{seq} sudah dilepas")
                post = store.post_by_id(session, packet.post_id) if packet.post_id else None
                status = post.triage_status if post else None
                if status != RELEASABLE_STATUS:
                    raise EvidenceError(
                        f"paket bukti #{seq}: item {packet.post_id} berstatus '{status or '-'}'; hanya item "
                        "yang diputuskan 'bukan hoaks' yang buktinya boleh dilepas"
                    )
                now = utcnow()
                head = store.chain_head(session)
                manifest = {
                    "format": FORMAT,
                    "kind": "release",
                    "seq": head.seq + 1,
                    "previous_manifest_sha256": head.manifest_sha256,
                    "releases": {"seq": seq, "manifest_sha256": packet.manifest_sha256},
                    "item": {"post_id": packet.post_id},
                    "reason": reason,
                    "released_by": {"username": actor.username, "role": actor.role},
                    "released_at_utc": now.isoformat(),
                    "released_at_wib": now.astimezone(WIB).isoformat(),
                    "versions": {"app": app_version},
                }
                data = canonical_json(manifest)
                link = store.append_link(
                    session,
                    seq=head.seq + 1,
                    kind="release",
                    manifest=data.decode("utf-8"),
                    manifest_sha256=sha256_hex(data),
                    previous_sha256=head.manifest_sha256,
                    actor=actor.username,
                    role=actor.role,
                    trigger="release",
                    created_at=now,
                    post_id=packet.post_id,
                    releases_seq=seq,
                )
                objects.put(data)
                add_audit_event(
                    session,
                    actor=actor.username,
                    role=actor.role,
                    action="evidence.release",
                    post_id=packet.post_id,
                    note=reason,
                    after={"released_seq": seq, "release_seq": head.seq + 1},
                    at=now,
                )
                doomed = _files_only_in(session, packet)
        except store.ChainRace:
            continue
        for sha in doomed:  # after the commit: a rolled-back release must not have deleted anything
            objects.remove(sha)
        return link
    raise EvidenceError(f"paket bukti #{seq}: rantai bukti terus berubah; coba lagi")


def _files_only_in(session: Session, packet: EvidencePacket) -> set[str]:
    """Hashes of the packet's files that no other live packet shares (content addressing dedups)."""
    mine = {f["sha256"] for f in json.loads(packet.manifest)["files"]}
    released = set(store.released_seqs(session)) | {packet.seq}
    for link in store.chain(session):
        if link.kind == "packet" and link.seq not in released:
            mine -= {f["sha256"] for f in json.loads(link.manifest)["files"]}
    return mine

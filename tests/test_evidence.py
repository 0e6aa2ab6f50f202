"""Evidence packets against a loopback page, on SQLite and PostgreSQL: freeze → export → verify, every kind
of tampering named by verify, roles, release, escalations caught up, concurrent freezes.
(What the capture does with deleted, oversized, hung, redirected or internal pages: test_evidence_capture.)"""

from __future__ import annotations

import json
import threading
import zipfile
from pathlib import Path

import pytest
from evidence_support import (
    KPU,
    PAGE_HTML,
    evidence_settings,
    flip_byte,
    page_server_fixture,  # noqa: F401 (a fixture)
    rewrite_member,
    seeded_fixture,  # noqa: F401 (a fixture)
)
from sqlalchemy import select, text

from monitor import auth, evidence, triage
from monitor.auth import Actor
from monitor.evidence.manifest import canonical_json, sha256_hex
from monitor.store import Database
from monitor.store.schema import EvidencePacket, TriageEvent

ADMIN = Actor("admin", "admin")


def _escalate(db: Database, post_id: int, action: str = "escalate_bawaslu", actor: Actor = KPU) -> None:
    with db.session() as session:
        state = triage.item_state(session, post_id)
        triage.apply(session, actor, post_id, action, expected_version=state.version, note="perlu ditindak")


def test_freeze_on_escalation_export_and_verify(db: Database, seeded: list[int], tmp_path: Path) -> None:
    cfg = evidence_settings(db, tmp_path / "evidence")
    post_id = seeded[0]
    _escalate(db, post_id)
    frozen = evidence.freeze_on_escalation(db, cfg, KPU, [post_id], "escalate_bawaslu")
    assert evidence.freeze_on_escalation(db, cfg, KPU, [post_id], "hoax") == []  # other actions: no freeze
    assert len(frozen) == 1
    packet = frozen[0]
    assert packet.seq == 1 and packet.previous_sha256 is None
    names = {f["name"] for f in packet.files}
    assert names == {
        "post.json",
        "page.html",
        "page-response.json",
        "screenshot-info.json",
        "analysis.json",
        "audit-trail.json",
    }
    # Screenshots are off in this test: the packet says so, it does not skip it silently.
    assert [m["file"] for m in packet.missing] == ["screenshot.png"]
    assert "dimatikan" in packet.missing[0]["reason"]

    out = evidence.export_zip(db, cfg, KPU, post_id, tmp_path / "out" / "kasus.zip")
    with zipfile.ZipFile(out) as archive:
        assert archive.read("files/page.html") == PAGE_HTML.encode("utf-8")  # byte for byte
        response = json.loads(archive.read("files/page-response.json"))
        assert response["status"] == 200 and response["complete"] is True
        assert any(k.lower() == "content-type" for k, _ in response["headers"])
        assert response["user_agent"].startswith("election-monitor/")
        post = json.loads(archive.read("files/post.json"))
        assert post["raw"] == {"id": f"raw-{post_id}", "text": "asli", "url": post["url"]}
        analysis = json.loads(archive.read("files/analysis.json"))
        assert analysis["matched_claim"]["claim"] == "DPT ganda membuat pemilu curang"
        assert analysis["model_version"] == "test-1" and analysis["reasons"]
        trail = json.loads(archive.read("files/audit-trail.json"))
        assert [e["action"] for e in trail] == ["escalate_bawaslu"] and trail[0]["actor"] == "kpu"
        manifest = json.loads(archive.read("manifest.json"))
        assert manifest["frozen_by"] == {"username": "kpu", "role": "kpu"}
        assert manifest["frozen_at_wib"].endswith("+07:00") and manifest["frozen_at_utc"].endswith("+00:00")
        assert manifest["versions"]["app"] and manifest["versions"]["model"] == "test-1"
        assert manifest["versions"]["collector"]["source"] == "demo"
        assert manifest["versions"]["collector"]["libraries"]["requests"]
        assert manifest["trigger"] == "escalation"
        assert archive.read("berkas-kasus.pdf").startswith(b"%PDF")
    result = evidence.verify_zip(out)
    assert result.ok, result.problems
    assert result.links == 1 and result.head_sha256 == packet.manifest_sha256
    store_result = evidence.verify_store(db, cfg)
    assert store_result.ok, store_result.problems
    shown = evidence.packets_for(db, KPU, post_id)
    assert [p.seq for p in shown] == [1] and shown[0].manifest_sha256 == packet.manifest_sha256
    with db.session() as session:
        actions = session.scalars(select(TriageEvent.action).where(TriageEvent.post_id == post_id)).all()
    assert "evidence.freeze" in actions and "evidence.export" in actions


def _three_packets(db: Database, cfg, ids: list[int], tmp_path: Path) -> Path:
    for post_id in ids[:3]:
        evidence.freeze(db, cfg, KPU, post_id)
    return evidence.export_zip(db, cfg, KPU, ids[2], tmp_path / "third.zip")


def test_every_tampered_zip_member_is_named(db: Database, seeded: list[int], tmp_path: Path) -> None:
    cfg = evidence_settings(db, tmp_path / "evidence")
    out = _three_packets(db, cfg, seeded, tmp_path)
    assert evidence.verify_zip(out).ok
    with zipfile.ZipFile(out) as archive:
        members = [n for n in archive.namelist() if n != "CARA-VERIFIKASI.txt"]
    assert {"rantai/000001.json", "rantai/000002.json", "rantai/000003.json"} <= set(members)
    for name in members:
        tampered = tmp_path / f"flip-{name.replace('/', '_')}.zip"
        rewrite_member(out, tampered, name, flip_byte)
        result = evidence.verify_zip(tampered)
        assert not result.ok, f"flipping a byte of {name} went unnoticed"
        named = name.split("/", 1)[1] if name.startswith("files/") else name
        assert any(named in problem for problem in result.problems), (name, result.problems)


def test_zip_with_a_chain_link_removed_or_manifest_edited_fails(
    db: Database, seeded: list[int], tmp_path: Path
) -> None:
    cfg = evidence_settings(db, tmp_path / "evidence")
    out = _three_packets(db, cfg, seeded, tmp_path)
    gap = tmp_path / "gap.zip"
    rewrite_member(out, gap, "rantai/000002.json", lambda data: None)
    problems = evidence.verify_zip(gap).problems
    assert any("mata rantai #2 hilang" in p for p in problems), problems

    def reassign(data: bytes) -> bytes:
        manifest = json.loads(data)
        manifest["frozen_by"]["username"] = "orang-lain"
        return json.dumps(manifest, ensure_ascii=False, sort_keys=True, indent=2).encode() + b"\n"

    edited = tmp_path / "edited.zip"
    rewrite_member(out, edited, "manifest.json", reassign)
    problems = evidence.verify_zip(edited).problems
    assert any(p.startswith("manifest.json: manifest diubah") for p in problems), problems


def _without_append_only(db: Database, statement: str) -> None:
    """Tamper as someone with the database owner's rights would: switch the triggers off, then on again."""
    with db.engine.begin() as connection:
        if db.dialect == "postgresql":
            connection.execute(
                text("ALTER TABLE evidence_packets DISABLE TRIGGER evidence_packets_no_change")
            )
            try:
                connection.execute(text(statement))
            finally:
                connection.execute(
                    text("ALTER TABLE evidence_packets ENABLE TRIGGER evidence_packets_no_change")
                )
        else:
            for verb in ("update", "delete"):
                connection.execute(text(f"DROP TRIGGER IF EXISTS evidence_packets_no_{verb}"))
            connection.execute(text(statement))


def test_store_chain_tampering_is_named(db: Database, seeded: list[int], tmp_path: Path) -> None:
    cfg = evidence_settings(db, tmp_path / "evidence")
    packets = [evidence.freeze(db, cfg, KPU, post_id) for post_id in seeded[:4]]
    assert evidence.verify_store(db, cfg).ok
    # The table refuses deletes and updates outright.
    with pytest.raises(Exception, match="append-only"), db.session() as session:
        session.execute(text("DELETE FROM evidence_packets WHERE seq = 2"))

    # One byte of one stored file.
    objects = Path(cfg.evidence.folder) / "objects"
    page_sha = next(f["sha256"] for f in packets[0].files if f["name"] == "page.html")
    stored = objects / page_sha[:2] / page_sha
    stored.chmod(0o644)
    original = stored.read_bytes()
    stored.write_bytes(flip_byte(original))
    problems = evidence.verify_store(db, cfg).problems
    # The page is the same bytes in every packet (content addressing): each packet names it.
    assert any("mata rantai #1" in p and "berkas page.html berubah" in p for p in problems), problems
    stored.write_bytes(original)
    assert evidence.verify_store(db, cfg).ok

    # Editing a manifest in the database.
    _without_append_only(
        db, "UPDATE evidence_packets SET manifest = replace(manifest, '\"kpu\"', '\"x\"') WHERE seq = 2"
    )
    problems = evidence.verify_store(db, cfg).problems
    assert any(p.startswith("mata rantai #2") and "manifest diubah" in p for p in problems), problems

    # Deleting a packet in the middle of the chain.
    _without_append_only(db, "DELETE FROM evidence_packets WHERE seq = 3")
    problems = evidence.verify_store(db, cfg).problems
    assert any(p.startswith("mata rantai #4") and "mata rantai #3 hilang" in p for p in problems), problems


def test_who_may_freeze_and_see(db: Database, seeded: list[int], tmp_path: Path) -> None:
    cfg = evidence_settings(db, tmp_path / "evidence")
    with pytest.raises(auth.PermissionDenied):
        evidence.freeze(db, cfg, Actor("analis", "analyst"), seeded[0])
    polri = Actor("polri", "polri")
    with pytest.raises(evidence.EvidenceError, match="tidak ditemukan"):
        evidence.freeze(db, cfg, polri, seeded[0])  # not escalated to Polri: Polri does not see it
    _escalate(db, seeded[0], "escalate_polri")
    assert evidence.freeze(db, cfg, polri, seeded[0]).seq == 1
    assert evidence.freeze(db, cfg, Actor("bawaslu", "bawaslu"), seeded[1]).seq == 2
    with pytest.raises(evidence.EvidenceError, match="tidak ditemukan"):
        evidence.freeze(db, cfg, KPU, 999_999)


def test_release_of_a_not_hoax_item_is_a_chain_link(db: Database, seeded: list[int], tmp_path: Path) -> None:
    cfg = evidence_settings(db, tmp_path / "evidence")
    kept = evidence.freeze(db, cfg, KPU, seeded[0])
    doomed = evidence.freeze(db, cfg, KPU, seeded[1])
    evidence.freeze(db, cfg, KPU, seeded[2])
    with pytest.raises(evidence.EvidenceError, match="bukan hoaks"):
        evidence.release(db, cfg, ADMIN, doomed.seq, "salah tandai oleh petugas")
    with db.session() as session:
        state = triage.item_state(session, seeded[1])
        triage.apply(session, KPU, seeded[1], "not_hoax", expected_version=state.version)
    with pytest.raises(auth.PermissionDenied):
        evidence.release(db, cfg, KPU, doomed.seq, "salah tandai oleh petugas")
    with pytest.raises(evidence.EvidenceError, match="alasan"):
        evidence.release(db, cfg, ADMIN, doomed.seq, "  ")
    link = evidence.release(db, cfg, ADMIN, doomed.seq, "diputuskan bukan hoaks oleh KPU; data pribadi")
    assert link.seq == 4 and link.releases_seq == doomed.seq
    objects = Path(cfg.evidence.folder) / "objects"
    post_sha = next(f["sha256"] for f in doomed.files if f["name"] == "post.json")
    assert not (objects / post_sha[:2] / post_sha).exists()
    # A file the kept packets share (the same page bytes) stays.
    page_sha = next(f["sha256"] for f in kept.files if f["name"] == "page.html")
    assert (objects / page_sha[:2] / page_sha).exists()
    result = evidence.verify_store(db, cfg)
    assert result.ok, result.problems
    assert any("dilepas pada mata rantai #4 oleh admin" in note for note in result.notes)
    with pytest.raises(evidence.EvidenceError, match="sudah dilepas"):
        evidence.export_zip(db, cfg, KPU, seeded[1], tmp_path / "gone.zip")
    with pytest.raises(evidence.EvidenceError, match="sudah dilepas"):
        evidence.release(db, cfg, ADMIN, doomed.seq, "diputuskan bukan hoaks lagi")
    shown = evidence.packets_for(db, ADMIN, seeded[1])
    assert shown[0].released_by == "admin" and "bukan hoaks" in (shown[0].release_reason or "")
    with db.session() as session:
        kinds = session.scalars(select(EvidencePacket.kind).order_by(EvidencePacket.seq)).all()
        released_events = session.scalars(
            select(TriageEvent.note).where(TriageEvent.action == "evidence.release")
        ).all()
    assert kinds == ["packet", "packet", "packet", "release"]
    assert released_events == ["diputuskan bukan hoaks oleh KPU; data pribadi"]
    # The chain goes on after a release.
    assert evidence.freeze(db, cfg, KPU, seeded[3]).seq == 5
    assert evidence.verify_store(db, cfg).ok


def test_pending_escalations_are_caught_up(db: Database, seeded: list[int], tmp_path: Path) -> None:
    cfg = evidence_settings(db, tmp_path / "evidence")
    _escalate(db, seeded[0])
    _escalate(db, seeded[1], "escalate_polri")
    assert evidence.pending_items(db) == sorted([seeded[0], seeded[1]])  # oldest item first
    evidence.freeze(db, cfg, KPU, seeded[0], trigger="escalation")
    assert evidence.pending_items(db) == [seeded[1]]
    caught_up = evidence.freeze_pending(db, cfg)
    assert [p.post_id for p in caught_up] == [seeded[1]]
    assert evidence.pending_items(db) == []
    shown = evidence.packets_for(db, KPU, seeded[1])
    assert (
        shown[0].frozen_by == "kpu" and shown[0].trigger == "escalation"
    )  # in the escalating officer's name
    # A new escalation after the packet makes the item pending again.
    _escalate(db, seeded[1], "escalate_bawaslu")
    assert evidence.pending_items(db) == [seeded[1]]


def test_concurrent_freezes_make_one_unbroken_chain(db: Database, seeded: list[int], tmp_path: Path) -> None:
    cfg = evidence_settings(db, tmp_path / "evidence")
    errors: list[BaseException] = []
    results: list[int] = []

    def work(post_id: int) -> None:
        try:
            results.append(evidence.freeze(db, cfg, KPU, post_id).seq)
        except BaseException as exc:  # reported below, with the thread's own error
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(post_id,)) for post_id in seeded for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert not errors, errors
    assert sorted(results) == list(range(1, len(threads) + 1))
    result = evidence.verify_store(db, cfg)
    assert result.ok and result.links == len(threads), result.problems


def test_a_consistently_forged_zip_fails_against_the_database(
    db: Database, seeded: list[int], tmp_path: Path
) -> None:
    cfg = evidence_settings(db, tmp_path / "evidence")
    out = _three_packets(db, cfg, seeded, tmp_path)
    forged = tmp_path / "forged.zip"
    with zipfile.ZipFile(out) as old:
        members = {name: old.read(name) for name in old.namelist()}
    page = members["files/page.html"].replace(b"Sekadau", b"Sanggau")
    manifest = json.loads(members["manifest.json"])
    entry = next(f for f in manifest["files"] if f["name"] == "page.html")
    entry.update(sha256=sha256_hex(page), size=len(page))
    manifest_bytes = canonical_json(manifest)
    export = json.loads(members["ekspor.json"])
    export["chain"]["3"] = export["manifest_sha256"] = sha256_hex(manifest_bytes)
    members.update(
        {
            "files/page.html": page,
            "manifest.json": manifest_bytes,
            "rantai/000003.json": manifest_bytes,
            "ekspor.json": canonical_json(export),
        }
    )
    with zipfile.ZipFile(forged, "w") as new:
        for name, data in members.items():
            new.writestr(name, data)
    assert evidence.verify_zip(forged).ok  # consistent with itself...
    problems = evidence.verify_zip(forged, db).problems  # ...but not with the district's chain
    assert any(
        p.startswith("rantai/000003.json: berbeda dari mata rantai #3 di basis data") for p in problems
    )
    assert evidence.verify_zip(out, db).ok


def test_verify_names_a_broken_input(tmp_path: Path) -> None:
    not_zip = tmp_path / "bukan.zip"
    not_zip.write_text("bukan zip")
    assert "bukan berkas zip yang dapat dibaca" in evidence.verify_zip(not_zip).problems[0]
    junk = tmp_path / "junk.zip"
    with zipfile.ZipFile(junk, "w") as archive:
        archive.writestr("manifest.json", "{tidak json")
    assert evidence.verify_zip(junk).problems[0].startswith("manifest.json: bukan JSON yang sah")
    empty = tmp_path / "empty.zip"
    with zipfile.ZipFile(empty, "w") as archive:
        archive.writestr("lain.txt", "x")
    assert evidence.verify_zip(empty).problems == [f"{empty}: manifest.json tidak ada"]

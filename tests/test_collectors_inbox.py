"""Inbox folder: exports imported once, moved to done/ or failed/ with a reason, resumable by line."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from monitor.collectors.base import SourceUnavailable
from monitor.collectors.files import RejectedLine
from monitor.collectors.inbox import InboxCollector
from monitor.records import RawPost

RECORDED = Path(__file__).parent / "fixtures" / "recorded" / "inbox"


def drop(inbox: Path, name: str, *, mtime: int | None = None) -> Path:
    inbox.mkdir(parents=True, exist_ok=True)
    target = inbox / name
    shutil.copy(RECORDED / name, target)
    if mtime is not None:
        os.utime(target, (mtime, mtime))
    return target


def collector(inbox: Path) -> InboxCollector:
    return InboxCollector.from_config("inbox", {"path": str(inbox)})


def test_files_are_read_in_drop_order_and_moved_after_finish(tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    drop(inbox, "laporan_warga.csv", mtime=1_700_000_000)
    drop(inbox, "wa_forward_export.jsonl", mtime=1_700_000_100)
    box = collector(inbox)
    records = list(box.fetch(None))
    posts = [r for r in records if isinstance(r, RawPost)]
    rejected = [r for r in records if isinstance(r, RejectedLine)]
    assert [p.native_id for p in posts] == [
        "fb-778812",
        "tt-99120",
        "wa-2024-0001",
        "wa-2024-0002",
        "wa-2024-0004",
    ]
    assert {p.platform for p in posts} == {"facebook", "tiktok", "whatsapp"}
    assert "😟" in posts[0].text and posts[1].likes == 340
    assert [(Path(r.path).name, r.line_no) for r in rejected] == [
        ("laporan_warga.csv", 4),
        ("wa_forward_export.jsonl", 3),
    ]
    # Nothing moves before the pipeline has committed (finish).
    assert sorted(p.name for p in inbox.iterdir() if p.is_file()) == [
        "laporan_warga.csv",
        "wa_forward_export.jsonl",
    ]
    box.finish()
    assert not list(inbox.glob("*.csv")) and not list(inbox.glob("*.jsonl"))
    done = inbox / "done"
    assert (done / "wa_forward_export.jsonl").is_file()
    report = (done / "wa_forward_export.jsonl.rejected.txt").read_text(encoding="utf-8")
    assert "3 record(s) imported, 1 line(s) rejected" in report and "line 3" in report
    assert list(collector(inbox).fetch(box.checkpoint())) == []


def test_file_without_any_valid_record_goes_to_failed_with_a_reason(tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    drop(inbox, "rusak_semua.jsonl")
    box = collector(inbox)
    records = list(box.fetch(None))
    assert len(records) == 3 and all(isinstance(r, RejectedLine) for r in records)
    box.finish()
    reason = (inbox / "failed" / "rusak_semua.jsonl.reason.txt").read_text(encoding="utf-8")
    assert "no valid record in 3 line(s)" in reason and "line 1" in reason


def test_unreadable_file_fails_at_once(tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "kosong.csv").write_bytes(b"")
    (inbox / "biner.jsonl").write_bytes(b"\xff\xfe\x00garbage\n")
    box = collector(inbox)
    records = list(box.fetch(None))
    assert all(isinstance(r, RejectedLine) for r in records)
    box.finish()
    failed = sorted(p.name for p in (inbox / "failed").iterdir())
    assert failed == [
        "biner.jsonl",
        "biner.jsonl.reason.txt",
        "biner.jsonl.rejects.jsonl",
        "kosong.csv",
        "kosong.csv.reason.txt",
    ]
    assert "no records" in (inbox / "failed" / "kosong.csv.reason.txt").read_text(encoding="utf-8")


def test_crash_mid_file_resumes_on_the_next_line(tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    drop(inbox, "wa_forward_export.jsonl")
    box = collector(inbox)
    stream = box.fetch(None)
    first_two = [next(stream), next(stream)]
    cursor = box.checkpoint()  # what the pipeline would have committed with those two
    assert cursor["files"]["wa_forward_export.jsonl"]["consumed"] == 2
    rest = list(collector(inbox).fetch(cursor))
    ids = [r.native_id for r in first_two + rest if isinstance(r, RawPost)]
    assert ids == ["wa-2024-0001", "wa-2024-0002", "wa-2024-0004"]


def test_committed_but_unmoved_file_is_settled_by_the_next_run(tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    drop(inbox, "laporan_warga.csv")
    box = collector(inbox)
    list(box.fetch(None))
    cursor = box.checkpoint()  # committed; the process died before finish()
    assert list(collector(inbox).fetch(cursor)) == []
    assert (inbox / "done" / "laporan_warga.csv").is_file()


def test_a_new_file_with_the_same_name_is_imported_again(tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    drop(inbox, "laporan_warga.csv")
    box = collector(inbox)
    list(box.fetch(None))
    box.finish()
    drop(inbox, "laporan_warga.csv")
    again = collector(inbox)
    assert len([r for r in again.fetch(box.checkpoint()) if isinstance(r, RawPost)]) == 2
    again.finish()
    assert len(list((inbox / "done").glob("laporan_warga*.csv"))) == 2


def test_missing_folder(tmp_path: Path) -> None:
    with pytest.raises(SourceUnavailable, match="does not exist"):
        list(collector(tmp_path / "nowhere").fetch(None))


def test_a_file_that_cannot_be_finished_goes_to_failed_and_the_next_is_read(tmp_path: Path) -> None:
    import json

    inbox = tmp_path / "inbox"
    inbox.mkdir()
    unreadable = inbox / "kepala_rusak.csv"
    unreadable.write_bytes(b"id,te\xffxt,created_at\n1,Cek DPT pemilu,2024-02-14T08:00:00Z\n")
    os.utime(unreadable, (1_700_000_000, 1_700_000_000))
    hostile = inbox / "campur.jsonl"
    good = {"platform": "x", "text": "Cek DPT pemilu", "created_at": "2024-02-14T08:00:00Z"}
    lines = [json.dumps({**good, "native_id": f"ok-{i}"}) for i in range(3)]
    lines += ['{"a":' * 10_000 + "1" + "}" * 10_000] * 250  # more rejects than the summary shows
    hostile.write_text("\n".join(lines) + "\n", encoding="utf-8")
    os.utime(hostile, (1_700_000_100, 1_700_000_100))
    box = collector(inbox)
    records = list(box.fetch(None))
    assert [r.native_id for r in records if isinstance(r, RawPost)] == ["ok-0", "ok-1", "ok-2"]
    assert sum(isinstance(r, RejectedLine) for r in records) == 250
    failed = inbox / "failed"
    assert (failed / "kepala_rusak.csv").is_file()
    reason = (failed / "kepala_rusak.csv.reason.txt").read_text(encoding="utf-8")
    assert "kepala_rusak.csv:1" in reason and "not UTF-8" in reason
    box.finish()
    done = inbox / "done"
    entries = (done / "campur.jsonl.rejects.jsonl").read_text(encoding="utf-8").splitlines()
    assert [json.loads(e)["line"] for e in entries] == list(range(4, 254))
    assert all("nested too deeply" in json.loads(e)["reason"] for e in entries)
    assert not list((inbox / ".rejects").iterdir())

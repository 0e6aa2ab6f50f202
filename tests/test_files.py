"""Exported-file readers: every good line kept, every bad one reported with its line number."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from monitor.collectors.files import FileFormatError, RejectedLine, parse_mapping, read_records
from monitor.records import RawPost


def _jsonl(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


GOOD = {
    "platform": "x",
    "native_id": "1",
    "text": "Cek DPT online yuk",
    "created_at": "2024-02-01T08:00:00+07:00",
}


def test_jsonl_good_and_bad_lines(tmp_path: Path) -> None:
    path = _jsonl(
        tmp_path / "posts.jsonl",
        [
            json.dumps(GOOD),
            "{not json",
            json.dumps({**GOOD, "native_id": "2", "created_at": "kemarin"}),
            "",
            json.dumps([1, 2]),
            json.dumps({**GOOD, "native_id": "3", "likes": "1,200", "text": "emoji 🗳️ ok"}),
            json.dumps({**GOOD, "native_id": None}),
            json.dumps({**GOOD, "native_id": "4", "likes": -1}),
        ],
    )
    out = list(read_records(path))
    posts = [r for r in out if isinstance(r, RawPost)]
    rejected = [r for r in out if isinstance(r, RejectedLine)]
    assert [p.native_id for p in posts] == ["1", "3"]
    assert posts[0].created_at == datetime(2024, 2, 1, 1, 0, tzinfo=UTC)
    assert posts[1].likes == 1200 and "🗳️" in posts[1].text
    assert [(r.line_no, r.reason.split(":")[0]) for r in rejected] == [
        (2, "invalid JSON"),
        (3, "field 'created_at'"),
        (5, "expected a JSON object, got list"),
        (7, "field 'native_id'"),
        (8, "field 'likes'"),
    ]
    assert str(rejected[0]).startswith(f"{path}:2: ")


def test_jsonl_invalid_utf8_line_is_rejected_and_reading_goes_on(tmp_path: Path) -> None:
    path = tmp_path / "posts.jsonl"
    path.write_bytes(
        json.dumps(GOOD).encode()
        + b"\n"
        + b'{"text": "\xff\xfe"}\n'
        + json.dumps({**GOOD, "native_id": "9"}).encode()
        + b"\n"
    )
    out = list(read_records(path))
    assert [type(r).__name__ for r in out] == ["RawPost", "RejectedLine", "RawPost"]
    assert out[1].line_no == 2 and "UTF-8" in out[1].reason


def test_csv_with_mapping_multiline_and_bad_rows(tmp_path: Path) -> None:
    path = tmp_path / "export.csv"
    path.write_text(
        "\ufeffid_pesan,isi,waktu,suka\n"
        '10,"Surat suara\nsudah dicoblos?",2024-02-14 09:00:00,5\n'
        "11,,2024-02-14 10:00:00,1\n"
        "12,Info TPS 07,2024-02-14 11:00:00,banyak\n"
        "13,Quick count KPU,1707894000,2,extra\n"
        "14,Hitung suara di TPS,1707894000,3\n",
        encoding="utf-8",
    )
    mapping = parse_mapping(["native_id=id_pesan", "text=isi", "created_at=waktu", "likes=suka"])
    out = list(read_records(path, platform="facebook", mapping=mapping))
    posts = [r for r in out if isinstance(r, RawPost)]
    rejected = [r for r in out if isinstance(r, RejectedLine)]
    assert [p.native_id for p in posts] == ["10", "14"]
    assert posts[0].text == "Surat suara\nsudah dicoblos?" and posts[0].platform == "facebook"
    assert posts[1].created_at == datetime.fromtimestamp(1707894000, tz=UTC)
    assert [(r.line_no, r.reason) for r in rejected] == [
        (4, "column 'isi': required field is missing or empty"),
        (5, "column 'suka': expected a number, got 'banyak'"),
        (6, "more fields than the header has"),
    ]


def test_mapping_and_format_errors(tmp_path: Path) -> None:
    with pytest.raises(FileFormatError, match="field=column"):
        parse_mapping(["text"])
    with pytest.raises(FileFormatError, match="unknown field 'txt'"):
        parse_mapping(["txt=isi"])
    odd = tmp_path / "posts.txt"
    odd.write_text("x")
    with pytest.raises(FileFormatError, match="--format"):
        read_records(odd)
    with pytest.raises(FileFormatError, match="no such file"):
        read_records(tmp_path / "missing.jsonl")
    csv_path = tmp_path / "a.csv"
    csv_path.write_text("id,text,created_at\n1,x,2024-01-01\n")
    with pytest.raises(FileFormatError, match="'isi'"):
        list(read_records(csv_path, mapping={"text": "isi"}))


def test_extra_fields_are_kept_in_raw(tmp_path: Path) -> None:
    path = _jsonl(tmp_path / "p.jsonl", [json.dumps({**GOOD, "channel": "infopemilu", "media": ["a.jpg"]})])
    (post,) = list(read_records(path))
    assert post.raw == {"channel": "infopemilu", "media": ["a.jpg"]}

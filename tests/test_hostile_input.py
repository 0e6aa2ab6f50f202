"""Hostile input: one bad line never costs the rest, on SQLite and PostgreSQL.

Every case alone between two good lines, then all of them in one file (in small batches, twice): every
good line is stored, every bad one is reported with its line number and a reason naming the problem, and a
rerun does not crash on the same line. Also: strict CSV decoding, over-long lines, the reject file, a row
the database itself refuses, Rich markup in a file name, and secrets in configuration errors.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from hostile_lines import HOSTILE, good
from sqlalchemy import select

from monitor import records
from monitor.collectors.files import Limits, RejectedLine, read_records
from monitor.config import Settings
from monitor.pipeline import Pipeline
from monitor.records import RawPost
from monitor.store import Database
from monitor.store.schema import KnownClaim, Post

REPO = Path(__file__).resolve().parent.parent


def _write(path: Path, lines: list[str]) -> Path:
    with path.open("w", encoding="utf-8", errors="surrogatepass") as handle:
        for line in lines:
            handle.write(line + "\n")
    return path


def _ingest(db: Database, settings: Settings, path: Path) -> tuple[object, list[RejectedLine]]:
    rejected: list[RejectedLine] = []
    stats = Pipeline(db, settings).ingest_file(path, on_reject=rejected.append, parallel=False)
    return stats, rejected


def _stored(db: Database) -> list[str]:
    with db.session() as session:
        return sorted(session.scalars(select(Post.native_id)))


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_each_hostile_line_alone(db: Database, settings: Settings, tmp_path: Path, case: str) -> None:
    line, words = HOSTILE[case]
    path = _write(tmp_path / "campur.jsonl", [good("g-1"), line, good("g-2")])
    stats, rejected = _ingest(db, settings, path)
    assert [(r.line_no, words in r.reason) for r in rejected] == [(2, True)], [str(r) for r in rejected]
    assert stats.rejected == 1 and stats.new == 2  # type: ignore[attr-defined]
    assert _stored(db) == ["g-1", "g-2"]
    assert rejected[0].path == str(path) and rejected[0].excerpt


def test_all_hostile_lines_in_one_file_in_small_batches(
    db: Database, settings: Settings, tmp_path: Path
) -> None:
    lines, expected_bad, expected_good = [], {}, []
    for index, case in enumerate(sorted(HOSTILE)):
        lines.append(good(f"g-{index}"))
        expected_good.append(f"g-{index}")
        lines.append(HOSTILE[case][0])
        expected_bad[len(lines)] = HOSTILE[case][1]
    lines.append(good("g-last", known_claim={"claim": 5, "verdict": ["x"]}))  # an odd claim is skipped
    expected_good.append("g-last")
    path = _write(tmp_path / "semua.jsonl", lines)
    settings = settings.model_copy(
        update={"pipeline": settings.pipeline.model_copy(update={"batch_size": 3})}
    )
    for run in (1, 2):  # a rerun meets the same lines and does not crash on them
        stats, rejected = _ingest(db, settings, path)
        got = {r.line_no: r.reason for r in rejected}
        assert sorted(got) == sorted(expected_bad)
        for line_no, words in expected_bad.items():
            assert words in got[line_no], (line_no, got[line_no])
        assert stats.rejected == len(expected_bad)  # type: ignore[attr-defined]
        assert (stats.new, stats.updated) == (
            (len(expected_good), 0) if run == 1 else (0, len(expected_good))
        )  # type: ignore[attr-defined]
    assert _stored(db) == sorted(expected_good)


def test_numeric_ids_and_handles_are_taken_as_text(db: Database, settings: Settings, tmp_path: Path) -> None:
    line = (
        good("0").replace('"native_id": "0"', '"native_id": 778812').replace('"likes": 3', '"likes": "1,200"')
    )
    path = _write(tmp_path / "angka.jsonl", [line[:-1] + ', "author_handle": 42}'])
    stats, rejected = _ingest(db, settings, path)
    assert rejected == [] and stats.new == 1  # type: ignore[attr-defined]
    with db.session() as session:
        stored = session.execute(select(Post.native_id, Post.author_handle, Post.likes)).one()
    assert tuple(stored) == ("778812", "42", 1200)


def test_odd_known_claim_fields_are_bounded(db: Database, settings: Settings, tmp_path: Path) -> None:
    claim = {
        "claim": "Surat suara sudah dicoblos",
        "source": "s" * 900,
        "date": "kemarin",
        "verdict": "v" * 90,
    }
    path = _write(tmp_path / "klaim.jsonl", [good("c-1", known_claim=claim)])
    stats, rejected = _ingest(db, settings, path)
    assert rejected == [] and stats.claims == 1  # type: ignore[attr-defined]
    with db.session() as session:
        stored = session.scalars(select(KnownClaim)).one()
    assert len(stored.source) == 200 and len(stored.verdict) == 40 and stored.claim_date == "2024-02-14"


def test_a_row_the_database_refuses_costs_only_itself(
    db: Database, settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Defence in depth: if validation ever lets a value through that the database refuses (here a
    native_id longer than its column, with the check loosened), only that row is rejected."""
    monkeypatch.setitem(records.MAX_CHARS, "native_id", 10_000)
    long_id = "n" * 250
    path = _write(tmp_path / "lolos.jsonl", [good("r-1"), good(long_id), good("r-2")])
    settings = settings.model_copy(
        update={"pipeline": settings.pipeline.model_copy(update={"batch_size": 10})}
    )
    stats, rejected = _ingest(db, settings, path)
    if db.dialect == "postgresql":  # SQLite does not enforce VARCHAR lengths
        assert [(r.line_no, "refused" in r.reason) for r in rejected] == [(2, True)]
        assert _stored(db) == ["r-1", "r-2"] and stats.rejected == 1  # type: ignore[attr-defined]
    else:
        assert rejected == [] and _stored(db) == sorted(["r-1", "r-2", long_id])


def test_twenty_megabyte_line_is_rejected_without_reading_it_whole(tmp_path: Path) -> None:
    path = tmp_path / "besar.jsonl"
    with path.open("w", encoding="utf-8") as handle:
        handle.write(good("b-1") + "\n")
        handle.write(good("b-2", text="x" * 20_000_000) + "\n")
        handle.write(good("b-3") + "\n")
    out = list(read_records(path))
    assert [r.native_id for r in out if isinstance(r, RawPost)] == ["b-1", "b-3"]
    [bad] = [r for r in out if isinstance(r, RejectedLine)]
    assert bad.line_no == 2 and "max_line_bytes" in bad.reason and len(bad.excerpt) <= 2000


def test_text_cap_is_configurable(tmp_path: Path) -> None:
    path = _write(tmp_path / "cap.jsonl", [good("t-1", text="pemilu " * 300)])
    [bad] = list(read_records(path, limits=Limits(max_text_chars=1000)))
    assert isinstance(bad, RejectedLine) and "over the limit of 1,000" in bad.reason
    [ok] = list(read_records(path, limits=Limits(max_text_chars=5000)))
    assert isinstance(ok, RawPost)


def test_csv_decoding_is_strict_per_line(tmp_path: Path) -> None:
    path = tmp_path / "laporan.csv"
    path.write_bytes(
        b"id,text,created_at\n"
        b"1,Cek DPT pemilu,2024-02-14T08:00:00Z\n"
        b"2,Surat suara \xff\xfe rusak,2024-02-14T08:00:00Z\n"
        b'3,"Dua baris\npemilu \xc3",2024-02-14T08:00:00Z\n'
        b"4,Hitung suara TPS,2024-02-14T08:00:00Z\n"
        b"5,Terlalu panjang " + b"y" * 20_000 + b",2024-02-14T08:00:00Z\n"
        b"6,Terakhir,2024-02-14T08:00:00Z\n"
    )
    out = list(read_records(path, limits=Limits(max_line_bytes=10_000)))
    assert [r.native_id for r in out if isinstance(r, RawPost)] == ["1", "4", "6"]
    bad = {r.line_no: r.reason for r in out if isinstance(r, RejectedLine)}
    assert sorted(bad) == [3, 4, 7]
    assert "not UTF-8" in bad[3] and "line 5 of this record" in bad[4] and "not UTF-8" in bad[4]
    assert "max_line_bytes" in bad[7]
    assert all(r.path == str(path) for r in out if isinstance(r, RejectedLine))


def _cli(args: list[str], db_url: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MONITOR_")}
    env.update(MONITOR_HOME=str(REPO), MONITOR_DATABASE_URL=db_url, PYTHONPATH=str(REPO), COLUMNS="200")
    return subprocess.run(
        [sys.executable, "-m", "monitor.cli", *args],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_cli_reject_file_lists_every_rejected_line(db: Database, tmp_path: Path) -> None:
    lines = []
    for i in range(150):
        lines.append(good(f"c-{i}") if i % 10 == 0 else '{"rusak": ')
    # Rich markup must print literally: the path holds "[bold red]ekspor[/]data.jsonl" ("/" ends a folder).
    folder = tmp_path / "[bold red]ekspor["
    folder.mkdir()
    path = _write(folder / "]data.jsonl", lines)
    result = _cli(["import", str(path), "--no-score", "-q"], db.url, tmp_path)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    shown = [line for line in result.stderr.splitlines() if line.startswith("rejected ")]
    assert len(shown) == 20
    assert "... and 115 more rejected lines" in result.stderr
    reject_file = folder / "]data.jsonl.rejects.jsonl"
    assert str(reject_file) in result.stderr.replace("\n", "")
    entries = [json.loads(line) for line in reject_file.read_text(encoding="utf-8").splitlines()]
    assert [e["line"] for e in entries] == [i + 1 for i in range(150) if i % 10]
    assert all("invalid JSON" in e["reason"] and e["excerpt"] == '{"rusak": ' for e in entries)
    assert "rejected=135" in result.stdout and "new=15" in result.stdout
    assert "[bold red]ekspor[/]data.jsonl" in result.stdout.replace("\n", "")  # the title, literally
    # --rejects elsewhere; a clean rerun replaces nothing it should not
    elsewhere = tmp_path / "out" / "tolak.jsonl"
    again = _cli(["import", str(path), "--no-score", "-q", "--rejects", str(elsewhere)], db.url, tmp_path)
    assert again.returncode == 0, again.stderr
    assert len(elsewhere.read_text(encoding="utf-8").splitlines()) == 135


def test_cli_error_with_markup_in_the_name_prints_literally(tmp_path: Path) -> None:
    folder = tmp_path / "[link=x]berkas["
    folder.mkdir()
    missing = folder / "]hilang.jsonl"
    result = _cli(["import", str(missing)], f"sqlite:///{tmp_path / 'm.db'}", tmp_path)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "[link=x]berkas[/]hilang.jsonl" in result.stderr.replace("\n", "")


def test_database_url_password_never_printed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from monitor.config import ConfigError, load_settings, redact

    config = tmp_path / "monitor.toml"
    config.write_text('database_url = "mysql://kpu:Rahasia-123@db.internal/pemilu"\n', encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_settings(config)
    message = str(caught.value)
    assert "Rahasia-123" not in message and "kpu:***@db.internal" in message
    assert message.count("db.internal") == 1  # shown once, not twice
    monkeypatch.setenv("MONITOR_DATABASE_URL", "oracle://polri:Sandi%21@10.0.0.5/x")
    monkeypatch.setenv("MONITOR_DASHBOARD__PORT", "not-a-port")
    with pytest.raises(ConfigError) as caught:
        load_settings(config)
    assert "Sandi" not in str(caught.value) and "MONITOR_DATABASE_URL" in str(caught.value)
    assert (
        redact("GET https://api.x/y?access_token=abc123&q=pemilu")
        == "GET https://api.x/y?access_token=***&q=pemilu"
    )
    assert redact("bot_token: 12345:ABCdef") == "bot_token: ***"
    assert redact("GET https://api.telegram.org/bot123456:AA-bb_cc/getUpdates") == (
        "GET https://api.telegram.org/bot***/getUpdates"
    )


def test_log_records_are_redacted() -> None:
    import logging

    from monitor.config import RedactingFilter

    record = logging.LogRecord(
        "x", logging.WARNING, __file__, 1, "db %s failed", ("postgresql://a:b3@h/d",), None
    )
    assert RedactingFilter().filter(record) and record.getMessage() == "db postgresql://a:***@h/d failed"


def test_collector_option_errors_hide_token_values() -> None:
    from pydantic import BaseModel, ValidationError

    from monitor.collectors.base import describe_validation_error

    class Options(BaseModel):
        access_token: int

    with pytest.raises(ValidationError) as caught:
        Options.model_validate({"access_token": "rahasia-sekali"})
    message = describe_validation_error(caught.value, origin="config/sources.yml", source="masto")
    assert "rahasia-sekali" not in message and "***" in message


def test_cli_unexpected_error_is_one_line_without_traceback(tmp_path: Path) -> None:
    export = _write(tmp_path / "ada.jsonl", [good("u-1")])
    result = _cli(["import", str(export)], "postgresql+psycopg://kpu:Rahasia-9@127.0.0.1:1/x", tmp_path)
    assert result.returncode == 1
    assert result.stderr.startswith("error: OperationalError")
    assert "Traceback" not in result.stderr and "Rahasia-9" not in result.stderr


def test_a_record_that_trips_the_text_work_costs_only_itself(
    db: Database, settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Defence in depth beyond validation: an unforeseen error while preparing one record rejects it."""
    from monitor import pipeline

    real = pipeline.prepare_row

    def fragile(post: RawPost, *args: object, **kwargs: object) -> object:
        if post.native_id == "boom":
            raise RuntimeError("normaliser tersandung")
        return real(post, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(pipeline, "prepare_row", fragile)
    path = _write(tmp_path / "rapuh.jsonl", [good("f-1"), good("boom"), good("f-2")])
    stats, rejected = _ingest(db, settings, path)
    assert [(r.line_no, "normaliser tersandung" in r.reason) for r in rejected] == [(2, True)]
    assert _stored(db) == ["f-1", "f-2"] and stats.rejected == 1 and stats.read == 2  # type: ignore[attr-defined]

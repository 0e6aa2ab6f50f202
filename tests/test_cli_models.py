"""The `monitor classify` contract through the real CLI; train / evaluate / models / promote commands."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from classify_corpus import train_tiny
from typer.testing import CliRunner

from monitor.cli import app

REPO = Path(__file__).resolve().parent.parent
CONTRACT_FIELDS = {"id", "hoax_score", "flagged", "topics", "candidates", "matched_claim", "reasons"}
TOPICS = {"sidalih", "sirekap", "procedure", "candidate:01", "candidate:02", "candidate:03", "other"}

POSTS = [
    {
        "id": 1,
        "text": "SEBARKAN!! Server Sirekap KPU berada di Singapura, suara paslon 02 diatur dari luar negeri",
    },
    {
        "id": "b-2",
        "text": "Klarifikasi KPU: server Sirekap ada di Indonesia. Faktanya kabar itu hoaks.",
        "x": 5,
    },
    {"id": 3, "text": "Cak Imin dan Pak Mahfud debat soal DPT ganda di TPS 07 Sekadau"},
    {"id": 4, "text": "pemilihan ketua OSIS besok pakai kotak suara kardus"},
]


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return train_tiny(tmp_path_factory.mktemp("models") / "tiny-1")


def _fresh_env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MONITOR_")}
    # No database file exists here: the registry must fall back to models/default without creating one.
    env["MONITOR_DATABASE_URL"] = f"sqlite:///{tmp_path / 'absent' / 'monitor.db'}"
    env["HF_HUB_OFFLINE"] = "1"
    return env


def _write_input(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _check_contract(rows: list[dict]) -> None:
    for row in rows:
        assert set(row) == CONTRACT_FIELDS
        assert isinstance(row["hoax_score"], float) and 0.0 <= row["hoax_score"] <= 1.0
        assert isinstance(row["flagged"], bool)
        assert isinstance(row["topics"], list) and set(row["topics"]) <= TOPICS and row["topics"]
        assert isinstance(row["candidates"], list) and set(row["candidates"]) <= {"01", "02", "03"}
        assert row["matched_claim"] is None or isinstance(row["matched_claim"], str)
        assert isinstance(row["reasons"], list) and all(isinstance(r, str) and r for r in row["reasons"])


@pytest.mark.skipif(
    not (REPO / "models" / "default" / "card.json").is_file(), reason="models/default not built"
)
def test_classify_contract_subprocess_default_model(tmp_path: Path) -> None:
    """The shipped default model, a fresh environment (no database, no network), output to stdout."""
    lines = [json.dumps(p, ensure_ascii=False) for p in POSTS]
    lines.insert(2, "{this is not json")
    lines.insert(4, json.dumps({"text": "no id here"}))
    src = _write_input(tmp_path / "in.jsonl", lines)
    proc = subprocess.run(
        [sys.executable, "-m", "monitor.cli", "classify", "--input", str(src), "--output", "-"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=_fresh_env(tmp_path),
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    rows = [json.loads(line) for line in proc.stdout.splitlines() if line.strip()]
    assert [r["id"] for r in rows] == [1, "b-2", 3, 4]
    _check_contract(rows)
    assert "in.jsonl:3" in proc.stderr and "in.jsonl:5" in proc.stderr  # bad lines named by line number
    assert not (tmp_path / "absent").exists()  # no database was created
    by_id = {r["id"]: r for r in rows}
    assert by_id[1]["flagged"] is True
    assert by_id["b-2"]["flagged"] is False
    assert "02" in by_id[1]["candidates"] and "candidate:02" in by_id[1]["topics"]
    assert set(by_id[3]["candidates"]) == {"01", "03"}
    assert by_id[4]["flagged"] is False


def test_classify_contract_cli_runner_to_file(tmp_path: Path, tiny_model: Path, monkeypatch) -> None:
    for key, value in _fresh_env(tmp_path).items():
        monkeypatch.setenv(key, value)
    src = _write_input(tmp_path / "in.jsonl", [json.dumps(p, ensure_ascii=False) for p in POSTS])
    out = tmp_path / "out.jsonl"
    result = CliRunner().invoke(
        app, ["classify", "--input", str(src), "--output", str(out), "--model", str(tiny_model)]
    )
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert len(rows) == len(POSTS)
    _check_contract(rows)
    sirekap = rows[0]
    assert sirekap["matched_claim"] is not None and "Singapura" in sirekap["matched_claim"]
    assert any(r.startswith("mirip hoaks yang sudah dibantah") for r in sirekap["reasons"])


def test_classify_missing_input_is_a_clear_error(tmp_path: Path, tiny_model: Path, monkeypatch) -> None:
    for key, value in _fresh_env(tmp_path).items():
        monkeypatch.setenv(key, value)
    result = CliRunner().invoke(
        app,
        ["classify", "--input", str(tmp_path / "nope.jsonl"), "--output", "-", "--model", str(tiny_model)],
    )
    assert result.exit_code == 2
    assert "nope.jsonl" in result.output


def test_fit_reranker_and_train_name_a_missing_datasets_folder(tmp_path: Path, monkeypatch) -> None:
    for key, value in _fresh_env(tmp_path).items():
        monkeypatch.setenv(key, value)
    result = CliRunner().invoke(app, ["fit-reranker", "--datasets", str(tmp_path / "no-datasets")])
    assert result.exit_code == 2
    assert "no-datasets" in result.output and "not found" in result.output
    out = tmp_path / "m"
    result = CliRunner().invoke(
        app, ["train", "--datasets", str(tmp_path / "no-datasets"), "--out", str(out)]
    )
    assert result.exit_code == 2
    assert "no-datasets: datasets folder not found" in " ".join(result.output.split())
    assert not out.exists()

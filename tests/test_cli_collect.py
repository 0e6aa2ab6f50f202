"""`monitor collect` and `monitor sources` through the real CLI app."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from httpserver import serve
from typer.testing import CliRunner

from monitor.store import Database

REPO = Path(__file__).resolve().parent.parent
RECORDED = Path(__file__).parent / "fixtures" / "recorded"


def test_collect_then_sources_table(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from monitor.cli import app

    db_url = f"sqlite:///{tmp_path / 'monitor.db'}"
    Database(db_url).upgrade()
    with serve(RECORDED) as server:
        server.route("/feed/", file="feeds/turnbackhoax_feed.xml", content_type="application/rss+xml")
        server.fault("/broken.xml", "status", status=500, times=None)
        fast = {"requests_per_minute": None, "backoff_base": 0.01, "retries": 1}
        sources = {
            "sources": [
                {
                    "name": "tbh",
                    "type": "feed",
                    "options": {
                        "base_url": server.url,
                        "feeds": ["/feed/"],
                        "kind": "factcheck",
                        "publisher": "TBH",
                        **fast,
                    },
                },
                {
                    "name": "rusak",
                    "type": "feed",
                    "options": {
                        "base_url": server.url,
                        "feeds": ["/broken.xml"],
                        "publisher": "Rusak",
                        **fast,
                    },
                },
            ]
        }
        path = tmp_path / "sources.yml"
        path.write_text(yaml.safe_dump(sources), encoding="utf-8")
        monkeypatch.setenv("MONITOR_HOME", str(REPO))
        monkeypatch.setenv("MONITOR_DATABASE_URL", db_url)
        monkeypatch.setenv("MONITOR_PATHS__SOURCES_FILE", str(path))
        runner = CliRunner()
        collected = runner.invoke(app, ["collect"], env={"COLUMNS": "200"})
        assert collected.exit_code == 0, collected.output
        assert "tbh" in collected.output and "failed" in collected.output
        one = runner.invoke(app, ["collect", "--source", "rusak"], env={"COLUMNS": "200"})
        assert one.exit_code == 1
        table = runner.invoke(app, ["sources", "--no-targets"], env={"COLUMNS": "220"})
        targets = runner.invoke(app, ["sources"], env={"COLUMNS": "220"})
    assert table.exit_code == 0, table.output
    assert targets.exit_code == 0 and "/broken.xml" in targets.output and "failing" in targets.output
    lines = {line.split("│")[1].strip(): line for line in table.output.splitlines() if line.count("│") > 5}
    assert "WIB" in lines["tbh"] and "HTTP 500" in lines["rusak"]
    assert [cell.strip() for cell in lines["rusak"].split("│")[6:8]] == ["2", "0"]  # failures, items


def test_bad_source_options_name_the_file_and_field(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from monitor.cli import app

    path = tmp_path / "sources.yml"
    path.write_text(
        yaml.safe_dump({"sources": [{"name": "tg", "type": "telegram", "options": {"chanels": ["x"]}}]})
    )
    monkeypatch.setenv("MONITOR_HOME", str(REPO))
    monkeypatch.setenv("MONITOR_DATABASE_URL", f"sqlite:///{tmp_path / 'm.db'}")
    monkeypatch.setenv("MONITOR_PATHS__SOURCES_FILE", str(path))
    result = CliRunner().invoke(app, ["collect"], env={"COLUMNS": "200"})
    assert result.exit_code == 2
    assert "sources.yml: source 'tg': options.chanels: unknown option" in " ".join(result.output.split())

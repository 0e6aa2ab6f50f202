"""Settings: defaults, environment overrides, and errors that name the file, key and expectation."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import BaseModel, ConfigDict

from monitor.config import ConfigError, load_settings, load_sources, read_yaml_model

REPO = Path(__file__).resolve().parent.parent


def test_shipped_config_loads() -> None:
    cfg = load_settings(REPO / "config" / "monitor.toml", home=REPO)
    assert cfg.timezone == "Asia/Jakarta"
    assert cfg.pipeline.batch_size == 1000
    assert cfg.resolved_database_url == f"sqlite:///{REPO / 'data' / 'monitor.db'}"
    assert cfg.path(cfg.paths.keywords_file).is_file()


def test_environment_overrides_file(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MONITOR_DATABASE_URL", "postgresql+psycopg://u@db.example:5432/monitor")
    monkeypatch.setenv("MONITOR_PIPELINE__BATCH_SIZE", "250")
    cfg = load_settings(REPO / "config" / "monitor.toml", home=REPO)
    assert cfg.database_url == "postgresql+psycopg://u@db.example:5432/monitor"
    assert cfg.resolved_database_url == cfg.database_url
    assert cfg.pipeline.batch_size == 250


def test_bad_value_names_file_key_and_expectation(tmp_path: Path) -> None:
    bad = tmp_path / "monitor.toml"
    bad.write_text('timezone = "Asia/Jakarta"\n[pipeline]\nbatch_size = "lots"\n', encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_settings(bad)
    message = str(info.value)
    assert str(bad) in message
    assert "pipeline.batch_size" in message
    assert "integer" in message and "'lots'" in message


def test_unknown_key_and_bad_timezone_are_both_reported(tmp_path: Path) -> None:
    bad = tmp_path / "monitor.toml"
    bad.write_text('timezone = "Asia/Sekadau"\n[dashboard]\nprot = 8501\n', encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_settings(bad)
    message = str(info.value)
    assert "timezone" in message and "Asia/Jakarta" in message
    assert "dashboard.prot" in message and "unknown key" in message


def test_bad_environment_value_names_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MONITOR_PIPELINE__BATCH_SIZE", "-5")
    with pytest.raises(ConfigError) as info:
        load_settings(REPO / "config" / "monitor.toml", home=REPO)
    assert "environment variable MONITOR_PIPELINE__BATCH_SIZE" in str(info.value)


def test_toml_syntax_error_names_the_file(tmp_path: Path) -> None:
    bad = tmp_path / "monitor.toml"
    bad.write_text("[pipeline\nbatch_size = 3\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=str(bad)):
        load_settings(bad)


def test_missing_explicit_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not found"):
        load_settings(tmp_path / "nope.toml")


def test_sources_file_errors_name_entry_and_key(tmp_path: Path) -> None:
    (tmp_path / "config").mkdir()
    sources = tmp_path / "config" / "sources.yml"
    sources.write_text("sources:\n  - name: kpu-feed\n    type: feed\n    interval_minutes: zero\n")
    cfg = load_settings(REPO / "config" / "monitor.toml", home=tmp_path)
    with pytest.raises(ConfigError) as info:
        load_sources(cfg)
    assert str(sources) in str(info.value)
    assert "sources.0.interval_minutes (line 4)" in str(info.value) and "'zero'" in str(info.value)
    sources.write_text("sources:\n  - name: a\n    type: feed\n  - name: a\n    type: x\n")
    with pytest.raises(ConfigError, match="duplicate source name"):
        load_sources(cfg)
    sources.write_text("sources:\n  - name: a\n   type: feed\n")
    with pytest.raises(ConfigError, match="line"):
        load_sources(cfg)


class _Rule(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str
    every: int = 1


class _Rules(BaseModel):
    model_config = ConfigDict(extra="forbid")
    rules: list[_Rule] = []


def test_read_yaml_model_names_file_line_and_key(tmp_path: Path) -> None:
    path = tmp_path / "rules.yml"
    assert read_yaml_model(path, _Rules) == _Rules()  # a missing file gives the defaults
    path.write_text("rules:\n  - name: a\n  - name: b\n    evry: 2\n  - every: 3\n", encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        read_yaml_model(path, _Rules, what="rule file")
    lines = str(info.value).splitlines()
    assert lines[0] == "invalid rule file:"
    assert f"{path}: rules.1.evry (line 4): unknown key (check its spelling) (got 2)" in lines[1]
    assert f"{path}: rules.2.name (line 5): required key is missing" in lines[2]
    path.write_text("rules: [\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"rules.yml: line 2 not valid YAML"):
        read_yaml_model(path, _Rules)
    path.write_bytes(b"rules: \xff\n")
    with pytest.raises(ConfigError, match="not UTF-8"):
        read_yaml_model(path, _Rules)
    path.write_text("rules:\n  - name: ok\n    every: 5\n", encoding="utf-8")
    assert read_yaml_model(path, _Rules).rules == [_Rule(name="ok", every=5)]

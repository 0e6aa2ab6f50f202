"""`monitor beat`: the schedule from the configuration, restarts without double-enqueueing, one beat
per store; the `monitor worker` command's own checks; the compose file."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from distributed_harness import (
    REPO,
    Broker,
    Proc,
    broker_for_session,
    kill_leftovers,
    monitor_env,
    purge,
    queue_depth,
    wait_until,
)
from typer.testing import CliRunner

from monitor.cli import app
from monitor.config import load_settings
from monitor.distributed.beat import build_schedule
from monitor.distributed.run import parse_queues
from monitor.store import Database, claiming


@pytest.fixture(scope="session")
def broker() -> Iterator[Broker]:
    yield from broker_for_session()


@pytest.fixture(autouse=True)
def _no_leftover_processes() -> Iterator[None]:
    yield
    kill_leftovers()


def _sources(tmp_path: Path) -> Path:
    (tmp_path / "config").mkdir(exist_ok=True)
    options = {"base_url": "http://127.0.0.1:9", "hashtags": ["pemilu"]}  # never fetched: no worker runs
    sources = [
        {"name": f"masto-{i}", "type": "mastodon", "interval_minutes": 60, "options": options} for i in (1, 2)
    ]
    sources.append({"name": "mati", "type": "mastodon", "enabled": False, "options": options})
    path = tmp_path / "config" / "sources.yml"
    path.write_text(yaml.safe_dump({"sources": sources}))
    return path


def test_the_schedule_is_built_from_the_configuration() -> None:
    settings = load_settings(REPO / "config" / "monitor.toml", home=REPO)
    entries = build_schedule(settings)
    collect = {name for name in entries if name.startswith("collect:")}
    # Sources whose credentials are missing (X without a token) are left out.
    assert "collect:telegram-pemilu-kalbar" in collect and "collect:x-pemilu" not in collect
    masto = entries["collect:mastodon-pemilu"]
    assert masto["args"] == ("mastodon-pemilu",) and masto["task"] == "monitor.collect"
    assert masto["schedule"].run_every.total_seconds() == 20 * 60
    assert masto["options"]["expires"] == 20 * 60
    assert {"score", "alerts", "weekly-report"} <= set(entries)
    weekly = entries["weekly-report"]["schedule"]
    assert weekly.hour == {7} and weekly.day_of_week == {1}  # Monday 07:00 in the configured zone


def test_worker_queues_are_checked() -> None:
    assert parse_queues("collect, score") == ["collect", "score"]
    with pytest.raises(ValueError, match="unknown queue.*bogus.*collect,score,alerts"):
        parse_queues("collect,bogus")
    result = CliRunner().invoke(app, ["worker", "--queues", "bogus"])
    assert result.exit_code == 2 and "bogus" in result.output


@pytest.mark.postgres
@pytest.mark.slow
def test_beat_restarts_without_double_enqueueing(pg_db: Database, broker: Broker, tmp_path: Path) -> None:
    purge(broker, "collect", "score", "alerts")
    _sources(tmp_path)
    # Scoring every 3 seconds gives a heartbeat to watch; the collections are hourly.
    env = monitor_env(tmp_path, pg_db.url, broker, MONITOR_DISTRIBUTED__SCORE_MINUTES="0.05")

    def counts() -> dict[str, int]:
        with pg_db.session() as session:
            return claiming.beat_counts(session)

    first = Proc(["beat"], env, tmp_path / "beat-1.log")
    wait_until(
        lambda: (
            {"collect:masto-1", "collect:masto-2", "collect:mati", "alerts"} <= set(counts())
            and counts()["score"] >= 2
        ),
        180,
        "the first beat never sent its entries",
        first,
    )
    # A second beat against the same store refuses to start while the first runs.
    second = Proc(["beat"], env, tmp_path / "beat-2.log")
    assert second.popen.wait(120) == 2
    assert "already running" in second.output()

    first.kill9()
    before = counts()
    third = Proc(["beat"], env, tmp_path / "beat-3.log")
    wait_until(
        lambda: counts()["score"] >= before["score"] + 2, 180, "the restarted beat never ticked", third
    )
    assert third.stop() == 0
    after = counts()
    # The hourly entries were sent once, before the kill; the restart continued their rhythm.
    assert after["collect:masto-1"] == after["collect:masto-2"] == after["alerts"] == 1
    assert after["collect:mati"] == 1  # switched off in the config: its task reads the switch and skips
    assert queue_depth(broker, "collect") == 3
    assert queue_depth(broker, "alerts") == 1
    # Never more messages than recorded slots. (Fewer: a score message expires after its own period, and
    # RabbitMQ drops it unconsumed, as nothing consumes here.)
    assert queue_depth(broker, "score") <= after["score"]


def test_the_compose_file_runs_commands_the_cli_has() -> None:
    compose = yaml.safe_load((REPO / "deploy" / "compose.yml").read_text(encoding="utf-8"))
    services = compose["services"]
    assert {"postgres", "rabbitmq", "migrate", "beat", "dashboard"} <= set(services)
    assert {"collect", "score", "alerts"} == {
        queue
        for name, service in services.items()
        if name.startswith("worker-")
        for queue in service["command"][service["command"].index("--queues") + 1].split(",")
    }
    runner = CliRunner()
    for name, service in services.items():
        if "build" not in service and "image" in service and "election-monitor" not in service["image"]:
            continue  # postgres, rabbitmq
        result = runner.invoke(app, [*service["command"][:1], "--help"])
        assert result.exit_code == 0, f"deploy/compose.yml: service {name}: {result.output}"
        for option in (part for part in service["command"] if part.startswith("--")):
            assert option in result.output, f"deploy/compose.yml: service {name}: no option {option}"


def test_an_unreachable_broker_is_a_clear_skip_reason() -> None:
    from distributed_harness import _broker_reachable

    reason = _broker_reachable("amqp://guest:guest@127.0.0.1:9//")
    assert reason is not None and reason.startswith(
        "RabbitMQ not reachable at amqp://guest:guest@127.0.0.1:9//"
    )

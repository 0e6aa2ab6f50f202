"""`python -m bench.distributed` runs end to end at a tiny size on the real RabbitMQ and PostgreSQL: the
bench the scaling claim rests on must not rot (an append-only audit table once made it crash after the
scoring runs). Rates at this size mean nothing; the test checks that every run finishes and is reported."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import PG_ADMIN_URL, _pg_reachable
from distributed_harness import BROKER_HOST, REPO, _broker_reachable

pytestmark = [pytest.mark.slow, pytest.mark.postgres]


def test_distributed_bench_runs_and_reports_every_run(tmp_path: Path) -> None:
    for reason in (_pg_reachable(), _broker_reachable(BROKER_HOST + "//")):
        if reason:
            pytest.skip(reason)
    env = {k: v for k, v in os.environ.items() if not k.startswith("MONITOR_")}
    env.update(
        MONITOR_BENCH_RESULTS=str(tmp_path),
        MONITOR_BENCH_AMQP=BROKER_HOST + "//",
        MONITOR_BENCH_PG_URL=PG_ADMIN_URL,
    )
    done = subprocess.run(
        [sys.executable, "-m", "bench.distributed", "--n", "400", "--e2e", "200", "--rounds", "1"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    result = json.loads((tmp_path / "distributed.json").read_text())
    runs = result["rows"]
    assert [r["processes"] for r in runs] == [1, 2, 1, 2]
    assert all(r["posts_per_s"] > 0 for r in runs)
    assert all(r["worker_cpu_ms_per_post"] > 0 for r in runs[:2])
    assert result["scaling_ratio_2_vs_1"] > 0
    assert "scaling 2 vs 1 process" in done.stdout

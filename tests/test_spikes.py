"""Spike detection: a burst in a synthetic hourly series is one episode at the right hour; flat is silent."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np
import pytest

from monitor.spikes import SpikeParams, detect_spikes, hour_floor, hour_range, hourly_counts, recent_spikes

WIB = ZoneInfo("Asia/Jakarta")


def flat_series(hours: int, rate: float, seed: int = 7) -> np.ndarray:
    return np.random.default_rng(seed).poisson(rate, size=hours)


@pytest.mark.parametrize("method", ["poisson", "zscore"])
@pytest.mark.parametrize("rate", [0.3, 2.0, 8.0])
def test_flat_baseline_never_fires(method: str, rate: float) -> None:
    for seed in range(5):
        series = flat_series(24 * 14, rate, seed)
        assert detect_spikes(series, SpikeParams(method=method)) == [], (method, rate, seed)


@pytest.mark.parametrize("method", ["poisson", "zscore"])
def test_injected_burst_fires_once_at_its_first_hour(method: str) -> None:
    series = flat_series(24 * 10, 1.5)
    burst_at = 24 * 8 + 13
    series[burst_at : burst_at + 3] += np.array([14, 25, 9])  # a three-hour burst
    spikes = detect_spikes(series, SpikeParams(method=method))
    assert len(spikes) == 1
    spike = spikes[0]
    assert spike.start == burst_at
    assert spike.end >= burst_at + 1
    assert spike.peak == series[burst_at : burst_at + 3].max()
    assert spike.ratio >= 3


def test_quiet_series_needs_minimum_volume() -> None:
    series = np.zeros(24 * 8, dtype=int)
    series[-1] = 4  # four posts out of nothing: improbable, but below min_count
    assert detect_spikes(series, SpikeParams(min_count=5)) == []
    series[-1] = 6
    assert [s.start for s in detect_spikes(series, SpikeParams(min_count=5))] == [len(series) - 1]


def test_no_verdict_without_enough_baseline() -> None:
    series = np.array([0] * 10 + [50])
    assert detect_spikes(series, SpikeParams(min_baseline_hours=24)) == []


def test_daily_rhythm_is_not_a_spike() -> None:
    # Busy evenings (3x the night) every day for two weeks: the weekly baseline absorbs the rhythm.
    day = np.array([1] * 8 + [3] * 10 + [6] * 6)
    series = np.tile(day, 14) + flat_series(24 * 14, 0.5, seed=3)
    assert detect_spikes(series, SpikeParams()) == []


def test_hours_are_local_wib_hours() -> None:
    moment = datetime(2024, 2, 14, 6, 59, tzinfo=UTC)  # 13:59 WIB
    assert hour_floor(moment, WIB) == datetime(2024, 2, 14, 13, 0, tzinfo=WIB)
    hours = hour_range(moment - timedelta(hours=2), moment, WIB)
    assert [h.hour for h in hours] == [11, 12, 13]
    series = hourly_counts(
        [
            (moment, ["sirekap"]),
            (moment - timedelta(minutes=30), ["sirekap", 7]),
            (moment - timedelta(days=9), [7]),
        ],
        hours,
        WIB,
    )
    assert series["sirekap"].tolist() == [0, 0, 2]
    assert series[7].tolist() == [0, 0, 1]


def test_recent_spikes_only_reports_new_episodes() -> None:
    old = flat_series(24 * 9, 1.0)
    old[24 * 8] += 30  # an episode a day ago
    new = flat_series(24 * 9, 1.0, seed=11)
    new[-2] += 20
    series = {"old": old, "new": new, "skipped": new.copy()}
    found = recent_spikes(series, SpikeParams(), since_index=len(old) - 3, keep=lambda s: s != "skipped")
    assert [(subject, spike.start) for subject, spike in found] == [("new", len(new) - 2)]


def test_bad_params_are_refused() -> None:
    with pytest.raises(ValueError, match="method"):
        SpikeParams(method="magic")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="min_baseline_hours"):
        SpikeParams(baseline_hours=10, min_baseline_hours=24)

"""Spike detection on sliding windows: a burst is one episode at the right window, even across an hour
boundary; flat series and the daily rhythm stay silent."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from monitor.alerts.spikes import Grid, SpikeParams, binned_counts, detect_spikes, recent_spikes

STEP = timedelta(minutes=10)
START = datetime(2024, 2, 1, tzinfo=UTC)


def grid_of(bins: int) -> Grid:
    return Grid(START, START + STEP * (bins - 1), STEP)


def flat_bins(hours: int, rate_per_hour: float, seed: int = 7) -> np.ndarray:
    return np.random.default_rng(seed).poisson(rate_per_hour / 6, size=hours * 6)


@pytest.mark.parametrize("method", ["poisson", "zscore"])
@pytest.mark.parametrize("rate", [0.3, 2.0, 8.0])
def test_flat_baseline_never_fires(method: str, rate: float) -> None:
    for seed in range(4):
        bins = flat_bins(24 * 10, rate, seed)
        assert detect_spikes(bins, grid_of(len(bins)), SpikeParams(method=method)) == [], (method, rate, seed)


@pytest.mark.parametrize("method", ["poisson", "zscore"])
def test_injected_burst_is_one_episode_with_its_peak(method: str) -> None:
    bins = flat_bins(24 * 9, 1.5)
    at = 6 * (24 * 8 + 13)  # 13:00 UTC on the ninth day
    bins[at : at + 18] += np.array([3, 4, 5, 4, 3, 5, 6, 7, 5, 4, 3, 2, 2, 3, 2, 1, 1, 1])  # three hours
    grid = grid_of(len(bins))
    spikes = detect_spikes(bins, grid, SpikeParams(method=method))
    assert len(spikes) == 1
    spike = spikes[0]
    assert grid.time(at - 5) <= spike.start <= grid.time(at)
    assert spike.end >= grid.time(at + 12)
    assert spike.peak >= 30 and spike.ratio >= 3


def test_a_burst_across_the_hour_boundary_fires() -> None:
    """Seven posts from 13.40 to 14.20 are 3 + 4 in clock hours (below min_count 5) but 7 in one window."""
    since = START
    burst = [START + timedelta(days=3, hours=13, minutes=40 + 6 * i) for i in range(7)]
    grid = Grid(since, START + timedelta(days=3, hours=16), STEP)
    series = binned_counts(((t, ["sirekap"]) for t in burst), grid)
    params = SpikeParams(min_count=5)
    clock_hours = [sum(1 for t in burst if t.hour == h) for h in (13, 14)]
    assert max(clock_hours) < params.min_count
    (spike,) = detect_spikes(series["sirekap"], grid, params)
    assert spike.peak == 7
    assert spike.peak_start <= burst[0] and burst[-1] < spike.peak_start + params.window


def test_quiet_series_needs_minimum_volume() -> None:
    bins = np.zeros(6 * 24 * 3, dtype=int)
    bins[-1] = 4  # four posts out of nothing: improbable, but below min_count
    assert detect_spikes(bins, grid_of(len(bins)), SpikeParams(min_count=5)) == []
    bins[-1] = 6
    assert len(detect_spikes(bins, grid_of(len(bins)), SpikeParams(min_count=5))) == 1


def test_no_verdict_without_enough_baseline() -> None:
    bins = np.array([0] * 60 + [50])
    assert detect_spikes(bins, grid_of(len(bins)), SpikeParams(min_baseline_hours=24)) == []


def test_daily_rhythm_is_not_a_spike() -> None:
    # Busy evenings (6x the night) every day for two weeks: the weekly baseline absorbs the rhythm.
    hourly = np.array([1] * 8 + [3] * 10 + [6] * 6, dtype=float)
    rates = np.tile(np.repeat(hourly / 6, 6), 14)
    bins = np.random.default_rng(3).poisson(rates) + flat_bins(24 * 14, 0.5, seed=3)
    assert detect_spikes(bins, grid_of(len(bins)), SpikeParams()) == []


def test_grid_is_aligned_and_counts_by_subject() -> None:
    grid = Grid(datetime(2024, 2, 14, 6, 3, tzinfo=UTC), datetime(2024, 2, 14, 6, 59, tzinfo=UTC), STEP)
    assert grid.origin == datetime(2024, 2, 14, 6, 0, tzinfo=UTC)  # the same bins for every check
    assert grid.size == 6
    moment = datetime(2024, 2, 14, 6, 59, tzinfo=UTC)
    series = binned_counts(
        [
            (moment, ["sirekap"]),
            (moment - timedelta(minutes=30), ["sirekap", 7]),
            (moment - timedelta(days=9), [7]),
        ],
        grid,
    )
    assert series["sirekap"].tolist() == [0, 0, 1, 0, 0, 1]
    assert series[7].tolist() == [0, 0, 1, 0, 0, 0]
    with pytest.raises(ValueError, match="timezone"):
        Grid(datetime(2024, 1, 1), datetime(2024, 1, 2), STEP)


def test_recent_spikes_only_reports_recent_episodes() -> None:
    old = flat_bins(24 * 9, 1.0)
    old[6 * 24 * 8 : 6 * 24 * 8 + 3] += 12  # an episode a day ago
    new = flat_bins(24 * 9, 1.0, seed=11)
    new[-4:-1] += 8
    grid = grid_of(len(old))
    series = {"old": old, "new": new, "skipped": new.copy()}
    since = grid.time(len(old) - 18)
    found = recent_spikes(series, grid, SpikeParams(), since=since, keep=lambda s: s != "skipped")
    assert [subject for subject, _spike in found] == ["new"]


def test_bad_params_are_refused() -> None:
    with pytest.raises(ValueError, match="method"):
        SpikeParams(method="magic")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="min_baseline_hours"):
        SpikeParams(baseline_hours=10, min_baseline_hours=24)
    with pytest.raises(ValueError, match="multiple of step_minutes"):
        SpikeParams(window_minutes=45, step_minutes=20)

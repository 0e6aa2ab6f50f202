"""Spike detection on sliding windows (per topic, per narrative), each series against its own baseline.

Why sliding windows: a burst of seven posts from 13.40 to 14.20 is two quiet clock hours (3 + 4 posts) but one
loud hour. Posts are counted in small bins (`step_minutes`, 10 by default) on a grid aligned to the epoch, so
every check sees the same bins; a window is `window_minutes` (60) of consecutive bins ending at each bin. For
a window the expected count is the larger of two baselines from the `baseline_hours` before the window
began (a week by default): the mean rate over all of it, and the mean of the same window of the day on the
previous days (so busy evenings are judged against evenings, not against the night), floored at `floor_rate`
posts per hour so a series that is almost always silent does not alarm on two posts. A window spikes when

- it holds at least `min_count` posts (quiet subjects never alarm),
- it holds at least `min_ratio` times the expected count, and
- the count is improbable under the baseline: a Poisson upper tail below `p_value` (method "poisson"), or a
  z-score of at least `z` with the spread floored at sqrt(expected) (method "zscore").

Consecutive spiking windows form one episode whose baseline stays the one from before it began, so a burst
that lasts three hours is one episode, reported with its first window (alerts key on its start) and its peak.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal

import numpy as np
from scipy.stats import poisson

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class SpikeParams:
    window_minutes: int = 60
    step_minutes: int = 10
    baseline_hours: int = 168
    min_baseline_hours: int = 24
    min_count: int = 5
    min_ratio: float = 3.0
    method: Literal["poisson", "zscore"] = "poisson"
    p_value: float = 0.0001
    z: float = 5.0
    floor_rate: float = 0.25  # posts per hour

    def __post_init__(self) -> None:
        if self.method not in ("poisson", "zscore"):
            raise ValueError(f"method must be 'poisson' or 'zscore', got {self.method!r}")
        if self.min_baseline_hours > self.baseline_hours:
            raise ValueError("min_baseline_hours cannot exceed baseline_hours")
        if self.step_minutes < 1 or self.window_minutes % self.step_minutes:
            raise ValueError(
                f"window_minutes ({self.window_minutes}) must be a multiple of "
                f"step_minutes ({self.step_minutes})"
            )

    @property
    def step(self) -> timedelta:
        return timedelta(minutes=self.step_minutes)

    @property
    def window(self) -> timedelta:
        return timedelta(minutes=self.window_minutes)

    @property
    def bins_per_window(self) -> int:
        return self.window_minutes // self.step_minutes

    def bins(self, hours: float) -> int:
        return int(round(hours * 60 / self.step_minutes))


@dataclass(frozen=True, slots=True)
class Spike:
    """An episode of spiking windows: its first window's numbers, its peak window, and the baseline."""

    start: datetime  # start of the first spiking window (UTC)
    end: datetime  # end of the last spiking window (UTC)
    observed: int  # posts in the first spiking window
    expected: float  # expected posts per window, from the baseline before the episode
    significance: float  # p-value (poisson) or z-score (zscore) of the first window
    peak: int  # most posts in one window of the episode
    peak_start: datetime  # start of that window (UTC)

    @property
    def ratio(self) -> float:
        return self.peak / self.expected if self.expected else float("inf")


class Grid:
    """Bins of `step` from `origin` (aligned to the epoch: every check sees the same bins) up to `until`."""

    def __init__(self, since: datetime, until: datetime, step: timedelta) -> None:
        if since.tzinfo is None or until.tzinfo is None:
            raise ValueError("grid times must be timezone-aware")
        self.step = step
        seconds = step.total_seconds()
        first = int((since - EPOCH).total_seconds() // seconds)
        last = int((until - EPOCH).total_seconds() // seconds)
        self.origin = EPOCH + step * first
        self.size = max(last - first + 1, 0)

    def index(self, moment: datetime) -> int | None:
        i = int((moment - self.origin).total_seconds() // self.step.total_seconds())
        return i if 0 <= i < self.size else None

    def time(self, index: int) -> datetime:
        return self.origin + self.step * index


def binned_counts(
    events: Iterable[tuple[datetime, Iterable[Hashable]]], grid: Grid
) -> dict[Hashable, np.ndarray]:
    """Count events per subject per bin; `events` yield (time, subjects); times off the grid are dropped."""
    series: dict[Hashable, np.ndarray] = {}
    for moment, subjects in events:
        i = grid.index(moment)
        if i is None:
            continue
        for subject in subjects:
            counts = series.get(subject)
            if counts is None:
                counts = series[subject] = np.zeros(grid.size, dtype=np.int64)
            counts[i] += 1
    return series


def _test(observed: int, expected: float, spread: float, params: SpikeParams) -> tuple[bool, float]:
    if observed < params.min_count or observed < params.min_ratio * expected:
        return False, 1.0 if params.method == "poisson" else 0.0
    if params.method == "poisson":
        p = float(poisson.sf(observed - 1, expected))
        return p <= params.p_value, p
    z = (observed - expected) / max(spread, expected**0.5)
    return z >= params.z, z


def detect_spikes(bins: np.ndarray | list[int], grid: Grid, params: SpikeParams | None = None) -> list[Spike]:
    """Every spike episode in a binned series (oldest first); windows end at every bin."""
    params = params or SpikeParams()
    values = np.asarray(bins, dtype=np.int64)
    k = params.bins_per_window
    baseline_bins, min_bins = params.bins(params.baseline_hours), params.bins(params.min_baseline_hours)
    day = params.bins(24)
    floor = params.floor_rate * params.window_minutes / 60
    total = np.concatenate([[0], np.cumsum(values)])
    squares = np.concatenate([[0], np.cumsum(values.astype(np.float64) ** 2)])
    spikes: list[Spike] = []
    episode: dict[str, float] | None = None
    for end in range(k - 1, len(values)):
        start = end - k + 1
        observed = int(total[end + 1] - total[start])
        anchor = int(episode["start"]) if episode is not None else start
        lo = max(0, anchor - baseline_bins)
        n = anchor - lo
        if n < min_bins:
            continue
        if observed < params.min_count:  # cheap: most windows of most subjects are quiet
            if episode is not None:
                spikes.append(_close(episode, grid))
                episode = None
            continue
        rate = (total[anchor] - total[lo]) / n
        variance = max((squares[anchor] - squares[lo]) / n - rate**2, 0.0)
        same_time = [
            total[at + k] - total[at] for at in range(anchor - day, lo - 1, -day) if at + k <= anchor
        ]
        daily = float(np.mean(same_time)) if same_time else 0.0
        expected = max(float(rate * k), daily, floor)
        fires, significance = _test(observed, expected, float((variance * k) ** 0.5), params)
        if fires and episode is None:
            episode = {"start": start, "observed": observed, "expected": expected, "sig": significance}
            episode.update(peak=observed, peak_start=start, end=end)
        elif fires and episode is not None:
            if observed > episode["peak"]:
                episode.update(peak=observed, peak_start=start)
            episode["end"] = end
        elif episode is not None:
            spikes.append(_close(episode, grid))
            episode = None
    if episode is not None:
        spikes.append(_close(episode, grid))
    return spikes


def _close(episode: dict[str, float], grid: Grid) -> Spike:
    return Spike(
        start=grid.time(int(episode["start"])),
        end=grid.time(int(episode["end"]) + 1),
        observed=int(episode["observed"]),
        expected=float(episode["expected"]),
        significance=float(episode["sig"]),
        peak=int(episode["peak"]),
        peak_start=grid.time(int(episode["peak_start"])),
    )


def recent_spikes(
    series: dict[Hashable, np.ndarray],
    grid: Grid,
    params: SpikeParams,
    *,
    since: datetime,
    keep: Callable[[Hashable], bool] | None = None,
) -> list[tuple[Hashable, Spike]]:
    """Spike episodes still spiking at or after `since`, per subject (subjects failing `keep` skipped)."""
    found: list[tuple[Hashable, Spike]] = []
    for subject, counts in series.items():
        if keep is not None and not keep(subject):
            continue
        found.extend((subject, spike) for spike in detect_spikes(counts, grid, params) if spike.end > since)
    return found

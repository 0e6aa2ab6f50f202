"""Spike detection on hourly post counts (per topic, per narrative), each series against its own baseline.

Hours are local hours in the configured time zone (WIB, Asia/Jakarta). For each hour the expected count is
the mean of the `baseline_hours` before it (a week by default, so the daily rhythm averages out), floored at
`floor_rate` so a series that is almost always silent does not alarm on two posts. An hour is a spike when

- it holds at least `min_count` posts (quiet topics never alarm),
- it holds at least `min_ratio` times the expected count, and
- the count is improbable under the baseline: a Poisson upper tail below `p_value` (method "poisson"), or a
  z-score of at least `z` with the standard deviation floored at sqrt(expected) (method "zscore").

Consecutive spiking hours form one episode; its baseline stays the one before the episode began, so a
burst that lasts three hours is one episode, reported at its first hour (alerts key on that hour).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

import numpy as np
from scipy.stats import poisson

HOUR = timedelta(hours=1)


@dataclass(frozen=True, slots=True)
class SpikeParams:
    baseline_hours: int = 168
    min_baseline_hours: int = 24
    min_count: int = 5
    min_ratio: float = 3.0
    method: Literal["poisson", "zscore"] = "poisson"
    p_value: float = 0.0001
    z: float = 5.0
    floor_rate: float = 0.25

    def __post_init__(self) -> None:
        if self.method not in ("poisson", "zscore"):
            raise ValueError(f"method must be 'poisson' or 'zscore', got {self.method!r}")
        if self.min_baseline_hours > self.baseline_hours:
            raise ValueError("min_baseline_hours cannot exceed baseline_hours")


@dataclass(frozen=True, slots=True)
class Spike:
    """An episode of spiking hours: where it began, the first hour's numbers and the peak."""

    start: int  # index of the first spiking hour in the series
    end: int  # index of the last spiking hour (inclusive)
    observed: int  # count in the first hour
    expected: float  # baseline rate per hour before the episode
    significance: float  # p-value (poisson) or z-score (zscore) of the first hour
    peak: int  # largest hourly count in the episode

    @property
    def ratio(self) -> float:
        return self.observed / self.expected if self.expected else float("inf")


def hour_floor(moment: datetime, tz: ZoneInfo) -> datetime:
    """The start of the local hour holding `moment` (aware, in `tz`)."""
    local = moment.astimezone(tz)
    return local.replace(minute=0, second=0, microsecond=0)


def hour_range(start: datetime, end: datetime, tz: ZoneInfo) -> list[datetime]:
    """Local hour starts from the hour of `start` to the hour of `end`, inclusive (steps of real hours)."""
    first, last = hour_floor(start, tz), hour_floor(end, tz)
    hours, current = [], first
    while current <= last:
        hours.append(current)
        current = (current.astimezone(ZoneInfo("UTC")) + HOUR).astimezone(tz)
    return hours


def hourly_counts(
    events: Iterable[tuple[datetime, Iterable[Hashable]]],
    hours: list[datetime],
    tz: ZoneInfo,
) -> dict[Hashable, np.ndarray]:
    """Count events per subject per hour; `events` yield (time, subjects); other hours are dropped."""
    position = {hour: i for i, hour in enumerate(hours)}
    series: dict[Hashable, np.ndarray] = {}
    for moment, subjects in events:
        i = position.get(hour_floor(moment, tz))
        if i is None:
            continue
        for subject in subjects:
            counts = series.get(subject)
            if counts is None:
                counts = series[subject] = np.zeros(len(hours), dtype=np.int64)
            counts[i] += 1
    return series


def _test(observed: int, baseline: np.ndarray, params: SpikeParams) -> tuple[bool, float, float]:
    expected = max(float(baseline.mean()), params.floor_rate)
    if observed < params.min_count or observed < params.min_ratio * expected:
        return False, expected, 1.0 if params.method == "poisson" else 0.0
    if params.method == "poisson":
        p = float(poisson.sf(observed - 1, expected))
        return p <= params.p_value, expected, p
    spread = max(float(baseline.std()), expected**0.5)
    z = (observed - expected) / spread
    return z >= params.z, expected, z


def detect_spikes(counts: np.ndarray | list[int], params: SpikeParams | None = None) -> list[Spike]:
    """Every spike episode in an hourly series (oldest first)."""
    params = params or SpikeParams()
    values = np.asarray(counts, dtype=np.int64)
    spikes: list[Spike] = []
    episode: dict[str, float] | None = None
    for i, observed in enumerate(values):
        anchor = int(episode["start"]) if episode is not None else i
        baseline = values[max(0, anchor - params.baseline_hours) : anchor]
        if baseline.size < params.min_baseline_hours:
            continue
        fires, expected, significance = _test(int(observed), baseline, params)
        if fires and episode is None:
            episode = {
                "start": i,
                "observed": int(observed),
                "expected": expected,
                "sig": significance,
                "peak": int(observed),
            }
        elif fires and episode is not None:
            episode["peak"] = max(episode["peak"], int(observed))
        elif episode is not None:
            spikes.append(_close(episode, i - 1))
            episode = None
    if episode is not None:
        spikes.append(_close(episode, len(values) - 1))
    return spikes


def _close(episode: dict[str, float], end: int) -> Spike:
    return Spike(
        start=int(episode["start"]),
        end=end,
        observed=int(episode["observed"]),
        expected=float(episode["expected"]),
        significance=float(episode["sig"]),
        peak=int(episode["peak"]),
    )


def recent_spikes(
    series: dict[Hashable, np.ndarray],
    params: SpikeParams,
    *,
    since_index: int,
    keep: Callable[[Hashable], bool] | None = None,
) -> list[tuple[Hashable, Spike]]:
    """Spike episodes that began at or after `since_index`, per subject (subjects failing `keep` skipped)."""
    found: list[tuple[Hashable, Spike]] = []
    for subject, counts in series.items():
        if keep is not None and not keep(subject):
            continue
        found.extend(
            (subject, spike) for spike in detect_spikes(counts, params) if spike.start >= since_index
        )
    return found

"""The alert rules file (config/alerts.yml): detection defaults, delivery retries, channels and rules.

Every key is validated; an error names the file and the key (or the YAML line), and a rule naming a channel
that is not defined is refused when the file is read, not when a spike happens.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from monitor.alerts.channels import Channel
from monitor.alerts.spikes import SpikeParams
from monitor.config import read_yaml_model


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Detection(_Strict):
    window_minutes: int = Field(60, ge=10, le=24 * 60)
    step_minutes: int = Field(10, ge=1, le=60)
    baseline_hours: int = Field(168, ge=6, le=24 * 60)
    min_baseline_hours: int = Field(24, ge=1)
    min_count: int = Field(5, ge=1)
    min_ratio: float = Field(3.0, ge=1.0)
    method: Literal["poisson", "zscore"] = "poisson"
    p_value: float = Field(0.0001, gt=0, lt=1)
    z: float = Field(5.0, gt=0)
    floor_rate: float = Field(0.25, gt=0)
    lookback_hours: int = Field(3, ge=1, le=48)

    @model_validator(mode="after")
    def _window_fits_steps(self) -> Detection:
        if self.window_minutes % self.step_minutes:
            raise ValueError(
                f"window_minutes ({self.window_minutes}) must be a multiple of "
                f"step_minutes ({self.step_minutes})"
            )
        return self

    def params(self) -> SpikeParams:
        return SpikeParams(
            window_minutes=self.window_minutes,
            step_minutes=self.step_minutes,
            baseline_hours=self.baseline_hours,
            min_baseline_hours=self.min_baseline_hours,
            min_count=self.min_count,
            min_ratio=self.min_ratio,
            method=self.method,
            p_value=self.p_value,
            z=self.z,
            floor_rate=self.floor_rate,
        )


class Delivery(_Strict):
    max_attempts: int = Field(6, ge=1, le=50)
    backoff_seconds: float = Field(60, gt=0)
    max_backoff_seconds: float = Field(3600, gt=0)


class QuietHours(_Strict):
    start: time
    end: time

    def contains(self, local: time) -> bool:
        if self.start <= self.end:
            return self.start <= local < self.end
        return local >= self.start or local < self.end  # wraps midnight (22:00-06:00)

    def next_end(self, moment: datetime, tz: Any) -> datetime:
        local = moment.astimezone(tz)
        end = local.replace(hour=self.end.hour, minute=self.end.minute, second=0, microsecond=0)
        if end <= local:
            end += timedelta(days=1)
        return end.astimezone(UTC)


class Rule(_Strict):
    name: str = Field(min_length=1, max_length=60, pattern=r"^[a-z0-9][a-z0-9_.-]*$")
    subject: Literal["narrative", "topic"]
    topics: list[str] = Field(default_factory=list)  # empty: every topic (or every narrative)
    # Candidate pair numbers ("01", ...): a narrative naming one of them matches whatever its topic is.
    # Listing "candidate:01" under `topics` means the same for a narrative rule.
    candidates: list[str] = Field(default_factory=list)
    min_score: float | None = Field(None, ge=0, le=1)
    channels: list[str] = Field(min_length=1)
    role: Literal["kpu", "bawaslu", "polri", "analyst", "admin"]
    quiet_hours: QuietHours | None = None
    detection: dict[str, Any] = Field(default_factory=dict)  # overrides of the file's `detection`

    def wanted_candidates(self) -> set[str]:
        """The pairs this rule is about: `candidates` plus any "candidate:NN" listed under `topics`."""
        listed = {t.split(":", 1)[1] for t in self.topics if t.startswith("candidate:")}
        return set(self.candidates) | listed

    def wanted_topics(self) -> set[str]:
        return {t for t in self.topics if not t.startswith("candidate:")}

    def matches_narrative(self, topic: str | None, candidates: list[str]) -> bool:
        """A narrative rule's filter: its topic is listed, or it names a listed pair (whatever its topic)."""
        pairs, topics = self.wanted_candidates(), self.wanted_topics()
        if not pairs and not topics:
            return True
        return (topic in topics) or bool(pairs & set(candidates or []))


class AlertsConfig(_Strict):
    detection: Detection = Detection()
    delivery: Delivery = Delivery()
    channels: dict[str, Channel] = Field(default_factory=dict)
    rules: list[Rule] = Field(default_factory=list)

    @model_validator(mode="after")
    def _cross_check(self) -> AlertsConfig:
        names = [rule.name for rule in self.rules]
        duplicates = sorted({n for n in names if names.count(n) > 1})
        if duplicates:
            raise ValueError(f"duplicate rule name(s): {', '.join(duplicates)}")
        for rule in self.rules:
            unknown = [c for c in rule.channels if c not in self.channels]
            if unknown:
                raise ValueError(f"rule {rule.name!r} names unknown channel(s): {', '.join(unknown)}")
            Detection.model_validate({**self.detection.model_dump(), **rule.detection})
        return self

    def detection_for(self, rule: Rule) -> Detection:
        return Detection.model_validate({**self.detection.model_dump(), **rule.detection})


def load_alerts_config(path: Path) -> AlertsConfig:
    """Read config/alerts.yml; a missing file means no rules. Errors name the file, line and key."""
    return read_yaml_model(path, AlertsConfig, what="alert configuration")

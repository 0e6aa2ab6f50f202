"""Alerts: when a narrative or a topic spikes on a sliding window, tell the people a rule names.

The package face keeps the names callers use (the scheduler's `scheduled_check`, the CLI's `send_test`).
Inside: `spikes.py` (sliding-window spike detection, no database), `rules.py` (config/alerts.yml, validated),
`channels.py` (Telegram, e-mail, webhook delivery), `check.py` (detect, store, compose, deliver).
"""

from monitor.alerts.channels import Channel, DeliveryError
from monitor.alerts.check import (
    CheckReport,
    alerts_config,
    check_spikes,
    compose,
    deliver_pending,
    scheduled_check,
    send_test,
)
from monitor.alerts.rules import AlertsConfig, Rule, load_alerts_config
from monitor.alerts.spikes import Grid, Spike, SpikeParams, binned_counts, detect_spikes, recent_spikes

__all__ = [
    "AlertsConfig",
    "Channel",
    "CheckReport",
    "DeliveryError",
    "Grid",
    "Rule",
    "Spike",
    "SpikeParams",
    "alerts_config",
    "binned_counts",
    "check_spikes",
    "compose",
    "deliver_pending",
    "detect_spikes",
    "load_alerts_config",
    "recent_spikes",
    "scheduled_check",
    "send_test",
]

"""Alerts: when a narrative or a topic spikes, tell the people a rule names, through the channels it names.

Rules live in config/alerts.yml (see that file, and rules.py, for every key). Each check:

1. bins the posts a rule counts (optionally only those scoring >= `min_score`) in 10-minute steps,
2. finds spike episodes on sliding windows (spikes.py) still spiking within the last `lookback_hours`,
3. stores one alert per episode — the key is rule + subject + the episode's first window, and an alert of
   the same rule and subject less than a window apart counts as the same, so a spike alerts once however
   often the check runs and however late its posts were collected — with one pending delivery per channel,
4. delivers what is due. A failed delivery is retried with exponential backoff (or the server's
   Retry-After) up to `max_attempts`; permanent failures (wrong token, HTTP 4xx) stop at once. Every attempt
   updates `alert_deliveries` (attempts, last_error, next_attempt_at, status pending|sent|failed).

During a rule's quiet hours the alert is stored at once but its deliveries wait until the quiet hours end.
Every message (Bahasa Indonesia) says what grew (the narrative or topic), by how much (posts in the window
against the usual count, as a multiple), gives an example post, the debunk if known, and a link to it.
A narrative rule listing candidate pairs matches a narrative naming one of them, whatever its topic.
"""

from __future__ import annotations

import logging
from collections.abc import Hashable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from monitor.alerts.channels import DeliveryError
from monitor.alerts.rules import AlertsConfig, Rule, load_alerts_config
from monitor.alerts.spikes import Grid, Spike, binned_counts, recent_spikes
from monitor.config import ConfigError, Settings
from monitor.i18n import topic_label
from monitor.store import Database
from monitor.store import alerts as store
from monitor.store import narratives as narrative_store
from monitor.store.schema import utcnow
from monitor.text.display import shorten
from monitor.text.keywords import KeywordsError, load_keywords

__all__ = [
    "AlertsConfig",
    "CheckReport",
    "check_spikes",
    "deliver_pending",
    "load_alerts_config",
    "scheduled_check",
    "send_test",
]

log = logging.getLogger(__name__)

ROLE_LABELS = {"kpu": "KPU", "bawaslu": "Bawaslu", "polri": "Polri", "analyst": "Analis", "admin": "Admin"}
MONTHS = ("Jan", "Feb", "Mar", "Apr", "Mei", "Jun", "Jul", "Agu", "Sep", "Okt", "Nov", "Des")


# -- detection -----------------------------------------------------------------------------------------------
@dataclass(slots=True)
class CheckReport:
    alerts: list[int] = field(default_factory=list)
    sent: int = 0
    retried: int = 0
    failed: int = 0
    grouped: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {
            "alerts": len(self.alerts),
            "sent": self.sent,
            "retried": self.retried,
            "failed": self.failed,
            "grouped": self.grouped,
        }


def check_spikes(
    db: Database, settings: Settings, config: AlertsConfig, now: datetime | None = None
) -> list[int]:
    """Fire the alerts for spikes that began in each rule's lookback window; returns new alert ids."""
    now = now or utcnow()
    created: list[int] = []
    with db.session() as session:
        for rule in config.rules:
            detection = config.detection_for(rule)
            params = detection.params()
            span = timedelta(hours=detection.baseline_hours + detection.lookback_hours) + params.window
            grid = Grid(now - span, now, params.step)
            series = _series(session, rule, grid)
            keep = _keeper(session, rule, series)
            since = now - timedelta(hours=detection.lookback_hours)
            for subject, spike in recent_spikes(series, grid, params, since=since, keep=keep):
                alert_id = _fire(session, settings, config, rule, subject, spike, params.window, now)
                if alert_id is not None:
                    created.append(alert_id)
    return created


def _series(session: Session, rule: Rule, grid: Grid) -> dict[Hashable, Any]:
    rows = store.spike_source_rows(session, grid.origin, min_score=rule.min_score)
    if rule.subject == "narrative":
        events = ((at, [nid] if nid is not None else []) for at, _topics, nid in rows)
    else:
        wanted = set(rule.topics)
        events = ((at, [t for t in topics if not wanted or t in wanted]) for at, topics, _nid in rows)
    return binned_counts(events, grid)


def _keeper(session: Session, rule: Rule, series: dict[Hashable, Any]) -> Any:
    """A narrative rule's filter on topic or candidate pair (see `Rule.matches_narrative`)."""
    if rule.subject != "narrative" or not rule.topics and not rule.candidates:
        return None
    facets = store.narrative_facets(session, [int(s) for s in series])  # type: ignore[call-overload]

    def keep(subject: Hashable) -> bool:
        topic, candidates = facets.get(int(subject), (None, []))  # type: ignore[call-overload]
        return rule.matches_narrative(topic, candidates)

    return keep


def _fire(
    session: Session,
    settings: Settings,
    config: AlertsConfig,
    rule: Rule,
    subject: Hashable,
    spike: Spike,
    window: timedelta,
    now: datetime,
) -> int | None:
    start = spike.start
    key = f"{rule.name}:{rule.subject}:{subject}:{start:%Y%m%dT%H%M}"
    if store.alert_exists(session, key):
        return None
    is_narrative = rule.subject == "narrative"
    if store.alerted_near(
        session,
        rule.name,
        narrative_id=int(subject) if is_narrative else None,  # type: ignore[call-overload]
        topic=None if is_narrative else str(subject),
        start=start,
        margin=window,
    ):
        return None
    peak = (spike.peak_start, spike.peak_start + window)
    if is_narrative:
        narrative_id: int | None = int(subject)  # type: ignore[call-overload]
        posts = store.posts_in_window(session, *peak, narrative_id=narrative_id, min_score=rule.min_score)
        topic = None
    else:
        topic = str(subject)
        posts = store.posts_in_window(session, *peak, topic=topic, min_score=rule.min_score)
        narrative_id = store.main_narrative(posts)
    narrative = narrative_store.get_narrative(session, narrative_id) if narrative_id is not None else None
    claim = narrative_store.known_claim_text(session, narrative.known_claim_id) if narrative else None
    message = compose(settings, rule, spike, window, narrative, claim, posts[0] if posts else None, topic)
    quiet = rule.quiet_hours is not None and rule.quiet_hours.contains(now.astimezone(settings.tz).time())
    due = rule.quiet_hours.next_end(now, settings.tz) if quiet and rule.quiet_hours else now
    payload = {
        "subject": message.subject,
        "rule": rule.name,
        "kind": rule.subject,
        "topic": topic or (narrative.topic if narrative else None),
        "narrative_id": narrative_id,
        "role": rule.role,
        "window_start": start.isoformat(),
        "window_minutes": int(window.total_seconds() // 60),
        "peak_start": spike.peak_start.isoformat(),
        "peak": spike.peak,
        "observed": spike.observed,
        "expected": round(spike.expected, 3),
        "ratio": round(spike.ratio, 2),
        "example_post_id": posts[0].id if posts else None,
        "link": message.link,
    }
    alert_id = store.add_alert(
        session,
        {
            "key": key,
            "rule": rule.name,
            "topic": payload["topic"],
            "narrative_id": narrative_id,
            "window_start": start,
            "observed": spike.peak,
            "expected": spike.expected,
            "message": message.text,
            "payload": payload,
            "fired_at": now,
        },
        [
            {"channel": name, "target": config.channels[name].target(), "next_attempt_at": due}
            for name in rule.channels
        ],
    )
    if alert_id is not None:
        log.info("alert %s fired (%s, %d posts, expected %.2f)", key, rule.role, spike.peak, spike.expected)
    return alert_id


# -- messages ------------------------------------------------------------------------------------------------
@dataclass(slots=True)
class Message:
    subject: str
    text: str
    link: str


def _number(value: float) -> str:
    return f"{value:.1f}".replace(".", ",")


def _when(start: datetime, window: timedelta, tz: Any) -> str:
    local, end = start.astimezone(tz), (start + window).astimezone(tz)
    zone = "WIB" if getattr(tz, "key", "") == "Asia/Jakarta" else (local.tzname() or "")
    return f"{local.day} {MONTHS[local.month - 1]} {local.year} {local:%H.%M}–{end:%H.%M} {zone}".rstrip()


def _span(window: timedelta) -> str:
    minutes = int(window.total_seconds() // 60)
    return f"{minutes // 60} jam" if minutes % 60 == 0 else f"{minutes} menit"


@lru_cache(maxsize=4)
def _topic_names(keywords_file: str, modified: float) -> dict[str, str]:
    """The topics' Indonesian names from the keywords file (read again when the file changes)."""
    try:
        return load_keywords(Path(keywords_file)).topic_names("id")
    except (OSError, KeywordsError) as exc:
        log.warning("alerts: topic names unavailable (%s); the keys are shown", exc)
        return {}


def topic_text(settings: Settings, key: str | None) -> str:
    """A topic as the alert names it: "Sirekap / rekapitulasi suara", "Paslon 03", "Beberapa paslon"."""
    path = settings.path(settings.paths.keywords_file)
    try:
        modified = path.stat().st_mtime
    except OSError:
        modified = 0.0
    return topic_label(key, _topic_names(str(path), modified), "id")


def compose(
    settings: Settings,
    rule: Rule,
    spike: Spike,
    window: timedelta,
    narrative: Any,
    claim: Any,
    example: Any,
    topic: str | None,
) -> Message:
    """The alert text in Bahasa Indonesia: what grew, by how much, an example, the debunk, a link."""
    base = settings.dashboard.public_url.rstrip("/")
    link = f"{base}/?narrative={narrative.id}" if narrative is not None else f"{base}/?topic={topic}"
    what = (
        f"narasi #{narrative.id}"
        if rule.subject == "narrative" and narrative
        else f"topik {topic_text(settings, topic)}"
    )
    subject = f"[Pemantau Pemilu {settings.district}] Lonjakan {what}"
    lines = [f"⚠️ Lonjakan {what} — {settings.district}"]
    if narrative is not None:
        lines.append(f'Narasi #{narrative.id}: "{shorten(narrative.label, 160)}"')
    ratio = "∞" if spike.expected == 0 else f"{_number(spike.ratio)}×"
    span = _span(window)
    lines.append(
        f"Bertambah {spike.peak} unggahan dalam {span} ({_when(spike.peak_start, window, settings.tz)}); "
        f"biasanya {_number(spike.expected)} per {span} — naik {ratio} lipat."
    )
    if narrative is not None:
        details = [
            f"Topik: {topic_text(settings, narrative.topic)}",
            f"Total {narrative.post_count} unggahan",
        ]
        if narrative.candidates:
            details.append("Paslon: " + ", ".join(narrative.candidates))
        if narrative.platforms:
            details.append("Platform: " + ", ".join(narrative.platforms))
        lines.append(" · ".join(details))
    if example is not None:
        lines.append(
            f'Contoh: "{shorten(example.text, 220)}" ({example.platform}, jangkauan {example.reach or 0})'
        )
    if claim is not None:
        lines.append(f'Sudah dibantah: "{shorten(claim.claim, 160)}" ({claim.source or claim.verdict})')
    lines.append(f"Untuk: {ROLE_LABELS.get(rule.role, rule.role)} · Aturan: {rule.name}")
    lines.append(f"Buka di dasbor: {link}")
    return Message(subject=subject, text="\n".join(lines), link=link)


# -- delivery ------------------------------------------------------------------------------------------------
def deliver_pending(db: Database, config: AlertsConfig, now: datetime | None = None) -> CheckReport:
    """Send every delivery that is due; failures are retried later with backoff, then given up."""
    now = now or utcnow()
    report = CheckReport()
    with db.session() as session:
        due = store.due_deliveries(session, now)
    for item in due:
        channel = config.channels.get(item.channel)
        attempt = item.attempts + 1
        try:
            if channel is None:
                raise DeliveryError(f"channel {item.channel!r} is no longer in alerts.yml", retryable=False)
            note = channel.send(item.subject, item.message, item.payload)
        except DeliveryError as exc:
            give_up = not exc.retryable or attempt >= config.delivery.max_attempts
            wait = min(
                config.delivery.backoff_seconds * 2 ** (attempt - 1), config.delivery.max_backoff_seconds
            )
            if exc.retry_after:
                wait = max(wait, exc.retry_after)
            with db.session() as session:
                store.record_attempt(
                    session,
                    item.id,
                    ok=False,
                    error=str(exc),
                    give_up=give_up,
                    next_attempt_at=now + timedelta(seconds=wait),
                )
            if give_up:
                report.failed += 1
                log.warning("alert %d to %s failed for good: %s", item.alert_id, item.channel, exc)
            else:
                report.retried += 1
                log.info(
                    "alert %d to %s failed (attempt %d), retry in %.0fs: %s",
                    item.alert_id,
                    item.channel,
                    attempt,
                    wait,
                    exc,
                )
            continue
        with db.session() as session:
            store.record_attempt(
                session, item.id, ok=True, error=note if note.startswith("refused") else None
            )
        report.sent += 1
    return report


def alerts_config(settings: Settings) -> AlertsConfig:
    return load_alerts_config(settings.path(settings.paths.alerts_file))


def scheduled_check(settings: Settings, now: datetime | None = None) -> CheckReport:
    """The scheduler's job: group waiting posts into narratives, fire alerts for new spikes, deliver."""
    from monitor.narratives import assign_new_posts

    config = alerts_config(settings)
    db = Database(settings.resolved_database_url)
    try:
        db.check_current()
        report = CheckReport(grouped=assign_new_posts(db, settings))
        if config.rules:
            report.alerts = check_spikes(db, settings, config, now)
        delivered = deliver_pending(db, config, now)
        report.sent, report.retried, report.failed = delivered.sent, delivered.retried, delivered.failed
        return report
    finally:
        db.dispose()


def send_test(settings: Settings, channel_name: str) -> str:
    """Send a test message through one configured channel; returns what the channel answered."""
    config = alerts_config(settings)
    channel = config.channels.get(channel_name)
    if channel is None:
        known = ", ".join(sorted(config.channels)) or "(none)"
        raise ConfigError(
            f"{settings.path(settings.paths.alerts_file)}: no channel {channel_name!r}; known: {known}"
        )
    subject = f"[Pemantau Pemilu {settings.district}] Pesan uji"
    text = (
        f"✅ Pesan uji dari Pemantau Hoaks Pemilu {settings.district}.\n"
        f"Kanal '{channel_name}' ({channel.target()}) berfungsi.\n"
        f"Dasbor: {settings.dashboard.public_url}"
    )
    return channel.send(subject, text, {"test": True, "channel": channel_name})

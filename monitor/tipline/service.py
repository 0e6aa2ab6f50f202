"""Tipline jobs that need no classifier: verdicts to those who asked, retention, the weekly numbers.

`notify_decided_tips` is the job the scheduler (or `monitor tipline notify`, or the running bot every
`notify.every_seconds`) calls: when officers decide a queued tip (a hoaks / bukan hoaks action in the
triage log), each citizen who asked it and agreed to hear back (/mulai) gets the verdict once. "Once"
holds with several processes running: each tip is claimed by a conditional UPDATE in the same
transaction that puts the message in the outbox; sending is paced by the channel's rate limit and
capped per call by `notify.max_per_run`.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from monitor.store import Database, tip_outbox
from monitor.store import tips as store
from monitor.store.schema import utcnow
from monitor.store.tips import TiplineWeek
from monitor.tipline import messages
from monitor.tipline.bot import Tipline
from monitor.tipline.config import TiplineConfig
from monitor.tipline.outbox import Channel, Outbox
from monitor.tipline.privacy import TipKeys

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class NotifyResult:
    queued: int
    sent: int


def queue_decided_verdicts(
    db: Database,
    config: TiplineConfig,
    *,
    timezone: str = "Asia/Jakarta",
    now: Callable[[], datetime] = utcnow,
) -> int:
    """Put the officers' verdict in the outbox for every consenting asker of a decided tip, once each."""
    tz = ZoneInfo(timezone)
    queued = 0
    with db.session() as session:
        moment = now()
        for item in store.tips_to_notify(session, config.notify.max_per_run):
            if not store.claim_notification(session, item.tip_id, moment):
                continue  # another process took it
            text = messages.decided_later(
                config,
                tz,
                verdict=item.verdict,
                text=item.text,
                asked_at=item.received_at,
                explanation=item.claim.explanation if item.claim is not None else None,
            )
            tip_outbox.enqueue_reply(
                session,
                asker_id=item.asker_id,
                channel=item.channel,
                address=item.address,
                kind="verdict",
                text=text,
                now=moment,
                tip_id=item.tip_id,
            )
            queued += 1
    if queued:
        log.info("tipline: %d officers' verdict(s) queued for citizens who asked", queued)
    return queued


def notify_decided_tips(
    db: Database,
    config: TiplineConfig,
    keys: TipKeys,
    channels: Iterable[Channel],
    *,
    timezone: str = "Asia/Jakarta",
    now: Callable[[], datetime] = utcnow,
) -> NotifyResult:
    """Queue the verdicts of newly decided tips, then send what is due on each channel (no model needed)."""
    queued = queue_decided_verdicts(db, config, timezone=timezone, now=now)
    outbox = Outbox(db, keys, now=now)
    sent = sum(outbox.deliver(channel, limit=config.notify.max_per_run) for channel in channels)
    return NotifyResult(queued=queued, sent=sent)


def purge_expired(db: Database, config: TiplineConfig, *, now: datetime | None = None) -> dict[str, int]:
    """Delete citizens' data older than `retention_days` (tips, finished replies, silent askers)."""
    before = (now or utcnow()) - timedelta(days=config.retention_days)
    with db.session() as session:
        counts = store.purge_expired(session, before)
    if any(counts.values()):
        log.info("tipline retention (%d days): deleted %s", config.retention_days, counts)
    return counts


def citizen_questions(db: Database, start: datetime, end: datetime) -> TiplineWeek:
    """The weekly report's "Pertanyaan warga": tips received in [start, end), answered automatically,
    answered by officers, still waiting, and the median time to an answer (seconds)."""
    with db.session() as session:
        return store.tipline_week(session, start, end)


def demand_counts(db: Database, post_ids: list[int]) -> dict[int, int]:
    """How many citizens asked about each queued post (for the queue's "Ditanya warga" column)."""
    with db.session() as session:
        return store.demand(session, post_ids)


class Housekeeping:
    """The running bot's periodic jobs: officers' verdicts every `notify.every_seconds`; new known claims
    (fact-check feeds add them while the bot runs) every `claims_every`; retention hourly."""

    def __init__(
        self,
        tipline: Tipline,
        channels: Iterable[Channel],
        *,
        purge_every: float = 3600.0,
        claims_every: float = 600.0,
    ) -> None:
        self.tipline = tipline
        self.channels = list(channels)
        self.purge_every = purge_every
        self.claims_every = claims_every
        self._notified = self._purged = float("-inf")
        self._claims = time.monotonic()  # the caller loaded them at start

    def __call__(self) -> None:
        clock = time.monotonic()
        if clock - self._notified >= self.tipline.config.notify.every_seconds:
            self._notified = clock
            tipline = self.tipline
            notify_decided_tips(
                tipline.db,
                tipline.config,
                tipline.keys,
                self.channels,
                timezone=tipline.tz.key,
                now=tipline.now,
            )
        if clock - self._claims >= self.claims_every:
            self._claims = clock
            added = self.tipline.refresh_claims()
            if added:
                log.info("tipline: %d new known claim(s) to match against", added)
        if clock - self._purged >= self.purge_every:
            self._purged = clock
            purge_expired(self.tipline.db, self.tipline.config, now=self.tipline.now())

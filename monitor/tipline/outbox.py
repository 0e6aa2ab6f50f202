"""Sending the tipline's replies: the outbox rows of one channel, each sent once.

Replies are claimed (`sending`) a few at a time. A reply that went out is recorded `sent` with the others
of its chunk; if the process dies before that, the claimed rows stay `sending` and are never resent
(`abandon_interrupted` marks them failed on the next start), so a crash can lose a reply's bookkeeping but
never send it twice. A failed send goes back to pending with a backoff (the platform's Retry-After when it
gave one), or fails for good when the platform refused it (blocked bot, unknown chat) or after
`max_attempts`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Protocol

from monitor.store import Database
from monitor.store import tip_outbox as store
from monitor.store.schema import utcnow
from monitor.tipline.privacy import TipKeys

log = logging.getLogger(__name__)


class DeliveryError(Exception):
    """A reply could not be sent. `retry_after` seconds when worth retrying; `permanent` when never."""

    def __init__(self, message: str, *, retry_after: float | None = None, permanent: bool = False) -> None:
        super().__init__(message)
        self.retry_after = retry_after
        self.permanent = permanent


class Channel(Protocol):
    """What the core needs of a platform: its name and a way to send a text to a chat."""

    name: str

    def send(self, chat_id: str, text: str) -> None: ...


class Outbox:
    def __init__(
        self, db: Database, keys: TipKeys, *, now: Callable[[], datetime] = utcnow, max_attempts: int = 8
    ) -> None:
        self.db = db
        self.keys = keys
        self.now = now
        self.max_attempts = max_attempts

    def deliver(self, channel: Channel, *, limit: int = 100, chunk: int = 10) -> int:
        """Send this channel's due replies, `chunk` claimed at a time (a crash abandons at most that many,
        unsent or not yet recorded); returns how many went out."""
        total = 0
        while total < limit:
            with self.db.session() as session:
                due = store.claim_due_replies(session, channel.name, self.now(), min(chunk, limit - total))
            if not due:
                break
            sent: list[tuple[int, datetime]] = []
            try:
                for reply in due:
                    try:
                        channel.send(self.keys.open(reply.address), reply.text)
                    except (DeliveryError, ValueError) as exc:
                        self._failed(reply.id, reply.attempts, exc)
                        continue
                    sent.append((reply.id, self.now()))
            finally:
                if sent:
                    with self.db.session() as session:
                        store.replies_sent(session, sent)
            total += len(sent)
            if len(due) < chunk or len(sent) < len(due):
                break  # nothing more is due, or the platform is failing: the next round tries again
        return total

    def _failed(self, reply_id: int, attempts: int, exc: Exception) -> None:
        permanent = getattr(exc, "permanent", True) or attempts >= self.max_attempts
        wait = getattr(exc, "retry_after", None) or min(300.0, 2.0**attempts)
        retry_at = None if permanent else self.now() + timedelta(seconds=wait)
        log.warning("tipline: reply %d not sent (%s)%s", reply_id, exc, "" if retry_at else "; giving up")
        with self.db.session() as session:
            store.reply_failed(session, reply_id, str(exc), retry_at)

    def abandon_interrupted(self) -> int:
        """Replies a stopped process left mid-send: failed for good, since they may have gone out."""
        with self.db.session() as session:
            abandoned = store.abandon_sending(session, self.now())
        if abandoned:
            log.warning("tipline: %d reply(ies) were being sent when the bot stopped; not resent", abandoned)
        return abandoned

"""The tipline's core, the same for every channel: read citizens' messages, answer, queue the unknown.

A channel (Telegram, WhatsApp) turns its updates into `Incoming` messages and sends texts; everything
else happens here. One call of `Tipline.handle` is one transaction: the askers, the tips, the queued
posts, every reply (into the outbox) and the channel's new position are committed together, so a crash
loses nothing and a restart answers nobody twice. Replies leave through `deliver`, one at a time.

How a message is answered, in order:
1. identical to a tip officers already decided → their verdict;
2. a confirmed match to a known claim (the classifier's claim matching) → the debunk, or the true fact;
3. a short "cek DPT" question → how to check one's registration with KPU's own service;
4. anything else → "Terima kasih, sedang kami periksa", and the tip joins (or starts) a queued post.
"""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from monitor.classify import Classifier, KnownClaim, Score
from monitor.classify.base import CLAIM_CONFIRMED
from monitor.store import Database, queries
from monitor.store import tip_outbox as outbox_store
from monitor.store import tips as store
from monitor.store.schema import KnownClaim as KnownClaimRow
from monitor.store.schema import Tip, TipAsker, utcnow
from monitor.text import text_hash
from monitor.tipline import messages
from monitor.tipline.config import TiplineConfig
from monitor.tipline.limits import RateLimiter, Verdict
from monitor.tipline.outbox import Channel, Outbox
from monitor.tipline.privacy import TipKeys, mask_nik

log = logging.getLogger(__name__)

COMMANDS = {
    "mulai": "start",
    "start": "start",
    "setuju": "start",
    "bantuan": "help",
    "help": "help",
    "hapus": "delete",
    "berhenti": "stop",
    "stop": "stop",
}
_COMMAND = re.compile(r"^/?([a-z]+)(?:@\w+)?$")


@dataclass(frozen=True, slots=True)
class Incoming:
    """One citizen message, whatever the channel."""

    channel: str
    chat_id: str
    message_ref: str  # the channel's id of the message, unique within the chat
    text: str | None  # the text, or a photo's caption
    sent_at: datetime  # the platform's clock
    forwarded: bool = False


@dataclass(slots=True)
class HandleResult:
    answered: dict[str, int] = field(default_factory=dict)  # kind → count
    throttled: int = 0
    replayed: int = 0

    def count(self, kind: str) -> None:
        self.answered[kind] = self.answered.get(kind, 0) + 1


def tip_priority(score: float | None, demand: int, floor: float) -> float:
    """Queue rank of a citizen's tip: at least `floor` (someone asked), one step up per doubling of askers."""
    return max(float(score or 0.0), floor) * (1.0 + math.log2(max(demand, 1)))


def parse_command(text: str) -> str | None:
    match = _COMMAND.match(text.strip().lower())
    return COMMANDS.get(match.group(1)) if match else None


class Tipline:
    """The bot: answers messages from any channel with the store's known claims and the classifier."""

    def __init__(
        self,
        db: Database,
        config: TiplineConfig,
        keys: TipKeys,
        classifier: Classifier,
        *,
        timezone: str = "Asia/Jakarta",
        now: Callable[[], datetime] = utcnow,
    ) -> None:
        self.db = db
        self.config = config
        self.keys = keys
        self.classifier = classifier
        self.tz = ZoneInfo(timezone)
        self.now = now
        self.limiter = RateLimiter(config.limits.per_minute, config.limits.per_day)
        self._dpt = [re.compile(p, re.IGNORECASE) for p in config.dpt_patterns]
        self._claim_keys: set[str] = set()
        self.outbox = Outbox(db, keys, now=now)

    # -- known claims ------------------------------------------------------------------------------------
    def refresh_claims(self) -> int:
        """Hand the store's known claims (debunks and true facts) to the classifier; returns how many new."""
        with self.db.session() as session:
            rows = [row for row in queries.known_claims(session) if row.key not in self._claim_keys]
        claims = [
            KnownClaim(id=r.key, claim=r.claim, verdict=r.verdict, source_url=r.source_url, date=r.claim_date)
            for r in rows
        ]
        if claims:
            self.classifier.add_claims(claims)
            self._claim_keys.update(c.id for c in claims)
        return len(claims)

    def is_dpt_question(self, text: str) -> bool:
        return len(text) <= self.config.dpt_max_chars and any(p.search(text) for p in self._dpt)

    # -- incoming ----------------------------------------------------------------------------------------
    def handle(
        self, incoming: Sequence[Incoming], *, cursor: tuple[str, dict[str, object]] | None = None
    ) -> HandleResult:
        """Answer a batch of messages (and save the channel's `cursor`) in one transaction."""
        result = HandleResult()
        allowed: list[tuple[str, datetime]] = []
        try:
            self._handle(incoming, cursor, result, allowed)
        except BaseException:
            for key, at in allowed:  # nothing was stored: these messages will be read again
                self.limiter.forget(key, at)
            raise
        return result

    def _handle(
        self,
        incoming: Sequence[Incoming],
        cursor: tuple[str, dict[str, object]] | None,
        result: HandleResult,
        allowed: list[tuple[str, datetime]],
    ) -> None:
        now = self.now()
        with self.db.session() as session, session.no_autoflush:
            names = [(m.channel, self.keys.pseudonym(m.channel, m.chat_id)) for m in incoming]
            askers = store.askers(session, set(names), now)
            seen = store.seen_messages(
                session, [(askers[name].id, m.message_ref) for name, m in zip(names, incoming, strict=True)]
            )
            content: list[tuple[Incoming, TipAsker, str, bool]] = []
            for name, message in zip(names, incoming, strict=True):
                asker = askers[name]
                key = (asker.id, message.message_ref)
                if key in seen:
                    result.replayed += 1
                    continue
                seen.add(key)
                gate = self.limiter.check(asker.pseudonym, message.sent_at)
                if gate is Verdict.ALLOW:
                    allowed.append((asker.pseudonym, message.sent_at))
                else:
                    result.throttled += 1
                    if gate is Verdict.NOTICE:
                        self._reply(session, asker, message, "throttle", messages.THROTTLED, now)
                    continue
                text = (message.text or "").strip()
                command = parse_command(text) if text else None
                if command is not None:
                    self._command(session, asker, message, command, now)
                    result.count(f"command:{command}")
                elif not text:
                    self._reply(session, asker, message, "command", messages.NO_TEXT, now)
                    result.count("no_text")
                else:
                    cut = text[: self.config.limits.max_chars]
                    masked = mask_nik(cut)
                    if len(masked.split()) < self.config.min_words and not self.is_dpt_question(masked):
                        # "halo", "makasih", "ok": nothing to check, and nothing for the queue
                        self._reply(session, asker, message, "command", messages.TOO_SHORT, now)
                        result.count("too_short")
                        continue
                    content.append((message, asker, masked, masked != cut))
            if content:
                scores = self.classifier.predict([masked for _, _, masked, _ in content])
                self._answer(session, content, scores, now, result)
            if cursor is not None:
                store.save_channel_cursor(session, cursor[0], dict(cursor[1]))

    def _reply(
        self,
        session: Session,
        asker: TipAsker,
        message: Incoming,
        kind: str,
        text: str,
        now: datetime,
        tip_id: int | None = None,
    ) -> None:
        outbox_store.enqueue_reply(
            session,
            asker_id=asker.id,
            channel=message.channel,
            address=self.keys.seal(message.chat_id),
            kind=kind,
            text=text,
            now=now,
            tip_id=tip_id,
            message_ref=message.message_ref,
        )

    def _command(
        self, session: Session, asker: TipAsker, message: Incoming, command: str, now: datetime
    ) -> None:
        cfg = self.config
        if command == "start":
            store.set_consent(asker, self.keys.seal(message.chat_id), now)
            text = messages.consent(cfg)
        elif command == "help":
            text = messages.help_text(cfg)
        elif command == "stop":
            store.set_consent(asker, None, now)
            text = messages.STOPPED
        else:
            deleted, posts = store.delete_asker_data(session, asker)
            log.info("tipline: /hapus removed %d tip(s) and %d queued post(s) of one citizen", deleted, posts)
            text = messages.deleted(deleted)
        self._reply(session, asker, message, "command", text, now)

    def _answer(
        self,
        session: Session,
        content: list[tuple[Incoming, TipAsker, str, bool]],
        scores: list[Score],
        now: datetime,
        result: HandleResult,
    ) -> None:
        hashes = [text_hash(masked) for _, _, masked, _ in content]
        existing = store.tip_posts_by_hash(session, hashes)
        keys = {s.matched_claim_id for s in scores if s.matched_claim_id}
        keys |= {s.matched_fact_id for s in scores if s.matched_fact_id and s.fact_status == CLAIM_CONFIRMED}
        claims = store.known_claims_by_key(session, sorted(keys))
        answers: list[tuple[Incoming, TipAsker, Tip, str]] = []
        queued: set[int] = set()
        for (message, asker, masked, had_nik), digest, score in zip(content, hashes, scores, strict=True):
            post = existing.get(digest)
            claim = claims.get(score.matched_claim_id or "")
            if claim is None and score.fact_status == CLAIM_CONFIRMED:  # nearer a known true fact
                claim = claims.get(score.matched_fact_id or "")
            kind, post_id, claim_id, text = self._decide(post, score, claim, masked, asker)
            if kind == "queued":
                post_id = self._queue(session, message, masked, digest, score, claim, now)
                existing.setdefault(digest, store.TipPost(post_id, masked, None, None, None, None))
                queued.add(post_id)
            tip = store.add_tip(
                session,
                asker_id=asker.id,
                message_ref=message.message_ref,
                post_id=post_id,
                text_hash=digest,
                kind=kind,
                matched_claim_id=claim_id,
                notify=asker.address is not None,
                received_at=message.sent_at,
            )
            answers.append((message, asker, tip, messages.with_nik_note(text, had_nik)))
            result.count(kind)
        session.flush()  # the tips' ids, for their replies; their posts' demand
        for message, asker, tip, text in answers:
            self._reply(session, asker, message, "answer", text, now, tip.id)
        if queued:
            asked = store.demand(session, sorted(queued))
            post_scores = store.post_scores(session, sorted(queued))
            for post_id in sorted(queued):
                demand = asked.get(post_id, 1)
                priority = tip_priority(post_scores.get(post_id), demand, self.config.queue_floor)
                store.set_demand(session, post_id, priority, messages.demand_label(demand))

    def _decide(
        self,
        post: store.TipPost | None,
        score: Score,
        claim: KnownClaimRow | None,
        masked: str,
        asker: TipAsker,
    ) -> tuple[str, int | None, int | None, str]:
        """(kind, post id, known-claim id, answer text) for one message."""
        cfg = self.config
        if post is not None and post.verdict is not None:
            text = messages.officer_verdict(cfg, post.verdict, post.explanation)
            return "decided", post.post_id, post.matched_claim_id, text
        confirmed = score.claim_status == CLAIM_CONFIRMED or (
            claim is not None and claim.key == score.matched_fact_id and score.fact_status == CLAIM_CONFIRMED
        )
        if claim is not None and confirmed:
            kind = claim.kind  # false (a debunk), true (a confirmed fact) or other (from its verdict)
            if kind == "false":
                text = messages.debunk(cfg, claim.claim, claim.verdict, claim.explanation, claim.source_url)
                return "debunk", None, claim.id, text
            if kind == "true":
                return (
                    "fact",
                    None,
                    claim.id,
                    messages.fact(cfg, claim.claim, claim.explanation, claim.source_url),
                )
        if self.is_dpt_question(masked):
            return "dpt", None, None, messages.dpt(cfg)
        return "queued", None, None, messages.queued(cfg, consented=asker.address is not None)

    def _queue(
        self,
        session: Session,
        message: Incoming,
        masked: str,
        digest: str,
        score: Score,
        claim: KnownClaimRow | None,
        now: datetime,
    ) -> int:
        """The queued post identical tips share (platform "tipline", native id = the text hash)."""
        row = {
            "platform": store.TIPLINE_PLATFORM,
            "native_id": digest,
            "url": None,
            "author_handle": None,
            "author_name": None,
            "text": masked,
            "lang": "id",
            "created_at": message.sent_at,
            "reach": 0,
            "raw": {"channel": message.channel, "forwarded": message.forwarded},
            "text_hash": digest,
            "topics": list(score.topics),
            "candidates": list(score.candidates),
            "source_name": store.TIPLINE_PLATFORM,
            "flagged": True,
            "triage_status": "new",
            "flagged_at": now,
            "hoax_score": float(score.hoax_score),
            "scored_version": self.classifier.version,
            "matched_claim_id": claim.id if claim is not None else None,
        }
        return store.upsert_tip_post(session, row, now)

    # -- outgoing ----------------------------------------------------------------------------------------
    def deliver(self, channel: Channel, *, limit: int = 100) -> int:
        """Send this channel's due replies (see `monitor.tipline.outbox`); returns how many went out."""
        return self.outbox.deliver(channel, limit=limit)

    def abandon_interrupted(self) -> int:
        return self.outbox.abandon_interrupted()

"""Freezing an item into an evidence packet, and releasing a packet later.

A freeze runs in three steps so that no database transaction waits on the network: read what the store
knows of the item; fetch the public page and take the screenshot; then, in one transaction, store the
files, read the audit trail up to that moment, write the manifest as the next link of the hash chain and
append an audit event. Two freezes racing for the same chain head: the unique `seq` refuses the second,
which rebuilds its manifest on the new head.

Release (retention) is in `monitor.evidence.retention`.
"""

from __future__ import annotations

import functools
import importlib.metadata
import logging
from dataclasses import dataclass, field
from datetime import UTC
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from monitor import __version__ as app_version
from monitor import auth, triage
from monitor.auth import Actor
from monitor.config import Settings
from monitor.evidence.capture import Missing, body_name, fetch_page, take_screenshot
from monitor.evidence.manifest import (
    FORMAT,
    EvidenceError,
    ObjectStore,
    StoredFile,
    canonical_json,
)
from monitor.store import Database
from monitor.store import evidence as store
from monitor.store.queries import add_audit_event
from monitor.store.schema import Post, utcnow

log = logging.getLogger(__name__)

WIB = ZoneInfo("Asia/Jakarta")
ESCALATIONS = ("escalate_bawaslu", "escalate_polri")
MAX_CHAIN_RETRIES = 8


@dataclass(slots=True)
class FrozenPacket:
    """What a freeze produced: the chain link and what could not be captured."""

    seq: int
    post_id: int
    manifest_sha256: str
    previous_sha256: str | None
    files: list[dict[str, Any]]
    missing: list[dict[str, str]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "item": self.post_id,
            "seq": self.seq,
            "manifest_sha256": self.manifest_sha256,
            "previous_sha256": self.previous_sha256,
            "files": self.files,
            "missing": self.missing,
        }


COLLECTOR_LIBRARIES = ("requests", "snscrape", "Mastodon.py", "feedparser")


@functools.cache
def collector_libraries() -> dict[str, str | None]:
    """Versions of the client libraries the collectors (and this fetch) run on, for the manifest."""
    versions: dict[str, str | None] = {}
    for name in COLLECTOR_LIBRARIES:
        try:
            versions[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            versions[name] = None
    return versions


def object_store(cfg: Settings) -> ObjectStore:
    return ObjectStore(cfg.path(cfg.evidence.folder))


def check_access(session: Session, actor: Actor, post_id: int) -> None:
    auth.require(actor, auth.FREEZE_EVIDENCE, f"item {post_id}")
    try:
        state = triage.item_state(session, post_id)
    except triage.ItemNotFound:
        raise EvidenceError(f"item {post_id} tidak ditemukan") from None
    if actor.role != "admin" and not triage.can_see(actor, state):
        # Polri freezes only what was escalated to it; the item is "not found" like everywhere else.
        raise EvidenceError(f"item {post_id} tidak ditemukan")


def _post_record(post: Post) -> dict[str, Any]:
    """The post exactly as collected (the collector's raw JSON) plus what the store knows of it."""
    return {
        "platform": post.platform,
        "native_id": post.native_id,
        "url": post.url,
        "author_handle": post.author_handle,
        "author_name": post.author_name,
        "author_followers": post.author_followers,
        "text": post.text,
        "lang": post.lang,
        "created_at": post.created_at.isoformat(),
        "collected_at": post.collected_at.isoformat() if post.collected_at else None,
        "last_seen_at": post.last_seen_at.isoformat() if post.last_seen_at else None,
        "engagement": {
            "likes": post.likes,
            "shares": post.shares,
            "replies": post.replies,
            "views": post.views,
            "reach": post.reach,
        },
        "source_name": post.source_name,
        "raw": post.raw,
    }


def _analysis_record(session: Session, post: Post) -> dict[str, Any]:
    score = store.score_of(session, post)
    claim = store.claim_of(session, post, score)
    return {
        "model_version": post.scored_version,
        "hoax_score": post.hoax_score,
        "flagged": post.flagged,
        "reasons": list(score.reasons or []) if score else [],
        "claim_similarity": score.claim_similarity if score else None,
        "claim_status": score.claim_status if score else None,
        "matched_claim": None
        if claim is None
        else {
            "key": claim.key,
            "claim": claim.claim,
            "verdict": claim.verdict,
            "claim_date": claim.claim_date,
            "source": claim.source,
            "source_url": claim.source_url,
            "explanation": claim.explanation,
        },
        "triage": {
            "status": post.triage_status,
            "assigned_to": post.assigned_to,
            "escalated_to": post.escalated_to,
            "version": post.triage_version,
        },
    }


def freeze(
    db: Database, cfg: Settings, actor: Actor, post_id: int, *, trigger: str = "on_demand"
) -> FrozenPacket:
    """Freeze one item now. Raises PermissionDenied or EvidenceError; network trouble never raises, it
    becomes a `missing` entry of the packet."""
    with db.session() as session:
        check_access(session, actor, post_id)
        post = store.post_by_id(session, post_id)
        assert post is not None  # check_access found it
        post_json = canonical_json(_post_record(post))
        url = post.url
        collector = store.source_type(session, post.source_name)
        source_name = post.source_name
        platform, native_id = post.platform, post.native_id

    page = fetch_page(url, cfg.evidence)
    shot = take_screenshot(url, cfg.evidence, user_agent=page.meta.get("user_agent"))

    objects = object_store(cfg)
    files: list[StoredFile] = [objects.add("post.json", post_json, "application/json")]
    missing: list[Missing] = list(page.missing)
    if page.body is not None:
        headers = {k.lower(): v for k, v in page.meta.get("headers") or []}
        content_type = headers.get("content-type", "application/octet-stream")
        files.append(objects.add(body_name(content_type), page.body, content_type))
    files.append(objects.add("page-response.json", canonical_json(page.meta), "application/json"))
    if shot.png is not None:
        files.append(objects.add("screenshot.png", shot.png, "image/png"))
    else:
        assert shot.missing is not None
        missing.append(shot.missing)
    files.append(objects.add("screenshot-info.json", canonical_json(shot.meta), "application/json"))

    for _attempt in range(MAX_CHAIN_RETRIES):
        try:
            with db.session() as session:
                store.lock_chain(session)
                post = store.post_by_id(session, post_id)
                if post is None:
                    raise EvidenceError(f"item {post_id} tidak ditemukan")
                frozen_at = utcnow()
                events = [store.as_dict(e) for e in store.events_until(session, post_id, frozen_at)]
                extra = [
                    objects.add(
                        "analysis.json", canonical_json(_analysis_record(session, post)), "application/json"
                    ),
                    objects.add("audit-trail.json", canonical_json(events), "application/json"),
                ]
                head = store.chain_head(session)
                manifest = {
                    "format": FORMAT,
                    "kind": "packet",
                    "seq": head.seq + 1,
                    "previous_manifest_sha256": head.manifest_sha256,
                    "item": {"post_id": post_id, "platform": platform, "native_id": native_id},
                    "trigger": trigger,
                    "frozen_by": {"username": actor.username, "role": actor.role},
                    "frozen_at_utc": frozen_at.astimezone(UTC).isoformat(),
                    "frozen_at_wib": frozen_at.astimezone(WIB).isoformat(),
                    "versions": {
                        "app": app_version,
                        "collector": {
                            "source": source_name,
                            "type": collector,
                            "app": app_version,
                            "libraries": collector_libraries(),
                        },
                        "model": post.scored_version,
                    },
                    "files": [f.as_dict() for f in [*files, *extra]],
                    "missing": [m.as_dict() for m in missing],
                }
                data = canonical_json(manifest)
                digest = objects.put(data)  # the manifest is a file of the store too
                store.append_link(
                    session,
                    seq=head.seq + 1,
                    kind="packet",
                    manifest=data.decode("utf-8"),
                    manifest_sha256=digest,
                    previous_sha256=head.manifest_sha256,
                    actor=actor.username,
                    role=actor.role,
                    trigger=trigger,
                    created_at=frozen_at,
                    post_id=post_id,
                )
                add_audit_event(
                    session,
                    actor=actor.username,
                    role=actor.role,
                    action="evidence.freeze",
                    post_id=post_id,
                    note=f"paket bukti #{head.seq + 1} ({trigger})",
                    after={"seq": head.seq + 1, "manifest_sha256": digest, "missing": len(missing)},
                    at=frozen_at,
                )
        except store.ChainRace:
            log.info("evidence chain head moved while freezing item %s; building the manifest again", post_id)
            continue
        return FrozenPacket(
            head.seq + 1,
            post_id,
            digest,
            head.manifest_sha256,
            manifest["files"],
            manifest["missing"],
        )
    raise EvidenceError(f"item {post_id}: rantai bukti terus berubah; coba lagi")


def freeze_on_escalation(
    db: Database, cfg: Settings, actor: Actor, post_ids: list[int], action: str
) -> list[FrozenPacket]:
    """The escalation hook: call it after an escalate action has committed (never inside its transaction:
    the capture waits on the network). Other actions are ignored; a failed freeze is logged, never raised,
    so the escalation itself always stands and `pending_escalations` finds the item again."""
    if action not in ESCALATIONS:
        return []
    frozen = []
    for post_id in post_ids:
        try:
            frozen.append(freeze(db, cfg, actor, post_id, trigger="escalation"))
        except (EvidenceError, auth.PermissionDenied, OSError) as exc:
            log.warning("evidence freeze after escalation of item %s failed: %s", post_id, exc)
    return frozen


def _pending_escalator(session: Session, post_id: int) -> Actor | None:
    """The officer of the item's last escalation, if no packet was frozen since."""
    escalation = store.last_event(session, post_id, ESCALATIONS)
    if escalation is None:
        return None
    packets = store.packets_of(session, post_id)
    if packets and packets[-1].created_at >= escalation.created_at:
        return None
    return Actor(escalation.actor, escalation.role or "")


def pending_escalation(session: Session, post_id: int) -> bool:
    """True when the item's last escalation is newer than its last packet (so it should be frozen now)."""
    return _pending_escalator(session, post_id) is not None


def is_pending(db: Database, post_id: int) -> bool:
    """True when the item was escalated and has no packet since (the dashboard says so)."""
    with db.session() as session:
        return pending_escalation(session, post_id)


def pending_items(db: Database) -> list[int]:
    """Escalated items whose last escalation is newer than their last packet (a freeze failed or was
    never wired at the call site): what `monitor evidence freeze --pending` catches up on."""
    with db.session() as session:
        return [pid for pid in store.escalated_post_ids(session) if pending_escalation(session, pid)]


def freeze_pending(db: Database, cfg: Settings, post_ids: list[int] | None = None) -> list[FrozenPacket]:
    """Freeze escalated items that have no packet since their last escalation, each in the name of the
    officer who escalated it (trigger "escalation"). Failures are logged and left pending for next time."""
    with db.session() as session:
        candidates = store.escalated_post_ids(session) if post_ids is None else post_ids
        todo = [(pid, who) for pid in candidates if (who := _pending_escalator(session, pid)) is not None]
    frozen = []
    for post_id, who in todo:
        try:
            frozen.append(freeze(db, cfg, who, post_id, trigger="escalation"))
        except (EvidenceError, auth.PermissionDenied, OSError) as exc:
            log.warning("evidence freeze of escalated item %s failed: %s", post_id, exc)
    return frozen

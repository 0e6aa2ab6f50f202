"""The database schema (SQLAlchemy 2 declarative). Alembic migrations in `migrations/` create it.

Times are stored as timezone-aware UTC; the dashboard and reports show them in WIB (Asia/Jakarta).
A test compares these models with the migrations, so a column added here needs a migration too.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

JSONType = JSON().with_variant(JSONB(), "postgresql")
# SQLite has no 64-bit autoincrement type other than INTEGER PRIMARY KEY.
BigID = BigInteger().with_variant(Integer(), "sqlite")


class UTCDateTime(TypeDecorator[datetime]):
    """Stores aware datetimes as UTC; returns aware UTC datetimes on every backend (SQLite forgets tz)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class Source(Base):
    """A configured collector with its incremental cursor and health."""

    __tablename__ = "sources"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    type: Mapped[str] = mapped_column(String(40))
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    cursor: Mapped[dict[str, Any] | None] = mapped_column(JSONType, nullable=True)
    last_run_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    last_success_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    last_error_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    consecutive_failures: Mapped[int] = mapped_column(Integer, default=0)
    items_last_run: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # `enabled` is the one on/off switch (the Sumber page writes it); this is config/sources.yml's
    # `enabled` as last seen, so an edit of the file still switches the source (the later change wins).
    config_enabled: Mapped[bool | None] = mapped_column(Boolean, nullable=True)


class IngestRun(Base):
    """One collection run or file import: what was read and what became of it."""

    __tablename__ = "ingest_runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source_name: Mapped[str] = mapped_column(String(200), index=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    read: Mapped[int] = mapped_column(Integer, default=0)
    relevant: Mapped[int] = mapped_column(Integer, default=0)
    new: Mapped[int] = mapped_column(Integer, default=0)
    updated: Mapped[int] = mapped_column(Integer, default=0)
    rejected: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    # Touched with every committed batch; a run without one for long was killed (closed as "crashed").
    heartbeat_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


def _verdict_kind(context: Any) -> str:
    from monitor.text.verdicts import verdict_kind

    return verdict_kind(context.get_current_parameters().get("verdict") or "salah")


class KnownClaim(Base):
    """A claim that fact-checkers or the election bodies have debunked."""

    __tablename__ = "known_claims"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(500), unique=True)  # seed id ("kh-012") or fact-check URL
    claim: Mapped[str] = mapped_column(Text)
    verdict: Mapped[str] = mapped_column(String(40), default="salah")
    claim_date: Mapped[str | None] = mapped_column(String(10), nullable=True)
    source: Mapped[str | None] = mapped_column(String(200), nullable=True)
    source_url: Mapped[str | None] = mapped_column(Text, nullable=True)
    explanation: Mapped[str | None] = mapped_column(Text, nullable=True)
    topics: Mapped[list[str]] = mapped_column(JSONType, default=list)
    added_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # "false" (a debunk: the only kind that may raise a score), "true" (a confirmed fact) or "other"
    # (clarification, news, satire); derived from `verdict` when not given (monitor.text.verdicts).
    kind: Mapped[str] = mapped_column(String(10), default=_verdict_kind, server_default="false", index=True)
    language: Mapped[str | None] = mapped_column(String(20), nullable=True)
    # Where the claim circulated (ClaimReview itemReviewed.appearance / firstAppearance URLs).
    appearances: Mapped[list[str] | None] = mapped_column(JSONType, nullable=True)
    review: Mapped[dict[str, Any] | None] = mapped_column(JSONType, nullable=True)  # ClaimReview as published
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class Narrative(Base):
    """A group of posts retelling one claim (near-duplicates and paraphrases)."""

    __tablename__ = "narratives"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    label: Mapped[str] = mapped_column(Text)  # a representative text
    topic: Mapped[str | None] = mapped_column(String(40), nullable=True, index=True)
    candidates: Mapped[list[str]] = mapped_column(JSONType, default=list)
    platforms: Mapped[list[str]] = mapped_column(JSONType, default=list)
    first_seen: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    last_seen: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    post_count: Mapped[int] = mapped_column(Integer, default=0)
    total_reach: Mapped[int] = mapped_column(BigInteger, default=0)
    max_score: Mapped[float | None] = mapped_column(Float, nullable=True)
    known_claim_id: Mapped[int | None] = mapped_column(ForeignKey("known_claims.id"), nullable=True)
    status: Mapped[str | None] = mapped_column(String(40), nullable=True)
    centroid: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)  # float32 embedding
    # Which vector space made `centroid` (see monitor.narratives); another space means: recompute it.
    centroid_model: Mapped[str | None] = mapped_column(String(200), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class Post(Base):
    """An election-relevant public post, stored once per (platform, native_id)."""

    __tablename__ = "posts"
    __table_args__ = (
        UniqueConstraint("platform", "native_id", name="uq_posts_platform_native_id"),
        # The triage queue: flagged posts of a status, most urgent first.
        Index("ix_posts_queue", "flagged", "triage_status", "priority"),
        # Filtered queue views walk flagged posts in priority order and stop after a page (migration 0003).
        Index("ix_posts_queue_priority", "flagged", "priority", "id"),
        Index("ix_posts_created_at", "created_at"),
        Index("ix_posts_text_hash", "text_hash"),
        Index("ix_posts_narrative_id", "narrative_id"),
    )

    id: Mapped[int] = mapped_column(BigID, primary_key=True)
    platform: Mapped[str] = mapped_column(String(30))
    native_id: Mapped[str] = mapped_column(String(200))
    url: Mapped[str | None] = mapped_column(Text, nullable=True)
    author_handle: Mapped[str | None] = mapped_column(String(200), nullable=True)
    author_name: Mapped[str | None] = mapped_column(String(300), nullable=True)
    author_followers: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    text: Mapped[str] = mapped_column(Text)
    lang: Mapped[str | None] = mapped_column(String(10), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    collected_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    likes: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    shares: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    replies: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    views: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    reach: Mapped[int] = mapped_column(BigInteger, default=0)
    raw: Mapped[dict[str, Any] | None] = mapped_column(JSONType, nullable=True)
    text_hash: Mapped[str] = mapped_column(String(40))
    matched_terms: Mapped[list[str]] = mapped_column(JSONType, default=list)
    topics: Mapped[list[str]] = mapped_column(JSONType, default=list)
    candidates: Mapped[list[str]] = mapped_column(JSONType, default=list)
    source_name: Mapped[str | None] = mapped_column(String(200), nullable=True, index=True)
    # The active model's verdict, copied from `scores` so the queue needs no join.
    hoax_score: Mapped[float | None] = mapped_column(Float, nullable=True)
    flagged: Mapped[bool] = mapped_column(Boolean, default=False)
    priority: Mapped[float] = mapped_column(Float, default=0.0)
    scored_version: Mapped[str | None] = mapped_column(String(100), nullable=True)
    matched_claim_id: Mapped[int | None] = mapped_column(ForeignKey("known_claims.id"), nullable=True)
    narrative_id: Mapped[int | None] = mapped_column(ForeignKey("narratives.id"), nullable=True)
    # Triage state; every change also writes a TriageEvent. triage_version guards against lost updates.
    triage_status: Mapped[str | None] = mapped_column(String(40), nullable=True)
    assigned_to: Mapped[str | None] = mapped_column(String(100), nullable=True)
    escalated_to: Mapped[str | None] = mapped_column(String(40), nullable=True)
    triage_version: Mapped[int] = mapped_column(Integer, default=0)
    flagged_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # The case (migration 0007): the verdict, Bawaslu's violation finding, the agency holding the item now
    # and every agency it was escalated to are separate fields, so escalating never erases a verdict.
    # triage_status is then the workflow stage only: new, in_review, decided, escalated, closed.
    verdict: Mapped[str | None] = mapped_column(String(20), nullable=True)
    violation: Mapped[bool] = mapped_column(Boolean, server_default=false())  # no Python default: bulk.py
    holder: Mapped[str | None] = mapped_column(String(20), nullable=True)
    escalation_chain: Mapped[list[str] | None] = mapped_column(JSONType, nullable=True)


class NarrativeMember(Base):
    """How a post joined its narrative, with the MinHash signature the duplicate index is rebuilt from."""

    __tablename__ = "narrative_members"

    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"), primary_key=True)
    narrative_id: Mapped[int] = mapped_column(ForeignKey("narratives.id", ondelete="CASCADE"), index=True)
    method: Mapped[str] = mapped_column(String(20))  # new | duplicate | similar | claim
    similarity: Mapped[float | None] = mapped_column(Float, nullable=True)
    signature: Mapped[bytes] = mapped_column(LargeBinary)  # MinHash values, uint32 little-endian
    assigned_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Score(Base):
    """One model version's verdict on one post (kept for every version, for comparison)."""

    __tablename__ = "scores"
    __table_args__ = (UniqueConstraint("post_id", "model_version", name="uq_scores_post_model"),)

    id: Mapped[int] = mapped_column(BigID, primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"), index=True)
    model_version: Mapped[str] = mapped_column(String(100))
    score: Mapped[float] = mapped_column(Float)
    flagged: Mapped[bool] = mapped_column(Boolean)
    reasons: Mapped[list[str]] = mapped_column(JSONType, default=list)
    matched_claim_id: Mapped[int | None] = mapped_column(ForeignKey("known_claims.id"), nullable=True)
    claim_similarity: Mapped[float | None] = mapped_column(Float, nullable=True)
    claim_status: Mapped[str | None] = mapped_column(String(20), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class User(Base):
    """An officer or analyst who may log in to the dashboard."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(100), unique=True)
    display_name: Mapped[str | None] = mapped_column(String(200), nullable=True)
    role: Mapped[str] = mapped_column(String(20))
    password_hash: Mapped[str] = mapped_column(Text)
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class TriageEvent(Base):
    """Append-only audit trail: who did what to which item, with the state before and after.

    Database triggers refuse UPDATE and DELETE (migration 0001), SQLite's INSERT OR REPLACE and PostgreSQL's
    TRUNCATE (migration 0004) on this table."""

    __tablename__ = "triage_events"
    __table_args__ = (Index("ix_triage_events_created_at", "created_at"),)

    id: Mapped[int] = mapped_column(BigID, primary_key=True)
    post_id: Mapped[int | None] = mapped_column(ForeignKey("posts.id"), nullable=True, index=True)
    narrative_id: Mapped[int | None] = mapped_column(ForeignKey("narratives.id"), nullable=True, index=True)
    actor: Mapped[str] = mapped_column(String(100), index=True)
    role: Mapped[str | None] = mapped_column(String(20), nullable=True)
    action: Mapped[str] = mapped_column(String(40), index=True)
    note: Mapped[str | None] = mapped_column(Text, nullable=True)
    before: Mapped[dict[str, Any] | None] = mapped_column(JSONType, nullable=True)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSONType, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ModelVersion(Base):
    """A trained classifier version; exactly one is active."""

    __tablename__ = "model_versions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version: Mapped[str] = mapped_column(String(100), unique=True)
    path: Mapped[str] = mapped_column(Text)
    card: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    active: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    promoted_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    promoted_by: Mapped[str | None] = mapped_column(String(100), nullable=True)


class Alert(Base):
    """A fired alert (a spike of a topic or narrative); `key` makes the same spike alert once."""

    __tablename__ = "alerts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(300), unique=True)
    rule: Mapped[str] = mapped_column(String(100))
    topic: Mapped[str | None] = mapped_column(String(40), nullable=True)
    narrative_id: Mapped[int | None] = mapped_column(ForeignKey("narratives.id"), nullable=True)
    window_start: Mapped[datetime] = mapped_column(UTCDateTime)
    observed: Mapped[int] = mapped_column(Integer)
    expected: Mapped[float] = mapped_column(Float)
    message: Mapped[str] = mapped_column(Text)
    payload: Mapped[dict[str, Any] | None] = mapped_column(JSONType, nullable=True)
    fired_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)


class AlertDelivery(Base):
    """One attempt-tracked delivery of an alert to one channel."""

    __tablename__ = "alert_deliveries"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    alert_id: Mapped[int] = mapped_column(ForeignKey("alerts.id", ondelete="CASCADE"), index=True)
    channel: Mapped[str] = mapped_column(String(40))
    target: Mapped[str | None] = mapped_column(Text, nullable=True)
    status: Mapped[str] = mapped_column(String(20), default="pending")  # pending | sent | failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class SourceTarget(Base):
    """Health of one target of a source (a channel, account, hashtag, query, video or feed URL).

    Each target is collected and reported on its own, so one renamed channel shows here as failing while
    the source's other targets stay ok. `retry_at` holds a rate-limited target back until then.
    """

    __tablename__ = "source_targets"
    __table_args__ = (UniqueConstraint("source_name", "target"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source_name: Mapped[str] = mapped_column(String(100), index=True)
    target: Mapped[str] = mapped_column(String(500))
    last_run_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    last_success_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    last_error_kind: Mapped[str | None] = mapped_column(String(40), nullable=True)
    last_error_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    consecutive_failures: Mapped[int] = mapped_column(Integer, default=0)
    items_last_run: Mapped[int] = mapped_column(Integer, default=0)
    posts_total: Mapped[int] = mapped_column(BigInteger, default=0)
    retry_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class EvidencePacket(Base):
    """One link of the evidence hash chain: a frozen packet of an item, or the release of an earlier one.

    `manifest` holds the manifest's exact bytes (UTF-8 JSON); `manifest_sha256` is their hash and the next
    link's `previous_sha256`. The unique `seq` and `previous_sha256` keep the chain a single line (two
    freezes racing for the same head: one fails and retries). Triggers (migration 0008) refuse UPDATE and
    DELETE: a release is a new link, never an edit."""

    __tablename__ = "evidence_packets"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, unique=True)
    kind: Mapped[str] = mapped_column(String(20))  # packet | release
    post_id: Mapped[int | None] = mapped_column(ForeignKey("posts.id"), nullable=True, index=True)
    # For a release link: the seq of the packet whose files were deleted.
    releases_seq: Mapped[int | None] = mapped_column(Integer, nullable=True, unique=True)
    manifest: Mapped[str] = mapped_column(Text)
    manifest_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    previous_sha256: Mapped[str | None] = mapped_column(String(64), nullable=True, unique=True)
    actor: Mapped[str] = mapped_column(String(100))
    role: Mapped[str | None] = mapped_column(String(20), nullable=True)
    trigger: Mapped[str] = mapped_column(String(40))  # escalation | on_demand | release
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class NarrativeResponse(Base):
    """A grouped post that is not a member: a debunk, news or official post answering a narrative, or a post
    that found no narrative (kind "none"). Members live in `narrative_members`; a post is in one or the other,
    and being in either means grouping is done with it (a killed run resumes with the rest)."""

    __tablename__ = "narrative_responses"

    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"), primary_key=True)
    narrative_id: Mapped[int | None] = mapped_column(
        ForeignKey("narratives.id", ondelete="SET NULL"), nullable=True, index=True
    )
    kind: Mapped[str] = mapped_column(String(20))  # debunk | news | official | none
    similarity: Mapped[float | None] = mapped_column(Float, nullable=True)
    linked_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class LoginSessionRecord(Base):
    """A dashboard login carried by a browser cookie; only the SHA-256 of its random token is stored.

    It ends at `expires_at`, after the idle timeout (`last_seen_at`), or when revoked (logout, password
    change, account disabled)."""

    __tablename__ = "login_sessions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    username: Mapped[str] = mapped_column(String(100), index=True)
    client: Mapped[str | None] = mapped_column(String(100), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class LoginAttempt(Base):
    """One login attempt, kept to throttle guessing per account and per client address."""

    __tablename__ = "login_attempts"
    __table_args__ = (
        Index("ix_login_attempts_username_at", "username", "created_at"),
        Index("ix_login_attempts_client_at", "client", "created_at"),
    )

    id: Mapped[int] = mapped_column(BigID, primary_key=True)
    username: Mapped[str] = mapped_column(String(100))
    client: Mapped[str | None] = mapped_column(String(100), nullable=True)
    ok: Mapped[bool] = mapped_column(Boolean)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


# -- the citizen tipline (issue 17) -------------------------------------------------------------------------
class TiplineChannel(Base):
    """A tipline channel's saved position (Telegram's update offset), committed with what it covers."""

    __tablename__ = "tipline_channels"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    cursor: Mapped[dict[str, Any] | None] = mapped_column(JSONType, nullable=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class TipAsker(Base):
    """A citizen who wrote to the tipline, known only by a keyed hash of their chat id.

    `address` (the chat id, encrypted) is kept only while they agree to receive verdicts (/mulai)."""

    __tablename__ = "tip_askers"
    __table_args__ = (UniqueConstraint("channel", "pseudonym", name="uq_tip_askers_channel_pseudonym"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    channel: Mapped[str] = mapped_column(String(20))
    pseudonym: Mapped[str] = mapped_column(String(64))
    address: Mapped[str | None] = mapped_column(Text, nullable=True)
    consented_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)


class Tip(Base):
    """One message a citizen sent: how it was answered, and (unknown ones) the queued post it joined.

    Identical tips share one post (platform "tipline", native id = text hash); the number of distinct
    askers of a post is its demand. (asker, message_ref) is unique: a message is never answered twice."""

    __tablename__ = "tips"
    __table_args__ = (UniqueConstraint("asker_id", "message_ref", name="uq_tips_asker_id_message_ref"),)

    id: Mapped[int] = mapped_column(BigID, primary_key=True)
    asker_id: Mapped[int] = mapped_column(ForeignKey("tip_askers.id", ondelete="CASCADE"), index=True)
    message_ref: Mapped[str] = mapped_column(String(100))
    post_id: Mapped[int | None] = mapped_column(ForeignKey("posts.id", ondelete="SET NULL"), index=True)
    text_hash: Mapped[str] = mapped_column(String(40), index=True)
    kind: Mapped[str] = mapped_column(String(20))  # debunk | fact | decided | dpt | queued
    matched_claim_id: Mapped[int | None] = mapped_column(ForeignKey("known_claims.id"), nullable=True)
    notify: Mapped[bool] = mapped_column(Boolean, default=False)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    verdict_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class TipReply(Base):
    """The tipline's outbox: every message to a citizen is written here first, then sent once.

    pending → sending → sent; a send that fails goes back to pending with a later `next_attempt_at`, a
    process that stops mid-send leaves `sending`, which is never retried (never answer anyone twice)."""

    __tablename__ = "tip_replies"
    __table_args__ = (
        Index("ix_tip_replies_status_next", "status", "next_attempt_at"),
        Index("ix_tip_replies_asker_message", "asker_id", "message_ref"),
    )

    id: Mapped[int] = mapped_column(BigID, primary_key=True)
    asker_id: Mapped[int] = mapped_column(ForeignKey("tip_askers.id", ondelete="CASCADE"))
    tip_id: Mapped[int | None] = mapped_column(ForeignKey("tips.id", ondelete="CASCADE"), nullable=True)
    message_ref: Mapped[str | None] = mapped_column(String(100), nullable=True)  # the message it answers
    channel: Mapped[str] = mapped_column(String(20))
    address: Mapped[str] = mapped_column(Text)  # encrypted chat id
    kind: Mapped[str] = mapped_column(String(20))  # answer | verdict | command | throttle
    text: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(12), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class BeatEntry(Base):
    """When `monitor beat` last enqueued one schedule entry: a restarted (or second) beat reads it and
    never enqueues the same slot twice (see monitor.store.claiming.claim_beat_slot)."""

    __tablename__ = "beat_entries"

    name: Mapped[str] = mapped_column(String(200), primary_key=True)
    task: Mapped[str] = mapped_column(String(200))
    last_enqueued_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    enqueued_count: Mapped[int] = mapped_column(Integer, default=0)
    enqueued_by: Mapped[str | None] = mapped_column(String(300), nullable=True)

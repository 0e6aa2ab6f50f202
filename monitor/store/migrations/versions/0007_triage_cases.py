"""triage cases (verdict, violation, holder, escalation chain), login sessions and login attempts

Before this revision one column, posts.triage_status, held the verdict AND the escalation: escalating a
post marked "hoax" overwrote it with "escalated". The data step splits every existing row into the case
fields without losing history: a verdict overwritten by an escalation, a violation or a close is recovered
from the append-only audit log (the last hoax / not_hoax / needs_check event of the post), and the
escalation chain is rebuilt from the escalation events in order. The audit log itself is not touched.

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

VERDICT_ACTIONS = ("hoax", "not_hoax", "needs_check")
BATCH = 1000


def case_of(
    status: str | None,
    escalated_to: str | None,
    last_verdict: str | None,
    chain: list[str],
    violation_event: bool,
) -> dict[str, Any]:
    """The case fields of one post under the old single-status scheme (pure; tested on its own)."""
    if status is None:
        return {"triage_status": None, "verdict": None, "violation": False, "holder": None, "chain": None}
    verdict = last_verdict
    if status in VERDICT_ACTIONS:
        verdict = status
    violation = status == "violation" or violation_event
    if escalated_to and escalated_to not in chain:
        chain = [*chain, escalated_to]
    if status in ("hoax", "not_hoax"):
        stage = "decided"
    elif status == "needs_check":
        stage = "in_review"
    elif status == "violation":
        stage = "escalated" if escalated_to else "decided"
    else:  # new, in_review, escalated, closed keep their stage
        stage = status
    return {
        "triage_status": stage,
        "verdict": verdict,
        "violation": violation,
        "holder": escalated_to or "kpu",
        "chain": chain or None,
    }


def _history(bind: sa.Connection) -> tuple[dict[int, str], dict[int, list[str]], set[int]]:
    events = sa.table(
        "triage_events",
        sa.column("id", sa.Integer),
        sa.column("post_id", sa.Integer),
        sa.column("action", sa.String),
        sa.column("after", sa.JSON),
    )
    verdicts: dict[int, str] = {}
    chains: dict[int, list[str]] = {}
    violations: set[int] = set()
    query = (
        sa.select(events.c.post_id, events.c.action, events.c.after)
        .where(events.c.post_id.is_not(None))
        .where(events.c.action.in_((*VERDICT_ACTIONS, "violation", "escalate_bawaslu", "escalate_polri")))
        .order_by(events.c.id)
    )
    for post_id, action, _after in bind.execute(query):
        if action in VERDICT_ACTIONS:
            verdicts[post_id] = action
        elif action == "violation":
            violations.add(post_id)
        else:
            target = action.removeprefix("escalate_")
            chain = chains.setdefault(post_id, [])
            if target not in chain:
                chain.append(target)
    return verdicts, chains, violations


def upgrade() -> None:
    op.add_column("posts", sa.Column("verdict", sa.String(length=20), nullable=True))
    op.add_column("posts", sa.Column("violation", sa.Boolean(), server_default=sa.false(), nullable=False))
    op.add_column("posts", sa.Column("holder", sa.String(length=20), nullable=True))
    op.add_column(
        "posts",
        sa.Column(
            "escalation_chain",
            sa.JSON().with_variant(JSONB(), "postgresql"),
            nullable=True,
        ),
    )
    op.create_table(
        "login_sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("username", sa.String(length=100), nullable=False),
        sa.Column("client", sa.String(length=100), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_login_sessions")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_login_sessions_token_hash")),
    )
    op.create_index(op.f("ix_login_sessions_username"), "login_sessions", ["username"], unique=False)
    op.create_table(
        "login_attempts",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("username", sa.String(length=100), nullable=False),
        sa.Column("client", sa.String(length=100), nullable=True),
        sa.Column("ok", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_login_attempts")),
    )
    op.create_index("ix_login_attempts_username_at", "login_attempts", ["username", "created_at"])
    op.create_index("ix_login_attempts_client_at", "login_attempts", ["client", "created_at"])
    _split_cases()


def _split_cases() -> None:
    bind = op.get_bind()
    posts = sa.table(
        "posts",
        sa.column("id", sa.Integer),
        sa.column("triage_status", sa.String),
        sa.column("escalated_to", sa.String),
        sa.column("verdict", sa.String),
        sa.column("violation", sa.Boolean),
        sa.column("holder", sa.String),
        sa.column("escalation_chain", sa.JSON().with_variant(JSONB(), "postgresql")),
    )
    verdicts, chains, violations = _history(bind)
    rows = bind.execute(
        sa.select(posts.c.id, posts.c.triage_status, posts.c.escalated_to)
        .where(posts.c.triage_status.is_not(None))
        .order_by(posts.c.id)
    ).all()
    statement = (
        sa.update(posts)
        .where(posts.c.id == sa.bindparam("b_id"))
        .values(
            triage_status=sa.bindparam("b_status"),
            verdict=sa.bindparam("b_verdict"),
            violation=sa.bindparam("b_violation"),
            holder=sa.bindparam("b_holder"),
            escalation_chain=sa.bindparam("b_chain"),
        )
    )
    for start in range(0, len(rows), BATCH):
        params = []
        for post_id, status, escalated_to in rows[start : start + BATCH]:
            case = case_of(
                status,
                escalated_to,
                verdicts.get(post_id),
                list(chains.get(post_id, [])),
                post_id in violations,
            )
            params.append(
                {
                    "b_id": post_id,
                    "b_status": case["triage_status"],
                    "b_verdict": case["verdict"],
                    "b_violation": case["violation"],
                    "b_holder": case["holder"],
                    "b_chain": case["chain"],
                }
            )
        bind.execute(statement, params)


def downgrade() -> None:
    """Folds the case back into one status (the verdict wins over "decided"; escalation over verdict)."""
    bind = op.get_bind()
    posts = sa.table(
        "posts",
        sa.column("triage_status", sa.String),
        sa.column("verdict", sa.String),
        sa.column("violation", sa.Boolean),
    )
    bind.execute(
        sa.update(posts)
        .where(posts.c.triage_status.in_(("decided", "in_review")), posts.c.verdict.is_not(None))
        .values(triage_status=posts.c.verdict)
    )
    bind.execute(
        sa.update(posts)
        .where(posts.c.triage_status == "decided", posts.c.violation.is_(True))
        .values(triage_status="violation")
    )
    op.drop_index("ix_login_attempts_client_at", table_name="login_attempts")
    op.drop_index("ix_login_attempts_username_at", table_name="login_attempts")
    op.drop_table("login_attempts")
    op.drop_index(op.f("ix_login_sessions_username"), table_name="login_sessions")
    op.drop_table("login_sessions")
    with op.batch_alter_table("posts", schema=None) as batch_op:
        batch_op.drop_column("escalation_chain")
        batch_op.drop_column("holder")
        batch_op.drop_column("violation")
        batch_op.drop_column("verdict")

"""citizen tipline: channels' positions, pseudonymous askers, tips and the reply outbox

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-30 09:16:43.483874
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "tip_askers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("pseudonym", sa.String(length=64), nullable=False),
        sa.Column("address", sa.Text(), nullable=True),
        sa.Column("consented_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tip_askers")),
        sa.UniqueConstraint("channel", "pseudonym", name="uq_tip_askers_channel_pseudonym"),
    )
    with op.batch_alter_table("tip_askers", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_tip_askers_last_seen_at"), ["last_seen_at"], unique=False)

    op.create_table(
        "tipline_channels",
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column(
            "cursor",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_tipline_channels")),
    )
    op.create_table(
        "tips",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("asker_id", sa.Integer(), nullable=False),
        sa.Column("message_ref", sa.String(length=100), nullable=False),
        sa.Column("post_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("text_hash", sa.String(length=40), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("matched_claim_id", sa.Integer(), nullable=True),
        sa.Column("notify", sa.Boolean(), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("verdict_sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["asker_id"], ["tip_askers.id"], name=op.f("fk_tips_asker_id_tip_askers"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["matched_claim_id"], ["known_claims.id"], name=op.f("fk_tips_matched_claim_id_known_claims")
        ),
        sa.ForeignKeyConstraint(
            ["post_id"], ["posts.id"], name=op.f("fk_tips_post_id_posts"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tips")),
        sa.UniqueConstraint("asker_id", "message_ref", name="uq_tips_asker_id_message_ref"),
    )
    with op.batch_alter_table("tips", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_tips_asker_id"), ["asker_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_tips_post_id"), ["post_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_tips_received_at"), ["received_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_tips_text_hash"), ["text_hash"], unique=False)

    op.create_table(
        "tip_replies",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("asker_id", sa.Integer(), nullable=False),
        sa.Column("tip_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("message_ref", sa.String(length=100), nullable=True),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("address", sa.Text(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["asker_id"],
            ["tip_askers.id"],
            name=op.f("fk_tip_replies_asker_id_tip_askers"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tip_id"], ["tips.id"], name=op.f("fk_tip_replies_tip_id_tips"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tip_replies")),
    )
    with op.batch_alter_table("tip_replies", schema=None) as batch_op:
        batch_op.create_index("ix_tip_replies_asker_message", ["asker_id", "message_ref"], unique=False)
        batch_op.create_index("ix_tip_replies_status_next", ["status", "next_attempt_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("tip_replies", schema=None) as batch_op:
        batch_op.drop_index("ix_tip_replies_status_next")
        batch_op.drop_index("ix_tip_replies_asker_message")

    op.drop_table("tip_replies")
    with op.batch_alter_table("tips", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_tips_text_hash"))
        batch_op.drop_index(batch_op.f("ix_tips_received_at"))
        batch_op.drop_index(batch_op.f("ix_tips_post_id"))
        batch_op.drop_index(batch_op.f("ix_tips_asker_id"))

    op.drop_table("tips")
    op.drop_table("tipline_channels")
    with op.batch_alter_table("tip_askers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_tip_askers_last_seen_at"))

    op.drop_table("tip_askers")

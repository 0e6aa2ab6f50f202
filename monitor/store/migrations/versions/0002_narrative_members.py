"""narrative members (MinHash signatures) and the centroid's vector space

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28 05:10:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("narratives", schema=None) as batch_op:
        batch_op.add_column(sa.Column("centroid_model", sa.String(length=200), nullable=True))

    op.create_table(
        "narrative_members",
        sa.Column("post_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("narrative_id", sa.Integer(), nullable=False),
        sa.Column("method", sa.String(length=20), nullable=False),
        sa.Column("similarity", sa.Float(), nullable=True),
        sa.Column("signature", sa.LargeBinary(), nullable=False),
        sa.Column("assigned_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["narrative_id"],
            ["narratives.id"],
            name=op.f("fk_narrative_members_narrative_id_narratives"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["post_id"], ["posts.id"], name=op.f("fk_narrative_members_post_id_posts"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("post_id", name=op.f("pk_narrative_members")),
    )
    with op.batch_alter_table("narrative_members", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_narrative_members_narrative_id"), ["narrative_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("narrative_members", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_narrative_members_narrative_id"))
    op.drop_table("narrative_members")
    with op.batch_alter_table("narratives", schema=None) as batch_op:
        batch_op.drop_column("centroid_model")

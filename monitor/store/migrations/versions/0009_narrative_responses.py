"""narrative responses

Debunks, news and official posts answer a narrative without being its members; posts that found no narrative
are recorded too, so that grouping progress is derivable from the database alone.

Revision ID: 0009
Revises: 0008
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "narrative_responses",
        sa.Column("post_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("narrative_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("similarity", sa.Float(), nullable=True),
        sa.Column("linked_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["narrative_id"],
            ["narratives.id"],
            name=op.f("fk_narrative_responses_narrative_id_narratives"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["post_id"], ["posts.id"], name=op.f("fk_narrative_responses_post_id_posts"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("post_id", name=op.f("pk_narrative_responses")),
    )
    with op.batch_alter_table("narrative_responses", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_narrative_responses_narrative_id"), ["narrative_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("narrative_responses", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_narrative_responses_narrative_id"))
    op.drop_table("narrative_responses")

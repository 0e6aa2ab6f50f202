"""trend indexes

The Tren page's post-date charts read every post of a range (~500k for 30 days at 1M posts): one grouped
query over (day, platform, flagged, topics) served by a covering index reads the index alone. Its
decision charts and default range search posts by `decided_at`, which had no index.

Revision ID: 0012
Revises: 0011
"""

from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("posts", schema=None) as batch_op:
        batch_op.create_index("ix_posts_trend", ["created_at", "platform", "flagged", "topics"], unique=False)
        batch_op.create_index("ix_posts_decided_at", ["decided_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("posts", schema=None) as batch_op:
        batch_op.drop_index("ix_posts_decided_at")
        batch_op.drop_index("ix_posts_trend")

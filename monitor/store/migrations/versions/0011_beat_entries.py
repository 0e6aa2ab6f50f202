"""beat entries

`monitor beat` (distributed mode) records when it last enqueued each schedule entry, so a restarted beat
continues the rhythm instead of enqueueing everything again, and two beats never both enqueue one slot.

Revision ID: 0011
Revises: 0010
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "beat_entries",
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("task", sa.String(length=200), nullable=False),
        sa.Column("last_enqueued_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("enqueued_count", sa.Integer(), nullable=False),
        sa.Column("enqueued_by", sa.String(length=300), nullable=True),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_beat_entries")),
    )


def downgrade() -> None:
    op.drop_table("beat_entries")

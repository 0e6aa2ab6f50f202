"""queue priority index

The triage queue is read most urgent first; with a topic, platform, date or escalation filter the database
walks flagged posts in priority order and stops after one page, instead of sorting every flagged post.

Revision ID: 0003
Revises: 0002
"""

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("posts", schema=None) as batch_op:
        batch_op.create_index("ix_posts_queue_priority", ["flagged", "priority", "id"], unique=False)
    if op.get_bind().dialect.name == "postgresql":
        # triage_status and escalated_to are set only on flagged posts; without these statistics PostgreSQL
        # multiplies the selectivities as if independent, underestimates the queue twentyfold and sorts it.
        op.execute(
            "CREATE STATISTICS st_posts_queue (dependencies, mcv) "
            "ON flagged, triage_status, escalated_to FROM posts"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP STATISTICS IF EXISTS st_posts_queue")
    with op.batch_alter_table("posts", schema=None) as batch_op:
        batch_op.drop_index("ix_posts_queue_priority")

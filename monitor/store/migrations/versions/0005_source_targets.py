"""per-target source health, run heartbeats, config's last on/off

Each target of a source (channel, account, hashtag, feed URL) gets its own health row; collection runs get
a heartbeat so a run killed mid-way can be closed as crashed; sources remember the config file's `enabled`
as last seen, so the database flag stays the one switch while an edit of the file still counts.

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "source_targets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source_name", sa.String(length=100), nullable=False),
        sa.Column("target", sa.String(length=500), nullable=False),
        sa.Column("last_run_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_success_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("last_error_kind", sa.String(length=40), nullable=True),
        sa.Column("last_error_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("consecutive_failures", sa.Integer(), nullable=False),
        sa.Column("items_last_run", sa.Integer(), nullable=False),
        sa.Column("posts_total", sa.BigInteger(), nullable=False),
        sa.Column("retry_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_source_targets")),
        sa.UniqueConstraint("source_name", "target", name=op.f("uq_source_targets_source_name")),
    )
    with op.batch_alter_table("source_targets", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_source_targets_source_name"), ["source_name"], unique=False)
    with op.batch_alter_table("ingest_runs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("heartbeat_at", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("sources", schema=None) as batch_op:
        batch_op.add_column(sa.Column("config_enabled", sa.Boolean(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("sources", schema=None) as batch_op:
        batch_op.drop_column("config_enabled")
    with op.batch_alter_table("ingest_runs", schema=None) as batch_op:
        batch_op.drop_column("heartbeat_at")
    with op.batch_alter_table("source_targets", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_source_targets_source_name"))
    op.drop_table("source_targets")

"""evidence packets: the hash chain of frozen evidence (issue 16)

Revision ID: 0008
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0006"
branch_labels = None
depends_on = None

APPEND_ONLY_MESSAGE = "evidence_packets is append-only"


def upgrade() -> None:
    op.create_table(
        "evidence_packets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("post_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("releases_seq", sa.Integer(), nullable=True),
        sa.Column("manifest", sa.Text(), nullable=False),
        sa.Column("manifest_sha256", sa.String(length=64), nullable=False),
        sa.Column("previous_sha256", sa.String(length=64), nullable=True),
        sa.Column("actor", sa.String(length=100), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=True),
        sa.Column("trigger", sa.String(length=40), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["post_id"], ["posts.id"], name=op.f("fk_evidence_packets_post_id_posts")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_evidence_packets")),
        sa.UniqueConstraint("manifest_sha256", name=op.f("uq_evidence_packets_manifest_sha256")),
        sa.UniqueConstraint("previous_sha256", name=op.f("uq_evidence_packets_previous_sha256")),
        sa.UniqueConstraint("releases_seq", name=op.f("uq_evidence_packets_releases_seq")),
        sa.UniqueConstraint("seq", name=op.f("uq_evidence_packets_seq")),
    )
    with op.batch_alter_table("evidence_packets", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_evidence_packets_post_id"), ["post_id"], unique=False)
    # The chain is append-only in the database itself, like the audit trail.
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE FUNCTION evidence_packets_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ "
            f"BEGIN RAISE EXCEPTION '{APPEND_ONLY_MESSAGE}'; END $$"
        )
        op.execute(
            "CREATE TRIGGER evidence_packets_no_change BEFORE UPDATE OR DELETE ON evidence_packets "
            "FOR EACH ROW EXECUTE FUNCTION evidence_packets_append_only()"
        )
    else:
        for verb in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER evidence_packets_no_{verb.lower()} BEFORE {verb} ON evidence_packets "
                f"BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY_MESSAGE}'); END"
            )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS evidence_packets_no_change ON evidence_packets")
        op.execute("DROP FUNCTION IF EXISTS evidence_packets_append_only()")
    else:
        op.execute("DROP TRIGGER IF EXISTS evidence_packets_no_update")
        op.execute("DROP TRIGGER IF EXISTS evidence_packets_no_delete")
    with op.batch_alter_table("evidence_packets", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_evidence_packets_post_id"))
    op.drop_table("evidence_packets")

"""known claims: kind (false/true/other), language, appearances, the ClaimReview, updated_at

Claims now come from `monitor claims import` (JSONL and schema.org ClaimReview) as well as from the seed
and fact-checker feeds. Only false verdicts are debunks; true facts and clarifications are kept too, so
each row says which kind it is. Existing rows get their kind from their verdict.

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

_JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
# The same vocabulary as monitor/text/verdicts.py at the time of this revision (canonical verdicts).
_TRUE = ("benar",)
_OTHER = ("klarifikasi", "berita", "satire")


def upgrade() -> None:
    with op.batch_alter_table("known_claims", schema=None) as batch_op:
        batch_op.add_column(sa.Column("kind", sa.String(length=10), server_default="false", nullable=False))
        batch_op.add_column(sa.Column("language", sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column("appearances", _JSON, nullable=True))
        batch_op.add_column(sa.Column("review", _JSON, nullable=True))
        batch_op.add_column(sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index(batch_op.f("ix_known_claims_kind"), ["kind"], unique=False)
    claims = sa.table("known_claims", sa.column("verdict", sa.String), sa.column("kind", sa.String))
    op.execute(claims.update().where(sa.func.lower(claims.c.verdict).in_(_TRUE)).values(kind="true"))
    op.execute(claims.update().where(sa.func.lower(claims.c.verdict).in_(_OTHER)).values(kind="other"))


def downgrade() -> None:
    with op.batch_alter_table("known_claims", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_known_claims_kind"))
        batch_op.drop_column("updated_at")
        batch_op.drop_column("review")
        batch_op.drop_column("appearances")
        batch_op.drop_column("language")
        batch_op.drop_column("kind")

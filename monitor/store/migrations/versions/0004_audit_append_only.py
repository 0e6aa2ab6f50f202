"""audit log append-only against every statement

Migration 0001 refused UPDATE and DELETE on `triage_events`. Two statements still rewrote the trail:

- SQLite `INSERT OR REPLACE` (and `REPLACE INTO`) deletes the conflicting row without firing delete
  triggers (unless `recursive_triggers` is on), then inserts the new one. A `BEFORE INSERT` trigger that
  refuses an insert whose id is already taken closes it. (An upsert `ON CONFLICT DO UPDATE` fires the
  update trigger, already refused.)
- PostgreSQL `TRUNCATE` fires no row triggers; a statement-level `BEFORE TRUNCATE` trigger refuses it.

It also drops `apscheduler_jobs`, which APScheduler's SQLAlchemy job store created at run time (never a
migration): it held pickled jobs, and unpickling a row planted there ran code. `monitor run` now keeps
its jobs in memory, rebuilt from the configuration at each start, so the table holds nothing of value.

Revision ID: 0004
Revises: 0003
"""

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

APPEND_ONLY_MESSAGE = "triage_events is append-only"


def upgrade() -> None:
    op.execute("DROP TABLE IF EXISTS apscheduler_jobs")
    if op.get_bind().dialect.name == "postgresql":
        # The function of migration 0001 raises for any trigger; it serves the statement trigger as well.
        op.execute(
            "CREATE TRIGGER triage_events_no_truncate BEFORE TRUNCATE ON triage_events "
            "FOR EACH STATEMENT EXECUTE FUNCTION triage_events_append_only()"
        )
    else:
        op.execute(
            "CREATE TRIGGER triage_events_no_replace BEFORE INSERT ON triage_events "
            "WHEN EXISTS (SELECT 1 FROM triage_events WHERE id = NEW.id) "
            f"BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY_MESSAGE}'); END"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS triage_events_no_truncate ON triage_events")
    else:
        op.execute("DROP TRIGGER IF EXISTS triage_events_no_replace")

"""Storage: SQLAlchemy schema, sessions, migrations and queries (foundations floor)."""

from monitor.store.db import Database, DatabaseNotInitialised

__all__ = ["Database", "DatabaseNotInitialised"]

"""Alembic environment: runs on the connection `Database.upgrade` hands over, or on the configured URL."""

from alembic import context
from sqlalchemy import create_engine

from monitor.store.schema import Base

config = context.config
target_metadata = Base.metadata
# Tables other libraries keep in our database (APScheduler's job store); not ours to migrate.
FOREIGN_TABLES = {"apscheduler_jobs"}


def include_object(obj: object, name: str | None, type_: str, reflected: bool, compare_to: object) -> bool:
    return not (type_ == "table" and name in FOREIGN_TABLES)


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=True,
            include_object=include_object,
        )
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = create_engine(config.get_main_option("sqlalchemy.url"))
    with engine.begin() as conn:
        context.configure(
            connection=conn,
            target_metadata=target_metadata,
            render_as_batch=True,
            include_object=include_object,
        )
        with context.begin_transaction():
            context.run_migrations()


run_migrations_online()

"""Alembic environment for AsyncOps Desktop.

The app passes its open connection through ``config.attributes["connection"]`` (a ``%`` in
a URL would break ``set_main_option``). Run from the alembic CLI, the URL comes from
``ASYNCOPS_DATABASE_URL`` or the embedded default.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy.engine import Connection

from asyncops_desktop.db import create_db_engine, resolve_database_url
from asyncops_desktop.domain.models import Base
from asyncops_desktop.migrate import include_object

config = context.config
target_metadata = Base.metadata


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        include_object=include_object,
        compare_type=True,
        transaction_per_migration=False,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    """Run migrations on the app's connection, or on one opened here."""
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = create_db_engine(resolve_database_url(None))
    with engine.connect() as conn:
        _run(conn)
    engine.dispose()


if context.is_offline_mode():
    raise SystemExit("Offline SQL generation is not supported: run against a database.")
run_migrations_online()

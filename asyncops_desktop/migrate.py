"""Schema migrations: upgrade, downgrade, current revision, drift check, backup before upgrade.

Rules the app keeps:
- a database migrated by a newer app is refused, never touched;
- a SQLite file with data is backed up (SQLite backup API, dated ``.bak`` beside it) before
  it is upgraded, and the whole upgrade runs in one transaction;
- on PostgreSQL a transaction-scoped advisory lock serialises clients upgrading at once.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util.exc import CommandError
from sqlalchemy import Engine, MetaData, inspect
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError, SQLAlchemyError

from asyncops_desktop.db import (
    Database,
    check_sqlite_file,
    describe_error,
    mask_url,
    sqlite_path,
)
from asyncops_desktop.dialect import is_unmapped_object, missing_objects
from asyncops_desktop.domain.errors import (
    DatabaseUnavailable,
    MigrationFailed,
    SchemaTooNew,
    SchemaTooOld,
)

# Any constant shared by every client; pg_advisory_xact_lock takes a bigint.
ADVISORY_LOCK_KEY = 0x4153594E_4F505321 & 0x7FFF_FFFF_FFFF_FFFF


def migrations_dir() -> Path:
    """Where the Alembic scripts are: inside the package when installed, else the repo root."""
    here = Path(__file__).resolve().parent
    for candidate in (here / "migrations", here.parent / "migrations"):
        if (candidate / "env.py").is_file():
            return candidate
    raise MigrationFailed(f"The migration scripts are missing (looked beside {here}).")


def alembic_config(
    connection: Connection | None = None, script_location: Path | None = None
) -> Config:
    """An Alembic config pointing at our scripts, carrying ``connection`` if given."""
    config = Config()
    config.set_main_option("script_location", str(script_location or migrations_dir()))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def script_directory(script_location: Path | None = None) -> ScriptDirectory:
    """The revision scripts."""
    return ScriptDirectory.from_config(alembic_config(script_location=script_location))


def head_revision(script_location: Path | None = None) -> str:
    """The newest revision this app knows."""
    head = script_directory(script_location).get_current_head()
    if head is None:
        raise MigrationFailed("No migration revisions were found.")
    return head


def include_object(
    obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any
) -> bool:
    """Leave out of schema comparison what only the migrations create (full-text search)."""
    return not is_unmapped_object(name)


class SchemaStatus(StrEnum):
    """How a database's schema relates to this app."""

    EMPTY = "empty"
    CURRENT = "current"
    OLDER = "older"
    NEWER = "newer"


@dataclass(frozen=True)
class SchemaState:
    """The revision a database is at, the app's head, and how they relate."""

    current: str | None
    head: str
    status: SchemaStatus


def _state_of(conn: Connection, script_location: Path | None = None) -> SchemaState:
    scripts = script_directory(script_location)
    head = head_revision(script_location)
    current = MigrationContext.configure(conn).get_current_revision()
    if current is None:
        return SchemaState(None, head, SchemaStatus.EMPTY)
    if current == head:
        return SchemaState(current, head, SchemaStatus.CURRENT)
    try:
        scripts.get_revision(current)
    except CommandError:
        return SchemaState(current, head, SchemaStatus.NEWER)
    return SchemaState(current, head, SchemaStatus.OLDER)


def schema_state(engine: Engine, script_location: Path | None = None) -> SchemaState:
    """Read the database's revision and compare it with the app's."""
    path = sqlite_path(engine.url.render_as_string(hide_password=False))
    if path is not None and path.exists():
        check_sqlite_file(path)  # a file cut short is refused before anything reads or writes it
    try:
        with engine.connect() as conn:
            return _state_of(conn, script_location)
    except (DBAPIError, SQLAlchemyError) as exc:
        raise DatabaseUnavailable(describe_error(exc, str(engine.url))) from exc


def can_create_schema(engine: Engine) -> bool:
    """Whether the connected user may create the app's tables (always on a SQLite file).

    On PostgreSQL this is the CREATE privilege on the schema the tables would go into;
    whoever holds it owns the database, so the app may offer to set it up.
    """
    if engine.dialect.name != "postgresql":
        return True
    try:
        with engine.connect() as conn:
            allowed = conn.exec_driver_sql(
                "SELECT coalesce(has_schema_privilege(current_schema(), 'CREATE'), false)"
            ).scalar()
    except (DBAPIError, SQLAlchemyError) as exc:
        raise DatabaseUnavailable(describe_error(exc, str(engine.url))) from exc
    return bool(allowed)


def too_new_message(state: SchemaState, url: str) -> str:
    """The refusal shown for a database from a newer app."""
    return (
        f"The database {mask_url(url)} is at schema revision {state.current}, which this "
        f"version of AsyncOps Desktop does not know (its newest is {state.head}). It was "
        "upgraded by a newer version: install that version to open it."
    )


def backup_sqlite(path: Path, now: dt.datetime | None = None) -> Path:
    """Copy a live SQLite file with the backup API to a dated ``.bak`` beside it."""
    stamp = (now or dt.datetime.now()).strftime("%Y%m%d-%H%M%S")
    target = path.with_name(f"{path.name}.{stamp}.bak")
    counter = 1
    while target.exists():
        target = path.with_name(f"{path.name}.{stamp}-{counter}.bak")
        counter += 1
    source = sqlite3.connect(path)
    try:
        dest = sqlite3.connect(target)
        try:
            source.backup(dest)
        finally:
            dest.close()
    finally:
        source.close()
    return target


@dataclass(frozen=True)
class MigrationResult:
    """What an upgrade or downgrade did."""

    from_revision: str | None
    to_revision: str | None
    backup: Path | None


@contextmanager
def _migration_connection(engine: Engine) -> Iterator[Connection]:
    """One connection in one transaction, prepared for DDL on its dialect."""
    # On SQLite, BEGIN IMMEDIATE makes a second client wait for the first one's upgrade.
    conn = engine.connect().execution_options(sqlite_immediate=True)
    is_sqlite = engine.dialect.name == "sqlite"
    try:
        if is_sqlite:
            # Batch table rebuilds drop and recreate referenced tables; the pragma only
            # takes effect outside a transaction, and foreign_key_check runs before commit.
            _raw_execute(conn, "PRAGMA foreign_keys = OFF")
        with conn.begin():
            if engine.dialect.name == "postgresql":
                conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({ADVISORY_LOCK_KEY})")
            yield conn
            if is_sqlite:
                problems = conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                if problems:
                    raise MigrationFailed(f"The migration broke {len(problems)} foreign key(s).")
    finally:
        if is_sqlite and not conn.closed:
            _raw_execute(conn, "PRAGMA foreign_keys = ON")
        conn.close()


def _raw_execute(conn: Connection, sql: str) -> None:
    cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    try:
        cursor.execute(sql)
    finally:
        cursor.close()


def upgrade(
    engine: Engine,
    target: str = "head",
    *,
    backup: bool = True,
    script_location: Path | None = None,
) -> MigrationResult:
    """Migrate up to ``target`` in one transaction, backing a SQLite file up first.

    The revision is read after taking the migration lock, so of several clients upgrading
    at once the first migrates and the others find the schema current.
    """
    url = engine.url.render_as_string(hide_password=False)
    schema_state(engine, script_location)  # a readable error if the database is unreachable
    backup_path: Path | None = None
    state: SchemaState | None = None
    try:
        with _migration_connection(engine) as conn:
            state = _state_of(conn, script_location)
            if state.status is SchemaStatus.NEWER:
                raise SchemaTooNew(too_new_message(state, url))
            if state.status is SchemaStatus.CURRENT and target in ("head", state.head):
                return MigrationResult(state.current, state.current, None)
            path = sqlite_path(url)
            if backup and path is not None and state.current is not None:
                # Another connection can read the file while this one holds the write lock.
                backup_path = backup_sqlite(path)
            command.upgrade(alembic_config(conn, script_location), target)
            reached = MigrationContext.configure(conn).get_current_revision()
    except SchemaTooNew:
        raise
    except Exception as exc:
        where = (
            f" The database is unchanged; a backup is at {backup_path}."
            if backup_path
            else " The database is unchanged."
        )
        reason = describe_error(exc, url) if isinstance(exc, DBAPIError) else str(exc)
        raise MigrationFailed(f"Upgrading {mask_url(url)} failed: {reason}.{where}") from exc
    return MigrationResult(state.current, reached, backup_path)


def downgrade(
    engine: Engine, target: str, *, script_location: Path | None = None
) -> MigrationResult:
    """Migrate down to ``target`` (a revision id, ``base`` or ``-1``) in one transaction."""
    url = engine.url.render_as_string(hide_password=False)
    state = schema_state(engine, script_location)
    if state.status is SchemaStatus.NEWER:
        raise SchemaTooNew(too_new_message(state, url))
    try:
        with _migration_connection(engine) as conn:
            command.downgrade(alembic_config(conn, script_location), target)
            reached = MigrationContext.configure(conn).get_current_revision()
    except CommandError as exc:
        raise MigrationFailed(f"Cannot downgrade to '{target}': {exc}") from exc
    except Exception as exc:
        reason = describe_error(exc, url) if isinstance(exc, DBAPIError) else str(exc)
        raise MigrationFailed(
            f"Downgrading {mask_url(url)} failed: {reason}. The database is unchanged."
        ) from exc
    return MigrationResult(state.current, reached, None)


def check(engine: Engine) -> list[str]:
    """Differences between the mapped models and the migrated schema (empty when in step)."""
    from asyncops_desktop.domain.models import Base

    state = schema_state(engine)
    if state.status is not SchemaStatus.CURRENT:
        raise SchemaTooOld(
            f"The database is at {state.current or 'no revision'}, not {state.head}: "
            "run 'asyncops-desktop db upgrade' first."
        )
    from asyncops_desktop.domain.models import TABLES_WITH_UPDATED_AT

    with engine.connect() as conn:
        context = MigrationContext.configure(
            conn, opts={"include_object": include_object, "compare_type": True}
        )
        diffs = [repr(diff) for diff in compare_metadata(context, Base.metadata)]
        # Triggers and full-text objects are invisible to Alembic's comparison.
        diffs += [f"missing {name}" for name in missing_objects(conn, TABLES_WITH_UPDATED_AT)]
        diffs += [
            f"ids of {table} can be reused (no AUTOINCREMENT)"
            for table in reusable_id_tables(conn, Base.metadata)
        ]
    return diffs


def reusable_id_tables(conn: Connection, metadata: MetaData) -> list[str]:
    """SQLite tables the models want AUTOINCREMENT on that lack it (a deleted id comes back).

    Alembic's comparison does not look at AUTOINCREMENT, so it is checked here.
    """
    if conn.dialect.name != "sqlite":
        return []
    wanted = [
        table.name
        for table in metadata.sorted_tables
        if table.dialect_options["sqlite"]["autoincrement"]
    ]
    stored = {
        str(row[0]): str(row[1] or "")
        for row in conn.exec_driver_sql("SELECT name, sql FROM sqlite_master WHERE type = 'table'")
    }
    return [name for name in wanted if "AUTOINCREMENT" not in stored.get(name, "").upper()]


def table_names(engine: Engine) -> list[str]:
    """Names of the tables in the database (for diagnostics and tests)."""
    return sorted(inspect(engine).get_table_names())


def open_database(url: str, *, auto_upgrade_sqlite: bool = True) -> Database:
    """Open a database for the app: create and migrate an embedded file, refuse a newer schema.

    A PostgreSQL database that is older is not upgraded behind the admin's back: the message
    says to run ``asyncops-desktop db upgrade``.
    """
    database = Database(url)
    try:
        database.ping()
        database.check_usable()
        state = schema_state(database.engine)
        if state.status is SchemaStatus.NEWER:
            raise SchemaTooNew(too_new_message(state, database.url))
        if state.status is not SchemaStatus.CURRENT:
            if database.dialect == "sqlite" and auto_upgrade_sqlite:
                upgrade(database.engine)
            else:
                raise SchemaTooOld(
                    f"The database {database.masked_url} needs a schema upgrade "
                    f"({state.current or 'empty'} → {state.head}): an admin can run "
                    "'asyncops-desktop db upgrade'."
                )
    except BaseException:
        database.dispose()
        raise
    return database

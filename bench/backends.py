"""Throw-away benchmark databases: SQLite files in a temporary folder, PostgreSQL databases
created with a unique name on the given server and dropped afterwards."""

from __future__ import annotations

import shutil
import uuid
from dataclasses import dataclass
from pathlib import Path

import psycopg
from sqlalchemy.engine import make_url

from asyncops_desktop import migrate
from asyncops_desktop.db import create_db_engine, sqlite_url

DEFAULT_PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


@dataclass(frozen=True)
class BenchDatabase:
    """One migrated database: its SQLAlchemy URL and what the raw driver connects to."""

    backend: str
    url: str
    raw_target: str
    """A file path for ``sqlite3``, a conninfo string for ``psycopg``."""


def _migrate(url: str) -> None:
    engine = create_db_engine(url)
    try:
        migrate.upgrade(engine, backup=False)
        if engine.dialect.name == "sqlite":
            with engine.connect() as conn:
                # Fold the WAL into the file so a plain copy carries the whole schema.
                conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        engine.dispose()


class SqliteFiles:
    """Migrated SQLite files in ``folder``, copied from one template (migrating once)."""

    backend = "sqlite"

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.template = folder / "template.db"
        _migrate(sqlite_url(self.template))

    def create(self, name: str) -> BenchDatabase:
        """A fresh migrated file."""
        path = self.folder / f"{name}.db"
        shutil.copyfile(self.template, path)
        return BenchDatabase(self.backend, sqlite_url(path), str(path))

    def close(self) -> None:
        """Nothing to do: the caller removes the folder."""


class PostgresDatabases:
    """Uniquely named, migrated databases on a PostgreSQL server; all dropped by ``close``."""

    backend = "postgresql"

    def __init__(self, admin_url: str) -> None:
        self.admin_url = admin_url
        self.admin = psycopg.connect(conninfo(admin_url), autocommit=True)
        self.created: list[str] = []
        self.prefix = f"asyncops_bench_{uuid.uuid4().hex[:10]}"

    def create(self, name: str) -> BenchDatabase:
        """A new database named after this run, migrated to the newest schema."""
        database = f"{self.prefix}_{name}"
        self.admin.execute(f'CREATE DATABASE "{database}"')
        self.created.append(database)
        url = make_url(self.admin_url).set(database=database).render_as_string(hide_password=False)
        _migrate(url)
        return BenchDatabase(self.backend, url, conninfo(url))

    def server_version(self) -> str:
        """The server's version string."""
        row = self.admin.execute("SHOW server_version").fetchone()
        return str(row[0]) if row else "?"

    def close(self) -> None:
        """Drop every database this run created."""
        for database in reversed(self.created):
            self.admin.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        self.created.clear()
        self.admin.close()


def conninfo(url: str) -> str:
    """The libpq connection string for a SQLAlchemy PostgreSQL URL."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)

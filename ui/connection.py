"""The open database as the app sees it: opened, described and closed on the worker thread.

Nothing here imports Qt: these are the jobs the database worker runs, and the plain
``ConnectionInfo`` they hand back to the GUI thread.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from asyncops_desktop import migrate
from asyncops_desktop.db import Database, mask_url, sqlite_path
from asyncops_desktop.domain.errors import DatabaseUnavailable
from asyncops_desktop.repositories.blockers import BlockerRepository
from asyncops_desktop.repositories.decisions import DecisionRepository
from asyncops_desktop.repositories.incidents import IncidentRepository
from asyncops_desktop.repositories.status_updates import StatusUpdateRepository
from asyncops_desktop.repositories.summaries import SummaryRepository
from asyncops_desktop.repositories.users import UserRepository

DIALECT_NAMES = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}

# What the overview counts, in sidebar order, each through its repository.
COUNTED = (
    ("Users", UserRepository),
    ("Status updates", StatusUpdateRepository),
    ("Incidents", IncidentRepository),
    ("Blockers", BlockerRepository),
    ("Decisions", DecisionRepository),
    ("Daily summaries", SummaryRepository),
)


@dataclass(frozen=True)
class ConnectionInfo:
    """What the window shows about the open database."""

    masked_url: str
    location: str
    dialect: str
    server_version: str
    revision: str | None
    head: str
    status: migrate.SchemaStatus
    row_counts: tuple[tuple[str, int], ...]
    created: bool = False

    @property
    def is_sqlite(self) -> bool:
        """True for an embedded SQLite file."""
        return self.dialect == DIALECT_NAMES["sqlite"]


def display_location(url: str) -> str:
    """The SQLite file path, else the URL without its password."""
    path = sqlite_path(url)
    return str(path) if path is not None else mask_url(url)


class DatabaseHandle:
    """The app's database; every method runs on the database worker thread only."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.database: Database | None = None

    def open(self) -> ConnectionInfo:
        """Open (creating and migrating an embedded file if needed) and describe it."""
        path = sqlite_path(self.url)
        created = path is not None and not path.exists()
        self.database = migrate.open_database(self.url)
        return self.describe(created=created)

    def describe(self, *, created: bool = False) -> ConnectionInfo:
        """Read the schema revision and the row counts."""
        database = self._require()
        state = migrate.schema_state(database.engine)
        with database.read() as session:
            counts = tuple((label, repo(session).count()) for label, repo in COUNTED)
        return ConnectionInfo(
            masked_url=database.masked_url,
            location=display_location(database.url),
            dialect=DIALECT_NAMES.get(database.dialect, database.dialect),
            server_version=self._server_version(database),
            revision=state.current,
            head=state.head,
            status=state.status,
            row_counts=counts,
            created=created,
        )

    def close(self) -> None:
        """Close every pooled connection (idempotent)."""
        if self.database is not None:
            self.database.dispose()
            self.database = None

    def _require(self) -> Database:
        if self.database is None:
            raise DatabaseUnavailable("The database is not open.")
        return self.database

    @staticmethod
    def _server_version(database: Database) -> str:
        if database.dialect == "sqlite":
            return sqlite3.sqlite_version
        info = database.engine.dialect.server_version_info
        return ".".join(str(part) for part in info) if info else "unknown"

"""The open database as the app sees it: opened, described, signed into and closed on the worker.

Nothing here imports Qt: these are the jobs the database worker runs, and the plain values
(``ConnectionInfo``, ``Outcome``) they hand back to the GUI thread.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, ParamSpec, TypeVar

from asyncops_desktop import migrate
from asyncops_desktop.db import ConnectionSettings, Database, mask_url, sqlite_path
from asyncops_desktop.domain.errors import (
    AsyncOpsError,
    DatabaseUnavailable,
    SchemaTooNew,
    SchemaTooOld,
)
from asyncops_desktop.repositories.blockers import BlockerRepository
from asyncops_desktop.repositories.decisions import DecisionRepository
from asyncops_desktop.repositories.incidents import IncidentRepository
from asyncops_desktop.repositories.status_updates import StatusUpdateRepository
from asyncops_desktop.repositories.summaries import SummaryRepository
from asyncops_desktop.repositories.users import UserRepository
from asyncops_desktop.services.auth import AuthService, SignedIn
from asyncops_desktop.services.base import Actor
from asyncops_desktop.services.users import UserService

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

T = TypeVar("T")
P = ParamSpec("P")


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
    # Only meaningful while the schema is older or empty: may this login create tables?
    can_create_schema: bool = False

    @property
    def is_sqlite(self) -> bool:
        """True for an embedded SQLite file."""
        return self.dialect == DIALECT_NAMES["sqlite"]

    @property
    def needs_upgrade(self) -> bool:
        """True when the schema is older than the app's or missing (a server database)."""
        return self.status in (migrate.SchemaStatus.OLDER, migrate.SchemaStatus.EMPTY)


@dataclass(frozen=True)
class Outcome(Generic[T]):
    """A job's value, or the domain error it raised, for the GUI to show next to the right field."""

    value: T | None = None
    error: AsyncOpsError | None = None

    @property
    def ok(self) -> bool:
        """True when the job succeeded."""
        return self.error is None


def captured(job: Callable[P, T]) -> Callable[P, Outcome[T]]:
    """Wrap a job so a domain error comes back as a value (dialogs need its type and field)."""

    def run(*args: P.args, **kwargs: P.kwargs) -> Outcome[T]:
        try:
            return Outcome(value=job(*args, **kwargs))
        except AsyncOpsError as exc:
            return Outcome(error=exc)

    return run


@dataclass(frozen=True)
class SignInResult:
    """Who signed in, and a new remember-me token to put in the keyring (if one was asked for)."""

    signed_in: SignedIn
    token: str | None = None


@dataclass(frozen=True)
class ConnectionCheck:
    """The answer of "Test connection": whether the app can use the database, in one sentence."""

    usable: bool
    sentence: str


def display_location(url: str) -> str:
    """The SQLite file path, else the URL without its password."""
    path = sqlite_path(url)
    return str(path) if path is not None else mask_url(url)


def check_connection(url: str, *, timeout_s: int = 5) -> ConnectionCheck:
    """Try a database without changing it; the sentence says what to do about any problem."""
    path = sqlite_path(url)
    if path is not None and not path.exists():
        if not path.parent.is_dir():
            return ConnectionCheck(False, f"The folder {path.parent} does not exist.")
        return ConnectionCheck(
            True, "The file does not exist yet: it will be created when you connect."
        )
    try:
        database = Database(url, ConnectionSettings(connect_timeout_s=timeout_s))
    except AsyncOpsError as exc:
        return ConnectionCheck(False, str(exc))
    try:
        database.ping()
        state = migrate.schema_state(database.engine)
        version = DatabaseHandle.server_version(database)
        if state.status is migrate.SchemaStatus.NEWER:
            return ConnectionCheck(
                False,
                f"Connected, but the schema ({state.current}) is newer than this app knows: "
                "install the newer version of AsyncOps Desktop to use it.",
            )
        if state.status is migrate.SchemaStatus.OLDER:
            return ConnectionCheck(
                True,
                f"Connected, but the schema ({state.current}) is older than this app's "
                f"({state.head}): an admin can upgrade it when connecting.",
            )
        if state.status is migrate.SchemaStatus.EMPTY and database.dialect != "sqlite":
            who = (
                "you can create it when connecting"
                if migrate.can_create_schema(database.engine)
                else "ask the server's admin to run 'asyncops-desktop db upgrade'"
            )
            return ConnectionCheck(True, f"Connected, but the database is empty: {who}.")
        name = DIALECT_NAMES.get(database.dialect, database.dialect)
        return ConnectionCheck(True, f"Connected to {name} {version}; the schema is up to date.")
    except AsyncOpsError as exc:
        return ConnectionCheck(False, str(exc))
    finally:
        database.dispose()


class DatabaseHandle:
    """The app's database; every method runs on the database worker thread only."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.database: Database | None = None
        self._auth: AuthService | None = None

    # -- opening --------------------------------------------------------------------------
    def open(self) -> ConnectionInfo:
        """Open (creating and migrating an embedded file if needed) and describe it.

        A server database that is older or empty stays open undescribed, so an admin can
        upgrade it; ``ConnectionInfo.needs_upgrade`` says so.
        """
        path = sqlite_path(self.url)
        created = path is not None and not path.exists()
        try:
            self.database = migrate.open_database(self.url)
        except SchemaTooOld:
            self.database = Database(self.url)
            return self.describe()
        return self.describe(created=created)

    def describe(self, *, created: bool = False) -> ConnectionInfo:
        """Read the schema revision and, on a current schema, the row counts."""
        database = self._require()
        state = migrate.schema_state(database.engine)
        if state.status is migrate.SchemaStatus.NEWER:
            raise SchemaTooNew(migrate.too_new_message(state, database.url))
        counts: tuple[tuple[str, int], ...] = ()
        can_create = False
        if state.status is migrate.SchemaStatus.CURRENT:
            with database.read() as session:
                counts = tuple((label, repo(session).count()) for label, repo in COUNTED)
        else:
            can_create = migrate.can_create_schema(database.engine)
        return ConnectionInfo(
            masked_url=database.masked_url,
            location=display_location(database.url),
            dialect=DIALECT_NAMES.get(database.dialect, database.dialect),
            server_version=self.server_version(database),
            revision=state.current,
            head=state.head,
            status=state.status,
            row_counts=counts,
            created=created,
            can_create_schema=can_create,
        )

    def upgrade_schema(self) -> ConnectionInfo:
        """Migrate an older or empty database to this app's schema, then describe it."""
        database = self._require()
        migrate.upgrade(database.engine)
        return self.describe()

    def close(self) -> None:
        """Close every pooled connection (idempotent)."""
        self._auth = None
        if self.database is not None:
            self.database.dispose()
            self.database = None

    def _require(self) -> Database:
        if self.database is None:
            raise DatabaseUnavailable("The database is not open.")
        return self.database

    @staticmethod
    def server_version(database: Database) -> str:
        """``3.45.1`` for SQLite, the server's version for PostgreSQL."""
        if database.dialect == "sqlite":
            return sqlite3.sqlite_version
        # Known once a connection has been made, which opening the database did.
        info = database.engine.dialect.server_version_info
        return ".".join(str(part) for part in info) if info else "unknown"

    # -- signing in -----------------------------------------------------------------------
    @property
    def auth(self) -> AuthService:
        """The sign-in service (made once per database: it hashes a decoy password at start)."""
        if self._auth is None:
            # One cost setting for the whole app: the one the account service uses.
            self._auth = AuthService(self._require(), bcrypt_rounds=UserService.bcrypt_rounds)
        return self._auth

    def is_admin(self, email: str, password: str) -> bool:
        """Whether these are an active admin's credentials, on a schema of any age."""
        return self.auth.is_admin_on_any_schema(email, password)

    def has_users(self) -> bool:
        """Whether any account exists."""
        return self.auth.has_users()

    def sign_in(self, email: str, password: str, *, keep: bool) -> SignInResult:
        """Check the password; with ``keep`` issue a remember-me token (not while must-change)."""
        signed_in = self.auth.sign_in(email, password)
        if keep and not signed_in.must_change_password:
            return SignInResult(signed_in, self.auth.issue_token(signed_in.user.id))
        return SignInResult(signed_in)

    def sign_in_with_token(self, token: str) -> SignInResult:
        """Sign in with a remembered token."""
        return SignInResult(self.auth.sign_in_with_token(token))

    def issue_token(self, user_id: int) -> str:
        """A new remember-me token."""
        return self.auth.issue_token(user_id)

    def revoke_token(self, token: str) -> None:
        """Forget one remembered sign-in."""
        self.auth.revoke_token(token)

    def change_password(self, actor: Actor, current: str, new: str) -> SignedIn:
        """Replace one's own password (revokes every remembered sign-in)."""
        return self.auth.change_password(actor, current, new)

    def create_first_admin(self, full_name: str, email: str, password: str) -> SignedIn:
        """Create the first admin on a database without accounts."""
        return self.auth.create_first_admin(full_name=full_name, email=email, password=password)

    def load_sample_data(self, progress: Callable[[int, int], None]) -> dict[str, int]:
        """Fill the database with a small team's sample data."""
        # Imported here: only a new, empty database offers sample data.
        from asyncops_desktop import demo_data

        return demo_data.generate(self._require(), scale=1, progress=progress)

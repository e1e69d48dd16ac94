"""Shared fixtures: every database test runs on SQLite and on the real PostgreSQL server.

PostgreSQL is found at ``ASYNCOPS_TEST_PG_URL`` (default: postgres@127.0.0.1:5432, trust
auth). With ``ASYNCOPS_REQUIRE_PG=1`` (as CI sets it) an unreachable server fails the run
instead of skipping the PostgreSQL half.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import keyring
import psycopg
import pytest
from keyring.backends.fail import Keyring as FailKeyring
from sqlalchemy.engine import make_url

from asyncops_desktop import migrate
from asyncops_desktop.db import Database, create_db_engine, sqlite_url
from asyncops_desktop.domain.enums import Role
from asyncops_desktop.memory_keyring import MemoryKeyring
from asyncops_desktop.services.base import Actor

PG_URL = os.environ.get(
    "ASYNCOPS_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
REQUIRE_PG = os.environ.get("ASYNCOPS_REQUIRE_PG") == "1"
BACKENDS = ("sqlite", "postgresql")


def _pg_conninfo(database: str) -> str:
    url = make_url(PG_URL).set(drivername="postgresql", database=database)
    return url.render_as_string(hide_password=False)


def pg_url_for(database: str) -> str:
    """SQLAlchemy URL of a database on the test server."""
    return make_url(PG_URL).set(database=database).render_as_string(hide_password=False)


class PgServer:
    """Creates and drops uniquely named databases on the test server."""

    def __init__(self) -> None:
        self.admin = psycopg.connect(
            _pg_conninfo(make_url(PG_URL).database or "postgres"), autocommit=True
        )
        self.created: list[str] = []

    def create(self, template: str | None = None) -> str:
        name = f"asyncops_test_{uuid.uuid4().hex[:12]}"
        suffix = f" TEMPLATE {template}" if template else ""
        self.admin.execute(f'CREATE DATABASE "{name}"{suffix}')
        self.created.append(name)
        return name

    def drop(self, name: str) -> None:
        self.admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if name in self.created:
            self.created.remove(name)

    def close(self) -> None:
        for name in list(self.created):
            self.drop(name)
        self.admin.close()


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PgServer]:
    """The PostgreSQL test server, or a skip (a failure when it is required)."""
    try:
        server = PgServer()
    except psycopg.OperationalError as exc:
        message = f"PostgreSQL is unreachable at {make_url(PG_URL).render_as_string()}: {exc}"
        if REQUIRE_PG:
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    yield server
    server.close()


@pytest.fixture(scope="session")
def migrated_templates(
    tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest
) -> dict[str, str]:
    """One migrated database per backend, copied for each test (migrating each time is slow)."""
    return {}


def _template_for(backend: str, request: pytest.FixtureRequest, tmp_root: Path) -> str:
    templates: dict[str, str] = request.getfixturevalue("migrated_templates")
    if backend not in templates:
        if backend == "sqlite":
            path = tmp_root / "template.db"
            engine = create_db_engine(sqlite_url(path))
            migrate.upgrade(engine)
            with engine.connect() as conn:
                conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
            engine.dispose()
            templates[backend] = str(path)
        else:
            server: PgServer = request.getfixturevalue("pg_server")
            name = server.create()
            engine = create_db_engine(pg_url_for(name))
            migrate.upgrade(engine)
            engine.dispose()
            templates[backend] = name
    return templates[backend]


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    """The backend under test: each database test runs once per backend."""
    if request.param == "postgresql":
        request.getfixturevalue("pg_server")
    return str(request.param)


@pytest.fixture
def empty_db_url(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[str]:
    """URL of a new, empty (unmigrated) database."""
    if backend == "sqlite":
        yield sqlite_url(tmp_path / "empty.db")
        return
    server: PgServer = request.getfixturevalue("pg_server")
    name = server.create()
    yield pg_url_for(name)
    server.drop(name)


@pytest.fixture
def db_url(
    backend: str,
    tmp_path: Path,
    tmp_path_factory: pytest.TempPathFactory,
    request: pytest.FixtureRequest,
) -> Iterator[str]:
    """URL of a new database migrated to the newest schema."""
    template = _template_for(backend, request, tmp_path_factory.getbasetemp())
    if backend == "sqlite":
        path = tmp_path / "asyncops.db"
        shutil.copyfile(template, path)
        yield sqlite_url(path)
        return
    server: PgServer = request.getfixturevalue("pg_server")
    name = server.create(template=template)
    yield pg_url_for(name)
    server.drop(name)


@pytest.fixture
def database(db_url: str) -> Iterator[Database]:
    """An open, migrated database."""
    db = Database(db_url)
    yield db
    db.dispose()


@pytest.fixture(autouse=True)
def _fast_bcrypt(monkeypatch: pytest.MonkeyPatch) -> None:
    """bcrypt at its lowest cost in tests only (the app uses 12)."""
    from asyncops_desktop.services.users import UserService

    monkeypatch.setattr(UserService, "bcrypt_rounds", 4)


@pytest.fixture
def admin(database: Database) -> Actor:
    """An admin account to act as (created directly: there is no one to authorise it)."""
    from asyncops_desktop.repositories.users import UserRepository
    from asyncops_desktop.services.users import hash_password

    with database.write() as session:
        user_id = UserRepository(session).add(
            email="admin@example.com",
            password_hash=hash_password("correct horse battery", rounds=4),
            full_name="Ada Admin",
            role="admin",
        )
    return Actor(user_id, Role.ADMIN)


@pytest.fixture
def member(database: Database, admin: Actor) -> Actor:
    """A member account created by the admin."""
    from asyncops_desktop.services.users import UserService

    user = UserService(database, admin).create(
        email="Max.Member@Example.com", full_name="Max Member", password="member password 1"
    )
    return Actor(user.id, Role.MEMBER)


@pytest.fixture(autouse=True)
def _isolated_user_dirs(
    monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """Config and data directories of the test's own, never the real user's."""
    root = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(root / "config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(root / "data"))
    monkeypatch.delenv("ASYNCOPS_DATABASE_URL", raising=False)


@pytest.fixture
def memory_keyring() -> Iterator[MemoryKeyring]:
    """Use an in-memory keyring for the test."""
    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(previous)


@pytest.fixture
def no_keyring() -> Iterator[None]:
    """Behave as a machine without a usable keyring (keyring's own fail backend, priority 0)."""
    previous = keyring.get_keyring()
    keyring.set_keyring(FailKeyring())  # type: ignore[no-untyped-call]
    yield
    keyring.set_keyring(previous)

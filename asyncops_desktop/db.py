"""Engines, sessions and connection settings for SQLite and PostgreSQL.

The database is chosen by ``--db URL``, else ``ASYNCOPS_DATABASE_URL``, else the embedded
SQLite file in the platform data directory.
"""

from __future__ import annotations

import os
import random
import sqlite3
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import platformdirs
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import (
    ArgumentError,
    DBAPIError,
    NoSuchModuleError,
    OperationalError,
    SQLAlchemyError,
)
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import NullPool

from asyncops_desktop import APP_AUTHOR, APP_NAME
from asyncops_desktop.domain.errors import DatabaseUnavailable
from asyncops_desktop.logs import redact

DATABASE_URL_ENV = "ASYNCOPS_DATABASE_URL"
DEFAULT_DB_FILENAME = "asyncops.db"


def data_dir() -> Path:
    """The per-user data directory (created on demand)."""
    path = platformdirs.user_data_path(APP_NAME, APP_AUTHOR)
    path.mkdir(parents=True, exist_ok=True)
    return path


def default_database_url() -> str:
    """URL of the embedded SQLite database in the platform data directory."""
    return sqlite_url(data_dir() / DEFAULT_DB_FILENAME)


def sqlite_url(path: Path | str) -> str:
    """SQLAlchemy URL for a SQLite file."""
    return URL.create("sqlite+pysqlite", database=str(Path(path).expanduser())).render_as_string(
        hide_password=False
    )


def resolve_database_url(cli_value: str | None, environ: Mapping[str, str] | None = None) -> str:
    """Apply the selection rule: ``--db``, else the environment variable, else the default."""
    env = os.environ if environ is None else environ
    if cli_value:
        return normalise_url(cli_value)
    if env.get(DATABASE_URL_ENV):
        return normalise_url(env[DATABASE_URL_ENV])
    return default_database_url()


def normalise_url(url: str) -> str:
    """Accept ``postgresql://`` and plain file paths; always use the psycopg 3 driver."""
    if "://" not in url:
        return sqlite_url(url)
    try:
        parsed = make_url(url)
    except ArgumentError:
        # The URL is not repeated: it may hold a password.
        raise DatabaseUnavailable(
            f"'{redact(url)}' is not a database URL: write it as "
            "postgresql://user@host:port/database or give a SQLite file path."
        ) from None
    except ValueError:
        raise DatabaseUnavailable(
            f"'{redact(url)}' is not a database URL: its port must be a number."
        ) from None
    if parsed.drivername in ("postgresql", "postgres", "postgresql+psycopg2"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    elif parsed.drivername == "sqlite":
        parsed = parsed.set(drivername="sqlite+pysqlite")
    if parsed.drivername not in ("postgresql+psycopg", "sqlite+pysqlite"):
        raise DatabaseUnavailable(
            f"Unsupported database '{parsed.drivername}': use a SQLite file or postgresql://"
        )
    return parsed.render_as_string(hide_password=False)


def mask_url(url: str) -> str:
    """The URL with any password replaced by ``***``."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "<invalid URL>"


def sqlite_path(url: str) -> Path | None:
    """The file behind a SQLite URL, or None for PostgreSQL and in-memory databases."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    return Path(parsed.database)


@dataclass(frozen=True)
class ConnectionSettings:
    """Tunables for PostgreSQL connections (SQLite only uses ``busy_timeout_ms``)."""

    connect_timeout_s: int = 5
    statement_timeout_ms: int = 30_000
    busy_timeout_ms: int = 5_000
    # SQLite: how long a save waits for the write lock before reporting the file locked.
    write_lock_timeout_ms: int = 15_000
    sslmode: str | None = None
    application_name: str = "asyncops-desktop"


def create_db_engine(url: str, settings: ConnectionSettings | None = None) -> Engine:
    """Create an engine configured for the app (WAL and foreign keys, or timeouts and keepalives).

    SQL errors never quote their parameters (``hide_parameters``): they can be password
    hashes and sign-in token digests, and an error's text may end up in a log.
    """
    settings = settings or ConnectionSettings()
    parsed = make_url(normalise_url(url))
    try:
        if parsed.get_backend_name() == "sqlite":
            return _sqlite_engine(parsed, settings)
        return _postgresql_engine(parsed, settings)
    except (ArgumentError, NoSuchModuleError) as exc:
        raise DatabaseUnavailable(f"Cannot use {mask_url(str(parsed))}: {exc}") from None


def _sqlite_engine(url: URL, settings: ConnectionSettings) -> Engine:
    path = sqlite_path(url.render_as_string(hide_password=False))
    if path is not None and not path.parent.exists():
        raise DatabaseUnavailable(f"The folder {path.parent} does not exist.")
    engine = create_engine(
        url,
        poolclass=NullPool if path is None else None,
        connect_args={"timeout": settings.busy_timeout_ms / 1000, "check_same_thread": False},
        hide_parameters=True,
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: object) -> None:
        # Let SQLAlchemy, not pysqlite, decide where transactions begin (see the "begin" hook).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute(f"PRAGMA busy_timeout = {int(settings.busy_timeout_ms)}")
            cursor.execute("PRAGMA foreign_keys = ON")
            if path is not None:
                _enable_wal(cursor, settings.busy_timeout_ms)
                # FULL: a commit is on disk when the call returns, also after a power cut or
                # an OS crash; a desktop app commits a few rows per action, so an fsync each
                # costs little. In WAL mode NORMAL risks only the last commits, and only on a
                # power cut or OS crash: a killed process leaves its written pages with the
                # OS. Of the SIGKILL scenario's failures with NORMAL under load, one was no
                # loss: a deleted status update's id was reused by a create the killed writer
                # had not reported (ids are never reused since revision 0006). Another, a
                # file reported malformed on reopening (once in eight full runs), is not
                # explained; so FULL stays until NORMAL passes that scenario repeatedly.
                cursor.execute("PRAGMA synchronous = FULL")
        finally:
            cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        # Writers take the write lock up front so a read-then-write never hits SQLITE_BUSY
        # halfway through a user's action.
        if conn.get_execution_options().get("sqlite_immediate", False):
            _begin_immediate(
                conn.connection.dbapi_connection,
                settings.write_lock_timeout_ms,
                settings.busy_timeout_ms,
            )
        else:
            conn.exec_driver_sql("BEGIN")

    if path is not None:
        # After the set-up hook: a connection it refused is not counted as open.
        _track_open_connections(engine, path)
    return engine


# While waiting for the write lock, SQLite's own busy handler is asked for this long per try.
_WRITE_LOCK_POLL_MS = 20


def _begin_immediate(dbapi_connection: Any, timeout_ms: int, busy_timeout_ms: int) -> None:
    """``BEGIN IMMEDIATE``, waiting up to ``timeout_ms`` for the write lock, fairly.

    SQLite's busy handler backs off to polling every 100 ms, so under steady contention a
    waiter can lose every race for the lock and give up after the busy timeout although the
    lock was free most of the time. Short tries with a little random jitter in between keep
    each writer's chance fair.
    """
    cursor = dbapi_connection.cursor()
    deadline = time.monotonic() + timeout_ms / 1000
    try:
        cursor.execute(f"PRAGMA busy_timeout = {_WRITE_LOCK_POLL_MS}")
        while True:
            try:
                cursor.execute("BEGIN IMMEDIATE")
                return
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc).lower() or time.monotonic() >= deadline:
                    # Raised from SQLAlchemy's "begin" hook, which does not wrap driver errors.
                    raise OperationalError("BEGIN IMMEDIATE", None, exc) from exc
            time.sleep(random.uniform(0.0005, 0.005))
    finally:
        cursor.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
        cursor.close()


def _enable_wal(cursor: Any, timeout_ms: int) -> None:
    """Switch a file to WAL, retrying while another connection is switching it.

    Changing the journal mode of a brand-new file can fail with "database is locked"
    without SQLite's busy handler being consulted, so the wait is done here.
    """
    deadline = time.monotonic() + timeout_ms / 1000
    while True:
        try:
            if str(cursor.execute("PRAGMA journal_mode").fetchone()[0]).lower() != "wal":
                cursor.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc).lower() or time.monotonic() >= deadline:
                raise
            time.sleep(0.02)


def _postgresql_engine(url: URL, settings: ConnectionSettings) -> Engine:
    connect_args: dict[str, Any] = {
        "connect_timeout": settings.connect_timeout_s,
        "application_name": settings.application_name,
        "keepalives": 1,
        "keepalives_idle": 30,
        "keepalives_interval": 10,
        "keepalives_count": 3,
        "options": f"-c statement_timeout={int(settings.statement_timeout_ms)} -c timezone=UTC",
    }
    if settings.sslmode and "sslmode" not in url.query:
        connect_args["sslmode"] = settings.sslmode
    return create_engine(
        url,
        pool_pre_ping=True,
        pool_size=5,
        max_overflow=5,
        connect_args=connect_args,
        hide_parameters=True,
    )


def _sqlite_path_or_none(url: str | None) -> Path | None:
    try:
        return sqlite_path(url) if url else None
    except ArgumentError:
        return None


# How psycopg and the server word a connection that went away mid-session.
_CONNECTION_LOST = (
    "server closed the connection",
    "connection is closed",
    "connection already closed",
    "consuming input failed",
    "terminating connection",
    "could not receive data",
    "could not send data",
    "connection reset",
    "broken pipe",
    "ssl syscall error",
    "the connection is lost",
)


def describe_error(exc: BaseException, url: str | None = None) -> str:
    """Turn a driver or SQLAlchemy error into one readable sentence."""
    path = _sqlite_path_or_none(url)
    where = f" ({path})" if path is not None else f" ({mask_url(url)})" if url else ""
    original = getattr(exc, "orig", None) or exc
    message = (
        str(original).strip().splitlines()[0] if str(original).strip() else type(original).__name__
    )
    lower = str(original).lower()
    if "password authentication failed" in lower or "no password supplied" in lower:
        return f"The server rejected the user name or password{where}."
    if any(sign in lower for sign in _CONNECTION_LOST):
        return (
            f"The connection to the database server was lost{where}: the change in progress "
            "was not confirmed, so check it and try again once the server is reachable."
        )
    if "connection refused" in lower:
        return f"The database server refused the connection{where}: is it running and listening?"
    if "timeout expired" in lower or "timed out" in lower:
        return (
            f"The database server did not answer in time{where}: check the host, port and network."
        )
    if "could not translate host name" in lower or "name or service not known" in lower:
        return f"The database host name could not be found{where}."
    if "does not exist" in lower and "database" in lower:
        return f"The database does not exist on the server{where}: ask an admin to create it."
    if "ssl" in lower and ("required" in lower or "unsupported" in lower or "not support" in lower):
        return f"The server and the client disagree about SSL{where}: {message}"
    if "file is not a database" in lower or "database disk image is malformed" in lower:
        return f"The file is not a usable AsyncOps database{where}: open another file or restore a backup."
    if "unable to open database file" in lower:
        return f"The database file cannot be opened{where}: check that the folder exists and is writable."
    if "readonly" in lower or "read-only" in lower:
        return f"The database is read-only{where}: check the file's permissions."
    if "database is locked" in lower:
        return f"The database is locked by another program{where}: close it and try again."
    if "statement timeout" in lower or "canceling statement" in lower:
        return f"The database took too long to answer{where} and the request was cancelled."
    # One sentence whatever the driver said: one line, ending with a full stop.
    message = " ".join(message.split()).rstrip(".")
    return f"Database error{where}: {message}."


_SQLITE_MAGIC = b"SQLite format 3\x00"

# SQLite files this process has connections open on (resolved path -> open connections).
_open_sqlite_files: dict[Path, int] = {}
_open_sqlite_files_lock = threading.Lock()


def _track_open_connections(engine: Engine, path: Path) -> None:
    """Count the engine's open connections on ``path`` (see ``check_sqlite_file``)."""
    key = path.expanduser().resolve()

    def opened(_dbapi_connection: object, _record: object) -> None:
        with _open_sqlite_files_lock:
            _open_sqlite_files[key] = _open_sqlite_files.get(key, 0) + 1

    def closed(_dbapi_connection: object, _record: object = None) -> None:
        with _open_sqlite_files_lock:
            left = _open_sqlite_files.get(key, 0) - 1
            if left > 0:
                _open_sqlite_files[key] = left
            else:
                _open_sqlite_files.pop(key, None)

    event.listen(engine, "connect", opened)
    event.listen(engine, "close", closed)
    event.listen(engine, "close_detached", closed)


def sqlite_file_in_use(path: Path) -> bool:
    """Whether this process has a connection open on the SQLite file ``path``."""
    key = path.expanduser().resolve()
    with _open_sqlite_files_lock:
        return _open_sqlite_files.get(key, 0) > 0


def check_sqlite_file(path: Path) -> None:
    """Refuse a file whose size is not whole pages: it was cut short (copy, disk, sync tool).

    SQLite writes its main file in whole pages, also during a checkpoint, so any other size
    means data is missing. SQLite itself notices a file shorter than its header's page count,
    but not a last page cut partway. Empty files are new databases.

    Not done while this process has the file open through SQLite (it was checked before
    the first connection): closing any descriptor of a file releases every POSIX lock the
    process holds on it, the SQLite connections' too. Another process closing its last
    connection would then take this one's connections for gone, checkpoint and delete the
    write-ahead log under them, and commits they make afterwards would be lost.
    """
    if sqlite_file_in_use(path):
        return
    try:
        with path.open("rb") as handle:
            header = handle.read(100)
        size = path.stat().st_size
    except OSError as exc:
        raise DatabaseUnavailable(
            f"The database file cannot be opened ({path}): {exc.strerror or exc}."
        ) from exc
    if size == 0:
        return
    damaged = (
        f"The file is not a usable AsyncOps database ({path}): open another file or "
        "restore a backup."
    )
    if len(header) < 100 or not header.startswith(_SQLITE_MAGIC):
        raise DatabaseUnavailable(damaged)
    page_size = int.from_bytes(header[16:18], "big")
    page_size = 65_536 if page_size == 1 else page_size
    if page_size < 512 or size % page_size:
        raise DatabaseUnavailable(damaged)


class Database:
    """An engine plus session factories: ``read()`` for queries, ``write()`` for one user action."""

    def __init__(self, url: str, settings: ConnectionSettings | None = None) -> None:
        self.url = normalise_url(url)
        self.engine = create_db_engine(self.url, settings)
        self._reader = sessionmaker(self.engine, expire_on_commit=False)
        self._writer = sessionmaker(
            self.engine.execution_options(sqlite_immediate=True), expire_on_commit=False
        )

    @property
    def dialect(self) -> str:
        """``postgresql`` or ``sqlite``."""
        return self.engine.dialect.name

    @property
    def masked_url(self) -> str:
        """The URL without its password, for display."""
        return mask_url(self.url)

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A session for queries, in one transaction that ends when the block does."""
        with self._reader() as session, session.begin():
            yield session

    @contextmanager
    def write(self) -> Iterator[Session]:
        """A session for one user action: commits at the end, rolls back on any error."""
        with self._writer() as session, session.begin():
            yield session

    def ping(self) -> None:
        """Open a connection, or raise ``DatabaseUnavailable`` with a readable reason."""
        path = sqlite_path(self.url)
        if path is not None and path.exists():
            check_sqlite_file(path)
        try:
            with self.engine.connect() as conn:
                conn.exec_driver_sql("SELECT 1")
        except (DBAPIError, SQLAlchemyError) as exc:
            raise DatabaseUnavailable(describe_error(exc, self.url)) from exc

    def check_usable(self) -> None:
        """On a SQLite file: writable and not locked by another program (after ``ping``).

        A read-only file opens and reads fine, so without this the first save would be the
        first sign; the person is told at once instead.
        """
        if self.dialect != "sqlite":
            return
        path = sqlite_path(self.url)
        # SQLite opens a file it may not write read-only, without a word: ask the system.
        if path is not None and path.exists() and not os.access(path, os.W_OK):
            raise DatabaseUnavailable(
                f"The database file {path} is read-only: check its permissions, "
                "or open a copy you can write to."
            )
        try:
            with self.engine.connect().execution_options(sqlite_immediate=True) as conn:
                conn.begin().commit()
        except (DBAPIError, SQLAlchemyError) as exc:
            raise DatabaseUnavailable(describe_error(exc, self.url)) from exc

    def dispose(self) -> None:
        """Close every pooled connection."""
        self.engine.dispose()

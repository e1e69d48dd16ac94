"""``asyncops-desktop doctor``: what an admin needs to know when something is wrong.

Each line is ``MARK label: value`` where MARK is OK, WARN or FAIL. The exit code is 1 when
something the app cannot work without is broken (the database cannot be reached or would be
refused, the migration scripts are missing, Qt cannot start), else 0.

Qt is checked in a child process: this module belongs to the core and never imports Qt.
"""

from __future__ import annotations

import os
import platform
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from enum import StrEnum
from typing import TextIO
from urllib.parse import quote

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from asyncops_desktop import __version__, migrate
from asyncops_desktop.db import Database, data_dir, mask_url, sqlite_path
from asyncops_desktop.domain.errors import AsyncOpsError

LOW_DISK_BYTES = 500 * 1024 * 1024
QT_CHECK_TIMEOUT_S = 30.0
QT_SELFTEST_MODULE = "ui.qt_selftest"
# Understood by the bundle's entry script (ui/bundle_entry.py), where sys.executable is the app.
QT_SELFTEST_FLAG = "--qt-selftest"

EXIT_OK = 0
EXIT_FAILED = 1


class Mark(StrEnum):
    """How a check came out."""

    OK = "OK"
    WARN = "WARN"
    FAIL = "FAIL"


@dataclass(frozen=True)
class Check:
    """One line of the report."""

    mark: Mark
    label: str
    value: str

    def render(self) -> str:
        """``MARK label: value``, aligned."""
        return f"{self.mark.value:<4} {self.label}: {self.value}"


@dataclass
class _DatabaseFindings:
    """What the database checks learnt, for the checks that follow them."""

    reachable: bool = False
    database: Database | None = None


def report(url: str, out: TextIO) -> int:
    """Print the report; returns the exit code (non-zero when something is broken)."""
    secrets = _secrets_of(url)
    failed = False
    for check in checks(url):
        line = check.render()
        for secret in secrets:
            line = line.replace(secret, "***")
        out.write(line + "\n")
        out.flush()
        failed = failed or check.mark is Mark.FAIL
    if failed:
        out.write("Result: something the app needs is broken (see FAIL above).\n")
        return EXIT_FAILED
    out.write("Result: the app can run here.\n")
    return EXIT_OK


def checks(url: str) -> Iterator[Check]:
    """Every check, in report order, each computed as it is reached."""
    yield Check(Mark.OK, "app version", __version__)
    yield _guarded("python", _python_check)
    yield Check(Mark.OK, "database", mask_url(url))
    findings = _DatabaseFindings()
    try:
        yield _guarded("database reachable", lambda: _reachability_check(url, findings))
        yield _guarded("migrations", _migrations_check)
        yield _guarded("schema", lambda: _schema_check(url, findings))
    finally:
        if findings.database is not None:
            findings.database.dispose()
    yield _guarded("sqlalchemy", _sqlalchemy_check)
    yield _guarded("alembic", _alembic_check)
    yield _guarded("psycopg", lambda: _psycopg_check(url))
    yield _guarded("keyring", _keyring_check)
    yield _guarded("qt", qt_platform_check)
    yield _guarded("data directory", _data_dir_check)
    yield _guarded("free disk space", lambda: _disk_check(url))


def _guarded(label: str, check: Callable[[], Check]) -> Check:
    """Run one check; an unexpected error becomes a FAIL line instead of a traceback."""
    try:
        return check()
    except Exception as exc:
        return Check(Mark.FAIL, label, f"the check itself failed ({type(exc).__name__}: {exc})")


def _secrets_of(url: str) -> list[str]:
    """The URL's password as written and decoded, to scrub from driver messages."""
    try:
        password = make_url(url).password
    except ArgumentError:
        return []
    if not password:
        return []
    variants = {str(password), quote(str(password), safe="")}
    # Longest first, so a decoded password inside its encoded form is not half-replaced.
    return sorted((v for v in variants if len(v) >= 3), key=len, reverse=True)


def _python_check() -> Check:
    bundle = " (PyInstaller bundle)" if getattr(sys, "frozen", False) else ""
    return Check(
        Mark.OK,
        "python",
        f"{platform.python_version()} ({platform.python_implementation()}) "
        f"on {platform.platform()}{bundle}",
    )


def _reachability_check(url: str, findings: _DatabaseFindings) -> Check:
    path = sqlite_path(url)
    if path is not None and not path.exists():
        folder = path.parent
        if not folder.is_dir():
            return Check(Mark.FAIL, "database reachable", f"no: the folder {folder} does not exist")
        if not os.access(folder, os.W_OK):
            return Check(
                Mark.FAIL, "database reachable", f"no: the folder {folder} is not writable"
            )
        # Doctor only looks: creating the file is the app's job on first launch.
        return Check(
            Mark.WARN,
            "database reachable",
            "the file does not exist yet: the app creates it on first launch",
        )
    try:
        database = Database(url)
        findings.database = database
        database.ping()
    except AsyncOpsError as exc:
        return Check(Mark.FAIL, "database reachable", f"no: {exc}")
    findings.reachable = True
    if database.dialect == "sqlite":
        import sqlite3

        return Check(Mark.OK, "database reachable", f"yes (SQLite {sqlite3.sqlite_version})")
    info = database.engine.dialect.server_version_info or ()
    version = ".".join(str(part) for part in info) or "unknown version"
    return Check(Mark.OK, "database reachable", f"yes (PostgreSQL {version})")


def _migrations_check() -> Check:
    try:
        location = migrate.migrations_dir()
        head = migrate.head_revision()
    except AsyncOpsError as exc:
        return Check(Mark.FAIL, "migrations", str(exc))
    return Check(Mark.OK, "migrations", f"{location} (newest revision {head})")


def _schema_check(url: str, findings: _DatabaseFindings) -> Check:
    if findings.database is None or not findings.reachable:
        path = sqlite_path(url)
        if path is not None and not path.exists() and path.parent.is_dir():
            return Check(Mark.OK, "schema", "created with the file on first launch")
        return Check(Mark.WARN, "schema", "not checked: the database cannot be reached")
    try:
        state = migrate.schema_state(findings.database.engine)
    except AsyncOpsError as exc:
        return Check(Mark.FAIL, "schema", str(exc))
    summary = f"{state.current or 'none'} (app head {state.head}: {state.status.value})"
    if state.status is migrate.SchemaStatus.CURRENT:
        return Check(Mark.OK, "schema", summary)
    if state.status is migrate.SchemaStatus.NEWER:
        return Check(
            Mark.FAIL,
            "schema",
            f"{summary}: migrated by a newer version of the app, which this one refuses to open",
        )
    if findings.database.dialect == "sqlite":
        return Check(
            Mark.WARN, "schema", f"{summary}: the app upgrades the file at launch, after a backup"
        )
    return Check(
        Mark.FAIL,
        "schema",
        f"{summary}: the app will not open it until an admin runs 'asyncops-desktop db upgrade'",
    )


def _sqlalchemy_check() -> Check:
    import sqlalchemy

    return Check(Mark.OK, "sqlalchemy", sqlalchemy.__version__)


def _alembic_check() -> Check:
    import alembic

    return Check(Mark.OK, "alembic", alembic.__version__)


def _psycopg_check(url: str) -> Check:
    needed = make_url(url).get_backend_name() == "postgresql"
    try:
        import psycopg
    except ImportError as exc:
        mark = Mark.FAIL if needed else Mark.WARN
        return Check(mark, "psycopg", f"not usable ({exc}): PostgreSQL cannot be used")
    implementation = psycopg.pq.__impl__
    libpq = psycopg.pq.version()
    libpq_text = f"{libpq // 10000}.{libpq % 10000}" if libpq >= 100000 else str(libpq)
    value = f"{psycopg.__version__} ({implementation} implementation, libpq {libpq_text})"
    if implementation == "python":
        return Check(Mark.WARN, "psycopg", f"{value}: pure Python, slower; install psycopg[binary]")
    return Check(Mark.OK, "psycopg", value)


def _keyring_check() -> Check:
    # The same verdict the app acts on when it offers to remember a password.
    from asyncops_desktop.credentials import keyring_status

    status = keyring_status()
    value = f"{status.backend} (priority {status.priority:g}): {status.reason}"
    return Check(Mark.OK if status.usable else Mark.WARN, "keyring", value)


def qt_selftest_command() -> list[str]:
    """The command that starts Qt in a child process (the app itself when bundled)."""
    if getattr(sys, "frozen", False):
        return [sys.executable, QT_SELFTEST_FLAG]
    return [sys.executable, "-m", QT_SELFTEST_MODULE]


def qt_platform_check(timeout_s: float = QT_CHECK_TIMEOUT_S) -> Check:
    """Start Qt in a child process with this environment's QT_QPA_PLATFORM and report."""
    requested = os.environ.get("QT_QPA_PLATFORM")
    platform_note = f" (QT_QPA_PLATFORM={requested})" if requested else ""
    try:
        done = subprocess.run(
            qt_selftest_command(),
            capture_output=True,
            text=True,
            timeout=timeout_s,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return Check(Mark.FAIL, "qt", f"Qt did not start within {timeout_s:g} s{platform_note}")
    except OSError as exc:
        return Check(Mark.FAIL, "qt", f"the Qt check could not be run: {exc}")
    facts = dict(line.split(": ", 1) for line in done.stdout.splitlines() if ": " in line)
    if done.returncode != 0 or "platform" not in facts:
        hint = ""
        if sys.platform.startswith("linux") and not (
            requested or os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")
        ):
            hint = " (no display here: set QT_QPA_PLATFORM=offscreen to run without one)"
        return Check(Mark.FAIL, "qt", f"Qt cannot start{platform_note}: {_qt_reason(done)}{hint}")
    value = (
        f"platform plugin '{facts['platform']}' loads{platform_note}; "
        f"Qt {facts.get('qt', '?')}, PySide6 {facts.get('pyside6', '?')}"
    )
    if facts.get("svg") != "yes":
        return Check(Mark.WARN, "qt", f"{value}; SVG images cannot be read, icons will be blank")
    return Check(Mark.OK, "qt", value)


def _qt_reason(done: subprocess.CompletedProcess[str]) -> str:
    lines = [line.strip() for line in done.stderr.splitlines() if line.strip()]
    # Qt's own plugin messages say what is missing (a library, a display); prefer them.
    plugin_lines = [
        line.removeprefix("qt.qpa.plugin:").strip() for line in lines if line.startswith("qt.qpa")
    ]
    if plugin_lines:
        return " ".join(plugin_lines)
    if lines:
        return lines[-1]
    return f"the check exited with code {done.returncode}"


def _data_dir_check() -> Check:
    path = data_dir()
    if not os.access(path, os.W_OK):
        return Check(Mark.WARN, "data directory", f"{path} (not writable)")
    return Check(Mark.OK, "data directory", str(path))


def _disk_check(url: str) -> Check:
    path = sqlite_path(url)
    folder = path.parent if path is not None and path.parent.is_dir() else data_dir()
    free = shutil.disk_usage(folder).free
    value = f"{_size(free)} free at {folder}"
    if free < LOW_DISK_BYTES:
        return Check(
            Mark.WARN,
            "free disk space",
            f"{value}: below {_size(LOW_DISK_BYTES)}, backups before upgrades may fail",
        )
    return Check(Mark.OK, "free disk space", value)


def _size(n: int) -> str:
    value = float(n)
    for unit in ("B", "KB", "MB", "GB"):
        if value < 1024:
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} TB"

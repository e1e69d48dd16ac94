"""Scenario 4 (the core's part): damaged, read-only and locked files give one clear sentence.

``open_database``, ``Database.ping`` and the migration commands must turn each into a
``DatabaseUnavailable`` (or a failed exit with one line on stderr), never a traceback; the
GUI shows that sentence and offers another profile. SQLite only: these are file problems.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from asyncops_desktop import migrate
from asyncops_desktop.db import Database, create_db_engine, sqlite_url
from asyncops_desktop.domain.errors import DatabaseUnavailable


@pytest.fixture
def good_file(tmp_path: Path) -> Path:
    """A migrated database file with its WAL checkpointed into it."""
    path = tmp_path / "good.db"
    engine = create_db_engine(sqlite_url(path))
    migrate.upgrade(engine)
    with engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    return path


def one_sentence(message: str) -> None:
    """A message a person can read: one line, one sentence, no driver noise."""
    assert "\n" not in message and message.endswith("."), message
    assert "Traceback" not in message and "sqlalche.me" not in message, message


def refused(path: Path) -> str:
    """The message ``open_database`` refuses ``path`` with."""
    with pytest.raises(DatabaseUnavailable) as info:
        migrate.open_database(sqlite_url(path)).dispose()
    message = str(info.value)
    one_sentence(message)
    assert str(path) in message
    return message


def truncate_to(size: int) -> Callable[[Path], None]:
    """Cut a file down to ``size`` bytes (negative: that many bytes off the end)."""

    def cut(path: Path) -> None:
        total = path.stat().st_size
        with path.open("r+b") as handle:
            handle.truncate(size if size >= 0 else total + size)

    return cut


DAMAGE: dict[str, Callable[[Path], object]] = {
    "text file": lambda p: p.write_text("Meeting notes, not a database.\n" * 200),
    "random bytes": lambda p: p.write_bytes(os.urandom(16_384)),
    "zeros": lambda p: p.write_bytes(bytes(8_192)),
    "header only": truncate_to(100),
    "half a page": truncate_to(2_000),
    "first page": truncate_to(4_096),
    "half the file": lambda p: truncate_to(p.stat().st_size // 2)(p),
    "last page missing": truncate_to(-4_096),
    "last bytes missing": truncate_to(-10),
}


@pytest.mark.parametrize("damage", DAMAGE)
def test_damaged_file_is_refused_with_a_sentence(good_file: Path, damage: str) -> None:
    """A non-database or truncated file: open, ping and upgrade all say so in one sentence."""
    DAMAGE[damage](good_file)
    message = refused(good_file)
    assert "not a usable AsyncOps database" in message
    database = Database(sqlite_url(good_file))
    try:
        with pytest.raises(DatabaseUnavailable) as info:
            database.ping()
            migrate.schema_state(database.engine)
        one_sentence(str(info.value))
    finally:
        database.dispose()
    err = _cli_error(["--db", str(good_file), "db", "upgrade"])
    assert "not a usable AsyncOps database" in err


def _cli_error(argv: list[str]) -> str:
    """Run the CLI in a child process; it must fail with exactly one line on stderr."""
    result = subprocess.run(
        [sys.executable, "-m", "asyncops_desktop.cli", *argv],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 1, result
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    return lines[0]


@contextmanager
def read_only(path: Path) -> Iterator[None]:
    """Make ``path`` read-only for this process (as root, permissions alone do not stop it)."""
    path.chmod(0o444)
    immutable = os.geteuid() == 0
    if immutable:
        subprocess.run(["chattr", "+i", str(path)], check=True)
    try:
        yield
    finally:
        if immutable:
            subprocess.run(["chattr", "-i", str(path)], check=True)
        path.chmod(0o644)


def test_read_only_file_is_refused_at_open(good_file: Path) -> None:
    """Not at the first save: at once, saying what to do."""
    with read_only(good_file):
        message = refused(good_file)
    assert "read-only" in message


def test_folder_that_is_gone(tmp_path: Path) -> None:
    """A profile pointing into a removed folder."""
    missing = tmp_path / "gone" / "asyncops.db"
    with pytest.raises(DatabaseUnavailable) as info:
        migrate.open_database(sqlite_url(missing))
    one_sentence(str(info.value))


def test_file_locked_by_another_process(good_file: Path) -> None:
    """Another program holding an exclusive lock: "locked", after the busy timeout."""
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sqlite3, sys, time\n"
            f"c = sqlite3.connect({str(good_file)!r}, isolation_level=None)\n"
            "c.execute('PRAGMA locking_mode = EXCLUSIVE')\n"
            "c.execute('BEGIN EXCLUSIVE')\n"
            "c.execute('CREATE TABLE held (x)')\n"
            "print('locked', flush=True)\n"
            "sys.stdin.read()\n",
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
        message = refused(good_file)
        assert "locked by another program" in message
    finally:
        holder.kill()
        holder.wait()
    # Once the other program is gone the same file opens normally.
    migrate.open_database(sqlite_url(good_file)).dispose()


def test_copy_of_a_good_file_still_opens(good_file: Path, tmp_path: Path) -> None:
    """The damage tests prove something only if the undamaged file opens."""
    copy = tmp_path / "copy.db"
    shutil.copyfile(good_file, copy)
    database = migrate.open_database(sqlite_url(copy))
    database.ping()
    database.dispose()

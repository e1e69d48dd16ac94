"""``asyncops-desktop doctor`` on real databases, a real keyring API and a real Qt child."""

from __future__ import annotations

import io
import re
import sys
from collections.abc import Iterator
from pathlib import Path

import keyring
import keyring.backend
import pytest
from keyring.backends import fail

from asyncops_desktop import __version__, cli, doctor, migrate
from asyncops_desktop.db import Database, sqlite_path, sqlite_url

SECTIONS = (
    "app version",
    "python",
    "database",
    "database reachable",
    "migrations",
    "schema",
    "sqlalchemy",
    "alembic",
    "psycopg",
    "keyring",
    "qt",
    "data directory",
    "free disk space",
)
LINE = re.compile(r"^(OK|WARN|FAIL) +(?P<label>[a-z0-9 ]+): (?P<value>.+)$")
UNREACHABLE = "postgresql+psycopg://postgres:s3cr3t-pw@127.0.0.1:1/nowhere"


class MemoryKeyring(keyring.backend.KeyringBackend):
    """A usable in-memory keyring (priority 1), as a desktop's store would be."""

    priority = 1

    def __init__(self) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self.store: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.store.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.store[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        self.store.pop((service, username), None)


@pytest.fixture
def restore_keyring() -> Iterator[None]:
    previous = keyring.get_keyring()
    yield
    keyring.set_keyring(previous)


def run_doctor(url: str) -> tuple[int, dict[str, tuple[str, str]], str]:
    """Exit code, {label: (mark, value)} and the whole text."""
    out = io.StringIO()
    code = doctor.report(url, out)
    text = out.getvalue()
    lines = text.splitlines()
    assert lines[-1].startswith("Result: ")
    found: dict[str, tuple[str, str]] = {}
    for line in lines[:-1]:
        match = LINE.match(line)
        assert match, f"not 'MARK label: value': {line!r}"
        found[match["label"]] = (match[1], match["value"])
    return code, found, text


def test_a_good_database_passes_with_every_section(db_url: str) -> None:
    code, found, text = run_doctor(db_url)
    assert code == 0, text
    assert list(found) == list(SECTIONS)
    assert found["app version"] == ("OK", __version__)
    assert found["database reachable"][0] == "OK"
    assert found["schema"] == (
        "OK",
        f"{migrate.head_revision()} (app head {migrate.head_revision()}: current)",
    )
    assert found["migrations"][0] == "OK"
    assert re.match(r"\d+\.\d+", found["sqlalchemy"][1])
    assert re.match(r"\d+\.\d+", found["alembic"][1])
    assert re.search(r"\((binary|c|python) implementation, libpq \d+", found["psycopg"][1])
    assert found["qt"][0] == "OK"
    assert "platform plugin 'offscreen' loads" in found["qt"][1]
    assert "FAIL" not in text
    assert text.rstrip().endswith("Result: the app can run here.")


def test_an_unreachable_server_fails_in_one_readable_sentence() -> None:
    code, found, text = run_doctor(UNREACHABLE)
    assert code == 1
    mark, value = found["database reachable"]
    assert mark == "FAIL"
    assert "refused the connection" in value
    assert "is it running and listening?" in value
    assert found["schema"][0] == "WARN"
    assert "s3cr3t-pw" not in text
    assert "postgres:***@127.0.0.1:1/nowhere" in text
    assert "Traceback" not in text


def test_doctor_runs_through_the_cli(db_url: str) -> None:
    out = io.StringIO()
    assert cli.main(["doctor", "--db", db_url], out=out) == 0
    assert "OK   database reachable: yes" in out.getvalue()
    out = io.StringIO()
    assert cli.main(["--db", UNREACHABLE, "doctor"], out=out) == 1
    assert "s3cr3t-pw" not in out.getvalue()


def test_a_database_from_a_newer_app_fails(db_url: str) -> None:
    database = Database(db_url)
    try:
        with database.write() as session:
            session.connection().exec_driver_sql(
                "UPDATE alembic_version SET version_num = '9999_future'"
            )
    finally:
        database.dispose()
    code, found, _ = run_doctor(db_url)
    assert code == 1
    mark, value = found["schema"]
    assert mark == "FAIL"
    assert value.startswith("9999_future (app head")
    assert value.endswith("which this one refuses to open")


def test_an_empty_database(empty_db_url: str, backend: str) -> None:
    """An embedded file is created at launch; a server database waits for an admin."""
    code, found, _ = run_doctor(empty_db_url)
    if backend == "sqlite":
        assert code == 0
        assert found["database reachable"] == (
            "WARN",
            "the file does not exist yet: the app creates it on first launch",
        )
        path = sqlite_path(empty_db_url)
        # Doctor only looks: it does not create the file.
        assert path is not None and not path.exists()
        return
    assert code == 1
    mark, value = found["schema"]
    assert mark == "FAIL"
    assert "empty" in value and "asyncops-desktop db upgrade" in value


def test_an_old_embedded_file_is_upgraded_by_the_app_so_only_warns(tmp_path: Path) -> None:
    url = sqlite_url(tmp_path / "old.db")
    database = Database(url)
    try:
        database.ping()  # creates an empty file: no schema yet
    finally:
        database.dispose()
    code, found, _ = run_doctor(url)
    assert code == 0
    mark, value = found["schema"]
    assert mark == "WARN"
    assert "upgrades the file at launch" in value


def test_a_missing_folder_fails(tmp_path: Path) -> None:
    code, found, _ = run_doctor(sqlite_url(tmp_path / "absent" / "x.db"))
    assert code == 1
    assert found["database reachable"] == (
        "FAIL",
        f"no: the folder {tmp_path / 'absent'} does not exist",
    )


def test_keyring_without_a_usable_backend_warns(restore_keyring: None, db_url: str) -> None:
    keyring.set_keyring(fail.Keyring())  # type: ignore[no-untyped-call]
    code, found, _ = run_doctor(db_url)
    assert code == 0
    mark, value = found["keyring"]
    assert mark == "WARN"
    assert value.startswith("keyring.backends.fail.Keyring (priority 0): ")
    assert "no usable keyring" in value
    assert "passwords will be asked each time" in value


def test_a_usable_keyring_is_ok(restore_keyring: None, db_url: str) -> None:
    keyring.set_keyring(MemoryKeyring())
    _, found, _ = run_doctor(db_url)
    mark, value = found["keyring"]
    assert mark == "OK"
    assert value.startswith(f"{__name__}.MemoryKeyring (priority 1): ")


def test_qt_that_cannot_load_its_platform_fails_readably(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("QT_QPA_PLATFORM", "no-such-platform")
    check = doctor.qt_platform_check()
    assert check.mark is doctor.Mark.FAIL
    assert check.value.startswith("Qt cannot start (QT_QPA_PLATFORM=no-such-platform): ")
    assert "no-such-platform" in check.value.split(": ", 1)[1]
    assert "Traceback" not in check.value


def test_the_qt_check_asks_the_bundle_itself_when_frozen(monkeypatch: pytest.MonkeyPatch) -> None:
    assert doctor.qt_selftest_command() == [sys.executable, "-m", "ui.qt_selftest"]
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    assert doctor.qt_selftest_command() == [sys.executable, "--qt-selftest"]


def test_low_disk_space_warns(monkeypatch: pytest.MonkeyPatch, db_url: str) -> None:
    monkeypatch.setattr(doctor, "LOW_DISK_BYTES", 1 << 60)
    code, found, _ = run_doctor(db_url)
    assert code == 0
    mark, value = found["free disk space"]
    assert mark == "WARN"
    assert "backups before upgrades may fail" in value


def test_a_password_is_scrubbed_even_from_driver_messages() -> None:
    out = io.StringIO()
    # A password with characters that URL-encoding changes.
    url = "postgresql+psycopg://postgres:p%40ss%2Fw0rd@127.0.0.1:1/nowhere"
    assert doctor.report(url, out) == 1
    text = out.getvalue()
    assert "p@ss/w0rd" not in text
    assert "p%40ss%2Fw0rd" not in text

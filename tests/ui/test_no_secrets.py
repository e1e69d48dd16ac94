"""After a whole session, no password, hash or token is in a file, QSettings, an export or the log.

The session: connect to a server profile whose database password is remembered in the keyring
(a real login role with a password), sign in with "keep me signed in", change the password,
sign out and in again, reopen the app (the saved sign-in is used), export decisions as CSV
and MADR and the dashboard summary as Markdown, hit a bug whose message quotes the
connection URL and an unhandled exception, sign out. Then every file under the config,
data, cache and state folders, the exports, QSettings and the captured log is searched for
each secret, as is and in the usual encodings. On SQLite there is no database password; the
rest is the same.
"""

from __future__ import annotations

import base64
import datetime as dt
import logging
import os
import sys
import uuid
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from urllib.parse import quote, quote_plus

import psycopg
import pytest
from psycopg import sql
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QWidget
from pytestqt.exceptions import TimeoutError as WaitTimedOut
from pytestqt.qtbot import QtBot
from session_support import (
    ADMIN_EMAIL,
    ADMIN_PASSWORD,
    TIMEOUT_MS,
    Driver,
    driving,
    profile_for,
    type_into,
)
from sqlalchemy import text
from sqlalchemy.engine import URL, make_url

from asyncops_desktop.credentials import KEYRING_SERVICE
from asyncops_desktop.db import Database, normalise_url, sqlite_path
from asyncops_desktop.domain.errors import DatabaseUnavailable
from asyncops_desktop.logs import log_unhandled, redact
from asyncops_desktop.privileges import grant_sql
from asyncops_desktop.profiles import ProfileStore
from asyncops_desktop.services.auth import token_digest
from asyncops_desktop.services.base import Actor
from asyncops_desktop.services.decisions import DecisionService
from ui.app import AppController, app_settings
from ui.dialogs.decisions_io import export_decisions_csv, export_decisions_madr
from ui.dialogs.my_profile import MyProfileDialog
from ui.pages.dashboard import DashboardPage

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")

DATABASE_PASSWORD = "db-pass Q7v!x2@#%/"
NEW_PASSWORD = "after-change-R4m#k9"


@pytest.fixture
def driver(qtbot: QtBot) -> Iterator[Driver]:
    """Starts controllers and closes them all after the test."""
    with driving(qtbot) as made:
        yield made


@pytest.fixture
def login_role(db_url: str, backend: str) -> Iterator[str | None]:
    """On PostgreSQL: a least-privilege login role with a password, for the app to connect as.

    The test server trusts local connections, so the password is not checked, but the app
    still sends it: it must be remembered and used like any other.
    """
    if backend != "postgresql":
        yield None
        return
    role = f"asyncops_secret_{uuid.uuid4().hex[:10]}"
    conninfo = make_url(db_url).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute(grant_sql(role))
        conn.execute(
            sql.SQL("ALTER ROLE {} LOGIN PASSWORD {}").format(
                sql.Identifier(role), sql.Literal(DATABASE_PASSWORD)
            )
        )
        try:
            yield role
        finally:
            conn.execute(sql.SQL("DROP OWNED BY {}").format(sql.Identifier(role)))
            conn.execute(sql.SQL("DROP ROLE {}").format(sql.Identifier(role)))


def encodings(secret: str) -> set[str]:
    """The secret as is and as URL encoding, base64 or hex would write it."""
    raw = secret.encode("utf-8")
    b64 = base64.b64encode(raw).decode("ascii")
    url_b64 = base64.urlsafe_b64encode(raw).decode("ascii")
    # As a password inside a SQLAlchemy URL (which leaves spaces as they are).
    in_url = URL.create("postgresql", username="u", password=secret, host="h")
    rendered = in_url.render_as_string(hide_password=False)
    return {
        secret,
        rendered.removeprefix("postgresql://u:").removesuffix("@h"),
        quote(secret, safe=""),
        quote_plus(secret),
        b64,
        b64.rstrip("="),
        url_b64.rstrip("="),
        raw.hex(),
    }


def _files_under(*roots: Path) -> list[Path]:
    return [path for root in roots if root.exists() for path in root.rglob("*") if path.is_file()]


def _password_hash(database: Database, email: str) -> str:
    with database.read() as session:
        value = session.execute(
            text("SELECT password_hash FROM users WHERE email = :e"), {"e": email}
        ).scalar_one()
    return str(value)


def _remembered_token(entries: dict[tuple[str, str], str], profile_id: str) -> str | None:
    return entries.get((KEYRING_SERVICE, f"profile:{profile_id}:token"))


def _change_password(qtbot: QtBot, controller: AppController) -> None:
    controller.window.profile_action.trigger()
    dialog = controller.profile_dialog
    assert isinstance(dialog, MyProfileDialog)
    qtbot.waitUntil(dialog.isVisible)
    type_into(dialog.current_edit, ADMIN_PASSWORD)
    type_into(dialog.passwords.password_edit, NEW_PASSWORD)
    type_into(dialog.passwords.confirm_edit, NEW_PASSWORD)
    with qtbot.waitSignal(dialog.password_changed, timeout=TIMEOUT_MS):
        dialog.change_button.click()
    dialog.reject()


def _export_everything(qtbot: QtBot, controller: AppController, folder: Path) -> list[Path]:
    """Decisions as CSV and MADR, the dashboard's summary as Markdown, as a person would."""
    context = controller.context
    assert context is not None
    parent = QWidget()
    qtbot.addWidget(parent)
    csv_export = export_decisions_csv(parent, context, None)
    csv_file = folder / "decisions.csv"
    with qtbot.waitSignal(csv_export.exported, timeout=TIMEOUT_MS):
        csv_export.file_dialog.fileSelected.emit(str(csv_file))
    madr_export = export_decisions_madr(parent, context, None)
    madr_folder = folder / "madr"
    with qtbot.waitSignal(madr_export.exported, timeout=TIMEOUT_MS):
        madr_export.file_dialog.fileSelected.emit(str(madr_folder))
    for export in (csv_export, madr_export):
        if export.result_box is not None:
            export.result_box.close()
    runner = controller.summary_runner
    assert runner is not None
    qtbot.waitUntil(lambda: not runner.is_running, timeout=TIMEOUT_MS)
    controller.window.show_page("Dashboard")
    dashboard = controller.window.current_page()
    assert isinstance(dashboard, DashboardPage)
    try:
        qtbot.waitUntil(lambda: bool(dashboard.markdown()), timeout=TIMEOUT_MS // 2)
    except WaitTimedOut:
        # Seen once in a while on a loaded machine: the day shows no summary yet. A person
        # presses Refresh, which recomputes today's summary.
        dashboard.refresh()
        qtbot.waitUntil(lambda: bool(dashboard.markdown()), timeout=TIMEOUT_MS)
    summary_file = folder / "summary.md"
    dashboard.save_markdown(str(summary_file))
    written = [csv_file, summary_file, *madr_folder.iterdir()]
    assert all(path.is_file() and path.stat().st_size > 0 for path in written)
    return written


def _hit_bugs(qtbot: QtBot, controller: AppController, password_hash: str) -> None:
    """Jobs failing with the URL or a statement's parameters in their message; an unhandled one."""
    url = controller.url
    handle = controller.handle
    assert url is not None and handle is not None and handle.database is not None
    database = handle.database

    def broken_job() -> None:
        raise RuntimeError(f"could not use {url}")

    def broken_statement() -> None:
        try:
            with database.write() as session:
                session.execute(
                    text("UPDATE users SET password_hash = :h WHERE no_such_column = 1"),
                    {"h": password_hash},
                )
        except Exception as exc:
            raise RuntimeError(f"could not save: {exc}") from exc

    failures: list[str] = []
    for job in (broken_job, broken_statement):
        controller.worker.submit(job, lambda _result: None, failures.append)
    qtbot.waitUntil(lambda: len(failures) == 2, timeout=TIMEOUT_MS)
    try:
        raise ConnectionError(f"lost {url} while saving")
    except ConnectionError:
        # What the app's sys.excepthook does with an exception no slot caught.
        exc_type, exc, tb = sys.exc_info()
        assert exc_type is not None and exc is not None
        log_unhandled(exc_type, exc, tb)


def test_a_full_session_leaves_no_secret_behind(
    driver: Driver,
    qtbot: QtBot,
    db_url: str,
    database: Database,
    admin: Actor,
    login_role: str | None,
    memory_keyring: object,
    caplog: pytest.LogCaptureFixture,
    capfd: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    caplog.set_level(logging.DEBUG)
    home = Path(os.environ["XDG_CONFIG_HOME"]).parent
    monkeypatch.setenv("XDG_CACHE_HOME", str(home / "cache"))
    monkeypatch.setenv("XDG_STATE_HOME", str(home / "state"))
    DecisionService(database, admin).record(
        title="Rotate the keys",
        description="Quarterly.",
        context="Audit finding.",
        outcome="Done by ops.",
        decision_date=dt.date.today(),
        tags=["security"],
        participant_ids=[admin.user_id],
    )
    entries: dict[tuple[str, str], str] = getattr(memory_keyring, "entries")  # noqa: B009
    profile = profile_for(db_url, "Team")
    if login_role is not None:
        profile = replace(profile, user=login_role)
    profile = ProfileStore().add(profile)
    driver.answer_password_prompts = False
    hashes = {_password_hash(database, ADMIN_EMAIL)}

    # 1. Connect, remembering the database password; sign in, keeping the sign-in.
    controller = driver.start()
    if profile.needs_password:
        prompt = driver.dialog(lambda: controller.password_dialog)
        type_into(prompt.password_edit, DATABASE_PASSWORD)
        prompt.remember_check.setChecked(True)
        QTest.keyClick(prompt.password_edit, Qt.Key.Key_Return)
    driver.sign_in(controller, ADMIN_EMAIL, ADMIN_PASSWORD, keep=True)
    if profile.needs_password:
        assert controller.url is not None and make_url(controller.url).password == (
            DATABASE_PASSWORD
        )
        assert make_url(controller.url).username == login_role
        assert entries[(KEYRING_SERVICE, f"profile:{profile.id}:password")] == DATABASE_PASSWORD
    tokens = {_remembered_token(entries, profile.id)}

    # 2. Change the password (it revokes the saved sign-in), sign out and in again, keeping it.
    _change_password(qtbot, controller)
    hashes.add(_password_hash(database, ADMIN_EMAIL))
    assert _remembered_token(entries, profile.id) is None
    with qtbot.waitSignal(controller.signed_out, timeout=TIMEOUT_MS):
        controller.window.sign_out_action.trigger()
    driver.sign_in(controller, ADMIN_EMAIL, NEW_PASSWORD, keep=True)
    tokens.add(_remembered_token(entries, profile.id))
    driver.quit(controller)

    # 3. Reopen the app: the remembered password and sign-in are used without asking.
    reopened = driver.make()
    with qtbot.waitSignal(reopened.signed_in, timeout=TIMEOUT_MS):
        reopened.start()
    assert reopened.password_dialog is None and reopened.sign_in_dialog is None
    assert "Signed in with the saved sign-in for Team" in caplog.text

    # 4. Exports, a bug and an unhandled exception, then signing out (revokes the sign-in).
    exports = _export_everything(qtbot, reopened, tmp_path)
    _hit_bugs(qtbot, reopened, _password_hash(database, ADMIN_EMAIL))
    with qtbot.waitSignal(reopened.signed_out, timeout=TIMEOUT_MS):
        reopened.window.sign_out_action.trigger()
    driver.sign_in_dialog(reopened)
    assert _remembered_token(entries, profile.id) is None
    driver.quit(reopened)

    secrets = {ADMIN_PASSWORD, NEW_PASSWORD} | {t for t in tokens if t is not None}
    if profile.needs_password:
        secrets.add(DATABASE_PASSWORD)
    # Only the database itself may hold these.
    digests = hashes | {token_digest(t) for t in tokens if t is not None}
    assert len(secrets) == (5 if profile.needs_password else 4) and len(digests) == 4

    homes = [home / name for name in ("config", "data", "cache", "state")]
    places = _files_under(*homes)
    settings = app_settings()
    assert Path(settings.fileName()) in places
    assert any(path.name == "profiles.json" for path in places)
    texts = {str(path): path.read_bytes().decode("utf-8", "replace") for path in places}
    texts.update({str(path): path.read_text(encoding="utf-8") for path in exports})
    texts["QSettings"] = "\n".join(f"{key}={settings.value(key)}" for key in settings.allKeys())
    captured = capfd.readouterr()
    texts["log"] = caplog.text
    texts["stdout"], texts["stderr"] = captured.out, captured.err
    # The bug's message and the unhandled exception were logged, with the URL masked.
    assert "could not use" in caplog.text and "lost " in caplog.text
    assert "could not save" in caplog.text and "no_such_column" in caplog.text
    assert "Unhandled error" in caplog.text
    if profile.needs_password:
        assert f"{login_role}:***@" in caplog.text
    database_files = []
    local_file = sqlite_path(db_url)
    if local_file is not None:
        database_files = [local_file, *local_file.parent.glob(local_file.name + "-*")]
    database_texts = {
        str(path): path.read_bytes().decode("utf-8", "replace") for path in database_files
    }
    for secret in secrets:
        for form in encodings(secret):
            for where, content in (texts | database_texts).items():
                assert form not in content, f"a secret ({form[:3]}…) was found in {where}"
    for digest in digests:
        for form in encodings(digest):
            for where, content in texts.items():
                assert form not in content, f"a hash ({form[:6]}…) was found in {where}"


def test_a_url_that_cannot_be_used_is_not_repeated_with_its_password() -> None:
    with pytest.raises(DatabaseUnavailable, match="port must be a number") as failure:
        normalise_url("postgresql://bob:s3cret pw@db.example.com:five/asyncops")
    assert "s3cret" not in str(failure.value)
    assert "bob:***@db.example.com" in str(failure.value)


@pytest.mark.parametrize(
    ("line", "masked"),
    [
        (
            "could not use postgresql+psycopg://bob:db-pass Q7v%21x2%40@h:5432/d?sslmode=prefer",
            "could not use postgresql+psycopg://bob:***@h:5432/d?sslmode=prefer",
        ),
        (
            "conninfo host=h user=bob password=s3cret dbname=d",
            "conninfo host=h user=bob password=*** dbname=d",
        ),
        ("password = 'two words' host=h", "password = *** host=h"),
        # Nothing to mask: a port, an e-mail address, a URL without a password.
        ("http://h:8080/path for ada@example.com", "http://h:8080/path for ada@example.com"),
        ("postgresql://bob@h/d", "postgresql://bob@h/d"),
    ],
)
def test_log_lines_lose_their_passwords(line: str, masked: str) -> None:
    assert redact(line) == masked

"""An older or empty server schema: an admin may upgrade it, a member is told to ask one."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import psycopg
import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from pytestqt.qtbot import QtBot
from session_support import TIMEOUT_MS, Driver, driving, type_into
from sqlalchemy import text
from sqlalchemy.engine import make_url

from asyncops_desktop import migrate
from asyncops_desktop.db import Database, sqlite_path
from asyncops_desktop.services.users import hash_password
from ui.app import EXIT_FAILED
from ui.dialogs.schema import CLOSE_OTHERS_WARNING, NOT_AN_ADMIN, SchemaDialog
from ui.dialogs.welcome import WelcomeDialog

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")

OLD_REVISION = "0001_initial"
ADMIN = ("old.admin@example.com", "old admin password")
MEMBER = ("old.member@example.com", "old member password")


@pytest.fixture
def driver(qtbot: QtBot) -> Iterator[Driver]:
    """Starts controllers and closes them all after the test."""
    with driving(qtbot) as made:
        yield made


def _older_database(url: str) -> None:
    """Migrate to the first revision and add an admin and a member with that schema's columns."""
    database = Database(url)
    try:
        migrate.upgrade(database.engine, OLD_REVISION)
        with database.engine.begin() as conn:
            for (email, password), role in ((ADMIN, "admin"), (MEMBER, "member")):
                conn.execute(
                    text(
                        "INSERT INTO users (email, password_hash, full_name, role) "
                        "VALUES (:email, :hash, :name, :role)"
                    ),
                    {
                        "email": email,
                        "hash": hash_password(password, 4),
                        "name": email.split("@")[0],
                        "role": role,
                    },
                )
    finally:
        database.dispose()


def _state(url: str) -> migrate.SchemaStatus:
    database = Database(url)
    try:
        return migrate.schema_state(database.engine).status
    finally:
        database.dispose()


def test_an_admin_upgrades_an_older_schema_and_a_member_is_told_to_ask(
    driver: Driver, qtbot: QtBot, empty_db_url: str, backend: str
) -> None:
    _older_database(empty_db_url)
    controller = driver.start(db_url=empty_db_url)
    if backend == "sqlite":
        # An embedded file is this user's own: it is backed up and upgraded on opening.
        driver.sign_in_dialog(controller)
        assert controller.schema_dialog is None
        assert _state(empty_db_url) is migrate.SchemaStatus.CURRENT
        path = sqlite_path(empty_db_url)
        assert path is not None and list(path.parent.glob(f"{path.name}.*.bak"))
        return

    dialog = driver.dialog(lambda: controller.schema_dialog)
    assert isinstance(dialog, SchemaDialog) and not dialog.empty
    assert OLD_REVISION in dialog.intro.text()
    assert controller.session is None
    assert not controller.window.overview.rows_box.isVisible()

    type_into(dialog.email_edit, MEMBER[0])
    type_into(dialog.password_edit, MEMBER[1])
    QTest.keyClick(dialog.password_edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: dialog.message.isVisible(), timeout=TIMEOUT_MS)
    assert dialog.message.text() == NOT_AN_ADMIN
    assert not dialog.upgrade_button.isVisible()
    assert _state(empty_db_url) is migrate.SchemaStatus.OLDER

    type_into(dialog.email_edit, ADMIN[0])
    type_into(dialog.password_edit, ADMIN[1])
    QTest.keyClick(dialog.password_edit, Qt.Key.Key_Return)
    qtbot.waitUntil(dialog.upgrade_button.isVisible, timeout=TIMEOUT_MS)
    assert dialog.warning.isVisible() and dialog.warning.text() == CLOSE_OTHERS_WARNING
    with qtbot.waitSignal(controller.database_opened, timeout=TIMEOUT_MS) as opened:
        dialog.upgrade_button.click()
        # Busy while the migration runs; it cannot be cancelled half-way.
        assert dialog.busy.isVisible() and not dialog.cancel_button.isEnabled()
        QTest.keyClick(dialog, Qt.Key.Key_Escape)
        assert dialog.isVisible()
    assert opened.args[0].status is migrate.SchemaStatus.CURRENT
    assert _state(empty_db_url) is migrate.SchemaStatus.CURRENT
    assert not dialog.isVisible()
    driver.sign_in(controller, *ADMIN)


def test_an_empty_server_database_is_created_by_whoever_may_create_tables(
    driver: Driver, qtbot: QtBot, empty_db_url: str, backend: str
) -> None:
    controller = driver.start(db_url=empty_db_url)
    if backend == "sqlite":
        # A new file needs no offer: it is created and migrated.
        driver.dialog(lambda: controller.welcome_dialog)
        assert controller.schema_dialog is None
        return
    dialog = driver.dialog(lambda: controller.schema_dialog)
    assert dialog.empty and dialog.info.can_create_schema
    assert dialog.upgrade_button.isVisible() and dialog.upgrade_button.isDefault()
    with qtbot.waitSignal(controller.database_opened, timeout=TIMEOUT_MS):
        QTest.keyClick(dialog.upgrade_button, Qt.Key.Key_Return)
    welcome = driver.dialog(lambda: controller.welcome_dialog)
    assert isinstance(welcome, WelcomeDialog)
    assert _state(empty_db_url) is migrate.SchemaStatus.CURRENT


@pytest.fixture
def login_without_create(empty_db_url: str, backend: str) -> Iterator[str]:
    """The empty database's URL for a login that may connect but not create tables."""
    if backend == "sqlite":
        yield empty_db_url
        return
    role = f"asyncops_reader_{uuid.uuid4().hex[:8]}"
    admin = make_url(empty_db_url).set(drivername="postgresql")
    with psycopg.connect(admin.render_as_string(hide_password=False), autocommit=True) as conn:
        conn.execute(f'CREATE ROLE "{role}" LOGIN')
    try:
        yield make_url(empty_db_url).set(username=role).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(admin.render_as_string(hide_password=False), autocommit=True) as conn:
            conn.execute(f'DROP ROLE "{role}"')


def test_a_login_that_may_not_create_tables_is_told_whom_to_ask(
    driver: Driver, qtbot: QtBot, login_without_create: str, backend: str
) -> None:
    controller = driver.start(db_url=login_without_create)
    if backend == "sqlite":
        driver.dialog(lambda: controller.welcome_dialog)
        return
    dialog = driver.dialog(lambda: controller.schema_dialog)
    assert dialog.empty and not dialog.info.can_create_schema
    assert "ask the server's admin" in dialog.intro.text()
    assert not dialog.upgrade_button.isVisible()
    with qtbot.waitSignal(controller.finished, timeout=TIMEOUT_MS) as finished:
        dialog.cancel_button.click()
    assert finished.args == [EXIT_FAILED]
    assert _state(login_without_create) is migrate.SchemaStatus.EMPTY

"""The GUI shell on real databases: opens, shows where it is connected, refuses, closes."""

from __future__ import annotations

import configparser
import logging
from collections.abc import Callable, Iterator
from pathlib import Path

import psycopg
import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QIcon
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QLabel, QMainWindow, QMessageBox, QWidget
from pytestqt.qtbot import QtBot
from sqlalchemy.engine import make_url

from asyncops_desktop import __version__, migrate
from asyncops_desktop.db import Database, mask_url, sqlite_path
from asyncops_desktop.domain.errors import DatabaseUnavailable
from asyncops_desktop.repositories.users import UserRepository
from ui.app import EXIT_FAILED, EXIT_OK, AppController, run_gui
from ui.connection import ConnectionInfo, display_location
from ui.dialogs.schema import SchemaDialog
from ui.main_window import DATABASE_PAGE
from ui.resources import APP_ICON, DESKTOP_ENTRY, app_icon, resource_path, resources_dir
from ui.worker import DatabaseWorker

# The offscreen platform plugin warns whenever a window's size constraints change (xcb and
# the desktop platforms support it); nothing in the app can avoid that.
pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")

OPEN_TIMEOUT_MS = 30_000
FUTURE_REVISION = "9999_from_the_future"


@pytest.fixture
def make_controller(qtbot: QtBot) -> Iterator[Callable[[str | None], AppController]]:
    """Controllers that are always shut down, so no worker thread outlives its test."""
    made: list[AppController] = []

    def make(url: str | None) -> AppController:
        controller = AppController(url)
        qtbot.addWidget(controller.window)
        made.append(controller)
        return controller

    yield make
    for controller in made:
        if controller.worker.is_running:
            with qtbot.waitSignal(controller.worker.stopped, timeout=OPEN_TIMEOUT_MS):
                controller.quit()
                if controller.error_box is not None:
                    controller.error_box.done(0)


def _open(qtbot: QtBot, controller: AppController) -> ConnectionInfo:
    with qtbot.waitSignal(controller.database_opened, timeout=OPEN_TIMEOUT_MS) as blocker:
        controller.start()
    info = blocker.args[0]
    assert isinstance(info, ConnectionInfo)
    return info


def _close(qtbot: QtBot, controller: AppController) -> int:
    with qtbot.waitSignal(controller.finished, timeout=OPEN_TIMEOUT_MS) as blocker:
        controller.window.quit_action.trigger()
    code = blocker.args[0]
    assert isinstance(code, int)
    return code


def _pg_sessions_on(url: str) -> int:
    """Connections the app still holds to a test database on the server."""
    parsed = make_url(url)
    admin = parsed.set(drivername="postgresql", database="postgres")
    with psycopg.connect(admin.render_as_string(hide_password=False), autocommit=True) as conn:
        row = conn.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
            (parsed.database,),
        ).fetchone()
    assert row is not None
    return int(row[0])


def _assert_released(url: str) -> None:
    path = sqlite_path(url)
    if path is None:
        assert _pg_sessions_on(url) == 0
    else:
        # SQLite removes the write-ahead log when the last connection closes.
        assert not Path(f"{path}-wal").exists()


def _stamp(url: str, revision: str) -> None:
    database = Database(url)
    try:
        with database.write() as session:
            session.connection().exec_driver_sql(
                f"UPDATE alembic_version SET version_num = '{revision}'"
            )
    finally:
        database.dispose()


def test_window_opens_on_a_migrated_database(
    qtbot: QtBot, make_controller: Callable[[str | None], AppController], db_url: str
) -> None:
    controller = make_controller(db_url)
    info = _open(qtbot, controller)
    window = controller.window

    location = display_location(db_url)
    head = migrate.head_revision()
    assert info.revision == head
    assert info.status is migrate.SchemaStatus.CURRENT
    assert not info.created
    assert window.windowTitle() == f"AsyncOps Desktop — {location}"
    assert location in window.connection_label.text()
    assert f"schema {head}" in window.connection_label.text()
    assert window.overview.location_label.text() == location
    assert window.overview.schema_label.text() == f"{head} (up to date)"
    assert {label for label, _ in info.row_counts} == set(window.overview.count_labels)
    assert all(count == 0 for _, count in info.row_counts)
    password = make_url(db_url).password
    if password:
        assert str(password) not in window.windowTitle()

    assert _close(qtbot, controller) == EXIT_OK
    assert controller.handle is not None
    assert controller.handle.database is None
    assert not window.isVisible()
    _assert_released(db_url)


def test_first_launch_on_an_empty_database(
    qtbot: QtBot,
    make_controller: Callable[[str | None], AppController],
    empty_db_url: str,
    backend: str,
) -> None:
    """An embedded file is created and migrated; an empty server database is only offered."""
    controller = make_controller(empty_db_url)
    if backend == "sqlite":
        info = _open(qtbot, controller)
        assert info.created
        assert info.revision == migrate.head_revision()
        path = sqlite_path(empty_db_url)
        assert path is not None and path.is_file()
        assert str(path) in controller.window.windowTitle()
        assert "Created a new database" in controller.window.statusBar().currentMessage()
        assert _close(qtbot, controller) == EXIT_OK
        return

    # A server database is never migrated unasked: the app explains and offers to create it.
    with qtbot.waitSignal(controller.dialog_shown, timeout=OPEN_TIMEOUT_MS) as shown:
        controller.start()
    dialog = shown.args[0]
    assert isinstance(dialog, SchemaDialog)
    assert dialog.empty and dialog.isVisible()
    assert controller.info is not None and controller.info.status is migrate.SchemaStatus.EMPTY
    with qtbot.waitSignal(controller.finished, timeout=OPEN_TIMEOUT_MS) as finished:
        dialog.cancel_button.click()
    assert finished.args == [EXIT_FAILED]
    # The app did not migrate the server's database behind the admin's back.
    engine = Database(empty_db_url)
    try:
        assert migrate.schema_state(engine.engine).status is migrate.SchemaStatus.EMPTY
    finally:
        engine.dispose()
    _assert_released(empty_db_url)


def test_a_database_from_a_newer_app_is_refused(
    qtbot: QtBot, make_controller: Callable[[str | None], AppController], db_url: str
) -> None:
    _stamp(db_url, FUTURE_REVISION)
    controller = make_controller(db_url)
    with qtbot.waitSignal(controller.open_failed, timeout=OPEN_TIMEOUT_MS) as blocker:
        controller.start()
    message = blocker.args[0]
    assert FUTURE_REVISION in message
    assert "newer version" in message
    assert mask_url(db_url) in message

    box = controller.error_box
    assert box is not None
    qtbot.waitUntil(box.isVisible)
    assert box.icon() is QMessageBox.Icon.Critical
    shown = " ".join([box.windowTitle(), box.text(), box.informativeText(), box.detailedText()])
    assert "Traceback" not in shown
    assert "Error:" not in shown
    assert box.text() == message
    assert controller.window.windowTitle() == "AsyncOps Desktop — not connected"
    assert controller.window.overview.state_label.text() == message

    with qtbot.waitSignal(controller.finished, timeout=OPEN_TIMEOUT_MS) as finished:
        box.button(QMessageBox.StandardButton.Close).click()
    assert finished.args == [EXIT_FAILED]
    # Refused means untouched.
    database = Database(db_url)
    try:
        assert migrate.schema_state(database.engine).current == FUTURE_REVISION
    finally:
        database.dispose()
    _assert_released(db_url)


def test_an_unreachable_server_is_explained_in_one_sentence(
    qtbot: QtBot, make_controller: Callable[[str | None], AppController]
) -> None:
    url = "postgresql+psycopg://postgres:hunter22@127.0.0.1:1/nowhere"
    controller = make_controller(url)
    with qtbot.waitSignal(controller.open_failed, timeout=OPEN_TIMEOUT_MS) as blocker:
        controller.start()
    message = blocker.args[0]
    assert "refused the connection" in message
    assert "hunter22" not in message
    assert "\n" not in message
    assert controller.window.connection_label.text() == "Not connected"
    assert controller.error_box is not None
    with qtbot.waitSignal(controller.finished, timeout=OPEN_TIMEOUT_MS) as finished:
        controller.error_box.button(QMessageBox.StandardButton.Close).click()
    assert finished.args == [EXIT_FAILED]


def test_an_unsupported_url_is_refused_before_any_connection(
    qtbot: QtBot, make_controller: Callable[[str | None], AppController]
) -> None:
    controller = make_controller("mysql://someone@localhost/ops")
    with qtbot.waitSignal(controller.open_failed, timeout=OPEN_TIMEOUT_MS) as blocker:
        controller.start()
    assert "Unsupported database" in blocker.args[0]
    assert controller.handle is None
    assert controller.error_box is not None
    with qtbot.waitSignal(controller.finished, timeout=OPEN_TIMEOUT_MS) as finished:
        controller.error_box.done(0)
    assert finished.args == [EXIT_FAILED]


def test_refresh_counts_again_on_the_worker(
    qtbot: QtBot, make_controller: Callable[[str | None], AppController], db_url: str
) -> None:
    controller = make_controller(db_url)
    _open(qtbot, controller)
    database = Database(db_url)
    try:
        with database.write() as session:
            UserRepository(session).add(
                email="ada@example.com", password_hash="x" * 60, full_name="Ada", role="admin"
            )
    finally:
        database.dispose()

    with qtbot.waitSignal(controller.counts_refreshed, timeout=OPEN_TIMEOUT_MS) as blocker:
        QTest.mouseClick(controller.window.overview.refresh_button, Qt.MouseButton.LeftButton)
    info = blocker.args[0]
    assert dict(info.row_counts)["Users"] == 1
    assert controller.window.overview.count_labels["Users"].text() == "1"
    assert controller.window.overview.refresh_button.isEnabled()
    assert _close(qtbot, controller) == EXIT_OK


def test_menus_sidebar_about_and_accessible_names(
    qtbot: QtBot,
    make_controller: Callable[[str | None], AppController],
    db_url: str,
    tmp_path: Path,
) -> None:
    controller = make_controller(db_url)
    _open(qtbot, controller)
    window = controller.window

    menus = [action.text() for action in window.menuBar().actions()]
    assert menus == ["&File", "&Edit", "&View", "&Go", "&Help"]
    assert window.quit_action.shortcut().toString() == "Ctrl+Q"
    # Before sign-in only the connection overview is there; the pages come with a session.
    sidebar = [window.sidebar.item(row) for row in range(window.sidebar.count())]
    assert [item.text() for item in sidebar] == [DATABASE_PAGE]
    assert not any(action.isEnabled() for action in window.go_actions)
    assert not window.page_actions["new_record"].isEnabled()

    for widget in window.findChildren(QWidget):
        if widget.isVisible() and isinstance(widget, QLabel) and widget.objectName():
            assert widget.accessibleName(), widget.objectName()
    assert window.sidebar.accessibleName() == "Pages"
    assert window.overview.refresh_button.accessibleName()

    window.about_action.trigger()
    about = window.about_box
    assert about is not None
    qtbot.waitUntil(about.isVisible)
    assert __version__ in about.text()
    assert display_location(db_url) in about.informativeText()
    assert window.grab().save(str(tmp_path / "main-window.png"))
    about.done(0)
    qtbot.waitUntil(lambda: not about.isVisible())
    assert _close(qtbot, controller) == EXIT_OK


def test_ctrl_q_closes_the_window(
    qtbot: QtBot, make_controller: Callable[[str | None], AppController], db_url: str
) -> None:
    controller = make_controller(db_url)
    _open(qtbot, controller)
    window = controller.window
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)
    with qtbot.waitSignal(controller.finished, timeout=OPEN_TIMEOUT_MS) as finished:
        QTest.keyClick(window, Qt.Key.Key_Q, Qt.KeyboardModifier.ControlModifier)
    assert finished.args == [EXIT_OK]


def _drive_until(condition: Callable[[], bool], action: Callable[[], None]) -> QTimer:
    """Poll from inside app.exec() (run_gui blocks the test) and act once ``condition`` holds."""
    timer = QTimer()
    timer.setInterval(20)

    def tick() -> None:
        if condition():
            timer.stop()
            action()

    timer.timeout.connect(tick)
    timer.start()
    return timer


def _top_level(kind: type[QWidget], name: str) -> QWidget | None:
    for widget in QApplication.topLevelWidgets():
        found = widget if widget.objectName() == name else widget.findChild(kind, name)
        if isinstance(found, kind) and found.isVisible():
            return found
    return None


def test_run_gui_returns_zero_after_quit(qtbot: QtBot, db_url: str) -> None:
    def connected() -> bool:
        window = _top_level(QMainWindow, "mainWindow")
        return window is not None and getattr(window, "info", None) is not None

    def quit_app() -> None:
        window = _top_level(QMainWindow, "mainWindow")
        assert window is not None
        window.close()

    timer = _drive_until(connected, quit_app)
    assert run_gui(db_url) == EXIT_OK
    timer.stop()
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    assert app.applicationName() == "AsyncOps Desktop"
    assert app.organizationName() == "AsyncOps"
    assert not app.windowIcon().isNull()
    _assert_released(db_url)


def test_run_gui_returns_non_zero_when_the_database_is_refused(qtbot: QtBot, db_url: str) -> None:
    _stamp(db_url, FUTURE_REVISION)
    seen: list[str] = []

    def acknowledge() -> None:
        box = _top_level(QMessageBox, "openErrorBox")
        assert isinstance(box, QMessageBox)
        seen.append(box.text())
        box.button(QMessageBox.StandardButton.Close).click()

    timer = _drive_until(lambda: _top_level(QMessageBox, "openErrorBox") is not None, acknowledge)
    assert run_gui(db_url) == EXIT_FAILED
    timer.stop()
    assert len(seen) == 1
    assert FUTURE_REVISION in seen[0]


def test_worker_reports_errors_as_sentences_and_runs_the_last_job(
    qtbot: QtBot, caplog: pytest.LogCaptureFixture
) -> None:
    worker = DatabaseWorker()
    results: list[object] = []
    errors: list[str] = []
    closed: list[bool] = []

    def unavailable() -> None:
        raise DatabaseUnavailable("The database server refused the connection.")

    def bug() -> None:
        raise KeyError("oops")

    with qtbot.waitSignal(worker.stopped, timeout=OPEN_TIMEOUT_MS):
        worker.submit(lambda: 41 + 1, results.append, errors.append)
        worker.submit(unavailable, results.append, errors.append)
        with caplog.at_level(logging.ERROR, logger="ui.worker"):
            worker.submit(bug, results.append, errors.append)
            # The last job runs on the worker thread, after the others.
            worker.stop(lambda: closed.append(True))
    assert results == [42]
    assert closed == [True]
    assert errors[0] == "The database server refused the connection."
    assert errors[1].startswith("Something unexpected went wrong (KeyError")
    assert "Traceback" not in errors[1]
    assert not worker.is_running
    assert worker.pending_jobs == 0
    with pytest.raises(RuntimeError):
        worker.submit(lambda: None, results.append, errors.append)


def test_resources_are_found_and_usable(qtbot: QtBot) -> None:
    assert resource_path(APP_ICON).is_file()
    icon = app_icon()
    assert isinstance(icon, QIcon) and not icon.isNull()
    assert not icon.pixmap(64, 64).isNull()
    entry = configparser.ConfigParser(interpolation=None)
    entry.optionxform = str  # type: ignore[assignment,method-assign]
    entry.read(resources_dir() / DESKTOP_ENTRY, encoding="utf-8")
    section = entry["Desktop Entry"]
    assert section["Type"] == "Application"
    assert section["Name"] == "AsyncOps Desktop"
    assert section["Icon"] == Path(APP_ICON).stem
    assert section["Exec"].startswith("asyncops-desktop")

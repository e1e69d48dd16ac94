"""The signed-in main window: pages, shortcuts, unsaved-edit guards, layout, theme, connection."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QSize, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QMessageBox
from pytestqt.qtbot import QtBot
from session_support import (
    ADMIN_EMAIL,
    ADMIN_PASSWORD,
    MEMBER_EMAIL,
    MEMBER_PASSWORD,
    TIMEOUT_MS,
    Driver,
    driving,
    save_profile,
)

from asyncops_desktop.services.base import Actor
from ui.app import AppController
from ui.context import DROPPED_JOB
from ui.main_window import DATABASE_PAGE, PAGE_NAMES, USERS_PAGE
from ui.pages.dashboard import DashboardPage
from ui.pages.page import RecordPage
from ui.pages.status_updates import StatusUpdatesPage
from ui.theme import Theme


@pytest.fixture
def driver(qtbot: QtBot) -> Iterator[Driver]:
    """Starts controllers and closes them all after the test."""
    with driving(qtbot) as made:
        yield made


def signed_in_admin(driver: Driver, db_url: str) -> AppController:
    """A controller on a saved profile with the admin signed in and the first loads done."""
    save_profile(db_url)
    controller = driver.start()
    driver.sign_in(controller, ADMIN_EMAIL, ADMIN_PASSWORD)
    settle(driver.qtbot, controller)
    return controller


def settle(qtbot: QtBot, controller: AppController) -> None:
    """Wait until the database worker has answered every job."""
    qtbot.waitUntil(lambda: controller.worker.pending_jobs == 0, timeout=TIMEOUT_MS)


def sidebar_names(controller: AppController) -> list[str]:
    """The sidebar's entries, top to bottom."""
    sidebar = controller.window.sidebar
    return [sidebar.item(row).text() for row in range(sidebar.count())]


def test_pages_after_sign_in_shortcuts_and_summaries(
    driver: Driver, qtbot: QtBot, db_url: str, admin: Actor
) -> None:
    controller = signed_in_admin(driver, db_url)
    window = controller.window
    assert sidebar_names(controller) == [*PAGE_NAMES, USERS_PAGE, DATABASE_PAGE]
    assert window.current_page_name() == "Dashboard"
    assert isinstance(window.current_page(), DashboardPage)
    # The dashboard has nothing to create or save: those actions are off there.
    assert not window.page_actions["new_record"].isEnabled()
    assert window.page_actions["refresh"].isEnabled()

    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    keys = (Qt.Key.Key_1, Qt.Key.Key_2, Qt.Key.Key_3, Qt.Key.Key_4, Qt.Key.Key_5, Qt.Key.Key_6)
    for key, name in zip(keys, [*PAGE_NAMES, USERS_PAGE], strict=True):
        QTest.keyClick(window, key, Qt.KeyboardModifier.ControlModifier)
        assert window.current_page_name() == name
        assert window.sidebar.currentItem().text() == name
    settle(qtbot, controller)

    QTest.keyClick(window, Qt.Key.Key_3, Qt.KeyboardModifier.ControlModifier)
    page = window.current_page()
    assert isinstance(page, RecordPage)
    with qtbot.waitSignal(page.row_count_changed, timeout=TIMEOUT_MS):
        QTest.keyClick(window, Qt.Key.Key_F5)
    assert window.count_label.text() == "0 incidents"
    QTest.keyClick(window, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    assert page.detail.currentWidget() is page.editor and page.editor.is_new
    QTest.keyClick(window, Qt.Key.Key_Escape)
    assert page.detail.currentWidget() is page.placeholder

    # The daily summaries start once signed in and stop with the window, without warnings.
    runner = controller.summary_runner
    assert runner is not None and controller.summary_status is not None
    qtbot.waitUntil(
        lambda: runner.last_result is not None or runner.last_error is not None, timeout=TIMEOUT_MS
    )
    assert runner.last_error is None
    assert driver.quit(controller) == 0
    assert controller.summary_runner is None and not runner.is_running
    assert controller.window.session_pages == {}


def test_a_member_sees_no_users_page(
    driver: Driver, qtbot: QtBot, db_url: str, admin: Actor, member: Actor
) -> None:
    save_profile(db_url)
    controller = driver.start()
    driver.sign_in(controller, MEMBER_EMAIL, MEMBER_PASSWORD)
    assert sidebar_names(controller) == [*PAGE_NAMES, DATABASE_PAGE]
    assert not controller.window.go_actions[5].isEnabled()
    # Help → Connection details still reaches the overview.
    controller.window.connection_details_action.trigger()
    assert controller.window.current_page() is controller.window.overview
    settle(qtbot, controller)


def start_editing(qtbot: QtBot, controller: AppController) -> StatusUpdatesPage:
    """Open Status updates and type a title into a new one (unsaved)."""
    controller.window.show_page("Status updates")
    page = controller.window.current_page()
    assert isinstance(page, StatusUpdatesPage)
    settle(qtbot, controller)
    page.new_record()
    QTest.keyClicks(page.editor.title_edit, "Half-written update")
    assert page.has_unsaved_changes()
    return page


def answer(qtbot: QtBot, page: StatusUpdatesPage, button: QMessageBox.StandardButton) -> None:
    """Click a button of the page's save/discard/cancel question."""
    qtbot.waitUntil(lambda: page.leave_box is not None and page.leave_box.isVisible())
    box = page.leave_box
    assert box is not None
    clicked = box.button(button)
    assert clicked is not None
    clicked.click()


def test_unsaved_edits_are_never_lost_silently(
    driver: Driver, qtbot: QtBot, db_url: str, admin: Actor
) -> None:
    controller = signed_in_admin(driver, db_url)
    window = controller.window
    page = start_editing(qtbot, controller)

    window.go_actions[2].trigger()  # Ctrl+3
    answer(qtbot, page, QMessageBox.StandardButton.Cancel)
    assert window.current_page() is page
    assert window.sidebar.currentItem().text() == "Status updates"
    assert page.editor.title_edit.text() == "Half-written update"

    window.sidebar.setCurrentRow(3)  # a click on Blockers
    answer(qtbot, page, QMessageBox.StandardButton.Cancel)
    assert window.current_page() is page

    # Signing out and switching the database ask too.
    window.sign_out_action.trigger()
    answer(qtbot, page, QMessageBox.StandardButton.Cancel)
    assert controller.session is not None

    window.close()
    answer(qtbot, page, QMessageBox.StandardButton.Cancel)
    assert window.isVisible() and controller.exit_code is None

    with qtbot.waitSignal(controller.finished, timeout=TIMEOUT_MS):
        window.close()
        answer(qtbot, page, QMessageBox.StandardButton.Discard)
    assert controller.exit_code == 0


def test_layout_and_last_page_are_restored_per_profile(
    driver: Driver, qtbot: QtBot, db_url: str, admin: Actor
) -> None:
    controller = signed_in_admin(driver, db_url)
    window = controller.window
    # The offscreen screen is small: only a height it can hold comes back unclamped.
    window.resize(QSize(window.width(), 640))
    size = window.size()
    window.show_page("Blockers")
    page = window.current_page()
    assert isinstance(page, RecordPage)
    settle(qtbot, controller)
    page.splitter.setSizes([500, 420])
    sizes = page.splitter.sizes()
    header = page.view.horizontalHeader()
    header.resizeSection(0, 171)
    driver.quit(controller)

    again = driver.start()
    driver.sign_in(again, ADMIN_EMAIL, ADMIN_PASSWORD)
    settle(qtbot, again)
    assert again.window.current_page_name() == "Blockers"
    # Wider than the 800-pixel offscreen screen: restoring clamps the width to the minimum.
    assert again.window.height() == size.height() == 640
    restored = again.window.current_page()
    assert isinstance(restored, RecordPage)
    # The same share of the (clamped) width.
    again_sizes = restored.splitter.sizes()
    assert again_sizes[0] / sum(again_sizes) == pytest.approx(sizes[0] / sum(sizes), abs=0.01)
    assert restored.view.horizontalHeader().sectionSize(0) == 171


def test_theme_override_is_remembered(
    driver: Driver, qtbot: QtBot, db_url: str, admin: Actor
) -> None:
    controller = signed_in_admin(driver, db_url)
    try:
        controller.theme_actions[Theme.DARK].trigger()
        assert controller.themes.is_dark()
        driver.quit(controller)
        again = driver.start()
        assert again.theme_actions[Theme.DARK].isChecked()
        assert again.themes.is_dark()
        again.set_theme(Theme.LIGHT)
        assert not again.themes.is_dark()
        assert again.settings.value("appearance/theme") == "light"
    finally:
        controller.themes.apply(Theme.SYSTEM)


def test_connection_indicator_goes_offline_and_back(
    driver: Driver, qtbot: QtBot, db_url: str, admin: Actor
) -> None:
    controller = signed_in_admin(driver, db_url)
    window = controller.window
    assert window.online_label.text() == "Connected"
    controller.ping_timer.setInterval(50)
    handle = controller.handle
    assert handle is not None and handle.database is not None
    window.show_page("Incidents")
    settle(qtbot, controller)
    pings: list[bool] = []
    original_ping = controller._ping

    def counting_ping() -> None:
        pings.append(True)
        original_ping()

    controller.ping_timer.timeout.disconnect()
    controller.ping_timer.timeout.connect(counting_ping)
    # The database goes away: every job (and every ping) now fails for real on the worker.
    database, handle.database = handle.database, None
    try:
        window.refresh_current_page()
        qtbot.waitUntil(lambda: window.online_label.text() == "Offline — retrying")
        qtbot.waitUntil(lambda: len(pings) >= 3, timeout=TIMEOUT_MS)
        assert window.online_label.text() == "Offline — retrying"
    finally:
        handle.database = database
    page = window.current_page()
    assert isinstance(page, RecordPage)
    with qtbot.waitSignal(page.row_count_changed, timeout=TIMEOUT_MS):
        qtbot.waitUntil(lambda: window.online_label.text() == "Connected", timeout=TIMEOUT_MS)
    assert not controller.ping_timer.isActive()
    settle(qtbot, controller)


def test_an_ended_context_drops_jobs(
    driver: Driver, qtbot: QtBot, db_url: str, admin: Actor, tmp_path: Path
) -> None:
    controller = signed_in_admin(driver, db_url)
    context = controller.context
    assert context is not None
    called: list[object] = []
    controller.sign_out()
    assert context.ended
    assert context.submit(lambda _db, _actor: 1, called.append, called.append) == DROPPED_JOB
    settle(qtbot, controller)
    assert called == []
    assert controller.window.session_pages == {}

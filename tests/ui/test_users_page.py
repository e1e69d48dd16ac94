"""The admins' Users page and everyone's My profile dialog, driven through the signed-in app."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication
from pytestqt.modeltest import ModelTester
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
    type_into,
)

from asyncops_desktop.db import Database
from asyncops_desktop.domain.errors import InvalidCredentials
from asyncops_desktop.services.auth import AuthService
from asyncops_desktop.services.base import Actor
from asyncops_desktop.services.users import UserService
from ui.app import AppController
from ui.dialogs.my_profile import MyProfileDialog
from ui.dialogs.users import TemporaryPasswordDialog, UserEditorDialog
from ui.main_window import USERS_PAGE
from ui.pages.users import UsersPage

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")


@pytest.fixture
def driver(qtbot: QtBot) -> Iterator[Driver]:
    """Starts controllers and closes them all after the test."""
    with driving(qtbot) as made:
        yield made


def _signed_in_admin(driver: Driver, db_url: str) -> tuple[AppController, UsersPage]:
    save_profile(db_url)
    controller = driver.start()
    driver.sign_in(controller, ADMIN_EMAIL, ADMIN_PASSWORD)
    page = controller.window.users_page
    assert isinstance(page, UsersPage)
    controller.window.show_page(USERS_PAGE)
    assert controller.window.pages.currentWidget() is page
    return controller, page


def _rows(page: UsersPage) -> list[str]:
    return [page.model.row_at(row).email for row in range(page.model.rowCount())]


def _wait_rows(qtbot: QtBot, page: UsersPage, emails: list[str]) -> None:
    qtbot.waitUntil(lambda: not page.model.is_busy and _rows(page) == emails, timeout=TIMEOUT_MS)


def _finished(qtbot: QtBot, page: UsersPage, action: object) -> str:
    with qtbot.waitSignal(page.action_finished, timeout=TIMEOUT_MS) as blocker:
        assert callable(action)
        action()
    sentence = blocker.args[0]
    assert isinstance(sentence, str)
    return sentence


def _editor(qtbot: QtBot, page: UsersPage) -> UserEditorDialog:
    qtbot.waitUntil(lambda: page.editor is not None and page.editor.isVisible())
    assert page.editor is not None
    return page.editor


def _confirm(qtbot: QtBot, page: UsersPage, button_text: str) -> None:
    box = page.confirm_box
    assert box is not None
    qtbot.waitUntil(box.isVisible)
    next(b for b in box.buttons() if b.text() == button_text).click()


def test_the_list_searches_and_filters_in_sql(
    driver: Driver,
    qtbot: QtBot,
    db_url: str,
    database: Database,
    admin: Actor,
    member: Actor,
    qtmodeltester: ModelTester,
) -> None:
    service = UserService(database, admin)
    gone = service.create(email="gone@example.com", full_name="Gone Away", password="x" * 12)
    service.set_active(gone.id, False)
    _controller, page = _signed_in_admin(driver, db_url)
    # Active accounts by name.
    _wait_rows(qtbot, page, [ADMIN_EMAIL, MEMBER_EMAIL])
    assert page.count_label.text() == "2 users"
    qtmodeltester.check(page.model)  # type: ignore[no-untyped-call]
    qtmodeltester.check(page.model, force_py=True)  # type: ignore[no-untyped-call]
    assert page.model.data(page.model.index(1, 2)) == "Member"
    assert page.model.data(page.model.index(1, 3)) == "Active"

    type_into(page.search_edit, "MAX.m")
    page.apply_filters()
    _wait_rows(qtbot, page, [MEMBER_EMAIL])
    page.search_edit.clear()
    page.role_combo.setCurrentIndex(page.role_combo.findText("Admins"))
    _wait_rows(qtbot, page, [ADMIN_EMAIL])
    page.role_combo.setCurrentIndex(page.role_combo.findText("All roles"))
    page.active_combo.setCurrentIndex(page.active_combo.findText("Deactivated"))
    _wait_rows(qtbot, page, ["gone@example.com"])
    assert page.model.data(page.model.index(0, 3)) == "Deactivated"
    page.active_combo.setCurrentIndex(page.active_combo.findText("Active and deactivated"))
    _wait_rows(qtbot, page, [ADMIN_EMAIL, "gone@example.com", MEMBER_EMAIL])
    # A header click sorts in SQL.
    page.table.horizontalHeader().setSortIndicator(1, Qt.SortOrder.DescendingOrder)
    _wait_rows(qtbot, page, [MEMBER_EMAIL, "gone@example.com", ADMIN_EMAIL])


def test_create_edit_deactivate_reactivate_and_reset_a_password(
    driver: Driver, qtbot: QtBot, db_url: str, database: Database, admin: Actor
) -> None:
    _controller, page = _signed_in_admin(driver, db_url)
    _wait_rows(qtbot, page, [ADMIN_EMAIL])
    assert not page.edit_button.isEnabled() and not page.reset_button.isEnabled()

    page.new_button.click()
    editor = _editor(qtbot, page)
    type_into(editor.name_edit, "Lin Lee")
    type_into(editor.email_edit, "Lin@Example.com")
    assert editor.passwords is not None
    type_into(editor.passwords.password_edit, "first password 1")
    type_into(editor.passwords.confirm_edit, "first password 1")
    sentence = _finished(qtbot, page, editor.save_button.click)
    assert sentence == "Created Lin Lee."
    assert not editor.isVisible()
    _wait_rows(qtbot, page, [ADMIN_EMAIL, "lin@example.com"])

    # The email is taken: the service's sentence, inline in the editor.
    page.new_button.click()
    editor = _editor(qtbot, page)
    type_into(editor.name_edit, "Other Lin")
    type_into(editor.email_edit, "lin@example.com")
    assert editor.passwords is not None
    type_into(editor.passwords.password_edit, "first password 1")
    type_into(editor.passwords.confirm_edit, "first password 1")
    editor.save_button.click()
    qtbot.waitUntil(lambda: "already used" in editor.message.text(), timeout=TIMEOUT_MS)
    assert editor.isVisible()
    QTest.keyClick(editor, Qt.Key.Key_Escape)

    assert page.select_email("lin@example.com")
    page.edit_button.click()
    editor = _editor(qtbot, page)
    assert editor.passwords is None
    assert editor.email_edit.text() == "lin@example.com"
    type_into(editor.name_edit, "Lin Lee-Park")
    editor.role_combo.setCurrentIndex(editor.role_combo.findData("admin"))
    assert _finished(qtbot, page, editor.save_button.click) == "Saved Lin Lee-Park."
    _wait_rows(qtbot, page, [ADMIN_EMAIL, "lin@example.com"])
    assert page.model.row_at(1).role == "admin"

    assert page.select_email("lin@example.com")
    assert page.active_button.text() == "&Deactivate…"
    page.active_button.click()
    sentence = _finished(qtbot, page, lambda: _confirm(qtbot, page, "&Deactivate"))
    assert sentence == "Deactivated Lin Lee-Park."
    with pytest.raises(InvalidCredentials):
        AuthService(database, bcrypt_rounds=4).sign_in("lin@example.com", "first password 1")
    # Deactivated accounts leave the default (active) list.
    _wait_rows(qtbot, page, [ADMIN_EMAIL])
    page.active_combo.setCurrentIndex(page.active_combo.findText("Deactivated"))
    _wait_rows(qtbot, page, ["lin@example.com"])
    assert page.select_email("lin@example.com")
    assert page.active_button.text() == "Re&activate"
    assert _finished(qtbot, page, page.active_button.click) == "Reactivated Lin Lee-Park."

    page.active_combo.setCurrentIndex(page.active_combo.findText("Active"))
    _wait_rows(qtbot, page, [ADMIN_EMAIL, "lin@example.com"])
    assert page.select_email("lin@example.com")
    page.reset_button.click()
    sentence = _finished(qtbot, page, lambda: _confirm(qtbot, page, "&Reset password"))
    assert sentence == "Reset the password of Lin Lee-Park."
    shown = page.password_dialog
    assert isinstance(shown, TemporaryPasswordDialog)
    qtbot.waitUntil(shown.isVisible)
    temporary = shown.password_edit.text()
    assert len(temporary) >= 16 and shown.password_edit.isReadOnly()
    shown.copy_button.click()
    assert QApplication.clipboard().text() == temporary
    assert shown.copied.text() == "Copied to the clipboard."
    shown.accept()
    # Shown once: the dialog forgets it when it closes.
    assert shown.password_edit.text() == ""
    signed_in = AuthService(database, bcrypt_rounds=4).sign_in("lin@example.com", temporary)
    assert signed_in.must_change_password
    QApplication.clipboard().clear()


def test_the_last_admin_rule_is_shown_inline(
    driver: Driver, qtbot: QtBot, db_url: str, admin: Actor, member: Actor
) -> None:
    controller, page = _signed_in_admin(driver, db_url)
    _wait_rows(qtbot, page, [ADMIN_EMAIL, MEMBER_EMAIL])
    assert page.select_email(ADMIN_EMAIL)
    page.edit_button.click()
    editor = _editor(qtbot, page)
    editor.role_combo.setCurrentIndex(editor.role_combo.findData("member"))
    editor.save_button.click()
    qtbot.waitUntil(lambda: editor.message.isVisible(), timeout=TIMEOUT_MS)
    assert editor.message.text() == (
        "You cannot demote the last active admin: make someone else an admin first."
    )
    editor.reject()

    page.active_button.click()
    sentence = _finished(qtbot, page, lambda: _confirm(qtbot, page, "&Deactivate"))
    assert sentence == (
        "You cannot deactivate the last active admin: make someone else an admin first."
    )
    assert page.message.text() == sentence and page.message.kind == "error"
    assert controller.session is not None


def test_demoting_oneself_signs_out(
    driver: Driver, qtbot: QtBot, db_url: str, database: Database, admin: Actor, member: Actor
) -> None:
    UserService(database, admin).update(member.user_id, role="admin")
    controller, page = _signed_in_admin(driver, db_url)
    _wait_rows(qtbot, page, [ADMIN_EMAIL, MEMBER_EMAIL])
    assert page.select_email(ADMIN_EMAIL)
    page.edit_button.click()
    editor = _editor(qtbot, page)
    editor.role_combo.setCurrentIndex(editor.role_combo.findData("member"))
    with qtbot.waitSignal(controller.signed_out, timeout=TIMEOUT_MS):
        editor.save_button.click()
    dialog = driver.sign_in_dialog(controller)
    assert dialog.message.text() == "Your account was changed: sign in again."
    driver.sign_in(controller, ADMIN_EMAIL, ADMIN_PASSWORD)
    assert controller.window.users_page is None


def test_a_member_does_not_see_the_users_page(
    driver: Driver, qtbot: QtBot, db_url: str, admin: Actor, member: Actor
) -> None:
    save_profile(db_url)
    controller = driver.start()
    signed_in = driver.sign_in(controller, MEMBER_EMAIL, MEMBER_PASSWORD)
    assert not signed_in.actor.is_admin
    window = controller.window
    assert window.users_page is None
    names = [window.sidebar.item(row).text() for row in range(window.sidebar.count())]
    assert USERS_PAGE not in names
    assert window.user_label.text() == "Signed in as Max Member (member) to Test database"


def test_my_profile_renames_and_changes_the_password(
    driver: Driver,
    qtbot: QtBot,
    db_url: str,
    database: Database,
    admin: Actor,
    member: Actor,
    memory_keyring: object,
) -> None:
    entries: dict[tuple[str, str], str] = getattr(memory_keyring, "entries")  # noqa: B009
    save_profile(db_url, "Team")
    controller = driver.start()
    driver.sign_in(controller, MEMBER_EMAIL, MEMBER_PASSWORD, keep=True)
    assert any(key[1].endswith(":token") for key in entries)
    controller.window.profile_action.trigger()
    dialog = controller.profile_dialog
    assert isinstance(dialog, MyProfileDialog)
    qtbot.waitUntil(dialog.isVisible)

    type_into(dialog.name_edit, "")
    QTest.keyClick(dialog.name_edit, Qt.Key.Key_Return)
    assert dialog.name_errors.message_for("full_name") == "Full name: is required."
    type_into(dialog.name_edit, "Maxine Member")
    with qtbot.waitSignal(dialog.renamed, timeout=TIMEOUT_MS):
        QTest.keyClick(dialog.name_edit, Qt.Key.Key_Return)
    assert dialog.name_message.text() == "Your name is saved."
    assert controller.window.windowTitle() == "AsyncOps Desktop — Team — Maxine Member"
    assert controller.window.user_label.text() == ("Signed in as Maxine Member (member) to Team")

    type_into(dialog.current_edit, "not my password")
    type_into(dialog.passwords.password_edit, "a brand new password")
    type_into(dialog.passwords.confirm_edit, "a brand new password")
    dialog.change_button.click()
    qtbot.waitUntil(
        lambda: bool(dialog.password_errors.message_for("current_password")), timeout=TIMEOUT_MS
    )
    assert dialog.password_errors.message_for("current_password") == (
        "Current password: is not your current password."
    )
    type_into(dialog.current_edit, MEMBER_PASSWORD)
    with qtbot.waitSignal(dialog.password_changed, timeout=TIMEOUT_MS):
        QTest.keyClick(dialog.passwords.confirm_edit, Qt.Key.Key_Return)
    assert "revoked" in dialog.password_message.text()
    assert dialog.current_edit.text() == "" and dialog.passwords.password_edit.text() == ""
    # The change revoked the saved sign-in, here too.
    assert not any(key[1].endswith(":token") for key in entries)
    AuthService(database, bcrypt_rounds=4).sign_in(MEMBER_EMAIL, "a brand new password")
    QTest.keyClick(dialog, Qt.Key.Key_Escape)
    assert not dialog.isVisible()


def test_renaming_oneself_on_the_page_updates_the_window(
    driver: Driver, qtbot: QtBot, db_url: str, admin: Actor
) -> None:
    controller, page = _signed_in_admin(driver, db_url)
    _wait_rows(qtbot, page, [ADMIN_EMAIL])
    assert page.select_email(ADMIN_EMAIL)
    page.edit_button.click()
    editor = _editor(qtbot, page)
    type_into(editor.name_edit, "Ada Lovelace")
    assert _finished(qtbot, page, editor.save_button.click) == "Saved Ada Lovelace."
    assert controller.session is not None
    assert controller.session.user.full_name == "Ada Lovelace"
    assert controller.window.windowTitle() == "AsyncOps Desktop — Test database — Ada Lovelace"

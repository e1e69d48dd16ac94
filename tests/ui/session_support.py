"""Helpers for the start-up, sign-in and account tests: profiles for test databases, a driver."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QDialog, QLineEdit, QWidget
from pytestqt.qtbot import QtBot
from sqlalchemy.engine import make_url

from asyncops_desktop.db import sqlite_path
from asyncops_desktop.profiles import Profile, ProfileKind, ProfileStore
from asyncops_desktop.services.auth import SignedIn
from ui.app import AppController
from ui.dialogs.connection_test import connection_tests_running
from ui.dialogs.sign_in import SignInDialog

TIMEOUT_MS = 30_000
# The accounts the shared ``admin`` and ``member`` fixtures create.
ADMIN_EMAIL = "admin@example.com"
ADMIN_PASSWORD = "correct horse battery"
MEMBER_EMAIL = "max.member@example.com"
MEMBER_PASSWORD = "member password 1"

D = TypeVar("D", bound=QDialog)


def profile_for(url: str, name: str = "Test database") -> Profile:
    """A connection profile pointing at a test database (no password)."""
    path = sqlite_path(url)
    if path is not None:
        return Profile(name=name, kind=ProfileKind.SQLITE, path=str(path))
    parsed = make_url(url)
    return Profile(
        name=name,
        kind=ProfileKind.POSTGRESQL,
        host=parsed.host or "127.0.0.1",
        port=parsed.port or 5432,
        database=parsed.database or "postgres",
        user=parsed.username or "",
    )


def save_profile(url: str, name: str = "Test database") -> Profile:
    """Store a profile for a test database and return it."""
    return ProfileStore().add(profile_for(url, name))


def type_into(field: QLineEdit, text: str) -> None:
    """Replace a line edit's text by typing, as a person would."""
    field.setFocus()
    field.selectAll()
    QTest.keyClick(field, Qt.Key.Key_Backspace)
    if text.isascii():
        QTest.keyClicks(field, text)
    else:
        # QTest can only type ASCII; other text arrives as an input method would commit it.
        field.insert(text)


class Driver:
    """Starts controllers and waits for their dialogs; every controller is shut down at the end."""

    def __init__(self, qtbot: QtBot) -> None:
        self.qtbot = qtbot
        self.controllers: list[AppController] = []
        # The test server trusts local connections: a server profile's password prompt is
        # answered with an empty password on the way to another dialog, unless a test asks.
        self.answer_password_prompts = True

    def make(self, db_url: str | None = None, profile_name: str | None = None) -> AppController:
        """A controller not started yet (start it inside a signal blocker)."""
        controller = AppController(db_url, profile_name)
        # Closed by close_all(), after the test's own fixtures (a model tester) let go.
        self.controllers.append(controller)
        return controller

    def start(self, db_url: str | None = None, profile_name: str | None = None) -> AppController:
        """A started controller (the window shows at once; the database opens on the worker)."""
        controller = self.make(db_url, profile_name)
        controller.start()
        return controller

    def dialog(
        self,
        find: Callable[[], D | None],
        *,
        after: QDialog | None = None,
    ) -> D:
        """Wait until ``find`` gives a visible dialog (a new one, if ``after`` is given)."""

        def ready() -> bool:
            found = find()
            if found is not None and found is not after and found.isVisible():
                return True
            if self.answer_password_prompts:
                for controller in self.controllers:
                    prompt = controller.password_dialog
                    if prompt is not None and prompt is not found and prompt.isVisible():
                        prompt.accept()
            return False

        self.qtbot.waitUntil(ready, timeout=TIMEOUT_MS)
        found = find()
        assert found is not None
        return found

    def sign_in_dialog(
        self, controller: AppController, *, after: QDialog | None = None
    ) -> SignInDialog:
        """The Sign-in dialog, once it shows."""
        return self.dialog(lambda: controller.sign_in_dialog, after=after)

    def submit_sign_in(
        self, dialog: SignInDialog, email: str, password: str, *, keep: bool = False
    ) -> None:
        """Fill the Sign-in dialog and press Enter."""
        type_into(dialog.email_edit, email)
        type_into(dialog.password_edit, password)
        dialog.keep_check.setChecked(keep)
        QTest.keyClick(dialog.password_edit, Qt.Key.Key_Return)

    def sign_in(
        self,
        controller: AppController,
        email: str,
        password: str,
        *,
        keep: bool = False,
    ) -> SignedIn:
        """Sign in through the dialog and wait until the window shows the session."""
        dialog = self.sign_in_dialog(controller)
        with self.qtbot.waitSignal(controller.signed_in, timeout=TIMEOUT_MS) as blocker:
            self.submit_sign_in(dialog, email, password, keep=keep)
        signed_in = blocker.args[0]
        assert isinstance(signed_in, SignedIn)
        return signed_in

    def wait_message(self, label: QWidget, contains: str) -> str:
        """Wait until a message label says something containing ``contains``."""
        self.qtbot.waitUntil(
            lambda: label.isVisible() and contains in getattr(label, "text", lambda: "")(),
            timeout=TIMEOUT_MS,
        )
        return str(getattr(label, "text", lambda: "")())

    def quit(self, controller: AppController) -> int:
        """Close the window and wait for the database worker to stop; returns the exit code."""
        if not controller.worker.is_running:
            return controller.exit_code if controller.exit_code is not None else -1
        with self.qtbot.waitSignal(controller.finished, timeout=TIMEOUT_MS) as blocker:
            controller.quit()
        code = blocker.args[0]
        assert isinstance(code, int)
        return code

    def close_all(self) -> None:
        """Shut every controller down and let any connection test end."""
        for controller in self.controllers:
            self.quit(controller)
        self.qtbot.waitUntil(lambda: connection_tests_running() == 0, timeout=TIMEOUT_MS)


@contextmanager
def driving(qtbot: QtBot) -> Iterator[Driver]:
    """A Driver whose controllers are all closed afterwards."""
    driver = Driver(qtbot)
    try:
        yield driver
    finally:
        driver.close_all()

"""What every dialog shares: password rules as you type, local times, names, keys and tab order."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QAbstractSpinBox,
    QApplication,
    QComboBox,
    QDialog,
    QLabel,
    QLineEdit,
    QPushButton,
    QWidget,
)
from pytestqt.qtbot import QtBot

from asyncops_desktop.credentials import CredentialStore
from asyncops_desktop.migrate import SchemaStatus
from asyncops_desktop.profiles import Profile, ProfileKind, ProfileStore
from asyncops_desktop.services.users import check_password_rules
from ui.connection import ConnectionInfo
from ui.dialogs.common import local_time_text, password_feedback, password_problem
from ui.dialogs.connect import ConnectDialog
from ui.dialogs.password_prompt import DatabasePasswordDialog
from ui.dialogs.passwords import ChangePasswordDialog
from ui.dialogs.profile_editor import ProfileEditorDialog
from ui.dialogs.schema import SchemaDialog
from ui.dialogs.sign_in import SignInDialog
from ui.dialogs.welcome import WelcomeDialog

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")

SERVER = Profile(name="Team", kind=ProfileKind.POSTGRESQL, host="db", user="ops")
OLDER = ConnectionInfo(
    "postgresql://ops@db/asyncops",
    "ops@db:5432/asyncops",
    "PostgreSQL",
    "15",
    "0001_initial",
    "0002_accounts",
    SchemaStatus.OLDER,
    (),
)


@pytest.mark.parametrize(
    ("password", "accepted"),
    [
        ("123456789", False),
        ("1234567890", True),
        ("x" * 72, True),
        ("x" * 73, False),
        ("é" * 36, True),
        ("é" * 37, False),
        ("a\x00bcdefghijk", False),
    ],
)
def test_the_live_check_agrees_with_the_service(password: str, accepted: bool) -> None:
    ok, hint = password_feedback(password)
    assert ok is accepted
    assert (password_problem(password) is None) is accepted
    try:
        check_password_rules(password)
    except Exception:
        service_accepts = False
    else:
        service_accepts = True
    assert service_accepts is accepted
    if not accepted:
        assert hint and not hint.startswith("Strength")


def test_strength_and_byte_counts_are_spelled_out() -> None:
    assert password_feedback("")[1] == "At least 10 characters, at most 72 bytes."
    assert "weak" in password_feedback("password1234")[1]
    assert "weak" in password_feedback("aaaaaaaaaaaa")[1]
    assert "strong" in password_feedback("Correct-Horse-Battery-Staple-42")[1]
    hint = password_feedback("ééééééééééé")[1]
    assert "11 characters, 22 of 72 bytes" in hint
    assert "74 bytes" in password_feedback("é" * 37)[1]


def test_local_time_is_shown_without_the_date_today() -> None:
    now = dt.datetime.now(dt.UTC)
    naive_utc = now.replace(tzinfo=None)
    assert local_time_text(naive_utc) == now.astimezone().strftime("%H:%M:%S")
    later = naive_utc + dt.timedelta(days=2)
    assert local_time_text(later) == (now + dt.timedelta(days=2)).astimezone().strftime(
        "%Y-%m-%d %H:%M:%S"
    )


def _connect() -> QDialog:
    # Built inside the test, where the config directory is the test's own.
    store = ProfileStore()
    store.add(SERVER)
    return ConnectDialog(store, CredentialStore(), notice="No keyring.")


def _dialogs() -> list[tuple[str, Callable[[], QDialog]]]:
    return [
        ("connect", _connect),
        ("editor", lambda: ProfileEditorDialog(ProfileStore(), CredentialStore(), SERVER)),
        ("password", lambda: DatabasePasswordDialog(SERVER, can_remember=False)),
        ("sign-in", lambda: SignInDialog("Team", "ops@db:5432/asyncops")),
        ("welcome", lambda: WelcomeDialog("/data/asyncops.db")),
        ("change", lambda: ChangePasswordDialog(forced=True)),
        ("schema", lambda: SchemaDialog(OLDER)),
    ]


@pytest.mark.parametrize("name", [name for name, _ in _dialogs()])
def test_every_dialog_names_its_controls_and_answers_enter_and_escape(
    qtbot: QtBot, name: str
) -> None:
    make = dict(_dialogs())[name]
    dialog = make()
    qtbot.addWidget(dialog)
    dialog.open()
    qtbot.waitUntil(dialog.isVisible)
    assert dialog.accessibleName() and dialog.windowTitle()

    controls = [
        widget
        for widget in dialog.findChildren(QWidget)
        if widget.isVisible()
        and isinstance(
            widget, QLineEdit | QAbstractButton | QComboBox | QAbstractSpinBox | QAbstractItemView
        )
        and widget.focusPolicy() & Qt.FocusPolicy.TabFocus
        # The line edit inside a spin box or combo box is part of it, named by it.
        and not isinstance(widget.parentWidget(), QAbstractSpinBox | QComboBox)
    ]
    assert controls
    for widget in controls:
        spoken = widget.accessibleName() or (
            widget.text() if isinstance(widget, QAbstractButton) else ""
        )
        assert spoken, f"{name}: {type(widget).__name__} {widget.objectName()} has no name"
    # Labels that lead to a field carry a mnemonic for it.
    for label in dialog.findChildren(QLabel):
        if label.buddy() is not None and label.isVisible():
            assert "&" in label.text(), f"{name}: label {label.text()!r} has no mnemonic"
    # One default button answers Enter.
    defaults = [b for b in dialog.findChildren(QPushButton) if b.isDefault() and b.isVisible()]
    assert len(defaults) == 1, f"{name}: default buttons {[b.text() for b in defaults]}"

    # Tab walks the visible, enabled controls in reading order (top to bottom).
    dialog.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is dialog)
    first = QApplication.focusWidget()
    assert first is not None and first.window() is dialog
    seen = [first]
    for _ in range(len(controls) + 2):
        QTest.keyClick(QApplication.focusWidget() or dialog, Qt.Key.Key_Tab)
        focused = QApplication.focusWidget()
        if focused is None or focused is first:
            break
        seen.append(focused)
    assert len(seen) > 1
    tops = [w.mapTo(dialog, w.rect().topLeft()).y() for w in seen if not isinstance(w, QPushButton)]
    assert tops == sorted(tops), f"{name}: tab order jumps up: {[w.accessibleName() for w in seen]}"

    with qtbot.waitSignal(dialog.rejected, timeout=1_000):
        QTest.keyClick(QApplication.focusWidget() or dialog, Qt.Key.Key_Escape)

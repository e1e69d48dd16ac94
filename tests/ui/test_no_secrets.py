"""After a whole session, no password or token is in a file, QSettings or the log."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from pytestqt.qtbot import QtBot
from session_support import (
    ADMIN_EMAIL,
    ADMIN_PASSWORD,
    TIMEOUT_MS,
    Driver,
    driving,
    save_profile,
    type_into,
)

from asyncops_desktop.credentials import KEYRING_SERVICE
from asyncops_desktop.db import sqlite_path
from asyncops_desktop.services.base import Actor
from ui.app import app_settings
from ui.dialogs.my_profile import MyProfileDialog

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")

DATABASE_PASSWORD = "db-pass-Q7v!x2"
NEW_PASSWORD = "after-change-R4m#k9"


@pytest.fixture
def driver(qtbot: QtBot) -> Iterator[Driver]:
    """Starts controllers and closes them all after the test."""
    with driving(qtbot) as made:
        yield made


def _files_under(*roots: Path) -> list[Path]:
    return [path for root in roots if root.exists() for path in root.rglob("*") if path.is_file()]


def test_a_full_session_leaves_no_secret_behind(
    driver: Driver,
    qtbot: QtBot,
    db_url: str,
    admin: Actor,
    memory_keyring: object,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    entries: dict[tuple[str, str], str] = getattr(memory_keyring, "entries")  # noqa: B009
    profile = save_profile(db_url, "Team")
    driver.answer_password_prompts = False
    controller = driver.start()
    if profile.needs_password:
        # The test server trusts local connections, but the password still travels.
        prompt = driver.dialog(lambda: controller.password_dialog)
        type_into(prompt.password_edit, DATABASE_PASSWORD)
        prompt.remember_check.setChecked(True)
        QTest.keyClick(prompt.password_edit, Qt.Key.Key_Return)
    driver.sign_in(controller, ADMIN_EMAIL, ADMIN_PASSWORD, keep=True)
    secrets = {ADMIN_PASSWORD, NEW_PASSWORD}
    secrets.update(value for (_service, _entry), value in entries.items())
    token_key = (KEYRING_SERVICE, f"profile:{profile.id}:token")
    assert token_key in entries
    if profile.needs_password:
        assert entries[(KEYRING_SERVICE, f"profile:{profile.id}:password")] == DATABASE_PASSWORD
        secrets.add(DATABASE_PASSWORD)

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
    with qtbot.waitSignal(controller.signed_out, timeout=TIMEOUT_MS):
        controller.window.sign_out_action.trigger()
    driver.sign_in_dialog(controller)
    assert token_key not in entries
    driver.quit(controller)

    places = _files_under(Path(os.environ["XDG_CONFIG_HOME"]), Path(os.environ["XDG_DATA_HOME"]))
    settings = app_settings()
    assert Path(settings.fileName()) in places
    assert any(path.name == "profiles.json" for path in places)
    local_file = sqlite_path(db_url)
    if local_file is not None:
        # Only hashes may be in the database itself.
        places.append(local_file)
    texts = {str(path): path.read_bytes().decode("utf-8", "replace") for path in places}
    texts["QSettings"] = "\n".join(f"{key}={settings.value(key)}" for key in settings.allKeys())
    texts["log"] = caplog.text
    assert "Signed in to Team" in caplog.text
    assert len(secrets) >= 3
    for secret in secrets:
        for where, text in texts.items():
            assert secret not in text, f"a secret was found in {where}"

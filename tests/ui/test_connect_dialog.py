"""The Connect dialog and the profile editor: managing profiles, validation, Test connection."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QMessageBox
from pytestqt.qtbot import QtBot
from session_support import TIMEOUT_MS, profile_for, type_into

from asyncops_desktop import migrate
from asyncops_desktop.credentials import KEYRING_SERVICE, CredentialStore
from asyncops_desktop.db import Database
from asyncops_desktop.profiles import Profile, ProfileKind, ProfileStore, SslMode
from ui.connection import ConnectionCheck, check_connection
from ui.dialogs import connection_test
from ui.dialogs.connect import ConnectDialog
from ui.dialogs.connection_test import connection_tests_running
from ui.dialogs.profile_editor import ProfileEditorDialog

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")


@pytest.fixture
def store() -> ProfileStore:
    """The profile store in the test's own config directory."""
    return ProfileStore()


@pytest.fixture
def silent_server() -> Iterator[int]:
    """A port that accepts connections and never answers (a server stuck or far away)."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    yield int(listener.getsockname()[1])
    listener.close()


@pytest.fixture(autouse=True)
def _tests_end(qtbot: QtBot) -> Iterator[None]:
    """No connection test outlives its test (its thread would outlive the objects it uses)."""
    yield
    qtbot.waitUntil(lambda: connection_tests_running() == 0, timeout=TIMEOUT_MS)


def _open(qtbot: QtBot, store: ProfileStore, **kwargs: object) -> ConnectDialog:
    dialog = ConnectDialog(store, CredentialStore(), **kwargs)  # type: ignore[arg-type]
    qtbot.addWidget(dialog)
    dialog.open()
    qtbot.waitUntil(dialog.isVisible)
    return dialog


def _editor(qtbot: QtBot, dialog: ConnectDialog) -> ProfileEditorDialog:
    qtbot.waitUntil(lambda: dialog.editor is not None and dialog.editor.isVisible())
    assert dialog.editor is not None
    return dialog.editor


def _run_test(qtbot: QtBot, owner: ConnectDialog | ProfileEditorDialog) -> ConnectionCheck:
    """Press Test connection and wait for its answer (the dialog stays responsive meanwhile)."""
    owner.test_button.click()
    test = owner.test
    assert test is not None
    assert owner.busy.isVisible() and not owner.test_button.isEnabled()
    qtbot.waitUntil(lambda: test.result is not None, timeout=TIMEOUT_MS)
    assert test.result is not None
    assert not owner.busy.isVisible() and owner.test_button.isEnabled()
    qtbot.waitUntil(lambda: connection_tests_running() == 0, timeout=TIMEOUT_MS)
    return test.result


# -- managing profiles ----------------------------------------------------------------------
def test_add_a_local_file_profile_with_the_file_dialog(
    qtbot: QtBot, store: ProfileStore, tmp_path: Path
) -> None:
    dialog = _open(qtbot, store)
    assert dialog.profile_names() == []
    assert not dialog.connect_button.isEnabled()
    # Mnemonics are shortcuts: they reach the active window only.
    dialog.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is dialog)
    QTest.keyClick(dialog, Qt.Key.Key_A, Qt.KeyboardModifier.AltModifier)
    editor = _editor(qtbot, dialog)
    assert editor.local_radio.isChecked() and editor.default_file_radio.isChecked()
    type_into(editor.name_edit, "Offline copy")
    editor.choose_file_button.click()
    qtbot.waitUntil(lambda: editor.file_dialog is not None and editor.file_dialog.isVisible())
    assert editor.file_dialog is not None
    editor.file_dialog.selectFile(str(tmp_path / "offline.db"))
    editor.file_dialog.accept()
    assert editor.other_file_radio.isChecked()
    assert editor.path_edit.text() == str(tmp_path / "offline.db")
    QTest.keyClick(editor.name_edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not editor.isVisible())
    assert dialog.profile_names() == ["Offline copy"]
    saved = store.by_name("Offline copy")
    assert saved is not None and saved.kind is ProfileKind.SQLITE
    assert saved.path == str(tmp_path / "offline.db")
    assert dialog.where_label.text() == str(tmp_path / "offline.db")


def test_add_edit_duplicate_and_remove_a_server_profile(
    qtbot: QtBot, store: ProfileStore, memory_keyring: object
) -> None:
    entries: dict[tuple[str, str], str] = getattr(memory_keyring, "entries")  # noqa: B009
    dialog = _open(qtbot, store)
    dialog.add_button.click()
    editor = _editor(qtbot, dialog)
    type_into(editor.name_edit, "Team server")
    editor.server_radio.click()
    assert editor.server_page.isVisible() and not editor.local_page.isVisible()
    assert not editor.ca_edit.isEnabled() and not editor.ca_button.isEnabled()
    type_into(editor.host_edit, "db.example.com")
    editor.port_spin.setValue(6543)
    type_into(editor.database_edit, "ops")
    type_into(editor.user_edit, "ops_app")
    editor.sslmode_combo.setCurrentIndex(editor.sslmode_combo.findData("require"))
    type_into(editor.password_edit, "db secret 9")
    editor.remember_check.setChecked(True)
    editor.save_button.click()
    qtbot.waitUntil(lambda: not editor.isVisible())
    team = store.by_name("Team server")
    assert team is not None
    assert (team.host, team.port, team.database, team.user, team.sslmode) == (
        "db.example.com",
        6543,
        "ops",
        "ops_app",
        SslMode.REQUIRE,
    )
    assert team.remember_password
    assert entries == {(KEYRING_SERVICE, f"profile:{team.id}:password"): "db secret 9"}
    assert "db secret 9" not in store.path.read_text(encoding="utf-8")
    assert dialog.password_edit.placeholderText() == "Remembered in the system keyring"

    dialog.edit_button.click()
    editor = _editor(qtbot, dialog)
    assert editor.host_edit.text() == "db.example.com" and editor.password_edit.text() == ""
    type_into(editor.name_edit, "Team")
    editor.save_button.click()
    qtbot.waitUntil(lambda: not editor.isVisible())
    assert dialog.profile_names() == ["Team"]
    # The remembered password stays when nothing new was typed.
    assert entries[(KEYRING_SERVICE, f"profile:{team.id}:password")] == "db secret 9"

    dialog.duplicate_button.click()
    assert dialog.profile_names() == ["Team", "Team (copy)"]
    copy = store.by_name("Team (copy)")
    assert copy is not None and copy.host == "db.example.com" and not copy.remember_password
    assert dialog.selected_profile() == copy

    dialog.select("Team")
    entries[(KEYRING_SERVICE, f"profile:{team.id}:token")] = "a remembered sign-in"
    dialog.remove_button.click()
    box = dialog.confirm_box
    assert box is not None
    qtbot.waitUntil(box.isVisible)
    assert "Team" in box.text()
    box.button(QMessageBox.StandardButton.Cancel).click()
    assert dialog.profile_names() == ["Team", "Team (copy)"]
    dialog.remove_button.click()
    box = dialog.confirm_box
    assert box is not None
    qtbot.waitUntil(box.isVisible)
    remove = next(b for b in box.buttons() if b.text() == "&Remove")
    remove.click()
    assert dialog.profile_names() == ["Team (copy)"]
    assert store.get(team.id) is None
    # Its password and its remembered sign-in left the keyring with it.
    assert entries == {}


@pytest.mark.parametrize(
    ("field", "server", "edit", "value", "sslmode", "message"),
    [
        ("name", False, "name_edit", "   ", None, "Name: is required."),
        (
            "host",
            True,
            "host_edit",
            "bad host",
            None,
            "Host: must be a host name or address without spaces or slashes.",
        ),
        ("database", True, "database_edit", "", None, "Database: is required."),
        (
            "sslrootcert",
            True,
            None,
            "",
            "verify-full",
            "CA file: a CA certificate file is required for verify-full.",
        ),
        ("path", False, None, "", None, "File: is required: choose a file or type a new name."),
        (
            "path",
            False,
            "path_edit",
            "/no/such/dir/x.db",
            None,
            "File: the folder /no/such/dir does not exist.",
        ),
    ],
)
def test_validation_messages_name_the_field(
    qtbot: QtBot,
    store: ProfileStore,
    field: str,
    server: bool,
    edit: str | None,
    value: str,
    sslmode: str | None,
    message: str,
) -> None:
    editor = ProfileEditorDialog(store, CredentialStore())
    qtbot.addWidget(editor)
    editor.open()
    type_into(editor.name_edit, "Profile")
    if server:
        editor.server_radio.click()
    if field == "path":
        editor.other_file_radio.click()
    if edit is not None:
        type_into(getattr(editor, edit), value)
    if sslmode is not None:
        editor.sslmode_combo.setCurrentIndex(editor.sslmode_combo.findData(sslmode))
    editor.save_button.click()
    assert editor.isVisible()
    assert editor.errors.message_for(field) == message
    shown = editor.errors.fields[field][2]
    assert shown.isVisible() and shown.accessibleDescription() == message
    assert store.profiles() == []


def test_a_duplicate_name_is_refused(qtbot: QtBot, store: ProfileStore) -> None:
    store.add(Profile(name="Local"))
    editor = ProfileEditorDialog(store, CredentialStore())
    qtbot.addWidget(editor)
    editor.open()
    type_into(editor.name_edit, "local")
    editor.save_button.click()
    assert editor.errors.message_for("name") == "Name: a profile named 'local' already exists."


def test_ca_file_is_only_offered_for_verify_full(
    qtbot: QtBot, store: ProfileStore, tmp_path: Path
) -> None:
    ca = tmp_path / "ca.pem"
    ca.write_text("-----BEGIN CERTIFICATE-----\n", encoding="utf-8")
    editor = ProfileEditorDialog(store, CredentialStore())
    qtbot.addWidget(editor)
    editor.open()
    editor.server_radio.click()
    for mode in SslMode:
        editor.sslmode_combo.setCurrentIndex(editor.sslmode_combo.findData(mode.value))
        verify = mode is SslMode.VERIFY_FULL
        assert editor.ca_edit.isEnabled() is verify
        assert editor.ca_button.isEnabled() is verify
    editor.ca_button.click()
    qtbot.waitUntil(lambda: editor.file_dialog is not None and editor.file_dialog.isVisible())
    assert editor.file_dialog is not None
    editor.file_dialog.selectFile(str(ca))
    editor.file_dialog.accept()
    assert editor.ca_edit.text() == str(ca)
    type_into(editor.name_edit, "Verified")
    editor.save_button.click()
    saved = store.by_name("Verified")
    assert saved is not None and saved.sslrootcert == str(ca)
    assert saved.sslmode is SslMode.VERIFY_FULL


def test_without_a_keyring_remember_is_disabled_and_explained(
    qtbot: QtBot, store: ProfileStore, no_keyring: None
) -> None:
    store.add(Profile(name="Server", kind=ProfileKind.POSTGRESQL, host="db", user="ops"))
    dialog = _open(qtbot, store, notice="No keyring here.")
    assert dialog.notice.isVisible() and dialog.notice.text() == "No keyring here."
    assert not dialog.remember_check.isEnabled()
    assert dialog.remember_hint.isVisible()
    assert "no usable system keyring" in dialog.remember_check.accessibleDescription()
    dialog.edit_button.click()
    editor = _editor(qtbot, dialog)
    assert not editor.remember_check.isEnabled() and editor.remember_hint.isVisible()


# -- testing connections --------------------------------------------------------------------
def test_test_connection_succeeds_on_the_test_database(
    qtbot: QtBot, store: ProfileStore, db_url: str, backend: str
) -> None:
    store.add(profile_for(db_url, "Test server"))
    dialog = _open(qtbot, store)
    check = _run_test(qtbot, dialog)
    assert check.usable
    name = "SQLite" if backend == "sqlite" else "PostgreSQL"
    assert check.sentence.startswith(f"Connected to {name} ")
    assert check.sentence.endswith("the schema is up to date.")
    assert dialog.test_result.text() == check.sentence
    assert dialog.test_result.kind == "success"


def test_test_connection_explains_an_empty_database_and_an_older_schema(
    qtbot: QtBot, empty_db_url: str, backend: str
) -> None:
    path_or_none = check_connection(empty_db_url)
    if backend == "sqlite":
        assert path_or_none == ConnectionCheck(
            True, "The file does not exist yet: it will be created when you connect."
        )
        return
    assert path_or_none.sentence == (
        "Connected, but the database is empty: you can create it when connecting."
    )
    database = Database(empty_db_url)
    try:
        migrate.upgrade(database.engine, "0001_initial")
    finally:
        database.dispose()
    older = check_connection(empty_db_url)
    assert older.usable and "older than this app's" in older.sentence
    assert "an admin can upgrade it" in older.sentence


def test_a_refused_connection_reads_as_one_sentence(qtbot: QtBot, store: ProfileStore) -> None:
    store.add(
        Profile(name="Nowhere", kind=ProfileKind.POSTGRESQL, host="127.0.0.1", port=1, user="x")
    )
    dialog = _open(qtbot, store)
    type_into(dialog.password_edit, "hunter22")
    check = _run_test(qtbot, dialog)
    assert not check.usable
    assert "refused the connection" in check.sentence
    assert "is it running and listening?" in check.sentence
    assert "hunter22" not in check.sentence and "\n" not in check.sentence
    assert dialog.test_result.kind == "error"


def test_the_editor_tests_what_is_typed_before_saving(
    qtbot: QtBot, store: ProfileStore, db_url: str
) -> None:
    editor = ProfileEditorDialog(store, CredentialStore(), profile_for(db_url, "Typed"))
    qtbot.addWidget(editor)
    editor.open()
    check = _run_test(qtbot, editor)
    assert check.usable, check.sentence
    assert store.profiles() == []
    type_into(editor.name_edit, "")
    editor.test_button.click()
    assert editor.test is None or editor.test.result is not None
    assert editor.errors.message_for("name") == "Name: is required."


def test_a_silent_server_times_out_and_cancel_works_meanwhile(
    qtbot: QtBot, store: ProfileStore, silent_server: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    # libpq waits at least 2 seconds.
    monkeypatch.setattr(connection_test, "TIMEOUT_S", 2)
    store.add(
        Profile(
            name="Stuck",
            kind=ProfileKind.POSTGRESQL,
            host="127.0.0.1",
            port=silent_server,
            user="x",
            sslmode=SslMode.DISABLE,
        )
    )
    dialog = _open(qtbot, store)
    check = _run_test(qtbot, dialog)
    assert not check.usable
    assert "did not answer in time" in check.sentence

    dialog.test_button.click()
    assert dialog.busy.isVisible() and connection_tests_running() == 1
    # The dialog answers at once while the server does not.
    with qtbot.waitSignal(dialog.rejected, timeout=1_000):
        QTest.keyClick(dialog, Qt.Key.Key_Escape)
    assert not dialog.isVisible()
    qtbot.waitUntil(lambda: connection_tests_running() == 0, timeout=TIMEOUT_MS)


def test_connect_returns_the_choice_and_the_typed_password(
    qtbot: QtBot, store: ProfileStore, tmp_path: Path, memory_keyring: object
) -> None:
    local = store.add(Profile(name="File", path=str(tmp_path / "f.db")))
    server = store.add(Profile(name="Server", kind=ProfileKind.POSTGRESQL, host="db", user="u"))
    dialog = _open(qtbot, store, selected_id=server.id, message="The server said no.")
    assert dialog.selected_profile() == server
    assert dialog.message.text() == "The server said no."
    assert dialog.password_edit.isVisible()
    type_into(dialog.password_edit, "typed now")
    dialog.remember_check.setChecked(True)
    with qtbot.waitSignal(dialog.accepted, timeout=TIMEOUT_MS):
        QTest.keyClick(dialog.password_edit, Qt.Key.Key_Return)
    assert dialog.choice is not None
    assert (dialog.choice.profile, dialog.choice.password, dialog.choice.remember) == (
        server,
        "typed now",
        True,
    )
    again = _open(qtbot, store, selected_id=local.id)
    assert not again.password_edit.isVisible() and not again.remember_check.isVisible()
    with qtbot.waitSignal(again.accepted, timeout=TIMEOUT_MS):
        again.connect_button.click()
    assert again.choice is not None and again.choice.password is None

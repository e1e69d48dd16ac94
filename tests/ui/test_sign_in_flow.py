"""The start-up flow on real databases: which database opens, sign-in, first admin, tokens."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from pathlib import Path

import psycopg
import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication
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
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from asyncops_desktop.credentials import KEYRING_SERVICE
from asyncops_desktop.db import DATABASE_URL_ENV, Database, sqlite_path, sqlite_url
from asyncops_desktop.domain.models import RememberToken, User
from asyncops_desktop.profiles import DEFAULT_PROFILE_NAME, ProfileStore
from asyncops_desktop.services.auth import AuthService
from asyncops_desktop.services.base import Actor
from asyncops_desktop.services.users import UserService
from ui.app import EXIT_OK, NOTICE_SHOWN_KEY, app_settings, run_gui
from ui.connection import display_location
from ui.dialogs.common import NO_KEYRING_NOTICE, local_time_text
from ui.dialogs.connect import ConnectDialog
from ui.dialogs.password_prompt import DatabasePasswordDialog
from ui.dialogs.passwords import ChangePasswordDialog
from ui.dialogs.sign_in import SignInDialog, locked_message
from ui.dialogs.welcome import WelcomeDialog

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")


@pytest.fixture
def driver(qtbot: QtBot) -> Iterator[Driver]:
    """Starts controllers and closes them all after the test."""
    with driving(qtbot) as made:
        yield made


def _token_entries(keyring: object) -> dict[tuple[str, str], str]:
    entries: dict[tuple[str, str], str] = getattr(keyring, "entries")  # noqa: B009
    return {key: value for key, value in entries.items() if key[1].endswith(":token")}


def _tokens_in_database(database: Database) -> int:
    with database.read() as session:
        return int(session.execute(select(func.count()).select_from(RememberToken)).scalar_one())


# -- which database opens -----------------------------------------------------------------
def test_without_profiles_the_local_database_is_created_and_remembered(
    driver: Driver, qtbot: QtBot
) -> None:
    controller = driver.start()
    welcome = driver.dialog(lambda: controller.welcome_dialog)
    assert isinstance(welcome, WelcomeDialog)
    profiles = ProfileStore().profiles()
    assert [p.name for p in profiles] == [DEFAULT_PROFILE_NAME]
    assert controller.profile is not None and controller.profile.name == DEFAULT_PROFILE_NAME
    assert controller.info is not None and controller.info.created
    assert controller.info.location == str(profiles[0].sqlite_file())
    # Nobody signed in yet, so it is not the last used profile.
    assert ProfileStore().last_used() is None
    assert driver.quit(controller) == EXIT_OK


def test_the_command_line_beats_the_environment_and_the_last_profile(
    driver: Driver, qtbot: QtBot, db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    other = save_profile(sqlite_url(tmp_path / "other.db"), "Other")
    chosen = save_profile(db_url, "Chosen")
    ProfileStore().set_last_used(other.id)
    monkeypatch.setenv(DATABASE_URL_ENV, sqlite_url(tmp_path / "from-env.db"))

    by_url = driver.start(db_url=db_url, profile_name="Other")
    driver.dialog(lambda: by_url.welcome_dialog)
    assert by_url.profile is None
    assert by_url.info is not None and by_url.info.location == display_location(db_url)
    driver.quit(by_url)

    by_name = driver.start(profile_name="chosen")
    driver.dialog(lambda: by_name.welcome_dialog)
    assert by_name.profile is not None and by_name.profile.id == chosen.id
    driver.quit(by_name)

    by_env = driver.start()
    driver.dialog(lambda: by_env.welcome_dialog)
    assert by_env.profile is None
    assert by_env.info is not None
    assert by_env.info.location == str(tmp_path / "from-env.db")
    driver.quit(by_env)

    monkeypatch.delenv(DATABASE_URL_ENV)
    last = driver.start()
    driver.dialog(lambda: last.welcome_dialog)
    assert last.profile is not None and last.profile.id == other.id


def test_an_unknown_profile_name_is_explained(driver: Driver, qtbot: QtBot) -> None:
    controller = driver.start(profile_name="Nowhere")
    box = driver.dialog(lambda: controller.error_box)
    assert "no connection profile named “Nowhere”" in box.text()
    assert controller.handle is None


def test_several_profiles_and_none_last_used_ask_which_one(
    driver: Driver, qtbot: QtBot, db_url: str, tmp_path: Path
) -> None:
    save_profile(sqlite_url(tmp_path / "first.db"), "First")
    wanted = save_profile(db_url, "Second")
    controller = driver.start()
    dialog = driver.dialog(lambda: controller.connect_dialog)
    assert isinstance(dialog, ConnectDialog)
    assert controller.handle is None
    assert dialog.profile_names() == ["First", "Second"]
    dialog.select("Second")
    with qtbot.waitSignal(controller.database_opened, timeout=TIMEOUT_MS):
        QTest.keyClick(dialog.profile_list, Qt.Key.Key_Return)
    assert controller.profile is not None and controller.profile.id == wanted.id


def test_cancelling_the_first_connect_dialog_quits(
    driver: Driver, qtbot: QtBot, tmp_path: Path
) -> None:
    save_profile(sqlite_url(tmp_path / "first.db"), "First")
    save_profile(sqlite_url(tmp_path / "second.db"), "Second")
    controller = driver.start()
    dialog = driver.dialog(lambda: controller.connect_dialog)
    with qtbot.waitSignal(controller.finished, timeout=TIMEOUT_MS) as finished:
        QTest.keyClick(dialog, Qt.Key.Key_Escape)
    assert finished.args == [EXIT_OK]


# -- signing in -----------------------------------------------------------------------------
def test_sign_in_shows_the_user_and_profile_and_remembers_the_profile(
    driver: Driver, qtbot: QtBot, db_url: str, admin: Actor
) -> None:
    profile = save_profile(db_url, "Team")
    controller = driver.start()
    signed_in = driver.sign_in(controller, ADMIN_EMAIL.upper(), ADMIN_PASSWORD)
    assert signed_in.user.email == ADMIN_EMAIL
    window = controller.window
    assert window.windowTitle() == "AsyncOps Desktop — Team — Ada Admin"
    assert window.user_label.text() == "Signed in as Ada Admin (admin) to Team"
    assert window.sign_out_action.isEnabled() and window.profile_action.isEnabled()
    assert controller.context is not None and controller.context.actor == signed_in.actor
    assert controller.context.profile_name == "Team"
    assert window.users_page is not None
    last = ProfileStore().last_used()
    assert last is not None and last.id == profile.id
    # The email (never the password) is offered next time.
    assert app_settings().value(f"sign_in/{profile.id}/email") == ADMIN_EMAIL


def test_wrong_email_and_wrong_password_get_the_same_message(
    driver: Driver, qtbot: QtBot, db_url: str, admin: Actor
) -> None:
    save_profile(db_url)
    controller = driver.start()
    dialog = driver.sign_in_dialog(controller)
    driver.submit_sign_in(dialog, ADMIN_EMAIL, "not the password")
    wrong_password = driver.wait_message(dialog.message, "Wrong")
    assert dialog.password_edit.text() == ""
    assert dialog.sign_in_button.isEnabled()
    dialog.message.clear_message()
    driver.submit_sign_in(dialog, "nobody@example.com", ADMIN_PASSWORD)
    wrong_email = driver.wait_message(dialog.message, "Wrong")
    assert wrong_password == wrong_email == "Wrong email or password."
    assert controller.session is None


def test_five_failures_lock_the_email_until_a_time_shown_locally_even_after_a_restart(
    driver: Driver, qtbot: QtBot, db_url: str, database: Database, admin: Actor
) -> None:
    save_profile(db_url)
    controller = driver.start()
    dialog = driver.sign_in_dialog(controller)
    for attempt in range(1, 5):
        driver.submit_sign_in(dialog, ADMIN_EMAIL, f"wrong password {attempt}")
        driver.wait_message(dialog.message, "Wrong email or password.")
        dialog.message.clear_message()
    driver.submit_sign_in(dialog, ADMIN_EMAIL, "wrong password 5")
    message = driver.wait_message(dialog.message, "Too many failed sign-ins")
    until = AuthService(database, bcrypt_rounds=4).locked_until(ADMIN_EMAIL)
    assert until is not None
    assert message == locked_message(until)
    assert local_time_text(until) in message and "your local time" in message
    assert "UTC" not in message
    driver.quit(controller)

    # A new app on the same database: still locked, even with the right password.
    restarted = driver.start()
    again = driver.sign_in_dialog(restarted)
    driver.submit_sign_in(again, ADMIN_EMAIL, ADMIN_PASSWORD)
    assert driver.wait_message(again.message, "Too many failed sign-ins") == locked_message(until)
    assert restarted.session is None


def test_an_inactive_account_cannot_sign_in(
    driver: Driver, qtbot: QtBot, db_url: str, database: Database, admin: Actor, member: Actor
) -> None:
    UserService(database, admin).set_active(member.user_id, False)
    save_profile(db_url)
    controller = driver.start()
    dialog = driver.sign_in_dialog(controller)
    driver.submit_sign_in(dialog, MEMBER_EMAIL, MEMBER_PASSWORD)
    assert "deactivated" in driver.wait_message(dialog.message, "deactivated")


def test_first_admin_is_created_in_the_welcome_dialog(
    driver: Driver, qtbot: QtBot, db_url: str, database: Database
) -> None:
    save_profile(db_url)
    controller = driver.start()
    dialog = driver.dialog(lambda: controller.welcome_dialog)
    assert isinstance(dialog, WelcomeDialog)
    type_into(dialog.name_edit, "Grace Hopper")
    type_into(dialog.email_edit, "grace@example.com")
    # Over bcrypt's limit although only 40 characters: said as you type and refused.
    type_into(dialog.passwords.password_edit, "é" * 40)
    assert "80 bytes" in dialog.passwords.strength.text()
    type_into(dialog.passwords.confirm_edit, "é" * 40)
    dialog.create_button.click()
    assert "72 bytes" in dialog.errors.message_for("password")
    type_into(dialog.passwords.password_edit, "short")
    assert dialog.errors.message_for("password") == ""
    assert "Too short" in dialog.passwords.strength.text()
    type_into(dialog.passwords.password_edit, "a long enough passphrase")
    assert dialog.passwords.strength.text().startswith("Strength")
    type_into(dialog.passwords.confirm_edit, "a different passphrase")
    assert dialog.passwords.match.text() == "The two entries differ."
    QTest.keyClick(dialog.passwords.confirm_edit, Qt.Key.Key_Return)
    assert dialog.errors.message_for("confirm") == "Confirmation: differs from the new password."
    type_into(dialog.passwords.confirm_edit, "a long enough passphrase")
    with qtbot.waitSignal(controller.signed_in, timeout=TIMEOUT_MS) as blocker:
        QTest.keyClick(dialog.passwords.confirm_edit, Qt.Key.Key_Return)
    user = blocker.args[0].user
    assert (user.full_name, user.email, user.role) == ("Grace Hopper", "grace@example.com", "admin")
    assert not dialog.isVisible()
    assert controller.window.users_page is not None
    with database.read() as session:
        assert session.execute(select(func.count()).select_from(User)).scalar_one() == 1


def test_welcome_can_load_sample_data_with_progress(
    driver: Driver, qtbot: QtBot, db_url: str, database: Database
) -> None:
    controller = driver.start(db_url=db_url)
    dialog = driver.dialog(lambda: controller.welcome_dialog)
    type_into(dialog.name_edit, "Grace Hopper")
    type_into(dialog.email_edit, "grace@example.com")
    type_into(dialog.passwords.password_edit, "a long enough passphrase")
    type_into(dialog.passwords.confirm_edit, "a long enough passphrase")
    dialog.sample_check.setChecked(True)
    progress: list[int] = []
    dialog.progress.valueChanged.connect(progress.append)
    with qtbot.waitSignal(controller.signed_in, timeout=TIMEOUT_MS):
        dialog.create_button.click()
    qtbot.waitUntil(lambda: "Sample data loaded" in controller.window.statusBar().currentMessage())
    assert progress and progress[-1] == dialog.progress.maximum() > 0
    with database.read() as session:
        assert session.execute(select(func.count()).select_from(User)).scalar_one() > 1
    qtbot.waitUntil(lambda: controller.window.overview.count_labels["Decisions"].text() != "0")


def test_a_reset_password_must_be_changed_and_cancelling_signs_out(
    driver: Driver, qtbot: QtBot, db_url: str, database: Database, admin: Actor, member: Actor
) -> None:
    temporary = UserService(database, admin).reset_password(member.user_id)
    save_profile(db_url)
    controller = driver.start()
    dialog = driver.sign_in_dialog(controller)
    driver.submit_sign_in(dialog, MEMBER_EMAIL, temporary)
    forced = driver.dialog(lambda: controller.change_password_dialog)
    assert isinstance(forced, ChangePasswordDialog) and forced.forced
    assert controller.session is None and controller.context is None
    with qtbot.waitSignal(controller.signed_out, timeout=TIMEOUT_MS):
        QTest.keyClick(forced, Qt.Key.Key_Escape)
    again = driver.sign_in_dialog(controller, after=dialog)
    driver.submit_sign_in(again, MEMBER_EMAIL, temporary)
    forced = driver.dialog(lambda: controller.change_password_dialog, after=forced)
    type_into(forced.current_edit, "not it at all")
    type_into(forced.fields.password_edit, "my own new password")
    type_into(forced.fields.confirm_edit, "my own new password")
    forced.change_button.click()
    driver.wait_message(forced.errors.fields["current_password"][2], "not your current password")
    type_into(forced.current_edit, temporary)
    with qtbot.waitSignal(controller.signed_in, timeout=TIMEOUT_MS) as blocker:
        forced.change_button.click()
    assert not blocker.args[0].must_change_password
    assert controller.window.users_page is None
    AuthService(database, bcrypt_rounds=4).sign_in(MEMBER_EMAIL, "my own new password")


# -- remember me ----------------------------------------------------------------------------
def test_keep_me_signed_in_skips_the_dialog_next_time_and_sign_out_revokes_it(
    driver: Driver,
    qtbot: QtBot,
    db_url: str,
    database: Database,
    admin: Actor,
    memory_keyring: object,
) -> None:
    profile = save_profile(db_url)
    first = driver.start()
    driver.sign_in(first, ADMIN_EMAIL, ADMIN_PASSWORD, keep=True)
    tokens = _token_entries(memory_keyring)
    assert list(tokens) == [(KEYRING_SERVICE, f"profile:{profile.id}:token")]
    assert _tokens_in_database(database) == 1
    driver.quit(first)

    second = driver.make()
    with qtbot.waitSignal(second.signed_in, timeout=TIMEOUT_MS) as blocker:
        second.start()
        if profile.needs_password:
            # The database password is asked (it was not remembered); the sign-in is not.
            driver.dialog(lambda: second.password_dialog).accept()
    assert blocker.args[0].user.email == ADMIN_EMAIL
    assert second.sign_in_dialog is None

    with qtbot.waitSignal(second.signed_out, timeout=TIMEOUT_MS):
        second.window.sign_out_action.trigger()
    driver.sign_in_dialog(second)
    assert _token_entries(memory_keyring) == {}
    qtbot.waitUntil(lambda: _tokens_in_database(database) == 0, timeout=TIMEOUT_MS)
    assert second.window.users_page is None
    assert not second.window.sign_out_action.isEnabled()
    assert second.window.windowTitle() == f"AsyncOps Desktop — {profile.describe()}"


def test_a_revoked_token_falls_back_to_the_dialog(
    driver: Driver,
    qtbot: QtBot,
    db_url: str,
    database: Database,
    admin: Actor,
    memory_keyring: object,
) -> None:
    save_profile(db_url)
    first = driver.start()
    driver.sign_in(first, ADMIN_EMAIL, ADMIN_PASSWORD, keep=True)
    driver.quit(first)
    # A password reset by an admin revokes every remembered sign-in.
    UserService(database, admin).reset_password(admin.user_id)
    second = driver.start()
    dialog = driver.sign_in_dialog(second)
    assert "expired or was revoked" in dialog.message.text()
    assert _token_entries(memory_keyring) == {}


def test_keep_me_signed_in_is_disabled_for_a_database_given_by_url(
    driver: Driver, qtbot: QtBot, db_url: str, admin: Actor, memory_keyring: object
) -> None:
    controller = driver.start(db_url=db_url)
    dialog = driver.sign_in_dialog(controller)
    assert not dialog.keep_check.isEnabled()
    assert "connection profile" in dialog.keep_hint.text()


# -- no keyring -----------------------------------------------------------------------------
def test_without_a_keyring_passwords_are_asked_and_the_notice_shows_once(
    driver: Driver, qtbot: QtBot, db_url: str, admin: Actor, no_keyring: None
) -> None:
    profile = save_profile(db_url)
    controller = driver.start()
    if profile.needs_password:
        prompt = driver.dialog(lambda: controller.password_dialog)
        assert isinstance(prompt, DatabasePasswordDialog)
        assert prompt.notice.isVisible() and prompt.notice.text() == NO_KEYRING_NOTICE
        assert not prompt.remember_check.isEnabled()
        type_into(prompt.password_edit, "typed each time")
        QTest.keyClick(prompt.password_edit, Qt.Key.Key_Return)
    dialog = driver.sign_in_dialog(controller)
    assert not dialog.keep_check.isEnabled()
    assert "no usable system keyring" in dialog.keep_hint.text()
    # Said once: in the first dialog that could say it.
    assert dialog.notice.isVisible() == (not profile.needs_password)
    assert app_settings().value(NOTICE_SHOWN_KEY, False, bool)
    driver.sign_in(controller, ADMIN_EMAIL, ADMIN_PASSWORD)
    driver.quit(controller)

    again = driver.start()
    if profile.needs_password:
        prompt = driver.dialog(lambda: again.password_dialog)
        assert not prompt.notice.isVisible()
        QTest.keyClick(prompt.password_edit, Qt.Key.Key_Return)
    second = driver.sign_in_dialog(again)
    assert not second.notice.isVisible()


def test_a_remembered_database_password_is_used_without_asking(
    driver: Driver, qtbot: QtBot, db_url: str, admin: Actor, memory_keyring: object
) -> None:
    entries: dict[tuple[str, str], str] = getattr(memory_keyring, "entries")  # noqa: B009
    profile = save_profile(db_url)
    driver.answer_password_prompts = False
    controller = driver.start()
    if not profile.needs_password:
        # A file has no password: nothing is asked and nothing goes to the keyring.
        driver.sign_in_dialog(controller)
        assert controller.password_dialog is None and entries == {}
        return
    prompt = driver.dialog(lambda: controller.password_dialog)
    assert prompt.remember_check.isEnabled() and not prompt.notice.isVisible()
    type_into(prompt.password_edit, "server secret 1")
    prompt.remember_check.setChecked(True)
    QTest.keyClick(prompt.password_edit, Qt.Key.Key_Return)
    driver.sign_in_dialog(controller)
    assert entries[(KEYRING_SERVICE, f"profile:{profile.id}:password")] == "server secret 1"
    stored = ProfileStore().get(profile.id)
    assert stored is not None and stored.remember_password
    driver.quit(controller)
    again = driver.start()
    driver.sign_in_dialog(again)
    assert again.password_dialog is None


def test_the_locked_message_uses_the_date_when_not_today() -> None:
    tomorrow = dt.datetime.now(dt.UTC).replace(tzinfo=None) + dt.timedelta(days=1, hours=1)
    text = local_time_text(tomorrow)
    assert text.startswith(f"{tomorrow.replace(tzinfo=dt.UTC).astimezone():%Y-%m-%d}")


# -- refusals, switching, the entry point -----------------------------------------------------
def _stamp(url: str, revision: str) -> None:
    database = Database(url)
    try:
        with database.write() as session:
            session.connection().exec_driver_sql(
                f"UPDATE alembic_version SET version_num = '{revision}'"
            )
    finally:
        database.dispose()


def _connections_to(url: str) -> int:
    """Connections the app holds: PostgreSQL sessions, or a SQLite write-ahead log."""
    path = sqlite_path(url)
    if path is not None:
        # SQLite removes the write-ahead log when the last connection closes.
        return int(Path(f"{path}-wal").exists())
    parsed = make_url(url)
    admin_url = parsed.set(drivername="postgresql", database="postgres")
    with psycopg.connect(admin_url.render_as_string(hide_password=False)) as conn:
        row = conn.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
            (parsed.database,),
        ).fetchone()
    assert row is not None
    return int(row[0])


def test_a_newer_schema_is_refused_and_another_database_can_be_chosen(
    driver: Driver, qtbot: QtBot, db_url: str, tmp_path: Path
) -> None:
    _stamp(db_url, "9999_from_the_future")
    newer = save_profile(db_url, "Newer")
    other = save_profile(sqlite_url(tmp_path / "other.db"), "Other")
    ProfileStore().set_last_used(newer.id)
    controller = driver.start()
    box = driver.dialog(lambda: controller.error_box)
    assert "9999_from_the_future" in box.text() and "newer version" in box.text()
    assert "Traceback" not in box.text()
    choose = next(b for b in box.buttons() if b.objectName() == "chooseAnotherDatabase")
    assert box.defaultButton() is choose
    choose.click()
    dialog = driver.dialog(lambda: controller.connect_dialog)
    assert "9999_from_the_future" in dialog.message.text()
    assert dialog.selected_profile() == newer
    dialog.select("Other")
    with qtbot.waitSignal(controller.database_opened, timeout=TIMEOUT_MS):
        dialog.connect_button.click()
    assert controller.profile is not None and controller.profile.id == other.id
    driver.dialog(lambda: controller.welcome_dialog)
    qtbot.waitUntil(lambda: _connections_to(db_url) == 0, timeout=TIMEOUT_MS)


def test_switching_profiles_closes_the_open_database_first(
    driver: Driver, qtbot: QtBot, db_url: str, tmp_path: Path, admin: Actor, database: Database
) -> None:
    database.dispose()
    first = save_profile(db_url, "First")
    save_profile(sqlite_url(tmp_path / "second.db"), "Second")
    ProfileStore().set_last_used(first.id)
    controller = driver.start()
    driver.sign_in(controller, ADMIN_EMAIL, ADMIN_PASSWORD)
    assert _connections_to(db_url) > 0
    controller.window.connect_action.trigger()
    dialog = driver.dialog(lambda: controller.connect_dialog)
    assert dialog.selected_profile() == first
    # Cancel changes nothing.
    dialog.reject()
    assert controller.session is not None
    controller.window.connect_action.trigger()
    dialog = driver.dialog(lambda: controller.connect_dialog, after=dialog)
    dialog.select("Second")
    with qtbot.waitSignal(controller.signed_out, timeout=TIMEOUT_MS):
        dialog.connect_button.click()
    driver.dialog(lambda: controller.welcome_dialog)
    assert controller.session is None and controller.context is None
    assert controller.window.users_page is None
    assert not controller.window.sign_out_action.isEnabled()
    qtbot.waitUntil(lambda: _connections_to(db_url) == 0, timeout=TIMEOUT_MS)


def _poll(step: Callable[[], bool]) -> QTimer:
    """Run ``step`` from inside app.exec() (run_gui blocks the test) until it returns True."""
    timer = QTimer()
    timer.setInterval(20)

    def tick() -> None:
        if step():
            timer.stop()

    timer.timeout.connect(tick)
    timer.start()
    return timer


def test_run_gui_opens_the_profile_named_on_the_command_line(
    qtbot: QtBot, db_url: str, admin: Actor
) -> None:
    save_profile(db_url, "Team")
    seen: list[str] = []

    def step() -> bool:
        for widget in QApplication.topLevelWidgets():
            if isinstance(widget, DatabasePasswordDialog) and widget.isVisible():
                widget.accept()
            if isinstance(widget, SignInDialog) and widget.isVisible():
                seen.append(widget.windowTitle())
                window = widget.parentWidget()
                assert window is not None
                window.close()
                return True
        return False

    timer = _poll(step)
    assert run_gui(None, "Team") == EXIT_OK
    timer.stop()
    assert seen == ["Sign in"]
    last = ProfileStore().last_used()
    assert last is None  # nobody signed in

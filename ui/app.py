"""Starting and ending the GUI: choosing the database, opening it, signing in, signing out.

Start-up never blocks on the database: the window appears at once in a "Connecting…" state
while the worker thread opens the database (creating and migrating an embedded file on
first launch); every result arrives by signal and the next dialog follows from it:

    choose a database (--db, --profile, ASYNCOPS_DATABASE_URL, the last used profile,
    the Connect dialog when several profiles exist, else the embedded "Local database")
    → its password (server profiles whose password the keyring does not hold)
    → open on the worker → newer schema: refused; older or empty server schema: an admin
      may upgrade it → no accounts: Welcome (first admin) → a remembered sign-in, else the
      Sign-in dialog → a forced password change → the signed-in window.

A database the app cannot use is explained in one sentence; the person can then choose
another database or close the app, which then exits with a non-zero code. Secrets go to
the system keyring only: never to QSettings, the profile file or the log.

Start-up probe: with ``ASYNCOPS_STARTUP_PROBE=1`` in the environment the app prints one line
to standard output once the signed-in window has painted the first rows of the page it
opened on, then closes as if the window were closed::

    startup-probe first-rows-painted epoch=<time.time()> cpu_s=<CPU seconds used>
        rss_kb=<resident KB> peak_rss_kb=<KB> page=<name> rows=<n>    (one line)

The GUI benchmark (``python -m bench.gui``) times cold starts with it; unset, nothing changes.
"""

from __future__ import annotations

import contextlib
import importlib
import logging
import os
import resource
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from PySide6.QtCore import QByteArray, QEvent, QObject, QSettings, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QAction, QActionGroup
from PySide6.QtWidgets import (
    QAbstractScrollArea,
    QApplication,
    QDialog,
    QDockWidget,
    QMessageBox,
    QWidget,
)

from asyncops_desktop import APP_AUTHOR, APP_NAME, __version__
from asyncops_desktop.credentials import CredentialStore
from asyncops_desktop.db import DATABASE_URL_ENV, resolve_database_url
from asyncops_desktop.domain.dto import UserDTO
from asyncops_desktop.domain.errors import (
    AsyncOpsError,
    DatabaseUnavailable,
    InvalidCredentials,
    SignInLocked,
    ValidationError,
)
from asyncops_desktop.logs import install_excepthook, install_redaction
from asyncops_desktop.profiles import Profile, ProfileKind, ProfileStore, config_dir
from asyncops_desktop.repositories.users import UserRepository
from asyncops_desktop.services.auth import SignedIn
from ui.connection import (
    ConnectionInfo,
    DatabaseHandle,
    Outcome,
    SignInResult,
    captured,
    display_location,
)
from ui.context import AppContext
from ui.dialogs.common import NO_KEYRING_NOTICE, NO_KEYRING_SHORT
from ui.main_window import USERS_PAGE, MainWindow
from ui.models.paged import PagedTableModel
from ui.resources import app_icon, style_sheet
from ui.summary_thread import SummaryRunner, SummaryStatus
from ui.theme import THEME_KEY, Theme, ThemeManager, parse_theme
from ui.worker import DatabaseWorker

# Start-up imports only what the window, the database and the page it opens on need: the
# dialogs, the offline copies and the other pages are imported when first used.
if TYPE_CHECKING:
    from asyncops_desktop.offline import OfflineWorkspace
    from ui.dialogs.connect import ConnectChoice, ConnectDialog
    from ui.dialogs.decisions_io import DecisionExport, ImportDecisionsDialog
    from ui.dialogs.my_profile import MyProfileDialog
    from ui.dialogs.password_prompt import DatabasePasswordDialog
    from ui.dialogs.passwords import ChangePasswordDialog
    from ui.dialogs.schema import SchemaDialog
    from ui.dialogs.sign_in import SignInDialog
    from ui.dialogs.welcome import WelcomeDialog
    from ui.offline import OfflineBanner, PendingChangesPanel, SyncDialog, TakeOfflineDialog
    from ui.pages.decisions import DecisionsPage

EXIT_OK = 0
EXIT_FAILED = 1
DESKTOP_FILE_NAME = "asyncops-desktop"
SETTINGS_FILE = "settings.ini"
NOTICE_SHOWN_KEY = "notices/no_keyring_shown"
# How often a lost database is asked again whether it answers.
PING_INTERVAL_MS = 3000
# The daily-summary backfill waits for the first page's rows, but no longer than this.
SUMMARIES_DELAY_MS = 2000
# Set to "1": report when the first rows are painted after start-up, then close (see above).
STARTUP_PROBE_ENV = "ASYNCOPS_STARTUP_PROBE"

logger = logging.getLogger(__name__)

D = TypeVar("D", bound=QDialog)


# The signed-in pages (but Users) in sidebar order: module and class, imported when built.
PAGE_CLASSES = {
    "Dashboard": ("ui.pages.dashboard", "DashboardPage"),
    "Status updates": ("ui.pages.status_updates", "StatusUpdatesPage"),
    "Incidents": ("ui.pages.incidents", "IncidentsPage"),
    "Blockers": ("ui.pages.blockers", "BlockersPage"),
    "Decisions": ("ui.pages.decisions", "DecisionsPage"),
}


def _build_page(module: str, class_name: str, context: AppContext) -> QWidget:
    """Import a page's module (the first time) and build the page."""
    page = getattr(importlib.import_module(module), class_name)(context)
    assert isinstance(page, QWidget)
    return page


def ping_database(handle: DatabaseHandle) -> None:
    """A worker job: raise ``DatabaseUnavailable`` unless the open database answers."""
    database = handle.database
    if database is None:
        raise DatabaseUnavailable("The database is not open.")
    database.ping()


@dataclass(frozen=True)
class OfflineOpened:
    """An offline copy opened on the worker: the copy, the database described, its owner."""

    workspace: OfflineWorkspace
    info: ConnectionInfo
    signed_in: SignedIn


def open_offline(handle: DatabaseHandle, path: str) -> OfflineOpened:
    """A worker job: open a snapshot as the handle's database, as its owner (no sign-in)."""
    from asyncops_desktop.offline import OfflineError, open_snapshot

    workspace = open_snapshot(path)
    try:
        handle.database = workspace.database
        info = handle.describe()
        actor = workspace.actor
        with workspace.database.read() as session:
            user = UserRepository(session).get(actor.user_id)
        if workspace.info.owner_user_id is None or user is None:
            raise OfflineError("This offline copy has no owner, so it cannot be edited.")
    except BaseException:
        handle.close()
        raise
    # The copy keeps names and emails only; the owner's role was recorded with the snapshot.
    return OfflineOpened(workspace, info, SignedIn(replace(user, role=actor.role.value), actor))


def layout_group(profile: Profile | None) -> str:
    """The settings group holding one profile's window layout (never a secret)."""
    return f"profiles/{profile.id if profile is not None else 'adhoc'}"


def app_settings() -> QSettings:
    """The app's preferences (never a secret), beside the profiles in the config directory."""
    return QSettings(str(config_dir() / SETTINGS_FILE), QSettings.Format.IniFormat)


class _ProgressRelay(QObject):
    """Carries progress from a job on the worker thread to the GUI thread (a queued signal)."""

    progressed = Signal(int, int)


class AppController(QObject):
    """Owns the window, the database worker and the handle; runs the start-up and sign-in flow."""

    database_opened = Signal(object)
    open_failed = Signal(str)
    counts_refreshed = Signal(object)
    signed_in = Signal(object)
    signed_out = Signal()
    # Every dialog of the flow as it opens (tests and accessibility tools follow along).
    dialog_shown = Signal(object)
    # The exit code, once the window is closed and the database worker has stopped.
    finished = Signal(int)

    def __init__(
        self,
        db_url: str | None = None,
        profile_name: str | None = None,
        *,
        profiles: ProfileStore | None = None,
        credentials: CredentialStore | None = None,
        settings: QSettings | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        # No password reaches the log, whatever an error message quotes.
        install_redaction()
        self.db_url = db_url
        self.profile_name = profile_name
        self.profiles = profiles or ProfileStore()
        self.credentials = credentials or CredentialStore()
        self.settings = settings or app_settings()
        self.url: str | None = None
        self.profile: Profile | None = None
        self.window = MainWindow()
        self.worker = DatabaseWorker(self)
        self.handle: DatabaseHandle | None = None
        self.info: ConnectionInfo | None = None
        self.session: SignedIn | None = None
        self.context: AppContext | None = None
        self.exit_code: int | None = None
        # Bumped whenever another database is opened: late answers about the old one are dropped.
        self._generation = 0
        # A password to put in the keyring once it has opened the database.
        self._password_to_remember: str | None = None
        # "Keep me signed in" asked for by someone who must first choose a new password.
        self._keep_after_change = False
        self._opened_once = False
        self.error_box: QMessageBox | None = None
        self.connect_dialog: ConnectDialog | None = None
        self.password_dialog: DatabasePasswordDialog | None = None
        self.schema_dialog: SchemaDialog | None = None
        self.welcome_dialog: WelcomeDialog | None = None
        self.sign_in_dialog: SignInDialog | None = None
        self.change_password_dialog: ChangePasswordDialog | None = None
        self.profile_dialog: MyProfileDialog | None = None
        self.summary_runner: SummaryRunner | None = None
        self.decision_export: DecisionExport | None = None
        self.import_dialog: ImportDecisionsDialog | None = None
        self.take_offline_dialog: TakeOfflineDialog | None = None
        # An open offline copy: its banner, pending changes and the Sync dialog.
        self.workspace: OfflineWorkspace | None = None
        self.offline_banner: OfflineBanner | None = None
        self.pending_panel: PendingChangesPanel | None = None
        self.pending_dock: QDockWidget | None = None
        self.sync_dialog: SyncDialog | None = None
        self.summary_status: SummaryStatus | None = None
        self._start_summaries_later: Callable[[], None] = lambda: None
        # While the database is lost: ask it again every few seconds, on the worker.
        self.online = True
        self._ping_in_flight = False
        self.ping_timer = QTimer(self)
        self.ping_timer.setInterval(PING_INTERVAL_MS)
        self.ping_timer.timeout.connect(self._ping)
        self.themes = ThemeManager(self)
        self._build_theme_menu()
        self.window.closed.connect(self._on_window_closed)
        self.window.page_built.connect(self._on_page_built)
        self.window.overview.refresh_requested.connect(self.refresh)
        self.window.connect_action.triggered.connect(self.ask_choose_database)
        self.window.sign_out_action.triggered.connect(self.ask_sign_out)
        self.worker.connection_lost.connect(self._on_connection_lost)
        self.window.profile_action.triggered.connect(self.show_my_profile)
        self.window.export_csv_action.triggered.connect(self.export_decisions_csv)
        self.window.export_madr_action.triggered.connect(self.export_decisions_madr)
        self.window.import_madr_action.triggered.connect(self.import_decisions)
        self.window.take_offline_action.triggered.connect(self.take_offline)
        self.worker.stopped.connect(self._on_worker_stopped)

    # -- choosing the database ----------------------------------------------------------
    @property
    def label(self) -> str:
        """The profile's name, or where an ad-hoc database is."""
        if self.profile is not None:
            return self.profile.name
        return display_location(self.url) if self.url else "the database"

    def start(self) -> None:
        """Show the window and open the database chosen by the start-up rule."""
        self.window.show()
        if self.profiles.warning:
            self.window.statusBar().showMessage(self.profiles.warning, 20_000)
        try:
            if self.db_url:
                self._open_url(resolve_database_url(self.db_url))
            elif self.profile_name:
                profile = self.profiles.by_name(self.profile_name)
                if profile is None:
                    self._fail(f"There is no connection profile named “{self.profile_name}”.")
                else:
                    self.connect_profile(profile)
            elif os.environ.get(DATABASE_URL_ENV):
                self._open_url(resolve_database_url(None))
            elif (last := self.profiles.last_used()) is not None:
                self.connect_profile(last)
            elif len(self.profiles.profiles()) > 1:
                self.show_connect_dialog(on_cancel=partial(self._shutdown, EXIT_OK))
            else:
                self.connect_profile(self.profiles.ensure_default())
        except (AsyncOpsError, OSError) as exc:
            self._fail(str(exc))

    def ask_choose_database(self) -> None:
        """File → Connect…, once the current page's unsaved edits are saved or discarded."""
        if self.window.confirm_leave(self.choose_database):
            self.choose_database()

    def choose_database(self) -> None:
        """File → Connect…: pick another profile; the current one stays open until then."""
        self.show_connect_dialog(selected_id=self.profile.id if self.profile else None)

    def show_connect_dialog(
        self,
        *,
        message: str | None = None,
        selected_id: str | None = None,
        on_cancel: Callable[[], None] | None = None,
    ) -> None:
        """The Connect dialog; Cancel runs ``on_cancel`` (by default it just closes)."""
        from ui.dialogs.connect import ConnectDialog

        dialog = ConnectDialog(
            self.profiles,
            self.credentials,
            selected_id=selected_id,
            message=message,
            notice=self._keyring_notice(),
            parent=self.window,
        )
        self.connect_dialog = self._replace(self.connect_dialog, dialog)
        dialog.accepted.connect(lambda: self._on_connect_chosen(dialog))
        dialog.rejected.connect(lambda: self._unless_exiting(on_cancel))
        self._show(dialog)

    def _on_connect_chosen(self, dialog: ConnectDialog) -> None:
        choice: ConnectChoice | None = dialog.choice
        if choice is None or self.exit_code is not None:
            return
        self._close_current()
        self.connect_profile(choice.profile, password=choice.password, remember=choice.remember)

    def connect_profile(
        self, profile: Profile, *, password: str | None = None, remember: bool | None = None
    ) -> None:
        """Open a profile, asking for its database password when the keyring does not hold it.

        ``remember`` (None: leave as it is) keeps a typed password in the keyring once it has
        worked, or forgets the one kept there.
        """
        if profile.kind is ProfileKind.OFFLINE:
            self._begin_offline(profile)
            return
        if remember is not None and profile.needs_password:
            if not remember:
                self.credentials.forget_password(profile.id)
            if profile.remember_password != remember:
                # A profile that no longer validates (a CA file gone) still opens as it is.
                with contextlib.suppress(ValidationError):
                    profile = self.profiles.update(replace(profile, remember_password=remember))
        if profile.needs_password and password is None:
            password = self.credentials.password(profile.id)
            if password is None:
                self._ask_password(profile)
                return
        elif password and remember:
            self._password_to_remember = password
        self.profile = profile
        self._begin_open(profile.url(password or None))

    def _ask_password(self, profile: Profile) -> None:
        from ui.dialogs.password_prompt import DatabasePasswordDialog

        dialog = DatabasePasswordDialog(
            profile,
            can_remember=self.credentials.usable,
            notice=self._keyring_notice(),
            parent=self.window,
        )
        self.password_dialog = self._replace(self.password_dialog, dialog)
        self.window.show_connecting(profile.describe())

        def finished(result: int) -> None:
            if self.exit_code is not None:
                return
            if result == QDialog.DialogCode.Accepted:
                self.connect_profile(
                    profile, password=dialog.password or "", remember=dialog.remember
                )
            elif dialog.wants_other_database:
                self.show_connect_dialog(
                    selected_id=profile.id, on_cancel=lambda: self._ask_password(profile)
                )
            else:
                self._shutdown(EXIT_OK)

        dialog.finished.connect(finished)
        self._show(dialog)

    def _begin_offline(self, profile: Profile) -> None:
        """Open an offline copy on the worker; its owner works in it without signing in."""
        self.profile = profile
        self._generation += 1
        self.url = profile.url()
        logger.info("Opening the offline copy %s", profile.name)
        self.window.show_connecting(profile.describe())
        self.handle = DatabaseHandle(self.url)
        self._submit(
            partial(open_offline, self.handle, profile.path or ""), self._on_offline_opened
        )

    def _open_url(self, url: str) -> None:
        self.profile = None
        self._begin_open(url)

    def _close_current(self) -> None:
        """Leave the session and close the open database on the worker (after its queued jobs)."""
        self._leave_session()
        self._generation += 1
        if self.handle is not None:
            handle, self.handle = self.handle, None
            self.worker.submit(handle.close, lambda _none: None, self._log_failure)
        self.info = None

    def _begin_open(self, url: str) -> None:
        self._generation += 1
        self.url = url
        location = display_location(url)
        logger.info("Opening %s", location)
        self.window.show_connecting(location)
        self.handle = DatabaseHandle(url)
        self._submit(self.handle.open, self._on_opened)

    def _submit(self, job: Callable[[], Any], on_success: Callable[[Any], None]) -> None:
        """Run a job about the current database; drop its answer if another was opened since."""
        generation = self._generation

        def success(result: Any) -> None:
            if generation == self._generation and self.exit_code is None:
                on_success(result)

        def failure(message: str) -> None:
            if generation == self._generation and self.exit_code is None:
                self._fail(message)

        self.worker.submit(job, success, failure)

    # -- opened ---------------------------------------------------------------------------
    def _described(self, info: ConnectionInfo) -> ConnectionInfo:
        # A profile says where it points more plainly than its URL (no driver, no options).
        return replace(info, location=self.profile.describe()) if self.profile else info

    def _on_opened(self, info: ConnectionInfo) -> None:
        info = self._described(info)
        self.info = info
        self._opened_once = True
        self.window.show_connected(info)
        self.database_opened.emit(info)
        if self._password_to_remember is not None and self.profile is not None:
            # Only a password that worked is worth remembering.
            self.credentials.remember_password(self.profile.id, self._password_to_remember)
        self._password_to_remember = None
        if info.needs_upgrade:
            self._show_schema_dialog(info)
            return
        self._find_accounts()

    def _on_offline_opened(self, opened: OfflineOpened) -> None:
        info = self._described(opened.info)
        self.info = info
        self._opened_once = True
        self.workspace = opened.workspace
        self.window.show_connected(info)
        self.database_opened.emit(info)
        self._enter_offline_session(opened.signed_in)

    def _show_schema_dialog(self, info: ConnectionInfo) -> None:
        from ui.dialogs.schema import SchemaDialog

        dialog = SchemaDialog(info, self.window)
        self.schema_dialog = self._replace(self.schema_dialog, dialog)
        handle = self.handle
        assert handle is not None
        dialog.admin_check_requested.connect(
            lambda email, password: self._submit(
                partial(handle.is_admin, email, password), dialog.show_admin_result
            )
        )
        dialog.upgrade_requested.connect(lambda: self._upgrade(dialog))

        def finished(_result: int) -> None:
            if self.exit_code is not None or dialog.result() == QDialog.DialogCode.Accepted:
                return
            if dialog.wants_other_database:
                self.show_connect_dialog(
                    selected_id=self.profile.id if self.profile else None,
                    on_cancel=lambda: self._show_schema_dialog(info),
                )
            else:
                # The database stays unusable to this app: not a clean exit.
                self._shutdown(EXIT_FAILED)

        dialog.finished.connect(finished)
        self._show(dialog)

    def _upgrade(self, dialog: SchemaDialog) -> None:
        handle = self.handle
        assert handle is not None
        logger.info("Upgrading the schema of %s", display_location(handle.url))

        def upgraded(outcome: Outcome[ConnectionInfo]) -> None:
            if outcome.error is not None or outcome.value is None:
                dialog.show_error(str(outcome.error))
                return
            dialog.accept()
            self._on_opened(outcome.value)
            self.window.statusBar().showMessage("The database schema is up to date.", 10_000)

        self._submit(captured(handle.upgrade_schema), upgraded)

    def _find_accounts(self) -> None:
        handle = self.handle
        assert handle is not None
        self._submit(handle.has_users, self._on_accounts_known)

    def _on_accounts_known(self, has_users: bool) -> None:
        if not has_users:
            self._show_welcome()
            return
        token = self.credentials.token(self.profile.id) if self.profile else None
        if token is None:
            self.show_sign_in()
            return
        handle = self.handle
        assert handle is not None
        self._submit(captured(partial(handle.sign_in_with_token, token)), self._on_token_checked)

    def _on_token_checked(self, outcome: Outcome[SignInResult]) -> None:
        if outcome.value is not None:
            logger.info("Signed in with the saved sign-in for %s", self.label)
            self._enter_session(outcome.value.signed_in)
            return
        if self.profile is not None and isinstance(outcome.error, InvalidCredentials):
            # Expired or revoked; a server that is merely unreachable keeps it for next time.
            self.credentials.forget_token(self.profile.id)
        self.show_sign_in(message=str(outcome.error))

    # -- first admin ----------------------------------------------------------------------
    def _show_welcome(self) -> None:
        from ui.dialogs.welcome import WelcomeDialog

        dialog = WelcomeDialog(self.info.location if self.info else self.label, self.window)
        self.welcome_dialog = self._replace(self.welcome_dialog, dialog)
        dialog.create_requested.connect(partial(self._create_first_admin, dialog))
        dialog.rejected.connect(lambda: self._unless_exiting(partial(self._shutdown, EXIT_OK)))
        self._show(dialog)

    def _create_first_admin(
        self, dialog: WelcomeDialog, name: str, email: str, password: str, sample: bool
    ) -> None:
        handle = self.handle
        assert handle is not None

        def created(outcome: Outcome[SignedIn]) -> None:
            if outcome.value is None:
                error = outcome.error
                dialog.show_error(error if isinstance(error, ValidationError) else str(error))
                return
            signed_in = outcome.value
            logger.info("Created the first admin account on %s", self.label)
            if not sample:
                dialog.accept()
                self._enter_session(signed_in)
                return
            dialog.set_busy("Loading sample data…")
            relay = _ProgressRelay(dialog)
            relay.progressed.connect(dialog.set_progress)

            def loaded(result: Outcome[dict[str, int]]) -> None:
                dialog.accept()
                self._enter_session(signed_in)
                if result.error is not None:
                    self.window.statusBar().showMessage(
                        f"The sample data could not be loaded: {result.error}", 20_000
                    )
                else:
                    self.refresh()
                    self.window.statusBar().showMessage("Sample data loaded.", 10_000)

            self._submit(captured(partial(handle.load_sample_data, relay.progressed.emit)), loaded)

        self._submit(captured(partial(handle.create_first_admin, name, email, password)), created)

    # -- signing in -----------------------------------------------------------------------
    def _keep_unavailable(self) -> str | None:
        if not self.credentials.usable:
            return NO_KEYRING_SHORT
        if self.profile is None:
            return "Unavailable for a database given by URL: save it as a connection profile."
        return None

    def show_sign_in(self, *, message: str | None = None) -> None:
        """The Sign-in dialog for the open database."""
        email = ""
        if self.profile is not None:
            email = str(self.settings.value(f"sign_in/{self.profile.id}/email", "") or "")
        from ui.dialogs.sign_in import SignInDialog

        dialog = SignInDialog(
            self.label,
            self.info.location if self.info else self.label,
            keep_unavailable=self._keep_unavailable(),
            notice=self._keyring_notice(),
            email=email,
            message=message,
            parent=self.window,
        )
        self.sign_in_dialog = self._replace(self.sign_in_dialog, dialog)
        dialog.sign_in_requested.connect(partial(self._sign_in, dialog))

        def finished(_result: int) -> None:
            if self.exit_code is not None or dialog.result() == QDialog.DialogCode.Accepted:
                return
            if dialog.wants_other_database:
                self.show_connect_dialog(
                    selected_id=self.profile.id if self.profile else None,
                    on_cancel=self.show_sign_in,
                )
            else:
                self._shutdown(EXIT_OK)

        dialog.finished.connect(finished)
        self._show(dialog)

    def _sign_in(self, dialog: SignInDialog, email: str, password: str, keep: bool) -> None:
        handle = self.handle
        assert handle is not None

        def answered(outcome: Outcome[SignInResult]) -> None:
            error = outcome.error
            if isinstance(error, SignInLocked):
                from ui.dialogs.sign_in import locked_message

                dialog.show_error(locked_message(error.until))
                return
            if error is not None or outcome.value is None:
                dialog.show_error(str(error))
                return
            result = outcome.value
            if self.profile is not None:
                self.settings.setValue(f"sign_in/{self.profile.id}/email", email.strip().lower())
                if result.token is not None:
                    self.credentials.remember_token(self.profile.id, result.token)
            dialog.accept()
            logger.info("Signed in to %s", self.label)
            if result.signed_in.must_change_password:
                self._keep_after_change = keep
                self._show_forced_change(result.signed_in)
            else:
                self._enter_session(result.signed_in)

        self._submit(captured(partial(handle.sign_in, email, password, keep=keep)), answered)

    def _show_forced_change(self, signed_in: SignedIn) -> None:
        from ui.dialogs.passwords import ChangePasswordDialog

        dialog = ChangePasswordDialog(forced=True, parent=self.window)
        self.change_password_dialog = self._replace(self.change_password_dialog, dialog)
        handle = self.handle
        assert handle is not None

        def changed(outcome: Outcome[SignedIn]) -> None:
            error = outcome.error
            if error is not None or outcome.value is None:
                dialog.show_error(error if isinstance(error, ValidationError) else str(error))
                return
            dialog.accept()
            renewed = outcome.value
            keep, self._keep_after_change = self._keep_after_change, False
            self._enter_session(renewed)
            self.window.statusBar().showMessage("Your new password is set.", 10_000)
            if keep and self.profile is not None:
                profile_id = self.profile.id

                def issued(token: str) -> None:
                    self.credentials.remember_token(profile_id, token)

                self._submit(partial(handle.issue_token, renewed.user.id), issued)

        dialog.change_requested.connect(
            lambda current, new: self._submit(
                captured(partial(handle.change_password, signed_in.actor, current, new)), changed
            )
        )

        def finished(_result: int) -> None:
            if self.exit_code is None and dialog.result() != QDialog.DialogCode.Accepted:
                # Nothing may be done before the password is changed: cancelling signs out.
                self._keep_after_change = False
                self.signed_out.emit()
                self.show_sign_in()

        dialog.finished.connect(finished)
        self._show(dialog)

    def _enter_session(self, signed_in: SignedIn) -> None:
        self.session = signed_in
        if self.profile is not None:
            self.profiles.set_last_used(self.profile.id)
        handle = self.handle
        assert handle is not None
        self.context = AppContext(
            self.worker, handle, signed_in, profile_name=self.label, parent=self
        )
        user = signed_in.user
        self.window.show_signed_in(user.full_name, user.role, self.label)
        self.window.take_offline_action.setEnabled(self.on_server)
        pages = self._create_pages(self.context, first=self._saved_last_page())
        last_page = self._restore_layout(
            {name: page for name, page in pages.items() if isinstance(page, QWidget)}
        )
        self._start_summaries(self.context)
        self.window.mount_pages(pages, current=last_page)
        self._schedule_summaries(self.context)
        self.online = True
        self.window.show_online(True)
        self.signed_in.emit(signed_in)

    def _enter_offline_session(self, signed_in: SignedIn) -> None:
        """The Decisions page on the copy, its banner, the pending changes and Sync."""
        workspace, handle, profile = self.workspace, self.handle, self.profile
        assert workspace is not None and handle is not None and profile is not None
        self.session = signed_in
        self.profiles.set_last_used(profile.id)
        self.context = AppContext(
            self.worker,
            handle,
            signed_in,
            profile_name=self.label,
            # Edits go through the copy's service, which keeps each as a pending change.
            decision_service=lambda _database, _actor: workspace.decisions,
            parent=self,
        )
        user = signed_in.user
        self.window.show_signed_in(user.full_name, user.role, self.label)
        # Nobody signs in to or out of a copy, and an import would bypass pending changes.
        for action in (
            self.window.profile_action,
            self.window.sign_out_action,
            self.window.import_madr_action,
        ):
            action.setEnabled(False)
        from ui.offline import OfflineBanner, PendingChangesPanel
        from ui.pages.decisions import DecisionsPage

        pages: dict[str, QWidget] = {"Decisions": DecisionsPage(self.context)}
        self._restore_layout(pages)
        self.window.mount_pages(pages, current="Decisions")
        banner = OfflineBanner(workspace.info)
        banner.setObjectName("offlineBanner")
        banner.sync_requested.connect(self.sync_offline)
        self.offline_banner = banner
        self.window.set_banner(banner)
        panel = PendingChangesPanel(workspace)
        panel.changed.connect(self._on_workspace_changed)
        self.pending_panel = panel
        dock = QDockWidget("Pending changes", self.window)
        dock.setObjectName("pendingChangesDock")
        dock.setWidget(panel)
        dock.setFeatures(
            QDockWidget.DockWidgetFeature.DockWidgetClosable
            | QDockWidget.DockWidgetFeature.DockWidgetMovable
        )
        layout = panel.layout()
        if layout is not None:
            layout.setContentsMargins(8, 4, 8, 8)
        self.window.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, dock)
        # The list of changes is short; the decisions keep most of the height.
        self.window.resizeDocks([dock], [170], Qt.Orientation.Vertical)
        self.window.view_menu.addAction(dock.toggleViewAction())
        self.pending_dock = dock
        self.context.data_changed.connect(self._on_offline_data_changed)
        self._show_pending_count()
        self.signed_in.emit(signed_in)

    def _show_pending_count(self) -> None:
        if self.workspace is not None and self.offline_banner is not None:
            self.offline_banner.set_pending(len(self.workspace.pending_changes()))

    def _on_offline_data_changed(self, _entity: str) -> None:
        # A save on the copy is a new pending change.
        if self.pending_panel is not None:
            self.pending_panel.reload()
        self._show_pending_count()

    def _on_workspace_changed(self) -> None:
        """A discard, sync or refresh changed the copy: point at it again and reload."""
        workspace, handle = self.workspace, self.handle
        if workspace is None or handle is None or self.context is None:
            return
        # A refresh re-opens the file.
        handle.database = workspace.database
        if self.offline_banner is not None:
            self.offline_banner.set_info(workspace.info)
        self.context.data_changed.emit("decisions")

    def _leave_offline(self) -> None:
        dock, self.pending_dock = self.pending_dock, None
        self.pending_panel = None
        if dock is not None:
            self.window.view_menu.removeAction(dock.toggleViewAction())
            self.window.removeDockWidget(dock)
            dock.deleteLater()
        if self.offline_banner is not None:
            self.offline_banner = None
            self.window.set_banner(None)
        for dialog in (self.sync_dialog,):
            if dialog is not None and dialog.isVisible() and not dialog.busy:
                dialog.done(QDialog.DialogCode.Rejected)
        # The file itself is closed with the handle, on the worker.
        self.workspace = None

    def sync_offline(self) -> None:
        """The banner's Sync: send the copy's changes to the server it came from."""
        profile = self.profile
        if self.workspace is None or profile is None:
            return
        source = self.profiles.by_name(profile.source_profile or "")
        if source is None:
            self.window.statusBar().showMessage(
                f"Add a connection profile named “{profile.source_profile}” to sync this copy.",
                15_000,
            )
            return
        password = self.credentials.password(source.id) if source.needs_password else None
        if source.needs_password and password is None:
            self._ask_sync_password(source)
            return
        self._show_sync(source.url(password))

    def _ask_sync_password(self, source: Profile) -> None:
        from ui.dialogs.password_prompt import DatabasePasswordDialog

        dialog = DatabasePasswordDialog(
            source, can_remember=self.credentials.usable, parent=self.window
        )
        dialog.other_button.hide()
        self.password_dialog = self._replace(self.password_dialog, dialog)

        def finished(result: int) -> None:
            if self.exit_code is not None or result != QDialog.DialogCode.Accepted:
                return
            password = dialog.password
            remember = dialog.remember
            sync = self._show_sync(source.url(password))
            if remember and password:
                # Only a password that worked is worth remembering.
                sync.synced.connect(
                    lambda _report: self.credentials.remember_password(source.id, password)
                )

        dialog.finished.connect(finished)
        self._show(dialog)

    def _show_sync(self, url: str) -> SyncDialog:
        workspace = self.workspace
        assert workspace is not None
        # The server URL (with its password) lives only in this dialog, in memory.
        from ui.offline import SyncDialog

        dialog = SyncDialog(workspace, url, parent=self.window)
        self.sync_dialog = self._replace(self.sync_dialog, dialog)
        dialog.workspace_changed.connect(self._on_workspace_changed)
        self._show(dialog)
        return dialog

    def _create_pages(
        self, context: AppContext, *, first: str | None = None
    ) -> dict[str, QWidget | Callable[[], QWidget]]:
        """The signed-in pages in sidebar order: ``first`` built, the others when first shown.

        A page queues its loads on the one database worker as it is built: only the page the
        window opens on is built and loads at sign-in, so its rows wait behind nothing, and
        the others cost nothing until they are visited.
        """
        makers: dict[str, Callable[[AppContext], QWidget]] = {
            name: partial(_build_page, module, class_name)
            for name, (module, class_name) in PAGE_CLASSES.items()
        }
        if context.is_admin:
            makers[USERS_PAGE] = self._users_page
        opened = first if first in makers else next(iter(makers))
        return {
            name: make(context) if name == opened else partial(make, context)
            for name, make in makers.items()
        }

    def _users_page(self, context: AppContext) -> QWidget:
        from ui.pages.users import UsersPage

        users = UsersPage(context)
        users.own_account_changed.connect(self._on_own_account_changed)
        users.own_account_saved.connect(self._on_own_account_saved)
        users.action_finished.connect(self.window.show_status_message)
        return users

    def _saved_last_page(self) -> str | None:
        """The page this profile's window was left on, as saved with its layout."""
        last = self.settings.value(f"{layout_group(self.profile)}/window/last_page")
        return last if isinstance(last, str) else None

    # -- decisions: export, import, offline copies ----------------------------------------
    @property
    def on_server(self) -> bool:
        """Whether the open database is a PostgreSQL server (which offline copies come from)."""
        return self.url is not None and self.url.startswith("postgresql")

    def _decisions_page(self) -> DecisionsPage | None:
        from ui.pages.decisions import DecisionsPage

        page = self.window.session_pages.get("Decisions")
        return page if isinstance(page, DecisionsPage) else None

    def export_decisions_csv(self) -> None:
        """File → Decisions → Export list as CSV: the Decisions page's list as filtered now."""
        if self.context is None:
            return
        page = self._decisions_page()
        filters = page.current_filters() if page is not None else None
        sort = page.current_sort() if page is not None else None
        from ui.dialogs.decisions_io import DecisionExport

        export = DecisionExport(self.window, self.context, filters, "csv", sort)
        self.decision_export = self._replace_export(export)
        export.file_dialog.open()
        self.dialog_shown.emit(export.file_dialog)

    def export_decisions_madr(self) -> None:
        """File → Decisions → Export as Markdown (MADR), with the Decisions page's filters."""
        if self.context is None:
            return
        page = self._decisions_page()
        filters = page.current_filters() if page is not None else None
        from ui.dialogs.decisions_io import DecisionExport

        export = DecisionExport(self.window, self.context, filters, "madr")
        self.decision_export = self._replace_export(export)
        export.file_dialog.open()
        self.dialog_shown.emit(export.file_dialog)

    def _replace_export(self, export: DecisionExport) -> DecisionExport:
        old = self.decision_export
        if old is not None:
            old.file_dialog.deleteLater()
            old.deleteLater()
        return export

    def import_decisions(self) -> None:
        """File → Decisions → Import Markdown folder: preview, then import."""
        if self.context is None:
            return
        from ui.dialogs.decisions_io import ImportDecisionsDialog

        dialog = ImportDecisionsDialog(self.context, self.window)
        self.import_dialog = self._replace(self.import_dialog, dialog)
        self._show(dialog)

    def take_offline(self) -> None:
        """File → Take decisions offline: copy from this server; the URL stays in memory."""
        if self.context is None or not self.on_server or self.url is None:
            return
        from ui.offline import TakeOfflineDialog

        dialog = TakeOfflineDialog(
            self.url,
            source_name=self.label,
            owner_email=self.context.signed_in.user.email,
            profile_store=self.profiles,
            parent=self.window,
        )
        self.take_offline_dialog = self._replace(self.take_offline_dialog, dialog)
        dialog.profile_added.connect(self._on_offline_profile_added)
        self._show(dialog)

    def _on_offline_profile_added(self, profile: Profile) -> None:
        self.window.statusBar().showMessage(
            f"Offline copy saved: open “{profile.name}” from File → Connect.", 15_000
        )

    # -- layout per profile ---------------------------------------------------------------
    def _on_page_built(self, name: str, page: QWidget) -> None:
        """A page built on its first showing: its saved layout, the dashboard's backfill."""
        if self.context is None:
            return
        self.settings.beginGroup(layout_group(self.profile))
        try:
            restore = getattr(page, "restore_state", None)
            if restore is not None:
                restore(self.settings)
        finally:
            self.settings.endGroup()
        if name == "Dashboard":
            from ui.pages.dashboard import DashboardPage

            assert isinstance(page, DashboardPage)
            page.set_summary_runner(self.summary_runner)

    def _restore_layout(self, pages: dict[str, QWidget]) -> str | None:
        """Window geometry, each page's splitters and columns, and the last page (its name)."""
        self.settings.beginGroup(layout_group(self.profile))
        try:
            geometry = self.settings.value("window/geometry")
            if isinstance(geometry, QByteArray | bytes):
                self.window.restoreGeometry(QByteArray(geometry))
            state = self.settings.value("window/state")
            if isinstance(state, QByteArray | bytes):
                self.window.restoreState(QByteArray(state))
            for page in pages.values():
                restore = getattr(page, "restore_state", None)
                if restore is not None:
                    restore(self.settings)
            last = self.settings.value("window/last_page")
        finally:
            self.settings.endGroup()
        return str(last) if isinstance(last, str) else None

    def _save_layout(self) -> None:
        self.settings.beginGroup(layout_group(self.profile))
        try:
            self.settings.setValue("window/geometry", self.window.saveGeometry())
            self.settings.setValue("window/state", self.window.saveState())
            self.settings.setValue("window/last_page", self.window.current_page_name())
            for page in self.window.session_pages.values():
                save = getattr(page, "save_state", None)
                if save is not None:
                    save(self.settings)
        finally:
            self.settings.endGroup()
        self.settings.sync()

    # -- daily summaries ------------------------------------------------------------------
    def _start_summaries(self, context: AppContext) -> None:
        """A backfill runner per opened database, its progress in the status bar.

        Made before the pages are mounted, so the Dashboard (whenever it is built, see
        ``_on_page_built``) follows it; it starts once the first page's rows are in.
        """
        self.summary_runner = SummaryRunner(context, self.window)
        self.summary_status = SummaryStatus(self.summary_runner)
        self.window.statusBar().addWidget(self.summary_status)
        self.summary_status.status_message.connect(self.window.show_status_message)
        runner = self.summary_runner
        started = False

        def start() -> None:
            nonlocal started
            if not started and self.summary_runner is runner:
                started = True
                runner.start()

        self._start_summaries_later = start

    def _schedule_summaries(self, context: AppContext) -> None:
        """Start the backfill once the page on screen has painted its first rows.

        It competes with that page for the CPU: it starts once the rows are in and painted
        (or after SUMMARIES_DELAY_MS at the latest).
        """
        start = self._start_summaries_later
        model = getattr(self.window.current_page(), "model", None)
        if isinstance(model, PagedTableModel) and model.is_loading:
            model.page_loaded.connect(lambda _rows: context.after_paint(start))
            model.load_failed.connect(lambda _message: context.after_paint(start))
            QTimer.singleShot(SUMMARIES_DELAY_MS, start)
        else:
            QTimer.singleShot(0, start)

    def _stop_summaries(self) -> None:
        runner, self.summary_runner = self.summary_runner, None
        status, self.summary_status = self.summary_status, None
        if runner is not None:
            # Before the worker closes the database: the backfill has its own connection.
            runner.shutdown()
            runner.deleteLater()
        if status is not None:
            self.window.statusBar().removeWidget(status)
            status.deleteLater()

    # -- the connection indicator ---------------------------------------------------------
    def _on_connection_lost(self, message: str) -> None:
        if self.context is None or self.exit_code is not None or not self.online:
            return
        logger.warning("Lost the database: %s", message)
        self.online = False
        self.window.show_online(False)
        self.window.statusBar().showMessage(f"{message} Retrying…", 8000)
        self.ping_timer.start()

    def _ping(self) -> None:
        handle = self.handle
        if handle is None or self.context is None or self._ping_in_flight:
            return
        self._ping_in_flight = True
        generation = self._generation

        def answered(_none: object) -> None:
            self._ping_in_flight = False
            if generation == self._generation and self.context is not None:
                self._on_back_online()

        def unanswered(_message: str) -> None:
            self._ping_in_flight = False

        self.worker.submit(partial(ping_database, handle), answered, unanswered)

    def _on_back_online(self) -> None:
        self.ping_timer.stop()
        if self.online:
            return
        logger.info("The database answers again")
        self.online = True
        self.window.show_online(True)
        self.window.statusBar().showMessage("Connected again.", 8000)
        # What failed to load comes back; editors keep what was typed.
        self.window.refresh_current_page()

    # -- theme ----------------------------------------------------------------------------
    def _build_theme_menu(self) -> None:
        menu = self.window.view_menu.addMenu("&Theme")
        group = QActionGroup(self)
        group.setExclusive(True)
        self.theme_actions: dict[Theme, QAction] = {}
        chosen = parse_theme(self.settings.value(THEME_KEY, Theme.SYSTEM.value))
        for theme, text in (
            (Theme.SYSTEM, "&System"),
            (Theme.LIGHT, "&Light"),
            (Theme.DARK, "&Dark"),
        ):
            action = QAction(text, self)
            action.setCheckable(True)
            action.setChecked(theme is chosen)
            action.setStatusTip(
                "Follow the desktop's light or dark appearance"
                if theme is Theme.SYSTEM
                else f"Always use the {theme.value} theme"
            )
            action.triggered.connect(partial(self.set_theme, theme))
            group.addAction(action)
            menu.addAction(action)
            self.theme_actions[theme] = action
        if chosen is not Theme.SYSTEM or self.themes.system_is_dark():
            self.themes.apply(chosen)

    def set_theme(self, theme: Theme) -> None:
        """View → Theme: apply and remember (for every profile)."""
        self.theme_actions[theme].setChecked(True)
        self.themes.apply(theme)
        self.settings.setValue(THEME_KEY, theme.value)
        self.settings.sync()

    def _leave_session(self) -> None:
        was_signed_in, self.session = self.session is not None, None
        for dialog in (self.profile_dialog,):
            if dialog is not None and dialog.isVisible():
                dialog.done(QDialog.DialogCode.Rejected)
        context, self.context = self.context, None
        if context is not None:
            self._save_layout()
            self._stop_summaries()
            # Pages still queueing reloads while they go are dropped quietly from here on.
            context.end()
        self.ping_timer.stop()
        self.online = True
        self._leave_offline()
        self.window.show_signed_out()
        if context is not None:
            context.deleteLater()
        if was_signed_in:
            self.signed_out.emit()

    def ask_sign_out(self) -> None:
        """File → Sign out, once the current page's unsaved edits are saved or discarded."""
        if self.window.confirm_leave(self.ask_sign_out):
            self.sign_out()

    def sign_out(self, *, message: str | None = None) -> None:
        """Revoke this computer's saved sign-in, then ask who signs in next."""
        if self.session is None:
            return
        token = self.credentials.token(self.profile.id) if self.profile else None
        if self.profile is not None:
            self.credentials.forget_token(self.profile.id)
        if token is not None and self.handle is not None:
            handle = self.handle
            self.worker.submit(
                partial(handle.revoke_token, token), lambda _none: None, self._log_failure
            )
        logger.info("Signed out of %s", self.label)
        self._leave_session()
        self.show_sign_in(message=message)

    def _on_own_account_saved(self, user: UserDTO) -> None:
        if self.session is not None:
            self._on_renamed(SignedIn(user, self.session.actor))

    def _on_own_account_changed(self) -> None:
        # A changed role or a deactivated account takes effect at the next sign-in. Signing
        # out removes the page that is telling us, so it happens once the page has returned.
        QTimer.singleShot(
            0, partial(self.sign_out, message="Your account was changed: sign in again.")
        )

    # -- my profile -----------------------------------------------------------------------
    def show_my_profile(self) -> None:
        """The signed-in user's name and password."""
        if self.context is None:
            return
        from ui.dialogs.my_profile import MyProfileDialog

        dialog = MyProfileDialog(self.context, self.window)
        self.profile_dialog = self._replace(self.profile_dialog, dialog)
        dialog.renamed.connect(self._on_renamed)
        dialog.password_changed.connect(self._on_password_changed)
        self._show(dialog)

    def _on_renamed(self, signed_in: SignedIn) -> None:
        self.session = signed_in
        if self.context is not None:
            self.context.signed_in = signed_in
            # Lists that show names (the Users page) read them again.
            self.context.data_changed.emit("users")
        self.window.show_signed_in(signed_in.user.full_name, signed_in.user.role, self.label)

    def _on_password_changed(self, signed_in: SignedIn) -> None:
        # The change revoked every saved sign-in, this computer's included.
        if self.profile is not None:
            self.credentials.forget_token(self.profile.id)
        self._on_renamed(signed_in)
        self.window.statusBar().showMessage(
            "Password changed. Saved sign-ins on every computer were revoked.", 10_000
        )

    # -- the overview ---------------------------------------------------------------------
    def refresh(self) -> None:
        """Read the schema revision and row counts again."""
        if self.handle is None or self.exit_code is not None:
            return
        self.window.overview.show_refreshing()
        generation = self._generation

        def refreshed(info: ConnectionInfo) -> None:
            if generation == self._generation and self.exit_code is None:
                info = self._described(info)
                self.info = info
                self.window.show_connected(info)
                self.counts_refreshed.emit(info)

        def failed(message: str) -> None:
            if generation == self._generation and self.exit_code is None:
                self.window.overview.show_error(message)
                self.window.statusBar().showMessage(message, 15_000)

        self.worker.submit(self.handle.describe, refreshed, failed)

    def quit(self) -> None:
        """Close the window, which closes the database and ends the app."""
        self.window.close()

    # -- failures -------------------------------------------------------------------------
    def _fail(self, message: str) -> None:
        if self.exit_code is not None:
            return
        logger.warning("Cannot open the database: %s", message)
        self._password_to_remember = None
        self._close_current()
        self.window.show_failed(message)
        box = QMessageBox(
            QMessageBox.Icon.Critical,
            "Cannot open the database",
            message,
            QMessageBox.StandardButton.Close,
            self.window,
        )
        box.setObjectName("openErrorBox")
        box.setInformativeText(
            f"Choose another database, or close {APP_NAME}."
            if self._opened_once
            else f"Choose another database, or {APP_NAME} will close."
        )
        choose_other = box.addButton("Choose &another database…", QMessageBox.ButtonRole.AcceptRole)
        choose_other.setObjectName("chooseAnotherDatabase")
        box.setDefaultButton(choose_other)
        box.setEscapeButton(QMessageBox.StandardButton.Close)
        close = box.button(QMessageBox.StandardButton.Close)
        close.setAccessibleName(f"Close {APP_NAME}")
        # open(), not exec(): no nested event loop, so tests and the worker keep running.
        box.finished.connect(
            lambda _result: self._on_error_acknowledged(
                box.clickedButton() is choose_other, message
            )
        )
        self.error_box = self._replace(self.error_box, box)
        self.open_failed.emit(message)
        box.open()

    def _on_error_acknowledged(self, choose_other: bool, message: str) -> None:
        if self.exit_code is not None:
            return
        if choose_other:
            self.show_connect_dialog(
                message=message,
                selected_id=self.profile.id if self.profile else None,
                on_cancel=partial(self._shutdown, EXIT_FAILED),
            )
        else:
            self._shutdown(EXIT_FAILED)

    def _log_failure(self, message: str) -> None:
        logger.warning("%s", message)

    # -- dialogs --------------------------------------------------------------------------
    def _keyring_notice(self) -> str | None:
        """The no-keyring notice, the first time a dialog could show it (remembered after)."""
        if self.credentials.usable or self.settings.value(NOTICE_SHOWN_KEY, False, bool):
            return None
        self.settings.setValue(NOTICE_SHOWN_KEY, True)
        self.settings.sync()
        return NO_KEYRING_NOTICE

    def _replace(self, old: D | None, new: D) -> D:
        if old is not None:
            old.deleteLater()
        return new

    def _show(self, dialog: QDialog) -> None:
        # open(), not exec(): window-modal without a nested event loop.
        dialog.open()
        self.dialog_shown.emit(dialog)

    def _unless_exiting(self, action: Callable[[], None] | None) -> None:
        if self.exit_code is None and action is not None:
            action()

    # -- ending ---------------------------------------------------------------------------
    def _on_window_closed(self) -> None:
        self._shutdown(EXIT_OK)

    def _shutdown(self, code: int) -> None:
        if self.exit_code is not None:
            return
        self.exit_code = code
        # Pages go first, so none of them starts another job while the worker winds down.
        self._leave_session()
        for dialog in self.window.findChildren(QDialog):
            if dialog.isVisible():
                dialog.done(QDialog.DialogCode.Rejected)
        if self.window.isVisible():
            self.window.close()
        handle = self.handle
        # Disposing runs on the worker, after any job still under way, so a slow server
        # cannot freeze the closing window.
        self.worker.stop(handle.close if handle is not None else None)

    @Slot()
    def _on_worker_stopped(self) -> None:
        self.finished.emit(self.exit_code if self.exit_code is not None else EXIT_OK)


def application() -> QApplication:
    """The QApplication, created and named on first use."""
    QApplication.setApplicationName(APP_NAME)
    QApplication.setOrganizationName(APP_AUTHOR)
    QApplication.setApplicationVersion(__version__)
    existing = QApplication.instance()
    app = existing if isinstance(existing, QApplication) else QApplication(sys.argv[:1])
    app.setDesktopFileName(DESKTOP_FILE_NAME)
    app.setWindowIcon(app_icon())
    app.setStyleSheet(style_sheet())
    # The controller ends the app once the database is closed, not the last window.
    app.setQuitOnLastWindowClosed(False)
    return app


def resident_kb() -> tuple[int, int]:
    """This process's resident memory now and at its peak, in KB (Linux; else the peak twice)."""
    peak = int(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
    if sys.platform == "darwin":
        peak //= 1024  # bytes there, KB elsewhere
    now = peak
    with contextlib.suppress(OSError, ValueError):
        for line in Path("/proc/self/status").read_text(encoding="ascii").splitlines():
            if line.startswith("VmRSS:"):
                now = int(line.split()[1])
    return now, peak


class StartupProbe(QObject):
    """Prints when the signed-in window has painted its first list rows, then closes the app.

    The page the window opens on is watched: a list page (one with ``model`` and ``view``)
    once its model holds rows and its view's viewport has painted them, any other page at
    its first paint. The line is printed after that paint event has been handled.
    """

    def __init__(self, controller: AppController) -> None:
        super().__init__(controller)
        self.controller = controller
        self._watched: QObject | None = None
        self._page_name = ""
        self._reported = False
        controller.signed_in.connect(self._on_signed_in)

    def _on_signed_in(self, _signed_in: object) -> None:
        window = self.controller.window
        page = window.current_page()
        self._page_name = window.current_page_name()
        view = getattr(page, "view", None)
        watched = view.viewport() if isinstance(view, QAbstractScrollArea) else page
        self._watched = watched
        watched.installEventFilter(self)

    def _rows(self) -> int:
        model = getattr(self.controller.window.current_page(), "model", None)
        row_count = getattr(model, "rowCount", None)
        return int(row_count()) if callable(row_count) else 0

    def _has_rows(self) -> bool:
        page = self.controller.window.current_page()
        return not hasattr(page, "model") or self._rows() > 0

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt's name)
        """Note a paint of rows; report once that paint has been handled."""
        if (
            not self._reported
            and watched is self._watched
            and event.type() == QEvent.Type.Paint
            and self._has_rows()
        ):
            self._reported = True
            QTimer.singleShot(0, self._report)
        return False

    def _report(self) -> None:
        now, peak = resident_kb()
        times = os.times()
        sys.stdout.write(
            f"startup-probe first-rows-painted epoch={time.time():.6f} "
            f"cpu_s={times.user + times.system:.3f} rss_kb={now} peak_rss_kb={peak} "
            f"page={self._page_name.replace(' ', '_')} rows={self._rows()}\n"
        )
        sys.stdout.flush()
        if self._watched is not None:
            self._watched.removeEventFilter(self)
        self.controller.quit()


def run_gui(db_url: str | None, profile_name: str | None = None) -> int:
    """Open the main window on the chosen database or profile; returns the process exit code."""
    install_excepthook()
    app = application()
    controller = AppController(db_url, profile_name)
    controller.finished.connect(app.exit)
    if os.environ.get(STARTUP_PROBE_ENV) == "1":
        StartupProbe(controller)
    controller.start()
    code = app.exec()
    # A "Test connection" still waiting for a slow server must end before its thread is freed.
    from ui.dialogs.connection_test import wait_for_connection_tests

    wait_for_connection_tests()
    return code

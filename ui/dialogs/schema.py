"""A server database whose schema is older than the app, or empty: upgrade it (admins) or explain."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QLineEdit,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from asyncops_desktop.migrate import SchemaStatus
from ui.connection import ConnectionInfo
from ui.dialogs.common import (
    BusyBar,
    FormGrid,
    MessageLabel,
    NoticeBanner,
    heading,
    password_field,
)

CLOSE_OTHERS_WARNING = (
    "Close AsyncOps Desktop on every other computer that uses this database first: "
    "while the upgrade runs they may fail, and afterwards they need this version."
)
NOT_AN_ADMIN = (
    "Only an active admin can upgrade the database. Ask an admin to open it with this "
    "version of AsyncOps Desktop, or to run 'asyncops-desktop db upgrade'."
)


class SchemaDialog(QDialog):
    """Offers the upgrade of an older schema to an admin, or creating the schema of an empty one."""

    admin_check_requested = Signal(str, str)
    upgrade_requested = Signal()

    def __init__(self, info: ConnectionInfo, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.info = info
        self.empty = info.status is SchemaStatus.EMPTY
        # Set when the dialog closed because another database was asked for.
        self.wants_other_database = False
        self._running = False
        self.setObjectName("schemaDialog")
        self.setWindowTitle("Create the database schema" if self.empty else "Upgrade the database")
        self.setAccessibleName(self.windowTitle())
        self.setMinimumWidth(520)

        title = heading(
            "This database is empty" if self.empty else "This database needs an upgrade"
        )
        if self.empty:
            explanation = f"{info.location} has no AsyncOps tables yet. " + (
                "Your database login may create them: do it now to start using it."
                if info.can_create_schema
                else "Your database login may not create tables there: ask the server's "
                "admin to run 'asyncops-desktop db upgrade' on it."
            )
        else:
            explanation = (
                f"{info.location} is at schema revision {info.revision}; this version of "
                f"AsyncOps Desktop needs {info.head}. An admin can upgrade it now: sign in "
                "with an admin account to continue."
            )
        self.intro = intro = QLabel(explanation)
        intro.setObjectName("intro")
        intro.setTextFormat(Qt.TextFormat.PlainText)
        intro.setWordWrap(True)

        self.message = MessageLabel("Upgrade problem")
        self.message.setObjectName("schemaMessage")
        self.busy = BusyBar("Upgrading the database")
        self.busy_label = QLabel()
        self.busy_label.setAccessibleName("Progress")
        self.busy_label.setVisible(False)

        # Page 0: an admin's credentials (older schema); page 1: the warning and the button.
        self.pages = QStackedWidget()
        credentials = QWidget()
        self.email_edit = QLineEdit()
        self.email_edit.setAccessibleName("Admin email")
        self.email_edit.setPlaceholderText("admin@example.com")
        self.password_edit = password_field("Admin password")
        self.check_button = QPushButton("C&ontinue")
        self.check_button.setAccessibleName("Check the admin account")
        self.check_button.clicked.connect(self._on_check)
        form = FormGrid(credentials)
        form.grid.setContentsMargins(0, 0, 0, 0)
        form.add_row("Admin &email:", self.email_edit)
        form.add_row("&Password:", self.password_edit)
        form.add_under(self.check_button)
        self.pages.addWidget(credentials)

        confirm = QWidget()
        self.warning = warning = NoticeBanner(CLOSE_OTHERS_WARNING, accessible_name="Warning")
        self.upgrade_button = QPushButton("&Create schema now" if self.empty else "&Upgrade now")
        self.upgrade_button.setAccessibleName(self.upgrade_button.text().replace("&", ""))
        self.upgrade_button.clicked.connect(self._on_upgrade)
        confirm_layout = QVBoxLayout(confirm)
        confirm_layout.setContentsMargins(0, 0, 0, 0)
        confirm_layout.addWidget(warning)
        confirm_layout.addWidget(self.upgrade_button, 0, Qt.AlignmentFlag.AlignLeft)
        self.pages.addWidget(confirm)

        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.cancel_button = self.buttons.button(QDialogButtonBox.StandardButton.Cancel)
        self.cancel_button.setText("&Quit")
        self.cancel_button.setAccessibleName("Quit AsyncOps Desktop")
        self.other_button = self.buttons.addButton(
            "Other &database…", QDialogButtonBox.ButtonRole.ResetRole
        )
        self.other_button.setAccessibleName("Choose another database")
        self.other_button.clicked.connect(self._on_other)
        self.buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(title)
        layout.addWidget(intro)
        layout.addWidget(self.pages)
        layout.addWidget(self.message)
        layout.addWidget(self.busy_label)
        layout.addWidget(self.busy)
        layout.addStretch(1)
        layout.addWidget(self.buttons)

        if self.empty:
            # Whoever holds a login that may create tables owns the database: no app account
            # exists yet to ask for.
            self.pages.setCurrentIndex(1)
            self.pages.setVisible(info.can_create_schema)
            # Nobody else can be using a database without tables.
            self.warning.setVisible(False)
            self.upgrade_button.setDefault(info.can_create_schema)
        else:
            self.pages.setCurrentIndex(0)
            self.check_button.setDefault(True)
            self.email_edit.setFocus()

    def _on_check(self) -> None:
        email = self.email_edit.text().strip()
        if not email or not self.password_edit.text():
            self.message.show_error("Enter an admin's email and password.")
            return
        self.message.clear_message()
        self._set_busy("Checking the account…")
        self.admin_check_requested.emit(email, self.password_edit.text())

    def show_admin_result(self, is_admin: bool) -> None:
        """An admin may go on to the upgrade; anyone else is told to ask an admin."""
        self._set_busy(None)
        self.password_edit.clear()
        if not is_admin:
            self.message.show_error(NOT_AN_ADMIN)
            self.password_edit.setFocus()
            return
        self.message.clear_message()
        self.pages.setCurrentIndex(1)
        self.check_button.setDefault(False)
        self.upgrade_button.setDefault(True)
        self.upgrade_button.setFocus()

    def _on_upgrade(self) -> None:
        self.message.clear_message()
        self._set_busy(
            "Creating the schema… this can take a minute."
            if self.empty
            else "Upgrading… this can take a minute. Do not close the app."
        )
        self.upgrade_requested.emit()

    def _set_busy(self, what: str | None) -> None:
        busy = what is not None
        self._running = busy
        for widget in (
            self.email_edit,
            self.password_edit,
            self.check_button,
            self.upgrade_button,
            self.other_button,
            self.cancel_button,
        ):
            widget.setEnabled(not busy)
        self.busy_label.setText(what or "")
        self.busy_label.setVisible(busy)
        if busy:
            self.busy.start()
        else:
            self.busy.stop()

    def show_error(self, text: str) -> None:
        """Show why the check or the upgrade failed."""
        self._set_busy(None)
        self.message.show_error(text)

    def _on_other(self) -> None:
        self.wants_other_database = True
        self.reject()

    def reject(self) -> None:
        """Escape does nothing while a migration runs (it cannot be interrupted)."""
        if self._running:
            return
        super().reject()

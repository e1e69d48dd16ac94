"""First launch on a database without accounts: create the first admin, maybe load sample data."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QLineEdit,
    QProgressBar,
    QVBoxLayout,
    QWidget,
)

from asyncops_desktop import APP_NAME
from asyncops_desktop.demo_data import DEMO_PASSWORD
from asyncops_desktop.domain.errors import ValidationError
from asyncops_desktop.services import validation as v
from ui.dialogs.common import (
    FieldErrors,
    FormGrid,
    MessageLabel,
    heading,
    hint_label,
    value_field,
)
from ui.dialogs.passwords import NewPasswordFields


class WelcomeDialog(QDialog):
    """Name, email and password of the first admin; the controller creates the account."""

    create_requested = Signal(str, str, str, bool)

    def __init__(self, location: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("welcomeDialog")
        self.setWindowTitle(f"Welcome to {APP_NAME}")
        self.setAccessibleName(self.windowTitle())
        self.setMinimumWidth(520)

        title = heading(f"Welcome to {APP_NAME}")
        intro = QLabel(
            "This database has no accounts yet. Create the first admin account: "
            "it can add everyone else from the Users page."
        )
        intro.setWordWrap(True)
        where = value_field("Database", location)

        self.message = MessageLabel("Problem")
        self.message.setObjectName("welcomeMessage")
        self.errors = FieldErrors(self.message)
        self.name_edit = QLineEdit()
        self.name_edit.setAccessibleName("Full name")
        self.email_edit = QLineEdit()
        self.email_edit.setAccessibleName("Email")
        self.email_edit.setPlaceholderText("name@example.com")
        form = FormGrid()
        form.add_row("Full &name:", self.name_edit)
        form.add_under(self.errors.add("full_name", "Full name", self.name_edit))
        form.add_row("&Email:", self.email_edit)
        form.add_under(self.errors.add("email", "Email", self.email_edit))
        self.passwords = NewPasswordFields(form, self.errors, label="&Password:")

        self.sample_check = QCheckBox("&Load sample data to try the app")
        self.sample_check.setAccessibleName("Load sample data")
        sample_hint = hint_label(
            "A small team's last three months of updates, incidents, blockers and decisions. "
            f"Its sample accounts share the password “{DEMO_PASSWORD}”: keep sample data "
            "off a shared server."
        )
        self.sample_check.setAccessibleDescription(sample_hint.text())

        self.progress = QProgressBar()
        self.progress.setAccessibleName("Progress")
        self.progress.setVisible(False)
        self.progress_label = QLabel()
        self.progress_label.setAccessibleName("Progress")
        self.progress_label.setVisible(False)

        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.create_button = self.buttons.addButton(
            "&Create account", QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.create_button.setAccessibleName("Create the admin account")
        self.cancel_button = self.buttons.button(QDialogButtonBox.StandardButton.Cancel)
        self.cancel_button.setText("&Quit")
        self.cancel_button.setAccessibleName("Quit AsyncOps Desktop")
        self.buttons.accepted.connect(self._on_create)
        self.buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(title)
        layout.addWidget(intro)
        layout.addWidget(where)
        layout.addSpacing(6)
        layout.addLayout(form.grid)
        layout.addWidget(self.sample_check)
        layout.addWidget(sample_hint)
        layout.addWidget(self.progress_label)
        layout.addWidget(self.progress)
        layout.addWidget(self.message)
        layout.addStretch(1)
        layout.addWidget(self.buttons)
        # Only once the button is inside the dialog does it become the dialog's default.
        self.create_button.setDefault(True)
        self.name_edit.setFocus()

    def _on_create(self) -> None:
        self.errors.clear()
        try:
            name = v.text("full_name", self.name_edit.text(), v.NAME_MAX)
            email = v.email("email", self.email_edit.text())
            password = self.passwords.value()
        except ValidationError as exc:
            self.errors.show(exc)
            return
        self.set_busy("Creating the account…")
        self.create_requested.emit(name, email, password, self.sample_check.isChecked())

    def set_busy(self, what: str | None) -> None:
        """Show what runs on the worker (None: back to editing)."""
        busy = what is not None
        for widget in (
            self.name_edit,
            self.email_edit,
            self.passwords.password_edit,
            self.passwords.confirm_edit,
            self.sample_check,
            self.create_button,
        ):
            widget.setEnabled(not busy)
        self.progress_label.setText(what or "")
        self.progress_label.setVisible(busy)
        self.progress.setVisible(busy)
        self.progress.setRange(0, 0)

    def set_progress(self, done: int, total: int) -> None:
        """Show how far the sample data has got."""
        self.progress_label.setText(f"Loading sample data… {done:,} of {total:,} rows")
        self.progress.setRange(0, max(total, 1))
        self.progress.setValue(done)

    def show_error(self, error: ValidationError | str) -> None:
        """Show why the account could not be created."""
        self.set_busy(None)
        if isinstance(error, ValidationError):
            self.errors.show(error)
        else:
            self.errors.clear()
            self.message.show_error(error)

"""Admins' account dialogs: create or edit a user, and show a temporary password once."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFontDatabase, QGuiApplication
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from asyncops_desktop.db import Database
from asyncops_desktop.domain.dto import UserDTO
from asyncops_desktop.domain.enums import Role
from asyncops_desktop.domain.errors import ValidationError
from asyncops_desktop.services import validation as v
from asyncops_desktop.services.base import Actor
from asyncops_desktop.services.users import UserService
from ui.connection import Outcome, captured
from ui.context import AppContext
from ui.dialogs.common import BusyBar, FieldErrors, FormGrid, MessageLabel, hint_label
from ui.dialogs.passwords import NewPasswordFields

ROLE_TEXT = {Role.MEMBER.value: "Member", Role.ADMIN.value: "Admin"}


class UserEditorDialog(QDialog):
    """A new account (name, email, role, first password) or an existing one's name, email, role."""

    saved = Signal(object)

    def __init__(
        self, context: AppContext, user: UserDTO | None = None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.context = context
        self.user = user
        self.setObjectName("userEditor")
        self.setWindowTitle(f"Edit {user.full_name}" if user else "New user")
        self.setAccessibleName("Edit user" if user else "New user")
        self.setMinimumWidth(480)

        self.message = MessageLabel("Problem")
        self.message.setObjectName("userMessage")
        self.errors = FieldErrors(self.message)
        self.name_edit = QLineEdit(user.full_name if user else "")
        self.name_edit.setAccessibleName("Full name")
        self.email_edit = QLineEdit(user.email if user else "")
        self.email_edit.setAccessibleName("Email")
        self.email_edit.setPlaceholderText("name@example.com")
        self.role_combo = QComboBox()
        self.role_combo.setAccessibleName("Role")
        for value, text in ROLE_TEXT.items():
            self.role_combo.addItem(text, value)
        self.role_combo.setCurrentIndex(
            self.role_combo.findData(user.role if user else Role.MEMBER.value)
        )
        role_hint = hint_label("Admins manage accounts and may edit everyone's records.")

        form = FormGrid()
        form.add_row("Full &name:", self.name_edit)
        form.add_under(self.errors.add("full_name", "Full name", self.name_edit))
        form.add_row("&Email:", self.email_edit)
        form.add_under(self.errors.add("email", "Email", self.email_edit))
        form.add_row("&Role:", self.role_combo)
        form.add_under(role_hint)
        form.add_under(self.errors.add("role", "Role", self.role_combo))
        self.passwords: NewPasswordFields | None = None
        if user is None:
            self.passwords = NewPasswordFields(form, self.errors, label="First &password:")
            tell = hint_label("Tell the person their first password; they can change it later.")
            form.add_under(tell)
        self.busy = BusyBar("Saving")

        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.save_button = self.buttons.addButton(
            "&Create user" if user is None else "&Save", QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.save_button.setAccessibleName("Create the user" if user is None else "Save changes")
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addLayout(form.grid)
        layout.addWidget(self.message)
        layout.addWidget(self.busy)
        layout.addStretch(1)
        layout.addWidget(self.buttons)
        # Only once the button is inside the dialog does it become the dialog's default.
        self.save_button.setDefault(True)
        self.name_edit.setFocus()

    def save(self) -> None:
        """Check the fields, then create or update the account on the worker."""
        self.errors.clear()
        role = str(self.role_combo.currentData())
        try:
            name = v.text("full_name", self.name_edit.text(), v.NAME_MAX)
            email = v.email("email", self.email_edit.text())
            password = self.passwords.value() if self.passwords is not None else ""
        except ValidationError as exc:
            self.errors.show(exc)
            return
        user = self.user

        def job(database: Database, actor: Actor) -> UserDTO:
            service = UserService(database, actor)
            if user is None:
                return service.create(email=email, full_name=name, password=password, role=role)
            return service.update(user.id, full_name=name, email=email, role=role)

        self.save_button.setEnabled(False)
        self.busy.start()
        self.context.submit(captured(job), self._on_saved, self._on_failed)

    def _on_saved(self, outcome: Outcome[UserDTO]) -> None:
        self.busy.stop()
        self.save_button.setEnabled(True)
        if outcome.value is None:
            error = outcome.error
            if isinstance(error, ValidationError):
                self.errors.show(error)
            else:
                self.errors.clear()
                self.message.show_error(str(error))
            return
        self.saved.emit(outcome.value)
        self.accept()

    def _on_failed(self, message: str) -> None:
        self.busy.stop()
        self.save_button.setEnabled(True)
        self.message.show_error(message)


class TemporaryPasswordDialog(QDialog):
    """A reset password, shown this once, with a Copy button."""

    def __init__(self, user: UserDTO, password: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("temporaryPasswordDialog")
        self.setWindowTitle("Temporary password")
        self.setAccessibleName("Temporary password")
        self.setMinimumWidth(460)

        intro = QLabel(
            f"The password of {user.full_name} ({user.email}) was reset. Give them this "
            "temporary password: it is shown only now, and they must choose a new one when "
            "they next sign in."
        )
        intro.setTextFormat(Qt.TextFormat.PlainText)
        intro.setWordWrap(True)
        self.password_edit = QLineEdit(password)
        self.password_edit.setObjectName("temporaryPassword")
        self.password_edit.setAccessibleName("Temporary password")
        self.password_edit.setReadOnly(True)
        self.password_edit.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.copy_button = QPushButton("&Copy")
        self.copy_button.setAccessibleName("Copy the temporary password")
        self.copy_button.clicked.connect(self.copy)
        row = QHBoxLayout()
        row.addWidget(self.password_edit, 1)
        row.addWidget(self.copy_button)
        self.copied = MessageLabel("Copy result")

        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(row)
        layout.addWidget(self.copied)
        layout.addWidget(self.buttons)
        self.buttons.button(QDialogButtonBox.StandardButton.Close).setDefault(True)
        self.password_edit.selectAll()
        self.password_edit.setFocus()
        # Shown once: nothing keeps it after the dialog closes.
        self.finished.connect(self.password_edit.clear)

    def copy(self) -> None:
        """Put the password on the clipboard."""
        QGuiApplication.clipboard().setText(self.password_edit.text())
        self.copied.show_success("Copied to the clipboard.")

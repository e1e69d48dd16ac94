"""My profile: every user changes their own name and password here."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QGroupBox,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from asyncops_desktop.db import Database
from asyncops_desktop.domain.dto import UserDTO
from asyncops_desktop.domain.errors import ValidationError
from asyncops_desktop.services import validation as v
from asyncops_desktop.services.auth import SignedIn
from asyncops_desktop.services.base import Actor
from asyncops_desktop.services.users import UserService
from ui.connection import Outcome, captured
from ui.context import AppContext
from ui.dialogs.common import (
    BusyBar,
    FieldErrors,
    FormGrid,
    MessageLabel,
    heading,
    hint_label,
    password_field,
)
from ui.dialogs.passwords import NewPasswordFields


class MyProfileDialog(QDialog):
    """Name and password of the signed-in user; each change is its own action on the worker."""

    renamed = Signal(object)
    password_changed = Signal(object)

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        user = context.signed_in.user
        self.setObjectName("myProfileDialog")
        self.setWindowTitle("My profile")
        self.setAccessibleName("My profile")
        self.setMinimumWidth(500)

        who = heading(user.full_name)
        who.setAccessibleName("Signed-in user")
        email = hint_label(f"{user.email} · {user.role}")
        email.setAccessibleName("Email and role")

        name_box = QGroupBox("Name")
        self.name_message = MessageLabel("Name result")
        self.name_message.setObjectName("nameMessage")
        self.name_errors = FieldErrors(self.name_message)
        self.name_edit = QLineEdit(user.full_name)
        self.name_edit.setAccessibleName("Full name")
        self.name_edit.returnPressed.connect(self.save_name)
        self.save_name_button = QPushButton("&Save name")
        self.save_name_button.setAccessibleName("Save the name")
        self.save_name_button.clicked.connect(self.save_name)
        name_form = FormGrid(name_box)
        name_form.add_row("Full &name:", self.name_edit)
        name_form.add_under(self.name_errors.add("full_name", "Full name", self.name_edit))
        name_form.add_under(self.save_name_button)
        name_form.add_spanning(self.name_message)

        password_box = QGroupBox("Password")
        self.password_message = MessageLabel("Password result")
        self.password_message.setObjectName("passwordMessage")
        self.password_errors = FieldErrors(self.password_message)
        self.current_edit = password_field("Current password")
        password_form = FormGrid(password_box)
        password_form.add_row("&Current password:", self.current_edit)
        password_form.add_under(
            self.password_errors.add("current_password", "Current password", self.current_edit)
        )
        self.passwords = NewPasswordFields(password_form, self.password_errors)
        note = hint_label("Changing your password signs you out on every other computer.")
        self.change_button = QPushButton("C&hange password")
        self.change_button.setAccessibleName("Change password")
        self.change_button.clicked.connect(self.change_password)
        for edit in (self.current_edit, self.passwords.password_edit, self.passwords.confirm_edit):
            edit.returnPressed.connect(self.change_password)
        password_form.add_under(note)
        password_form.add_under(self.change_button)
        password_form.add_spanning(self.password_message)

        FormGrid.align(name_form, password_form)
        self.busy = BusyBar("Saving")
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.buttons.rejected.connect(self.reject)
        # Enter belongs to the field's own form (name or password), not to Close.
        for button in (
            self.save_name_button,
            self.change_button,
            self.buttons.button(QDialogButtonBox.StandardButton.Close),
        ):
            button.setAutoDefault(False)
            button.setDefault(False)

        layout = QVBoxLayout(self)
        layout.addWidget(who)
        layout.addWidget(email)
        layout.addWidget(name_box)
        layout.addWidget(password_box)
        layout.addWidget(self.busy)
        layout.addStretch(1)
        layout.addWidget(self.buttons)
        self.name_edit.setFocus()

    def _set_busy(self, busy: bool) -> None:
        for widget in (self.save_name_button, self.change_button):
            widget.setEnabled(not busy)
        if busy:
            self.busy.start()
        else:
            self.busy.stop()

    # -- name -----------------------------------------------------------------------------
    def save_name(self) -> None:
        """Rename oneself."""
        self.name_errors.clear()
        try:
            name = v.text("full_name", self.name_edit.text(), v.NAME_MAX)
        except ValidationError as exc:
            self.name_errors.show(exc)
            return

        def job(database: Database, actor: Actor) -> UserDTO:
            return UserService(database, actor).rename_self(name)

        self._set_busy(True)
        self.context.submit(captured(job), self._on_renamed, self._on_failed)

    def _on_renamed(self, outcome: Outcome[UserDTO]) -> None:
        self._set_busy(False)
        if outcome.value is None:
            self._show_error(self.name_errors, outcome.error)
            return
        self.name_message.show_success("Your name is saved.")
        self.renamed.emit(SignedIn(outcome.value, self.context.actor))

    # -- password -------------------------------------------------------------------------
    def change_password(self) -> None:
        """Replace one's own password (revokes every saved sign-in)."""
        self.password_errors.clear()
        current = self.current_edit.text()
        if not current:
            self.password_errors.show(ValidationError("current_password", "is required"))
            return
        try:
            new = self.passwords.value()
        except ValidationError as exc:
            self.password_errors.show(exc)
            return
        handle = self.context.handle

        def job(_database: Database, actor: Actor) -> SignedIn:
            return handle.change_password(actor, current, new)

        self._set_busy(True)
        self.context.submit(captured(job), self._on_password_changed, self._on_failed)

    def _on_password_changed(self, outcome: Outcome[SignedIn]) -> None:
        self._set_busy(False)
        if outcome.value is None:
            self._show_error(self.password_errors, outcome.error)
            return
        self.current_edit.clear()
        self.passwords.clear()
        self.password_message.show_success(
            "Your password is changed. Saved sign-ins on every computer were revoked."
        )
        self.password_changed.emit(outcome.value)

    # -- errors ---------------------------------------------------------------------------
    def _show_error(self, errors: FieldErrors, error: Exception | None) -> None:
        if isinstance(error, ValidationError):
            errors.show(error)
        else:
            errors.clear()
            errors.fallback.show_error(str(error))

    def _on_failed(self, message: str) -> None:
        self._set_busy(False)
        self.password_message.show_error(message)

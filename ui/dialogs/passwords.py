"""New-password fields with a live length, byte and strength check, and the Change-password dialog."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QVBoxLayout,
    QWidget,
)

from asyncops_desktop.domain.errors import ValidationError
from asyncops_desktop.services.users import check_password_rules
from ui.dialogs.common import (
    BusyBar,
    FieldErrors,
    FormGrid,
    MessageLabel,
    fit_window,
    heading,
    hint_label,
    password_feedback,
    password_field,
)


class NewPasswordFields:
    """A new password and its confirmation, added as rows of a form, checked as you type."""

    def __init__(
        self,
        form: FormGrid,
        errors: FieldErrors,
        *,
        label: str = "&New password:",
        confirm_label: str = "Con&firm:",
    ) -> None:
        self.password_edit = password_field("New password")
        self.confirm_edit = password_field("Confirm the new password")
        self.strength = hint_label()
        self.strength.setObjectName("passwordStrength")
        self.strength.setAccessibleName("Password check")
        self.match = hint_label()
        self.match.setObjectName("passwordMatch")
        self.match.setAccessibleName("Confirmation check")
        form.add_row(label, self.password_edit)
        form.add_under(self.strength)
        # An error replaces the live hint under its field until the field is edited again.
        form.add_under(errors.add("password", "Password", self.password_edit, hint=self.strength))
        form.add_row(confirm_label, self.confirm_edit)
        form.add_under(self.match)
        form.add_under(errors.add("confirm", "Confirmation", self.confirm_edit, hint=self.match))
        self.password_edit.textChanged.connect(self._update)
        self.confirm_edit.textChanged.connect(self._update)
        self._update()

    def _update(self) -> None:
        _ok, hint = password_feedback(self.password_edit.text())
        self.strength.setText(hint)
        self.password_edit.setAccessibleDescription(hint)
        confirm = self.confirm_edit.text()
        if not confirm:
            self.match.setText("Type the new password again.")
        elif confirm == self.password_edit.text():
            self.match.setText("The two entries match.")
        else:
            self.match.setText("The two entries differ.")
        self.confirm_edit.setAccessibleDescription(self.match.text())
        fit_window(self.password_edit)

    def value(self) -> str:
        """The new password if it follows the rules and both entries match (else ValidationError)."""
        password = check_password_rules(self.password_edit.text())
        if self.confirm_edit.text() != password:
            raise ValidationError("confirm", "differs from the new password")
        return password

    def clear(self) -> None:
        """Empty both fields."""
        self.password_edit.clear()
        self.confirm_edit.clear()


class ChangePasswordDialog(QDialog):
    """Current, new and confirmed password; forced after a reset (Cancel then signs out)."""

    change_requested = Signal(str, str)

    def __init__(self, *, forced: bool, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.forced = forced
        self.setObjectName("changePasswordDialog")
        self.setWindowTitle("Choose a new password" if forced else "Change password")
        self.setAccessibleName(self.windowTitle())
        self.setMinimumWidth(480)

        intro = QLabel(
            "You signed in with a temporary password. Choose your own before you continue."
            if forced
            else "Changing your password signs you out on every other computer."
        )
        intro.setObjectName("intro")
        intro.setWordWrap(True)
        self.message = MessageLabel("Password problem")
        self.message.setObjectName("passwordMessage")
        self.errors = FieldErrors(self.message)
        self.current_edit = password_field("Current password")
        form = FormGrid()
        form.add_row("&Temporary password:" if forced else "&Current password:", self.current_edit)
        form.add_under(self.errors.add("current_password", "Current password", self.current_edit))
        self.fields = NewPasswordFields(form, self.errors)
        self.busy = BusyBar("Changing the password")

        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.change_button = self.buttons.addButton(
            "C&hange password", QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.change_button.setAccessibleName("Change password")
        cancel = self.buttons.button(QDialogButtonBox.StandardButton.Cancel)
        if forced:
            cancel.setText("Sign &out")
            cancel.setAccessibleName("Sign out without changing the password")
        self.buttons.accepted.connect(self._on_change)
        self.buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(heading(self.windowTitle()))
        layout.addWidget(intro)
        layout.addLayout(form.grid)
        layout.addWidget(self.message)
        layout.addWidget(self.busy)
        layout.addStretch(1)
        layout.addWidget(self.buttons)
        # Only once the button is inside the dialog does it become the dialog's default.
        self.change_button.setDefault(True)
        self.current_edit.setFocus()

    def _on_change(self) -> None:
        self.errors.clear()
        if not self.current_edit.text():
            self.errors.show(ValidationError("current_password", "is required"))
            return
        try:
            new = self.fields.value()
        except ValidationError as exc:
            self.errors.show(exc)
            return
        self.set_busy(True)
        self.change_requested.emit(self.current_edit.text(), new)

    def set_busy(self, busy: bool) -> None:
        """Disable input while the worker changes the password."""
        for widget in (
            self.current_edit,
            self.fields.password_edit,
            self.fields.confirm_edit,
            self.change_button,
        ):
            widget.setEnabled(not busy)
        if busy:
            self.busy.start()
        else:
            self.busy.stop()

    def show_error(self, error: ValidationError | str) -> None:
        """Show why the change was refused, under the field it concerns."""
        self.set_busy(False)
        if isinstance(error, ValidationError):
            self.errors.show(error)
        else:
            self.errors.clear()
            self.message.show_error(error)

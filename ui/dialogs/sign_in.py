"""The Sign-in dialog: email and password, checked on the database worker, never freezing."""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from ui.dialogs.common import (
    BusyBar,
    FormGrid,
    MessageLabel,
    NoticeBanner,
    heading,
    hint_label,
    local_time_text,
    password_field,
    value_field,
)


def locked_message(until: dt.datetime) -> str:
    """What a locked email is told: until when, in local time."""
    return (
        "Too many failed sign-ins for this email: try again after "
        f"{local_time_text(until)} (your local time)."
    )


class SignInDialog(QDialog):
    """Asks for email and password; the controller runs the check and reports back."""

    sign_in_requested = Signal(str, str, bool)

    def __init__(
        self,
        profile_label: str,
        location: str,
        *,
        keep_unavailable: str | None = None,
        notice: str | None = None,
        email: str = "",
        message: str | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        # Set when the dialog closed because another database was asked for.
        self.wants_other_database = False
        self.setObjectName("signInDialog")
        self.setWindowTitle("Sign in")
        self.setAccessibleName("Sign in")
        self.setMinimumWidth(440)

        self.notice = NoticeBanner(notice or "")
        title = heading(f"Sign in to {profile_label}")
        where = value_field("Database", location)

        self.email_edit = QLineEdit(email)
        self.email_edit.setAccessibleName("Email")
        self.email_edit.setPlaceholderText("name@example.com")
        self.password_edit = password_field("Password")
        self.keep_check = QCheckBox("&Keep me signed in on this computer")
        self.keep_check.setAccessibleName("Keep me signed in on this computer")
        self.keep_hint = hint_label(keep_unavailable or "")
        self.keep_hint.setVisible(bool(keep_unavailable))
        self._keep_available = not keep_unavailable
        if keep_unavailable:
            self.keep_check.setEnabled(False)
            self.keep_check.setToolTip(keep_unavailable)
            self.keep_check.setAccessibleDescription(keep_unavailable)

        form = FormGrid()
        form.add_row("&Email:", self.email_edit)
        form.add_row("&Password:", self.password_edit)
        form.add_under(self.keep_check)
        form.add_under(self.keep_hint)

        self.message = MessageLabel("Sign-in problem")
        self.message.setObjectName("signInMessage")
        if message:
            self.message.show_error(message)
        self.busy = BusyBar("Signing in")

        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.sign_in_button = self.buttons.addButton(
            "&Sign in", QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.sign_in_button.setAccessibleName("Sign in")
        cancel = self.buttons.button(QDialogButtonBox.StandardButton.Cancel)
        cancel.setText("&Quit")
        cancel.setAccessibleName("Quit AsyncOps Desktop")
        self.other_button = self.buttons.addButton(
            "Other &database…", QDialogButtonBox.ButtonRole.ResetRole
        )
        self.other_button.setAccessibleName("Choose another database")
        self.other_button.clicked.connect(self._on_other)
        self.buttons.accepted.connect(self._on_sign_in)
        self.buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(self.notice)
        layout.addWidget(title)
        layout.addWidget(where)
        layout.addSpacing(6)
        layout.addLayout(form.grid)
        layout.addWidget(self.message)
        layout.addWidget(self.busy)
        layout.addWidget(self.buttons)
        # Only once the button is inside the dialog does it become the dialog's default.
        self.sign_in_button.setDefault(True)
        (self.password_edit if email else self.email_edit).setFocus()

    def _on_sign_in(self) -> None:
        email = self.email_edit.text().strip()
        if not email:
            self.show_error("Enter your email address.")
            self.email_edit.setFocus()
            return
        keep = self._keep_available and self.keep_check.isChecked()
        self.set_busy(True)
        self.message.clear_message()
        self.sign_in_requested.emit(email, self.password_edit.text(), keep)

    def _on_other(self) -> None:
        self.wants_other_database = True
        self.reject()

    def set_busy(self, busy: bool) -> None:
        """Disable input while the worker checks the password (Quit stays available)."""
        for widget in (self.email_edit, self.password_edit, self.sign_in_button):
            widget.setEnabled(not busy)
        self.keep_check.setEnabled(not busy and self._keep_available)
        self.other_button.setEnabled(not busy)
        if busy:
            self.busy.start()
        else:
            self.busy.stop()

    def show_error(self, text: str) -> None:
        """Show why sign-in failed and let the user try again."""
        self.set_busy(False)
        self.message.show_error(text)
        self.password_edit.clear()
        self.password_edit.setFocus()

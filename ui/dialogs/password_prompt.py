"""Asking for a server profile's database password when the keyring does not hold it."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QVBoxLayout,
    QWidget,
)

from asyncops_desktop.profiles import Profile
from ui.dialogs.common import (
    NO_KEYRING_SHORT,
    FormGrid,
    NoticeBanner,
    hint_label,
    password_field,
)


class DatabasePasswordDialog(QDialog):
    """Password for one profile, with "Remember" (when there is a keyring) and another database."""

    def __init__(
        self,
        profile: Profile,
        *,
        can_remember: bool,
        notice: str | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.profile = profile
        # Set when the dialog closed because another database was asked for.
        self.wants_other_database = False
        self.setObjectName("databasePasswordDialog")
        self.setWindowTitle("Database password")
        self.setAccessibleName("Database password")
        self.setMinimumWidth(440)

        self.notice = NoticeBanner(notice or "")
        intro = QLabel(
            f"The profile “{profile.name}” connects to {profile.describe()}. "
            "Enter the database password (leave it empty if the server needs none)."
        )
        intro.setObjectName("intro")
        intro.setTextFormat(Qt.TextFormat.PlainText)
        intro.setWordWrap(True)
        self.password_edit = password_field("Database password")
        self.remember_check = QCheckBox("Remember in the system &keyring")
        self.remember_check.setAccessibleName("Remember the password in the system keyring")
        self.remember_check.setEnabled(can_remember)
        hint = hint_label(NO_KEYRING_SHORT)
        hint.setVisible(not can_remember)
        if not can_remember:
            self.remember_check.setToolTip(NO_KEYRING_SHORT)
            self.remember_check.setAccessibleDescription(NO_KEYRING_SHORT)

        form = FormGrid()
        form.add_row("&Password:", self.password_edit)
        form.add_under(self.remember_check)
        form.add_under(hint)

        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        ok = self.connect_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.setText("C&onnect")
        ok.setAccessibleName("Connect")
        self.other_button = self.buttons.addButton(
            "Other &database…", QDialogButtonBox.ButtonRole.ResetRole
        )
        self.other_button.setAccessibleName("Choose another database")
        self.other_button.clicked.connect(self._on_other)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(self.notice)
        layout.addWidget(intro)
        layout.addLayout(form.grid)
        layout.addWidget(self.buttons)
        self.connect_button.setDefault(True)
        self.password_edit.setFocus()

    @property
    def password(self) -> str | None:
        """What was typed (None when empty)."""
        return self.password_edit.text() or None

    @property
    def remember(self) -> bool:
        """Whether to keep the password in the keyring once it worked."""
        return self.remember_check.isEnabled() and self.remember_check.isChecked()

    def _on_other(self) -> None:
        self.wants_other_database = True
        self.reject()

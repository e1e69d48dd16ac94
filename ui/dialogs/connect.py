"""The Connect dialog: pick a connection profile (and its password), or manage the profiles."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QSize, Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from asyncops_desktop.credentials import CredentialStore
from asyncops_desktop.profiles import Profile, ProfileKind, ProfileStore
from ui.dialogs.common import (
    NO_KEYRING_SHORT,
    FormGrid,
    MessageLabel,
    NoticeBanner,
    confirm_box,
    hint_label,
    password_field,
    set_value,
    value_field,
)
from ui.dialogs.connection_test import ConnectionTest, TestConnectionControls
from ui.dialogs.profile_editor import ProfileEditorDialog

KIND_TEXT = {ProfileKind.SQLITE: "SQLite file", ProfileKind.POSTGRESQL: "PostgreSQL server"}


@dataclass(frozen=True)
class ConnectChoice:
    """The profile to open, its password (None: the keyring's) and whether to remember it."""

    profile: Profile
    password: str | None
    remember: bool


class ConnectDialog(QDialog):
    """Lists the profiles; Add, Edit, Duplicate, Remove; Test connection; Connect."""

    def __init__(
        self,
        store: ProfileStore,
        credentials: CredentialStore,
        *,
        selected_id: str | None = None,
        message: str | None = None,
        notice: str | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.store = store
        self.credentials = credentials
        self.choice: ConnectChoice | None = None
        self.editor: ProfileEditorDialog | None = None
        self.confirm_box: QMessageBox | None = None
        # Passwords typed in the editor this time but not remembered: used, never stored.
        self._typed: dict[str, str] = {}
        self.setObjectName("connectDialog")
        self.setWindowTitle("Connect to a database")
        self.setAccessibleName("Connect to a database")
        self.resize(QSize(720, 430))

        self.notice = NoticeBanner(notice or "")
        self.message = MessageLabel("Connection problem")
        self.message.setObjectName("connectMessage")
        if message:
            self.message.show_error(message)

        self.profile_list = QListWidget()
        self.profile_list.setObjectName("profileList")
        self.profile_list.setAccessibleName("Connection profiles")
        self.profile_list.currentItemChanged.connect(self._on_selection_changed)
        self.profile_list.itemDoubleClicked.connect(lambda _item: self.connect_selected())
        list_label = QLabel("&Profiles:")
        list_label.setBuddy(self.profile_list)

        self.add_button = QPushButton("&Add…")
        self.add_button.setAccessibleName("Add a profile")
        self.add_button.clicked.connect(self.add_profile)
        self.edit_button = QPushButton("&Edit…")
        self.edit_button.setAccessibleName("Edit the selected profile")
        self.edit_button.clicked.connect(self.edit_profile)
        self.duplicate_button = QPushButton("D&uplicate")
        self.duplicate_button.setAccessibleName("Duplicate the selected profile")
        self.duplicate_button.clicked.connect(self.duplicate_profile)
        self.remove_button = QPushButton("&Remove…")
        self.remove_button.setAccessibleName("Remove the selected profile")
        self.remove_button.clicked.connect(self.remove_profile)
        manage = QHBoxLayout()
        for button in (
            self.add_button,
            self.edit_button,
            self.duplicate_button,
            self.remove_button,
        ):
            manage.addWidget(button)
        manage.addStretch(1)

        left = QVBoxLayout()
        left.addWidget(list_label)
        left.addWidget(self.profile_list, 1)
        left.addLayout(manage)

        self.details = QGroupBox("Selected profile")
        self.details.setAccessibleName("Selected profile")
        self.where_label = value_field("Where the profile points")
        self.kind_label = QLabel()
        self.kind_label.setAccessibleName("Profile type")
        self.password_edit = password_field("Database password")
        self.remember_check = QCheckBox("Remember in the system &keyring")
        self.remember_check.setAccessibleName("Remember the password in the system keyring")
        self.remember_hint = hint_label(NO_KEYRING_SHORT)
        self.remember_hint.setVisible(not credentials.usable)
        if not credentials.usable:
            self.remember_check.setEnabled(False)
            self.remember_check.setToolTip(NO_KEYRING_SHORT)
            self.remember_check.setAccessibleDescription(NO_KEYRING_SHORT)
        self.tester = TestConnectionControls(self.start_test, self)
        self.test_button, self.busy, self.test_result = (
            self.tester.button,
            self.tester.busy,
            self.tester.result,
        )

        details_form = FormGrid(self.details)
        details_form.add_row("Type:", self.kind_label)
        details_form.add_row("Where:", self.where_label)
        details_form.add_row("Pass&word:", self.password_edit)
        details_form.add_under(self.remember_check)
        details_form.add_under(self.remember_hint)
        details_form.add_spanning(self.tester.row)
        details_form.add_spanning(self.test_result)
        self.details_form = details_form

        columns = QHBoxLayout()
        # The details get the wider half: paths and server addresses are long.
        columns.addLayout(left, 4)
        columns.addWidget(self.details, 7)

        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.connect_button = self.buttons.addButton(
            "C&onnect", QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.connect_button.setAccessibleName("Connect to the selected profile")
        self.buttons.accepted.connect(self.connect_selected)
        self.buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(self.notice)
        layout.addWidget(self.message)
        layout.addLayout(columns, 1)
        layout.addWidget(self.buttons)
        # Only once the button is inside the dialog does it become the dialog's default.
        self.connect_button.setDefault(True)

        self.reload(selected_id)
        self.setTabOrder(self.profile_list, self.add_button)

    # -- the list -------------------------------------------------------------------------
    def reload(self, selected_id: str | None = None) -> None:
        """Show the stored profiles and select one (the given id, else the first)."""
        self.profile_list.clear()
        chosen: QListWidgetItem | None = None
        # Rows with room around the name, easier to aim at than lines of bare text.
        row_height = self.profile_list.fontMetrics().height() + 10
        for profile in self.store.profiles():
            item = QListWidgetItem(profile.name)
            item.setSizeHint(QSize(0, row_height))
            item.setData(Qt.ItemDataRole.UserRole, profile.id)
            item.setToolTip(f"{KIND_TEXT[profile.kind]}: {profile.describe()}")
            self.profile_list.addItem(item)
            if chosen is None or profile.id == selected_id:
                chosen = item
        if chosen is not None:
            self.profile_list.setCurrentItem(chosen)
        self._on_selection_changed()

    def selected_profile(self) -> Profile | None:
        """The profile highlighted in the list."""
        item = self.profile_list.currentItem()
        if item is None:
            return None
        return self.store.get(str(item.data(Qt.ItemDataRole.UserRole)))

    def profile_names(self) -> list[str]:
        """The names shown in the list, in order."""
        return [self.profile_list.item(row).text() for row in range(self.profile_list.count())]

    def select(self, name: str) -> None:
        """Highlight the profile with this name."""
        for row in range(self.profile_list.count()):
            if self.profile_list.item(row).text() == name:
                self.profile_list.setCurrentRow(row)
                return

    def _on_selection_changed(self) -> None:
        profile = self.selected_profile()
        has = profile is not None
        for button in (self.edit_button, self.duplicate_button, self.remove_button):
            button.setEnabled(has)
        self.connect_button.setEnabled(has)
        self.test_button.setEnabled(has)
        self.test_result.clear_message()
        self.details.setEnabled(has)
        server = profile is not None and profile.kind is ProfileKind.POSTGRESQL
        for widget in (self.password_edit, self.remember_check):
            self.details_form.set_row_visible(widget, server)
        self.remember_hint.setVisible(server and not self.credentials.usable)
        if profile is None:
            self.details.setTitle("No profile")
            self.kind_label.setText("")
            set_value(self.where_label, "Add a profile to connect.")
            return
        self.details.setTitle(profile.name)
        self.kind_label.setText(KIND_TEXT[profile.kind])
        set_value(self.where_label, profile.describe())
        self.password_edit.clear()
        remembered = server and self.credentials.password(profile.id) is not None
        self.password_edit.setText(self._typed.get(profile.id, ""))
        self.password_edit.setPlaceholderText(
            "Remembered in the system keyring" if remembered else "Leave empty if none is needed"
        )
        self.remember_check.setChecked(self.credentials.usable and profile.remember_password)

    # -- managing -------------------------------------------------------------------------
    def _open_editor(self, profile: Profile | None) -> None:
        self.editor = ProfileEditorDialog(self.store, self.credentials, profile, self)
        self.editor.accepted.connect(self._on_editor_saved)
        self.editor.open()

    def add_profile(self) -> None:
        """Open the editor for a new profile."""
        self._open_editor(None)

    def edit_profile(self) -> None:
        """Open the editor on the selected profile."""
        profile = self.selected_profile()
        if profile is not None:
            self._open_editor(profile)

    def _on_editor_saved(self) -> None:
        editor = self.editor
        if editor is None or editor.profile is None:
            return
        if editor.password:
            self._typed[editor.profile.id] = editor.password
        self.reload(editor.profile.id)

    def duplicate_profile(self) -> None:
        """Copy the selected profile under a new name (its password is not copied)."""
        profile = self.selected_profile()
        if profile is None:
            return
        copy = self.store.duplicate(profile.id)
        self.reload(copy.id)

    def remove_profile(self) -> None:
        """Ask, then remove the selected profile and forget its keyring secrets."""
        profile = self.selected_profile()
        if profile is None:
            return
        self.confirm_box = confirm_box(
            self,
            name="removeProfileBox",
            title="Remove profile",
            question=f"Remove the profile “{profile.name}”?",
            details="Its remembered password and sign-in are forgotten too. The database "
            "itself is not touched.",
            action="&Remove",
            on_confirm=lambda: self._remove_confirmed(profile),
        )

    def _remove_confirmed(self, profile: Profile) -> None:
        self.store.remove(profile.id)
        self.credentials.forget_profile(profile.id)
        self._typed.pop(profile.id, None)
        self.reload()

    # -- testing and connecting -----------------------------------------------------------
    def _password_for(self, profile: Profile) -> str | None:
        typed = self.password_edit.text()
        if typed or profile.kind is ProfileKind.SQLITE:
            return typed or None
        return self.credentials.password(profile.id)

    @property
    def test(self) -> ConnectionTest | None:
        """The latest connection test."""
        return self.tester.test

    def start_test(self) -> None:
        """Try the selected profile off the GUI thread."""
        profile = self.selected_profile()
        if profile is not None:
            self.tester.run(profile.url(self._password_for(profile)))

    def connect_selected(self) -> None:
        """Accept with the selected profile."""
        profile = self.selected_profile()
        if profile is None:
            return
        server = profile.kind is ProfileKind.POSTGRESQL
        password: str | None = None
        if server:
            typed = self.password_edit.text()
            # Nothing typed: the keyring's password if it holds one, else none at all (a
            # server with trust or .pgpass authentication); never a second prompt.
            remembered = self.credentials.password(profile.id) is not None
            password = typed if typed or not remembered else None
        self.choice = ConnectChoice(
            profile,
            password,
            server and self.credentials.usable and self.remember_check.isChecked(),
        )
        self.accept()

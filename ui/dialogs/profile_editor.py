"""Adding or editing a connection profile: a local file or a PostgreSQL server, no secrets stored."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from asyncops_desktop.credentials import CredentialStore
from asyncops_desktop.db import DEFAULT_DB_FILENAME, data_dir
from asyncops_desktop.domain.errors import ValidationError
from asyncops_desktop.profiles import (
    Profile,
    ProfileKind,
    ProfileStore,
    SslMode,
    validate_profile,
)
from ui.dialogs.common import (
    NO_KEYRING_SHORT,
    FieldErrors,
    FormGrid,
    MessageLabel,
    fit_window,
    hint_label,
    password_field,
    value_field,
)
from ui.dialogs.connection_test import ConnectionTest, TestConnectionControls

SSL_MODE_TEXT = {
    SslMode.DISABLE: "disable: never use SSL",
    SslMode.PREFER: "prefer: SSL when the server offers it",
    SslMode.REQUIRE: "require: always SSL, any certificate",
    SslMode.VERIFY_FULL: "verify-full: SSL, certificate and host checked",
}


class ProfileEditorDialog(QDialog):
    """Edits one profile; Save validates it, stores it and keeps or forgets its password."""

    def __init__(
        self,
        store: ProfileStore,
        credentials: CredentialStore,
        profile: Profile | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.store = store
        self.credentials = credentials
        self.original = profile
        self.profile: Profile | None = None
        # A password typed here but not remembered, handed to the Connect dialog for this run.
        self.password: str | None = None
        self.file_dialog: QFileDialog | None = None
        self.setObjectName("profileEditor")
        self.setWindowTitle("Edit connection" if profile else "New connection")
        self.setAccessibleName(self.windowTitle())

        self.message = MessageLabel("Problem")
        self.errors = FieldErrors(self.message)

        self.name_edit = QLineEdit()
        self.name_edit.setAccessibleName("Profile name")
        self.name_edit.setPlaceholderText("e.g. Team server")
        self.local_radio = QRadioButton("&Local file")
        self.local_radio.setAccessibleName("Local file")
        self.server_radio = QRadioButton("Postgre&SQL server")
        self.server_radio.setAccessibleName("PostgreSQL server")
        self.kind_group = QButtonGroup(self)
        self.kind_group.addButton(self.local_radio)
        self.kind_group.addButton(self.server_radio)
        kind_row = QHBoxLayout()
        kind_row.setContentsMargins(0, 0, 0, 0)
        kind_row.addWidget(self.local_radio)
        kind_row.addWidget(self.server_radio)
        kind_row.addStretch(1)

        # Only one of the two is shown; the window is fitted to it when the type changes.
        self.local_page = self._local_page()
        self.server_page = self._server_page()

        form = FormGrid()
        form.add_row("&Name:", self.name_edit)
        form.add_under(self.errors.add("name", "Name", self.name_edit))
        form.add_row("Type:", kind_row)
        FormGrid.align(form, self.server_form)

        self.tester = TestConnectionControls(self.start_test, self)
        self.test_button, self.busy, self.test_result = (
            self.tester.button,
            self.tester.busy,
            self.tester.result,
        )

        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        self.save_button = self.buttons.button(QDialogButtonBox.StandardButton.Save)
        self.save_button.setAccessibleName("Save the connection")
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addLayout(form.grid)
        layout.addWidget(self.local_page)
        layout.addWidget(self.server_page)
        layout.addLayout(self.tester.row)
        layout.addWidget(self.test_result)
        layout.addWidget(self.message)
        layout.addStretch(1)
        layout.addWidget(self.buttons)
        # Only once the button is inside the dialog does it become the dialog's default.
        self.save_button.setDefault(True)
        self.setMinimumWidth(560)

        self.local_radio.toggled.connect(self._on_kind_changed)
        self._load(profile or Profile(name=""))
        self.setTabOrder(self.name_edit, self.local_radio)

    # -- building -------------------------------------------------------------------------
    def _local_page(self) -> QWidget:
        page = QWidget()
        self.default_file_radio = QRadioButton("The &default embedded database")
        self.default_file_radio.setAccessibleName("Default embedded database")
        default_path = value_field("Default database file", str(data_dir() / DEFAULT_DB_FILENAME))
        default_path.setObjectName("defaultPath")
        default_path.setTextMargins(22, 0, 0, 0)
        self.other_file_radio = QRadioButton("Another &file:")
        self.other_file_radio.setAccessibleName("Another file")
        self.file_group = QButtonGroup(page)
        self.file_group.addButton(self.default_file_radio)
        self.file_group.addButton(self.other_file_radio)
        self.path_edit = QLineEdit()
        self.path_edit.setAccessibleName("Database file")
        self.path_edit.setPlaceholderText("/path/to/team.db")
        self.choose_file_button = QPushButton("C&hoose…")
        self.choose_file_button.setAccessibleName("Choose a database file")
        self.choose_file_button.clicked.connect(self.choose_file)
        hint = hint_label("Choose an existing .db file, or type a new name to create one.")
        self.path_edit.textEdited.connect(lambda _text: self.other_file_radio.setChecked(True))
        self.default_file_radio.toggled.connect(self._on_file_choice_changed)

        grid = QGridLayout(page)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.addWidget(self.default_file_radio, 0, 0, 1, 3)
        grid.addWidget(default_path, 1, 0, 1, 3)
        grid.addWidget(self.other_file_radio, 2, 0)
        grid.addWidget(self.path_edit, 2, 1)
        grid.addWidget(self.choose_file_button, 2, 2)
        grid.addWidget(self.errors.add("path", "File", self.path_edit), 3, 1, 1, 2)
        grid.addWidget(hint, 4, 1, 1, 2)
        grid.setColumnStretch(1, 1)
        return page

    def _server_page(self) -> QWidget:
        page = QWidget()
        self.host_edit = QLineEdit()
        self.host_edit.setAccessibleName("Host")
        self.host_edit.setPlaceholderText("db.example.com")
        self.port_spin = QSpinBox()
        self.port_spin.setAccessibleName("Port")
        self.port_spin.setRange(1, 65535)
        self.port_spin.setGroupSeparatorShown(False)
        self.database_edit = QLineEdit()
        self.database_edit.setAccessibleName("Database name")
        self.user_edit = QLineEdit()
        self.user_edit.setAccessibleName("User name")
        self.sslmode_combo = QComboBox()
        self.sslmode_combo.setAccessibleName("SSL mode")
        for mode, text in SSL_MODE_TEXT.items():
            self.sslmode_combo.addItem(text, mode.value)
        self.sslmode_combo.currentIndexChanged.connect(self._on_sslmode_changed)
        self.ca_edit = QLineEdit()
        self.ca_edit.setAccessibleName("CA certificate file")
        self.ca_edit.setPlaceholderText("Only for verify-full")
        self.ca_button = QPushButton("&Browse…")
        self.ca_button.setAccessibleName("Choose the CA certificate file")
        self.ca_button.clicked.connect(self.choose_ca_file)
        self.password_edit = password_field("Database password")
        self.remember_check = QCheckBox("Remember in the system &keyring")
        self.remember_check.setAccessibleName("Remember the password in the system keyring")
        self.remember_hint = hint_label(NO_KEYRING_SHORT)
        if not self.credentials.usable:
            self.remember_check.setEnabled(False)
            self.remember_check.setToolTip(NO_KEYRING_SHORT)
            self.remember_check.setAccessibleDescription(NO_KEYRING_SHORT)
        self.remember_hint.setVisible(not self.credentials.usable)

        host_row = QHBoxLayout()
        host_row.setContentsMargins(0, 0, 0, 0)
        host_row.addWidget(self.host_edit, 1)
        port_label = QLabel("&Port:")
        port_label.setBuddy(self.port_spin)
        host_row.addWidget(port_label)
        host_row.addWidget(self.port_spin)
        ca_row = QHBoxLayout()
        ca_row.setContentsMargins(0, 0, 0, 0)
        ca_row.addWidget(self.ca_edit, 1)
        ca_row.addWidget(self.ca_button)

        form = FormGrid(page)
        self.server_form = form
        form.grid.setContentsMargins(0, 0, 0, 0)
        form.add_row("H&ost:", host_row, buddy=self.host_edit)
        form.add_under(self.errors.add("host", "Host", self.host_edit))
        form.add_under(self.errors.add("port", "Port", self.port_spin))
        form.add_row("&Database:", self.database_edit)
        form.add_under(self.errors.add("database", "Database", self.database_edit))
        form.add_row("&User:", self.user_edit)
        form.add_under(self.errors.add("user", "User", self.user_edit))
        form.add_row("SS&L mode:", self.sslmode_combo)
        form.add_under(self.errors.add("sslmode", "SSL mode", self.sslmode_combo))
        form.add_row("&CA file:", ca_row, buddy=self.ca_edit)
        form.add_under(self.errors.add("sslrootcert", "CA file", self.ca_edit))
        form.add_row("Pass&word:", self.password_edit)
        form.add_under(self.remember_check)
        form.add_under(self.remember_hint)
        return page

    def _load(self, profile: Profile) -> None:
        self.name_edit.setText(profile.name)
        server = profile.kind is ProfileKind.POSTGRESQL
        self.server_radio.setChecked(server)
        self.local_radio.setChecked(not server)
        self.local_page.setVisible(not server)
        self.server_page.setVisible(server)
        self.default_file_radio.setChecked(profile.path is None)
        self.other_file_radio.setChecked(profile.path is not None)
        self.path_edit.setText(profile.path or "")
        self.host_edit.setText(profile.host)
        self.port_spin.setValue(profile.port)
        self.database_edit.setText(profile.database)
        self.user_edit.setText(profile.user)
        self.sslmode_combo.setCurrentIndex(self.sslmode_combo.findData(profile.sslmode.value))
        self.ca_edit.setText(profile.sslrootcert or "")
        remembered = self.original is not None and self.credentials.password(self.original.id)
        self.remember_check.setChecked(self.credentials.usable and profile.remember_password)
        if remembered:
            self.password_edit.setPlaceholderText("Remembered in the system keyring")
        self._on_file_choice_changed()
        self._on_sslmode_changed()

    # -- reacting -------------------------------------------------------------------------
    def _on_kind_changed(self) -> None:
        local = self.local_radio.isChecked()
        self.local_page.setVisible(local)
        self.server_page.setVisible(not local)
        self.errors.clear()
        self.test_result.clear_message()
        fit_window(self, shrink=True)

    def _on_file_choice_changed(self) -> None:
        other = self.other_file_radio.isChecked()
        self.path_edit.setEnabled(other)

    def _on_sslmode_changed(self) -> None:
        verify = self.sslmode_combo.currentData() == SslMode.VERIFY_FULL.value
        self.ca_edit.setEnabled(verify)
        self.ca_button.setEnabled(verify)

    def choose_file(self) -> None:
        """Pick an existing database file or name a new one (non-blocking file dialog)."""
        dialog = QFileDialog(self, "Choose or create a database file")
        dialog.setObjectName("databaseFileDialog")
        # A save dialog accepts both an existing file and a new name; never ask to overwrite.
        dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        dialog.setOption(QFileDialog.Option.DontConfirmOverwrite, True)
        dialog.setNameFilters(["AsyncOps databases (*.db)", "All files (*)"])
        dialog.setDefaultSuffix("db")
        current = self.path_edit.text().strip()
        if current:
            dialog.selectFile(current)
        else:
            dialog.setDirectory(str(Path.home()))
        dialog.fileSelected.connect(self._on_file_chosen)
        self.file_dialog = dialog
        dialog.open()

    def _on_file_chosen(self, path: str) -> None:
        self.other_file_radio.setChecked(True)
        self.path_edit.setText(path)

    def choose_ca_file(self) -> None:
        """Pick the CA certificate for verify-full (non-blocking file dialog)."""
        dialog = QFileDialog(self, "Choose the server's CA certificate")
        dialog.setObjectName("caFileDialog")
        dialog.setFileMode(QFileDialog.FileMode.ExistingFile)
        dialog.setNameFilters(["Certificates (*.crt *.pem *.cer)", "All files (*)"])
        dialog.fileSelected.connect(self.ca_edit.setText)
        self.file_dialog = dialog
        dialog.open()

    # -- the profile ----------------------------------------------------------------------
    def edited_profile(self) -> Profile:
        """The profile as the fields describe it (validated; raises ValidationError)."""
        base = self.original or Profile(name="")
        if self.local_radio.isChecked():
            path: str | None = None
            if self.other_file_radio.isChecked():
                path = self.path_edit.text().strip()
                if not path:
                    raise ValidationError("path", "is required: choose a file or type a new name")
            profile = replace(
                base,
                name=self.name_edit.text(),
                kind=ProfileKind.SQLITE,
                path=path,
                remember_password=False,
            )
        else:
            profile = replace(
                base,
                name=self.name_edit.text(),
                kind=ProfileKind.POSTGRESQL,
                path=None,
                host=self.host_edit.text(),
                port=self.port_spin.value(),
                database=self.database_edit.text(),
                user=self.user_edit.text(),
                sslmode=SslMode(self.sslmode_combo.currentData()),
                sslrootcert=self.ca_edit.text().strip() or None,
                remember_password=self.remember_check.isChecked(),
            )
        return validate_profile(profile)

    def _typed_or_remembered_password(self) -> str | None:
        typed = self.password_edit.text()
        if typed:
            return typed
        return self.credentials.password(self.original.id) if self.original else None

    def save(self) -> None:
        """Validate and store the profile; keep its password in the keyring only if asked."""
        self.errors.clear()
        try:
            profile = self.edited_profile()
            if self.original is None:
                profile = self.store.add(profile)
            else:
                profile = self.store.update(profile)
        except ValidationError as exc:
            self.errors.show(exc)
            return
        typed = self.password_edit.text()
        if profile.kind is ProfileKind.SQLITE or not profile.remember_password:
            self.credentials.forget_password(profile.id)
        elif typed:
            self.credentials.remember_password(profile.id, typed)
        self.password = typed or None
        self.profile = profile
        self.accept()

    # -- testing --------------------------------------------------------------------------
    @property
    def test(self) -> ConnectionTest | None:
        """The latest connection test."""
        return self.tester.test

    def start_test(self) -> None:
        """Try the connection as described, off the GUI thread."""
        self.errors.clear()
        self.test_result.clear_message()
        try:
            profile = self.edited_profile()
        except ValidationError as exc:
            self.errors.show(exc)
            return
        self.tester.run(profile.url(self._typed_or_remembered_password()))

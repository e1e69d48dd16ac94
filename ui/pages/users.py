"""The Users page (admins only): find accounts, create and edit them, deactivate, reset passwords."""

from __future__ import annotations

from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from asyncops_desktop.db import Database
from asyncops_desktop.domain.dto import UserDTO
from asyncops_desktop.domain.enums import Role
from asyncops_desktop.repositories.users import UserFilter, UserRepository
from asyncops_desktop.services.base import Actor
from asyncops_desktop.services.users import UserService
from ui.connection import Outcome, captured
from ui.context import AppContext
from ui.dialogs.common import MessageLabel, confirm_box
from ui.dialogs.users import ROLE_TEXT, TemporaryPasswordDialog, UserEditorDialog
from ui.models.columns import Column
from ui.models.formatters import count_text, exact_time, short_date
from ui.models.paged import PagedTableModel

ENTITY = "users"
SEARCH_DELAY_MS = 250

USER_COLUMNS: tuple[Column[UserDTO], ...] = (
    Column("full_name", "Name", lambda u: u.full_name, sort_key="full_name", width_chars=24),
    Column("email", "Email", lambda u: u.email, sort_key="email", width_chars=28),
    Column("role", "Role", lambda u: ROLE_TEXT.get(u.role, u.role), width_chars=9),
    Column(
        "status",
        "Status",
        lambda u: (
            "Deactivated"
            if not u.is_active
            else "Must change password"
            if u.must_change_password
            else "Active"
        ),
        width_chars=20,
    ),
    Column(
        "created_at",
        "Created",
        lambda u: short_date(u.created_at),
        sort_key="created_at",
        tooltip=lambda u: f"Created {exact_time(u.created_at)}",
        initial_descending=True,
        width_chars=12,
    ),
)

EMAIL_COLUMN = next(i for i, c in enumerate(USER_COLUMNS) if c.key == "email")

ROLE_FILTERS = (("All roles", None), ("Admins", Role.ADMIN.value), ("Members", Role.MEMBER.value))
ACTIVE_FILTERS = (("Active", True), ("Deactivated", False), ("Active and deactivated", None))


class UserTableModel(PagedTableModel[UserDTO]):
    """Accounts, by name unless a header says otherwise."""

    def __init__(self, context: AppContext, parent: QObject | None = None) -> None:
        super().__init__(
            context, UserRepository, USER_COLUMNS, filters=UserFilter(active=True), parent=parent
        )


class UsersPage(QWidget):
    """The account list with its filters and actions; every change is one job on the worker."""

    # The signed-in admin changed their own role or deactivated themselves.
    own_account_changed = Signal()
    # The signed-in admin saved their own name or email (the UserDTO).
    own_account_saved = Signal(object)
    # An action finished (its sentence shown on the page), for tests and screen readers.
    action_finished = Signal(str)

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.editor: UserEditorDialog | None = None
        self.confirm_box: QMessageBox | None = None
        self.password_dialog: TemporaryPasswordDialog | None = None
        self.setObjectName("usersPage")
        self.setAccessibleName("Users")

        title = QLabel("Users")
        title.setObjectName("pageTitle")
        title.setAccessibleName("Page title")

        self.search_edit = QLineEdit()
        self.search_edit.setObjectName("userSearch")
        self.search_edit.setAccessibleName("Search users by name or email")
        self.search_edit.setPlaceholderText("Search name or email")
        self.search_edit.setClearButtonEnabled(True)
        search_label = QLabel("&Search:")
        search_label.setBuddy(self.search_edit)
        self.role_combo = QComboBox()
        self.role_combo.setAccessibleName("Role filter")
        for text, value in ROLE_FILTERS:
            self.role_combo.addItem(text, value)
        role_label = QLabel("R&ole:")
        role_label.setBuddy(self.role_combo)
        self.active_combo = QComboBox()
        self.active_combo.setAccessibleName("Status filter")
        for text, active in ACTIVE_FILTERS:
            self.active_combo.addItem(text, active)
        active_label = QLabel("S&tatus:")
        active_label.setBuddy(self.active_combo)
        filters = QHBoxLayout()
        filters.addWidget(search_label)
        filters.addWidget(self.search_edit, 1)
        filters.addWidget(role_label)
        filters.addWidget(self.role_combo)
        filters.addWidget(active_label)
        filters.addWidget(self.active_combo)

        self.new_button = QPushButton("&New user…")
        self.new_button.setAccessibleName("Create a user")
        self.new_button.clicked.connect(self.new_user)
        self.edit_button = QPushButton("&Edit…")
        self.edit_button.setAccessibleName("Edit the selected user")
        self.edit_button.clicked.connect(self.edit_user)
        self.active_button = QPushButton("&Deactivate…")
        self.active_button.setAccessibleName("Deactivate or reactivate the selected user")
        self.active_button.clicked.connect(self.toggle_active)
        self.reset_button = QPushButton("Reset &password…")
        self.reset_button.setAccessibleName("Reset the selected user's password")
        self.reset_button.clicked.connect(self.reset_password)
        actions = QHBoxLayout()
        for button in (self.new_button, self.edit_button, self.active_button, self.reset_button):
            actions.addWidget(button)
        actions.addStretch(1)
        self.count_label = QLabel()
        self.count_label.setAccessibleName("Number of users shown")
        actions.addWidget(self.count_label)

        self.model = UserTableModel(context, self)
        self.table = QTableView()
        self.table.setObjectName("userTable")
        self.table.setAccessibleName("Users")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        # The indicator first: enabling sorting sorts by it, and it matches the model's order,
        # so no second query starts before the first page has arrived.
        self.table.horizontalHeader().setSortIndicator(
            self.model.sort_column, self.model.sort_order
        )
        self.table.setSortingEnabled(True)
        # Rows as compact as the other pages' lists; the email column takes the spare width,
        # so long addresses are not cut while the date column sits beside empty space.
        self.table.setAlternatingRowColors(True)
        self.table.setShowGrid(False)
        self.table.setWordWrap(False)
        rows = self.table.verticalHeader()
        rows.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        rows.setDefaultSectionSize(self.table.fontMetrics().height() + 12)
        header = self.table.horizontalHeader()
        header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        header.setStretchLastSection(False)
        width = self.table.fontMetrics().averageCharWidth()
        for column, declared in enumerate(USER_COLUMNS):
            header.resizeSection(column, declared.width_chars * width + 16)
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(EMAIL_COLUMN, QHeaderView.ResizeMode.Stretch)
        self.table.doubleClicked.connect(lambda _index: self.edit_user())
        self.table.selectionModel().selectionChanged.connect(self._update_buttons)

        self.message = MessageLabel("Users message")
        self.message.setObjectName("usersMessage")

        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 10, 12, 10)
        layout.setSpacing(10)
        layout.addWidget(title)
        layout.addLayout(filters)
        layout.addLayout(actions)
        layout.addWidget(self.message)
        layout.addWidget(self.table, 1)

        self._search_timer = QTimer(self)
        self._search_timer.setSingleShot(True)
        self._search_timer.setInterval(SEARCH_DELAY_MS)
        self._search_timer.timeout.connect(self.apply_filters)
        self.search_edit.textChanged.connect(lambda _text: self._search_timer.start())
        self.role_combo.currentIndexChanged.connect(self.apply_filters)
        self.active_combo.currentIndexChanged.connect(self.apply_filters)
        self.model.total_changed.connect(self._on_total)
        self.model.load_failed.connect(self.message.show_error)
        self.model.modelReset.connect(self._update_buttons)
        context.data_changed.connect(self._on_data_changed)
        self._update_buttons()
        self.model.reload()

    # -- filters --------------------------------------------------------------------------
    def current_filter(self) -> UserFilter:
        """The filter the controls describe."""
        text = self.search_edit.text().strip()
        return UserFilter(
            role=self.role_combo.currentData(),
            active=self.active_combo.currentData(),
            text=text or None,
        )

    def apply_filters(self) -> None:
        """Reload with the filters as set (the search waits for a pause in typing)."""
        self._search_timer.stop()
        self.model.set_filters(self.current_filter())

    def _on_total(self, total: int) -> None:
        self.count_label.setText(count_text(total, "user"))

    def _on_data_changed(self, entity: str) -> None:
        if entity == ENTITY:
            self.model.reload()

    # -- selection ------------------------------------------------------------------------
    def selected_user(self) -> UserDTO | None:
        """The highlighted account."""
        rows = self.table.selectionModel().selectedRows()
        return self.model.row_at(rows[0].row()) if rows else None

    def select_email(self, email: str) -> bool:
        """Highlight the loaded account with this email."""
        for row in range(self.model.rowCount()):
            if self.model.row_at(row).email == email:
                self.table.selectRow(row)
                return True
        return False

    def _update_buttons(self) -> None:
        user = self.selected_user()
        for button in (self.edit_button, self.active_button, self.reset_button):
            button.setEnabled(user is not None)
        reactivate = user is not None and not user.is_active
        self.active_button.setText("Re&activate" if reactivate else "&Deactivate…")

    # -- actions --------------------------------------------------------------------------
    def new_user(self) -> None:
        """Open the editor for a new account."""
        self._open_editor(None)

    def edit_user(self) -> None:
        """Open the editor on the selected account."""
        user = self.selected_user()
        if user is not None:
            self._open_editor(user)

    def _open_editor(self, user: UserDTO | None) -> None:
        self.message.clear_message()
        self.editor = UserEditorDialog(self.context, user, self)
        self.editor.saved.connect(lambda saved: self._on_saved(user, saved))
        self.editor.open()

    def _on_saved(self, before: UserDTO | None, saved: UserDTO) -> None:
        self.model.replace_row(saved)
        verb = "Created" if before is None else "Saved"
        self._finished(f"{verb} {saved.full_name}.")
        self.context.data_changed.emit(ENTITY)
        if before is not None and saved.id == self.context.actor.user_id:
            if saved.role != before.role:
                self.own_account_changed.emit()
            else:
                self.own_account_saved.emit(saved)

    def toggle_active(self) -> None:
        """Deactivate (after asking) or reactivate the selected account."""
        user = self.selected_user()
        if user is None:
            return
        if not user.is_active:
            self._set_active(user, True)
            return
        self.confirm_box = confirm_box(
            self,
            name="deactivateBox",
            title="Deactivate user",
            question=f"Deactivate {user.full_name}?",
            details="They are signed out on every computer and cannot sign in until an admin "
            "reactivates them. Everything they wrote stays.",
            action="&Deactivate",
            on_confirm=lambda: self._set_active(user, False),
        )

    def _set_active(self, user: UserDTO, active: bool) -> None:
        def job(database: Database, actor: Actor) -> UserDTO:
            return UserService(database, actor).set_active(user.id, active)

        def done(outcome: Outcome[UserDTO]) -> None:
            if outcome.value is None:
                self._failed(str(outcome.error))
                return
            self.model.replace_row(outcome.value)
            self._finished(
                f"{'Reactivated' if active else 'Deactivated'} {outcome.value.full_name}."
            )
            self.context.data_changed.emit(ENTITY)
            if not active and user.id == self.context.actor.user_id:
                self.own_account_changed.emit()

        self.message.clear_message()
        self.context.submit(captured(job), done, self._failed)

    def reset_password(self) -> None:
        """Ask, then give the selected account a temporary password shown once."""
        user = self.selected_user()
        if user is None:
            return
        self.confirm_box = confirm_box(
            self,
            name="resetPasswordBox",
            title="Reset password",
            question=f"Reset the password of {user.full_name}?",
            details="Their current password stops working and their saved sign-ins are "
            "revoked. You will see a temporary password to give them.",
            action="&Reset password",
            on_confirm=lambda: self._reset_confirmed(user),
            destructive=False,
        )

    def _reset_confirmed(self, user: UserDTO) -> None:
        def job(database: Database, actor: Actor) -> str:
            return UserService(database, actor).reset_password(user.id)

        def done(outcome: Outcome[str]) -> None:
            if outcome.value is None:
                self._failed(str(outcome.error))
                return
            self.password_dialog = TemporaryPasswordDialog(user, outcome.value, self)
            self.password_dialog.open()
            self._finished(f"Reset the password of {user.full_name}.")
            self.context.data_changed.emit(ENTITY)

        self.message.clear_message()
        self.context.submit(captured(job), done, self._failed)

    def _finished(self, sentence: str) -> None:
        self.message.show_success(sentence)
        self.action_finished.emit(sentence)

    def _failed(self, message: str) -> None:
        self.message.show_error(message)
        self.action_finished.emit(message)

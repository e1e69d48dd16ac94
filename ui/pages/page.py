"""What every list page shares: filters and search over a paged list, an editor beside it.

A page is a self-contained widget over an ``AppContext``: the main window mounts it and binds
its shortcuts to the page's slots (``new_record``, ``save``, ``focus_search``, ``refresh``,
``cancel_edit``) and asks ``confirm_leave`` before switching pages, profiles or closing.
Unsaved edits are never dropped silently: switching rows asks to save, discard or cancel.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, ClassVar, Generic, TypeVar

import shiboken6
from PySide6.QtCore import (
    QByteArray,
    QItemSelectionModel,
    QModelIndex,
    QSettings,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QFont, QPalette
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from asyncops_desktop.db import Database
from asyncops_desktop.domain.dto import UserDTO
from asyncops_desktop.repositories.base import MAX_PAGE_SIZE, HasId, Repository, Sort
from asyncops_desktop.repositories.users import UserRepository
from asyncops_desktop.services.base import Actor
from ui.context import AppContext
from ui.models.formatters import count_text
from ui.models.paged import PagedTableModel
from ui.pages.editor import RecordEditor
from ui.widgets.banner import MessageBanner
from ui.widgets.filters import FilterBar
from ui.widgets.search_box import SearchBox
from ui.widgets.table import RecordTableView

D = TypeVar("D", bound=HasId)

RELATIVE_TIME_REFRESH_MS = 60_000
LIST_SHARE = 0.62


def load_people(database: Database, _actor: Actor) -> list[UserDTO]:
    """A worker job: every account by name (filters need deactivated authors too)."""
    with database.read() as session:
        return (
            UserRepository(session)
            .page(None, Sort("full_name", descending=False), limit=MAX_PAGE_SIZE)
            .rows
        )


class RecordPage(QWidget, Generic[D]):
    """A filtered, SQL-sorted list of one entity with its editor in a splitter pane."""

    # How many records match the filters ("1,204 incidents"), after every load.
    row_count_changed = Signal(int)
    # The editor gained or lost unsaved changes (the window can mark its title).
    unsaved_changes_changed = Signal(bool)
    # A short note for the status bar ("Saved incident #12.").
    status_message = Signal(str)

    entity: ClassVar[str] = ""
    singular: ClassVar[str] = "record"
    plural: ClassVar[str] = "records"
    page_title: ClassVar[str] = "Records"
    new_text: ClassVar[str] = "&New"
    empty_text: ClassVar[str] = "Nothing here yet."
    filtered_empty_text: ClassVar[str] = "Nothing matches these filters."
    choose_text: ClassVar[str] = "Select a record to see it here."
    # Repositories whose changes this page's lists show (besides its own entity).
    watches: ClassVar[tuple[str, ...]] = ()

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.users: list[UserDTO] = []
        self._people_known = False
        self._aux_wanted = False
        self.leave_box: QMessageBox | None = None
        self._syncing = False
        self._auto_selected = False
        self._filters_suspended = False
        self._sized = False
        self.setAccessibleName(self.page_title)

        self.model = self._create_model()
        self.editor = self._create_editor()

        title = QLabel(self.page_title)
        title.setObjectName("pageTitle")
        title.setAccessibleName("Page title")
        self.new_button = QPushButton(self.new_text)
        self.new_button.setAccessibleName(self.new_text.replace("&", ""))
        self.new_button.setToolTip(f"{self.new_text.replace('&', '')} (Ctrl+N)")
        self.new_button.clicked.connect(self.new_record)
        self.search_box = SearchBox(f"Search {self.plural}…  (Ctrl+F)")
        self.search_box.setAccessibleName(f"Search {self.plural}")
        self.search_box.search_changed.connect(self._apply_filters)
        self.count_label = QLabel("Loading…")
        self.count_label.setObjectName("rowCount")
        self.count_label.setAccessibleName(f"Number of {self.plural}")
        count_font = QFont(self.count_label.font())
        count_font.setBold(True)
        self.count_label.setFont(count_font)
        top = QHBoxLayout()
        top.setSpacing(8)
        top.addWidget(title)
        top.addSpacing(8)
        top.addWidget(self.new_button)
        top.addWidget(self.search_box, 1)
        self._build_quick_filters(top)
        top.addSpacing(8)
        top.addWidget(self.count_label)

        self.filter_bar = FilterBar(f"{self.page_title} filters")
        self._build_filters(self.filter_bar)
        self.clear_filters_button = QPushButton("Clear filters")
        self.clear_filters_button.setAccessibleName("Clear filters")
        self.clear_filters_button.clicked.connect(self.clear_filters)
        self.filter_bar.add_spacing(6)
        self.filter_bar.add(self.clear_filters_button)
        self.filter_bar.finish()

        self.list_banner = MessageBanner("List problem")
        self.list_banner.retry_requested.connect(self.refresh)

        self.view = RecordTableView(
            self.model, name=f"{self.page_title} list", empty_text=self.empty_text
        )
        self.placeholder = QWidget()
        self.placeholder.setObjectName("editorPlaceholder")
        self.placeholder.setAccessibleName("No record selected")
        self.placeholder_label = QLabel(self.choose_text)
        self.placeholder_label.setAccessibleName("What to do next")
        self.placeholder_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.placeholder_label.setWordWrap(True)
        self.placeholder_label.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        placeholder_button = QPushButton(self.new_text.replace("&", "") + "…")
        placeholder_button.setAccessibleName(self.new_text.replace("&", ""))
        placeholder_button.clicked.connect(self.new_record)
        placeholder_layout = QVBoxLayout(self.placeholder)
        placeholder_layout.setContentsMargins(24, 24, 24, 24)
        placeholder_layout.addStretch(1)
        placeholder_layout.addWidget(self.placeholder_label)
        placeholder_layout.addSpacing(8)
        placeholder_layout.addWidget(placeholder_button, 0, Qt.AlignmentFlag.AlignHCenter)
        placeholder_layout.addStretch(2)
        self.detail = QStackedWidget()
        self.detail.setAccessibleName(f"{self.singular.capitalize()} details")
        self.detail.addWidget(self.placeholder)
        self.detail.addWidget(self.editor)
        self.editor.setMinimumWidth(340)
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.setObjectName("pageSplitter")
        self.splitter.setAccessibleName(f"{self.page_title} list and editor")
        self.splitter.setChildrenCollapsible(False)
        self.splitter.addWidget(self.view)
        self.splitter.addWidget(self.detail)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 2)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 10, 12, 10)
        layout.setSpacing(8)
        layout.addLayout(top)
        layout.addWidget(self.filter_bar)
        layout.addWidget(self.list_banner)
        layout.addWidget(self.splitter, 1)

        self.model.total_changed.connect(self._on_total_changed)
        self.model.load_failed.connect(self._on_load_failed)
        self.model.page_loaded.connect(self._on_page_loaded)
        self.model.page_loaded.connect(self._after_first_rows)
        self.model.load_failed.connect(self._after_first_rows)
        self.model.modelReset.connect(self._reselect)
        selection = self.view.selectionModel()
        selection.currentRowChanged.connect(self._on_current_row_changed)
        self.editor.saved.connect(self._on_saved)
        self.editor.deleted.connect(self._on_deleted)
        self.editor.dirty_changed.connect(self.unsaved_changes_changed)
        self.context.data_changed.connect(self._on_data_changed)
        self._clock = QTimer(self)
        self._clock.setInterval(RELATIVE_TIME_REFRESH_MS)
        self._clock.timeout.connect(self.model.refresh_relative_times)
        self._clock.start()
        self._update_filter_state()
        self.refresh()

    # -- for subclasses ---------------------------------------------------------------------
    def _create_model(self) -> PagedTableModel[D]:
        """The list's model."""
        raise NotImplementedError

    def _create_editor(self) -> RecordEditor[D]:
        """The editor pane."""
        raise NotImplementedError

    def _build_quick_filters(self, row: QHBoxLayout) -> None:
        """Add one-click presets beside the search box (optional)."""

    def _build_filters(self, bar: FilterBar) -> None:
        """Add the page's filter controls; connect their changes to ``_apply_filters``."""

    def _filters(self, text: str | None) -> object:
        """The repository filter for the controls and the search text."""
        raise NotImplementedError

    def _reset_filter_controls(self) -> None:
        """Put every filter control back to "any"."""

    def _people_loaded(self) -> None:
        """Hook: ``self.users`` was (re)loaded; fill people filters and pickers."""

    def _refresh_extras(self) -> None:
        """Hook: reload anything else the page shows (tag suggestions...)."""

    def _repository(self) -> type[Repository[D]]:
        """The repository a single record is fetched from."""
        raise NotImplementedError

    # -- public slots -----------------------------------------------------------------------
    def has_unsaved_changes(self) -> bool:
        """True when the editor holds changes not saved yet."""
        return self.detail.currentWidget() is self.editor and self.editor.has_unsaved_changes()

    def confirm_leave(self, proceed: Callable[[], None] | None = None) -> bool:
        """True if nothing is unsaved. Otherwise ask save/discard/cancel (non-blocking) and
        return False; ``proceed`` runs after Discard, or after Save once the save succeeded."""
        if not self.has_unsaved_changes():
            return True
        self._ask_unsaved(proceed)
        return False

    def new_record(self) -> None:
        """Open a blank editor for a new record (asking first if edits are unsaved)."""
        if self.confirm_leave(self.new_record):
            self._syncing = True
            self.view.clearSelection()
            self.view.selectionModel().setCurrentIndex(
                QModelIndex(), QItemSelectionModel.SelectionFlag.Clear
            )
            self._syncing = False
            self.editor.load(None)
            self.detail.setCurrentWidget(self.editor)
            self._focus_first_field()

    def save(self) -> None:
        """Save the editor's changes."""
        if self.detail.currentWidget() is self.editor:
            self.editor.save()

    def cancel_edit(self) -> None:
        """Escape: ask before dropping changes; a blank new form just closes."""
        if self.has_unsaved_changes():
            self._ask_unsaved(self._close_if_new)
        else:
            self._close_if_new()

    def focus_search(self) -> None:
        """Put the cursor in the search box."""
        self.search_box.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search_box.selectAll()

    def refresh(self) -> None:
        """Load the list (and the people and suggestions it uses) again; edits are kept."""
        self.list_banner.dismiss()
        wanted = self._filters(self.search_box.search_text() or None)
        if self.model.filters == wanted:
            self.model.reload()
        else:
            self._apply_filters()
        # The people and suggestions are asked for once the list's first rows are painted:
        # queued behind the list (and competing with its paint) they would only delay it.
        self._aux_wanted = True
        if not self.model.is_loading:
            self._load_aux()

    def _load_aux(self) -> None:
        if not shiboken6.isValid(self):
            return
        self._aux_wanted = False
        self.context.submit(load_people, self._on_people, self._on_aux_failed)
        self._refresh_extras()

    def _after_first_rows(self, *_args: object) -> None:
        if self._aux_wanted:
            self._aux_wanted = False
            self.context.after_paint(self._load_aux)

    def clear_filters(self) -> None:
        """Every filter back to "any", and an empty search."""
        # One query for the whole reset, not one per control put back.
        self._filters_suspended = True
        try:
            self._reset_filter_controls()
            self.search_box.clear()
            self.search_box.flush()
        finally:
            self._filters_suspended = False
        self._apply_filters()

    def open_record(self, record_id: int) -> None:
        """Show one record in the editor (asking first if edits are unsaved)."""
        if not self.confirm_leave(functools.partial(self.open_record, record_id)):
            return
        row = self.model.row_of(record_id)
        if row is not None:
            self._select_row(row)
            self._show(self.model.row_at(row))
            return
        repository = self._repository()

        def fetch(database: Database, _actor: Actor) -> D | None:
            with database.read() as session:
                return repository(session).get(record_id)

        self.context.submit(fetch, self._on_record_fetched, self._on_aux_failed)

    def save_state(self, settings: QSettings) -> None:
        """Remember splitter sizes and column widths, order and sort (no secrets)."""
        key = self._settings_key()
        settings.setValue(f"{key}/splitter", self.splitter.saveState())
        settings.setValue(f"{key}/header", self.view.horizontalHeader().saveState())

    def restore_state(self, settings: QSettings) -> None:
        """Restore what ``save_state`` remembered; the list re-sorts in SQL if needed."""
        key = self._settings_key()
        splitter = settings.value(f"{key}/splitter")
        if isinstance(splitter, QByteArray | bytes):
            self.splitter.restoreState(QByteArray(splitter))
        header = settings.value(f"{key}/header")
        if isinstance(header, QByteArray | bytes):
            view_header = self.view.horizontalHeader()
            view_header.blockSignals(True)
            restored = view_header.restoreState(QByteArray(header))
            view_header.blockSignals(False)
            if restored:
                self.view.sync_sort_indicator()
        # Sizes came from the settings: keep them rather than the first-show default.
        self._sized = self._sized or isinstance(splitter, QByteArray | bytes)

    # -- internals --------------------------------------------------------------------------
    def _settings_key(self) -> str:
        return f"pages/{self.entity}"

    def showEvent(self, event: Any) -> None:  # noqa: N802 (Qt's name)
        """Give the list the larger share on first show."""
        super().showEvent(event)
        if not self._sized:
            self._sized = True
            total = max(self.splitter.width(), 800)
            self.splitter.setSizes([int(total * LIST_SHARE), total - int(total * LIST_SHARE)])

    def _apply_filters(self, *_args: object) -> None:
        if self._filters_suspended:
            return
        text = self.search_box.search_text() or None
        self.model.set_filters(self._filters(text))
        self._update_filter_state()

    def _update_filter_state(self) -> None:
        filtered = self.model.filters != self._filters(None) or bool(self.search_box.text())
        self.clear_filters_button.setEnabled(filtered)
        self.view.set_empty_text(self.filtered_empty_text if filtered else self.empty_text)

    def _on_total_changed(self, total: int) -> None:
        self.count_label.setText(count_text(total, self.singular, self.plural))
        self.list_banner.dismiss()
        self.row_count_changed.emit(total)

    def _on_load_failed(self, message: str) -> None:
        self.list_banner.show_message(f"The list could not be loaded: {message}", retry=True)

    def _on_page_loaded(self, _loaded: int) -> None:
        # Open the first record once, so the editor pane is not empty on arrival; after the
        # first rows are painted, which filling the editor would otherwise hold up.
        if (
            not self._auto_selected
            and self.model.rowCount() > 0
            and self.detail.currentWidget() is self.placeholder
        ):
            self._auto_selected = True
            self.context.after_paint(self._open_first_record)

    def _open_first_record(self) -> None:
        if (
            shiboken6.isValid(self)
            and self.model.rowCount() > 0
            and self.detail.currentWidget() is self.placeholder
        ):
            self._select_row(0)
            self._show(self.model.row_at(0))

    def _on_current_row_changed(self, current: QModelIndex, previous: QModelIndex) -> None:
        if self._syncing or not current.isValid():
            return
        record = self.model.row_at(current.row())
        shown = self.editor.record
        if (
            shown is not None
            and shown.id == record.id
            and self.detail.currentWidget() is self.editor
        ):
            return
        if self.has_unsaved_changes():
            # Keep the edited record selected until the person decides.
            self._reselect()
            self.confirm_leave(functools.partial(self.open_record, int(record.id)))
            return
        self._show(record)

    def _show(self, record: D) -> None:
        self.editor.load(record)
        self.detail.setCurrentWidget(self.editor)

    def _select_row(self, row: int) -> None:
        self._syncing = True
        try:
            self.view.selectRow(row)
            self.view.scrollTo(self.model.index(row, 0))
        finally:
            self._syncing = False

    def _reselect(self) -> None:
        """Select the edited record's row again (after a reload or a refused switch)."""
        shown = self.editor.record
        row = None if shown is None else self.model.row_of(int(shown.id))
        self._syncing = True
        try:
            if row is None or self.detail.currentWidget() is not self.editor:
                self.view.clearSelection()
                self.view.selectionModel().setCurrentIndex(
                    QModelIndex(), QItemSelectionModel.SelectionFlag.Clear
                )
            else:
                self.view.selectRow(row)
                fresh = self.model.row_at(row)
                if fresh != shown and not self.editor.has_unsaved_changes():
                    self.editor.merge(fresh)
        finally:
            self._syncing = False

    def _focus_first_field(self) -> None:
        self.editor.focusNextChild()

    def _close_if_new(self) -> None:
        if self.editor.is_new and not self.editor.has_unsaved_changes():
            self.detail.setCurrentWidget(self.placeholder)

    def _ask_unsaved(self, proceed: Callable[[], None] | None) -> None:
        if self.leave_box is not None:
            return
        record = self.editor.record
        what = (
            f"the new {self.singular}" if record is None else f"“{self.editor.title_label.text()}”"
        )
        box = QMessageBox(
            QMessageBox.Icon.Warning,
            "Unsaved changes",
            f"Save your changes to {what}?",
            QMessageBox.StandardButton.Save
            | QMessageBox.StandardButton.Discard
            | QMessageBox.StandardButton.Cancel,
            self,
        )
        box.setObjectName("unsavedChangesBox")
        box.setInformativeText("If you don't save, your changes are lost.")
        box.setDefaultButton(QMessageBox.StandardButton.Save)
        box.finished.connect(functools.partial(self._on_unsaved_answer, box, proceed))
        self.leave_box = box
        box.open()

    def _on_unsaved_answer(
        self, box: QMessageBox, proceed: Callable[[], None] | None, _result: int
    ) -> None:
        answer = box.standardButton(box.clickedButton())
        self.leave_box = None
        box.deleteLater()
        if answer == QMessageBox.StandardButton.Save:
            self.editor.save(then=proceed)
        elif answer == QMessageBox.StandardButton.Discard:
            self.editor.revert()
            if proceed is not None:
                proceed()
        else:
            self._reselect()

    def _on_saved(self, record: D) -> None:
        self.model.replace_row(record)
        self.status_message.emit(f"Saved {self.singular} #{record.id}.")
        # Every open list refreshes, this one included (its sort may place the row elsewhere).
        self.context.data_changed.emit(self.entity)

    def _on_deleted(self, record_id: int) -> None:
        self.detail.setCurrentWidget(self.placeholder)
        self.status_message.emit(f"Deleted {self.singular} #{record_id}.")
        self.context.data_changed.emit(self.entity)

    def _on_data_changed(self, entity: str) -> None:
        if entity == self.entity or entity in self.watches:
            self.model.reload()
            self._refresh_extras()
        if entity == "users":
            self.context.submit(load_people, self._on_people, self._on_aux_failed)

    def _on_people(self, users: list[UserDTO]) -> None:
        if not shiboken6.isValid(self):
            return
        if self._people_known and users == self.users:
            # A refresh that found the same accounts: the pickers are filled already (with
            # hundreds of people, filling them again holds the window up for a while).
            return
        self.users = users
        self._people_known = True
        self._people_loaded()

    def _on_record_fetched(self, record: D | None) -> None:
        if not shiboken6.isValid(self):
            return
        if record is None:
            self.status_message.emit(f"That {self.singular} no longer exists.")
            return
        self._reselect()
        self._show(record)

    def _on_aux_failed(self, message: str) -> None:
        if shiboken6.isValid(self):
            self.list_banner.show_message(message, retry=True)

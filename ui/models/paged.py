"""A table model that pages rows in from a repository on the database worker thread.

The model holds only the rows fetched so far. ``fetchMore`` asks the worker for the next
page by keyset cursor and inserts the rows when they arrive; ``data()`` never queries.
Sorting and filtering change the SQL and reload from the first page. Every request carries
a generation number: a reply for an older filter or sort is dropped, and at most one
request per model is in flight — a reload asked for meanwhile waits for it, so a burst of
filter changes costs one query, not one per keystroke.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import shiboken6
from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtGui import QIcon

from asyncops_desktop.db import Database
from asyncops_desktop.domain.dto import Page
from asyncops_desktop.repositories.base import Cursor, HasId, Repository, Sort
from asyncops_desktop.services.base import Actor
from ui.context import AppContext
from ui.models.columns import Column, Roles
from ui.resources import resource_path

D = TypeVar("D", bound=HasId)
AnyIndex = QModelIndex | QPersistentModelIndex

DEFAULT_PAGE_SIZE = 100
_icons: dict[str, QIcon] = {}

# ``data()`` runs for every role of every visible cell at every paint: plain ints and one
# flags value, not enum arithmetic per call.
_DISPLAY = int(Qt.ItemDataRole.DisplayRole.value)
_TOOLTIP = int(Qt.ItemDataRole.ToolTipRole.value)
_ALIGNMENT = int(Qt.ItemDataRole.TextAlignmentRole.value)
_DECORATION = int(Qt.ItemDataRole.DecorationRole.value)
_BADGE, _ROW, _ID = int(Roles.BADGE), int(Roles.ROW), int(Roles.ID)
_ANSWERED_ROLES = frozenset((_DISPLAY, _TOOLTIP, _ALIGNMENT, _DECORATION, _BADGE, _ROW, _ID))
_ROW_FLAGS = (
    Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemNeverHasChildren
)


def badge_icon(path: str) -> QIcon:
    """The icon of a badge, loaded once per process (an empty icon if missing)."""
    if path not in _icons:
        try:
            _icons[path] = QIcon(str(resource_path(path))) if path else QIcon()
        except FileNotFoundError:
            _icons[path] = QIcon()
    return _icons[path]


@dataclass(frozen=True)
class _Reply(Generic[D]):
    generation: int
    total: int | None
    page: Page[D]


def load_job(
    repository: type[Repository[D]],
    generation: int,
    filters: object,
    sort: Sort,
    cursor: Cursor | None,
    limit: int,
) -> Callable[[Database, Actor], _Reply[D]]:
    """A worker job: the first page with the count (one read transaction), or the next page."""

    def job(database: Database, _actor: Actor) -> _Reply[D]:
        with database.read() as session:
            repo = repository(session)
            total = repo.count(filters) if cursor is None else None
            page = repo.page(filters, sort, after=cursor, limit=limit)
        return _Reply(generation, total, page)

    return job


class PagedTableModel(QAbstractTableModel, Generic[D]):
    """Rows of one repository, fetched a page at a time on the worker, sorted and filtered in SQL."""

    # The number of rows matching the filters (not just the loaded ones).
    total_changed = Signal(int)
    # True while a first page is being fetched (filters, sort or refresh changed).
    loading_changed = Signal(bool)
    # Rows loaded so far, after each page arrives.
    page_loaded = Signal(int)
    # A readable sentence when a page could not be loaded.
    load_failed = Signal(str)

    def __init__(
        self,
        context: AppContext,
        repository: type[Repository[D]],
        columns: Sequence[Column[D]],
        *,
        filters: object = None,
        sort: Sort | None = None,
        sort_column: int = 0,
        page_size: int = DEFAULT_PAGE_SIZE,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._context = context
        self._repository = repository
        self._columns = tuple(columns)
        self._filters = filters
        self._sort = sort or repository.default_sort
        self._sort_column = sort_column
        self._sort_order = (
            Qt.SortOrder.DescendingOrder if self._sort.descending else Qt.SortOrder.AscendingOrder
        )
        self._page_size = page_size
        self._rows: list[D] = []
        # Each loaded row's cell texts, made at its first paint (None until then).
        self._texts: list[tuple[str, ...] | None] = []
        self._alignments = tuple(int(column.alignment.value) for column in self._columns)
        self._row_of: dict[int, int] = {}
        self._total = 0
        self._cursor: Cursor | None = None
        self._generation = 0
        self._in_flight = False
        self._reload_queued = False
        self._loading = False
        self._error: str | None = None

    # -- state ------------------------------------------------------------------------------
    @property
    def columns(self) -> tuple[Column[D], ...]:
        """The declared columns, in model order."""
        return self._columns

    @property
    def repository(self) -> type[Repository[D]]:
        """The repository the rows come from."""
        return self._repository

    @property
    def filters(self) -> object:
        """The filter object the rows were (or are being) loaded with."""
        return self._filters

    @property
    def current_sort(self) -> Sort:
        """The SQL sort in effect."""
        return self._sort

    @property
    def sort_column(self) -> int:
        """The column whose header shows the sort indicator."""
        return self._sort_column

    @property
    def sort_order(self) -> Qt.SortOrder:
        """The header's sort order for ``sort_column``."""
        return self._sort_order

    @property
    def total(self) -> int:
        """How many rows match the filters."""
        return self._total

    @property
    def loaded(self) -> int:
        """How many rows are held."""
        return len(self._rows)

    @property
    def is_loading(self) -> bool:
        """True while a first page is on its way."""
        return self._loading

    @property
    def is_busy(self) -> bool:
        """True while any request is on its way."""
        return self._in_flight

    @property
    def error(self) -> str | None:
        """The last load error, until the next successful load."""
        return self._error

    @property
    def page_size(self) -> int:
        """Rows asked for per fetch."""
        return self._page_size

    def row_at(self, row: int) -> D:
        """The DTO of a loaded row."""
        return self._rows[row]

    def row_of(self, ident: int) -> int | None:
        """The row number of a loaded record, or None."""
        return self._row_of.get(ident)

    # -- loading ----------------------------------------------------------------------------
    def set_filters(self, filters: object) -> None:
        """Filter in SQL and reload from the first page (nothing happens if unchanged)."""
        if filters == self._filters:
            return
        self._filters = filters
        self.reload()

    def reload(self) -> None:
        """Count and load the first page again; the old rows stay until the new ones arrive."""
        self._generation += 1
        self._error = None
        if not self._loading:
            self._loading = True
            self.loading_changed.emit(True)
        if self._in_flight:
            self._reload_queued = True
            return
        self._request(cursor=None)

    def canFetchMore(self, parent: AnyIndex = QModelIndex()) -> bool:  # noqa: B008, N802
        """More rows exist beyond the loaded ones and no request is on its way."""
        if parent.isValid() or self._in_flight or self._loading or self._error is not None:
            return False
        # The cursor exists exactly when the repository saw a row beyond the last page.
        return self._cursor is not None and self.loaded < self._total

    def fetchMore(self, parent: AnyIndex = QModelIndex()) -> None:  # noqa: B008, N802
        """Ask the worker for the next page; rows are inserted when it arrives."""
        if self.canFetchMore(parent):
            self._request(cursor=self._cursor)

    def _request(self, cursor: Cursor | None) -> None:
        self._in_flight = True
        self._reload_queued = False
        generation = self._generation
        job = load_job(
            self._repository, generation, self._filters, self._sort, cursor, self._page_size
        )
        self._context.submit(job, self._on_reply, functools.partial(self._on_failed, generation))

    def _on_reply(self, reply: _Reply[D]) -> None:
        # The worker may answer after the view (and this model) were deleted.
        if not shiboken6.isValid(self):
            return
        self._in_flight = False
        if reply.generation != self._generation:
            self._start_queued()
            return
        rows = reply.page.rows
        if reply.total is not None:
            self.beginResetModel()
            self._rows = list(rows)
            self._texts = [None] * len(self._rows)
            self._row_of = {int(row.id): i for i, row in enumerate(self._rows)}
            self.endResetModel()
            self._total = reply.total
        elif rows:
            first = len(self._rows)
            self.beginInsertRows(QModelIndex(), first, first + len(rows) - 1)
            self._rows.extend(rows)
            self._texts.extend([None] * len(rows))
            for offset, row in enumerate(rows):
                self._row_of[int(row.id)] = first + offset
            self.endInsertRows()
        self._cursor = reply.page.next_cursor
        # Rows added or removed by others since the count keep the label honest.
        if self._cursor is None:
            self._total = len(self._rows)
        else:
            self._total = max(self._total, len(self._rows) + 1)
        self.total_changed.emit(self._total)
        if self._loading:
            self._loading = False
            self.loading_changed.emit(False)
        self.page_loaded.emit(len(self._rows))

    def _on_failed(self, generation: int, message: str) -> None:
        if not shiboken6.isValid(self):
            return
        self._in_flight = False
        if generation != self._generation:
            self._start_queued()
            return
        self._error = message
        if self._loading:
            self._loading = False
            self.loading_changed.emit(False)
        self.load_failed.emit(message)

    def _start_queued(self) -> None:
        if self._reload_queued:
            self._request(cursor=None)

    # -- edits made elsewhere ---------------------------------------------------------------
    def replace_row(self, row: D) -> None:
        """Show a record saved by an editor at once (the reload that follows re-sorts it)."""
        index = self._row_of.get(int(row.id))
        if index is None:
            return
        self._rows[index] = row
        self._texts[index] = None
        self.dataChanged.emit(self.index(index, 0), self.index(index, len(self._columns) - 1))

    def refresh_relative_times(self) -> None:
        """Repaint "3 h ago"-style cells as time passes (no query)."""
        if not self._rows:
            return
        self._texts = [None] * len(self._rows)
        for column, declared in enumerate(self._columns):
            if declared.time_relative:
                self.dataChanged.emit(
                    self.index(0, column),
                    self.index(len(self._rows) - 1, column),
                    [Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole],
                )

    # -- QAbstractTableModel ----------------------------------------------------------------
    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008, N802
        """Loaded rows (a table has no children below its rows)."""
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008, N802
        """The declared columns."""
        return 0 if parent.isValid() else len(self._columns)

    def flags(self, index: AnyIndex) -> Qt.ItemFlag:
        """Rows are selectable, never editable in place (the editor pane edits)."""
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return _ROW_FLAGS

    def cell_text(self, row_number: int, column_number: int) -> str:
        """What a loaded cell shows (made once per row, until the row or the clock changes)."""
        texts = self._texts[row_number]
        if texts is None:
            row = self._rows[row_number]
            texts = tuple(column.text(row) for column in self._columns)
            self._texts[row_number] = texts
        return texts[column_number]

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        """What a cell shows, from the loaded row only."""
        if role not in _ANSWERED_ROLES:
            return None
        # An invalid index has row -1; a table has no children, so no parent to check.
        row_number, column_number = index.row(), index.column()
        if not (0 <= row_number < len(self._rows) and 0 <= column_number < len(self._columns)):
            return None
        if role == _DISPLAY:
            return self.cell_text(row_number, column_number)
        if role == _ALIGNMENT:
            return self._alignments[column_number]
        row = self._rows[row_number]
        column = self._columns[column_number]
        if role == _TOOLTIP:
            return column.tooltip(row) if column.tooltip is not None else None
        if role == _DECORATION:
            return badge_icon(column.badge(row).icon) if column.badge is not None else None
        if role == _BADGE:
            return column.badge(row) if column.badge is not None else None
        if role == _ROW:
            return row
        return int(row.id)  # _ID

    def headerData(  # noqa: N802
        self,
        section: int,
        orientation: Qt.Orientation,
        role: int = Qt.ItemDataRole.DisplayRole,
    ) -> Any:
        """Column headers: the title, whether it sorts, and which way a first click sorts."""
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(self._columns):
            return None
        column = self._columns[section]
        if role == Qt.ItemDataRole.DisplayRole:
            return column.header
        if role == Qt.ItemDataRole.ToolTipRole:
            if column.sortable:
                return f"Sort by {column.header.lower()} (click again to reverse)"
            return f"{column.header} (this column cannot be sorted)"
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return int(column.alignment.value)
        if role == Qt.ItemDataRole.InitialSortOrderRole:
            descending = column.initial_descending
            return (
                Qt.SortOrder.DescendingOrder.value
                if descending
                else Qt.SortOrder.AscendingOrder.value
            )
        return None

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Sort in SQL by a sortable column and reload; other columns are ignored."""
        if not 0 <= column < len(self._columns):
            return
        declared = self._columns[column]
        if declared.sort_key is None:
            return
        descending = order == Qt.SortOrder.DescendingOrder
        if declared.sort_inverted:
            descending = not descending
        self._sort_column = column
        self._sort_order = order
        new_sort = Sort(declared.sort_key, descending)
        if new_sort == self._sort:
            return
        self._sort = new_sort
        self.reload()

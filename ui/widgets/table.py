"""The list view of a page: SQL sorting from the header, badge cells, an empty-state message."""

from __future__ import annotations

import functools
from typing import Any

from PySide6.QtCore import QPoint, QRect, Qt, QTimer
from PySide6.QtGui import QAction, QPainter, QPaintEvent, QPalette, QResizeEvent
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QMenu, QTableView, QWidget

from ui.models.paged import PagedTableModel
from ui.widgets.badges import MARGIN, BadgeDelegate, badge_width

# A stretched column (the titles) never gets narrower than this: below it the list scrolls
# sideways instead of cutting every title down to a word or two.
STRETCH_MIN_CHARS = 16


class RecordTableView(QTableView):
    """A table over a ``PagedTableModel``; only sortable columns react to header clicks."""

    def __init__(
        self,
        model: PagedTableModel[Any],
        *,
        name: str,
        empty_text: str,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("recordTable")
        self.setAccessibleName(name)
        self._paged = model
        self._empty_text = empty_text
        self.setModel(model)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setAlternatingRowColors(True)
        self.setWordWrap(False)
        self.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.setShowGrid(False)
        self.setHorizontalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        vertical = self.verticalHeader()
        vertical.hide()
        vertical.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        vertical.setDefaultSectionSize(self.fontMetrics().height() + 12)
        header = self.horizontalHeader()
        header.setAccessibleName(f"{name} columns")
        header.setSectionsMovable(True)
        header.setSectionsClickable(True)
        header.setSortIndicatorShown(True)
        header.setHighlightSections(False)
        header.setStretchLastSection(False)
        header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        header.setMinimumSectionSize(40)
        self._badges = BadgeDelegate(self)
        char = self.fontMetrics().averageCharWidth()
        for column, declared in enumerate(model.columns):
            width = declared.width_chars * char + 16
            if declared.badge is not None:
                self.setItemDelegateForColumn(column, self._badges)
                widest = max(
                    (badge_width(b, self.font()) for b in declared.badge_choices), default=0
                )
                width = max(width, widest + 2 * MARGIN + 6)
            self.setColumnWidth(column, width)
            if declared.stretch:
                header.setSectionResizeMode(column, QHeaderView.ResizeMode.Stretch)
            if declared.hidden_by_default:
                header.hideSection(column)
        self._stretch_columns = [c for c, declared in enumerate(model.columns) if declared.stretch]
        self._stretch_min = STRETCH_MIN_CHARS * char + 16
        # Coalesced: resizing a section from here would otherwise report back at once.
        self._fit_timer = QTimer(self)
        self._fit_timer.setSingleShot(True)
        self._fit_timer.setInterval(0)
        self._fit_timer.timeout.connect(self.fit_stretch_columns)
        header.sectionResized.connect(self._on_section_resized)
        header.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        header.customContextMenuRequested.connect(self._show_column_menu)
        self.column_menu: QMenu | None = None
        header.setSortIndicator(model.sort_column, model.sort_order)
        # Not setSortingEnabled(): it would sort on clicks of columns SQL cannot sort by.
        header.sortIndicatorChanged.connect(self._on_sort_indicator_changed)
        model.loading_changed.connect(self._repaint_placeholder)
        model.load_failed.connect(self._repaint_placeholder)
        model.modelReset.connect(self._repaint_placeholder)

    @property
    def empty_text(self) -> str:
        """What the empty list says."""
        return self._empty_text

    def set_empty_text(self, text: str) -> None:
        """Change what an empty list says (e.g. "No incidents match these filters.")."""
        if text == self._empty_text:
            return
        self._empty_text = text
        self._repaint_placeholder()

    def placeholder_text(self) -> str:
        """The message painted over an empty list, or an empty string."""
        if self._paged.rowCount() > 0:
            return ""
        if self._paged.is_loading:
            return "Loading…"
        if self._paged.error is not None:
            return f"Could not load the list: {self._paged.error}"
        return self._empty_text

    def sync_sort_indicator(self) -> None:
        """Show the model's sort in the header (after restoring a saved header state)."""
        header = self.horizontalHeader()
        section, order = header.sortIndicatorSection(), header.sortIndicatorOrder()
        if 0 <= section < len(self._paged.columns) and self._paged.columns[section].sortable:
            self._paged.sort(section, order)
        else:
            self._restore_indicator()

    def fit_stretch_columns(self) -> None:
        """Stretch the title column over the spare width, or give it a readable width and
        let the list scroll sideways when the other columns leave too little."""
        header = self.horizontalHeader()
        for column in self._stretch_columns:
            if header.isSectionHidden(column):
                continue
            others = sum(
                header.sectionSize(c)
                for c in range(header.count())
                if c != column and not header.isSectionHidden(c)
            )
            room = self.viewport().width() - others
            mode = header.sectionResizeMode(column)
            if room >= self._stretch_min:
                if mode != QHeaderView.ResizeMode.Stretch:
                    header.setSectionResizeMode(column, QHeaderView.ResizeMode.Stretch)
            elif mode == QHeaderView.ResizeMode.Stretch:
                header.setSectionResizeMode(column, QHeaderView.ResizeMode.Interactive)
                header.resizeSection(column, self._stretch_min)

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 (Qt's name)
        """Fit the title column to the new width."""
        super().resizeEvent(event)
        self._fit_timer.start()

    def _on_section_resized(self, section: int, _old: int, _new: int) -> None:
        if section not in self._stretch_columns:
            self._fit_timer.start()

    def column_actions(self) -> list[QAction]:
        """One checkable action per column: shown or hidden (the title column always shows)."""
        header = self.horizontalHeader()
        actions = []
        for column, declared in enumerate(self._paged.columns):
            action = QAction(declared.header if declared.header != "#" else "Number", self)
            action.setCheckable(True)
            action.setChecked(not header.isSectionHidden(column))
            action.setEnabled(not declared.stretch)
            action.toggled.connect(functools.partial(self.set_column_visible, column))
            actions.append(action)
        return actions

    def set_column_visible(self, column: int, visible: bool) -> None:
        """Show or hide a column (remembered with the header state)."""
        self.horizontalHeader().setSectionHidden(column, not visible)

    def _show_column_menu(self, position: QPoint) -> None:
        menu = QMenu(self)
        menu.setObjectName("columnMenu")
        menu.setTitle("Columns")
        for action in self.column_actions():
            menu.addAction(action)
        self.column_menu = menu
        menu.popup(self.horizontalHeader().mapToGlobal(position))

    def _on_sort_indicator_changed(self, section: int, order: Qt.SortOrder) -> None:
        columns = self._paged.columns
        if 0 <= section < len(columns) and columns[section].sortable:
            self._paged.sort(section, order)
        else:
            self._restore_indicator()

    def _restore_indicator(self) -> None:
        header = self.horizontalHeader()
        header.blockSignals(True)
        header.setSortIndicator(self._paged.sort_column, self._paged.sort_order)
        header.blockSignals(False)

    def _repaint_placeholder(self, *_args: object) -> None:
        # Only an empty list shows the message; a list with rows repaints itself when they
        # change (a reload keeps the old rows on screen until the new ones are in).
        if self._paged.rowCount() == 0:
            self.viewport().update()

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 (Qt's name)
        """Paint the rows, or a centred message when there are none."""
        super().paintEvent(event)
        text = self.placeholder_text()
        if not text:
            return
        painter = QPainter(self.viewport())
        painter.setPen(self.palette().color(QPalette.ColorRole.PlaceholderText))
        area = self.viewport().rect().adjusted(24, 24, -24, -24)
        painter.drawText(
            QRect(area.left(), area.top(), area.width(), max(80, area.height() // 2)),
            Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap,
            text,
        )
        painter.end()

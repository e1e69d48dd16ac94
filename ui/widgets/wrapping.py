"""Tree-view cells whose text wraps onto more lines instead of being cut with an ellipsis."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRect, QSize
from PySide6.QtWidgets import QStyledItemDelegate, QStyleOptionViewItem, QTreeView


class WrappingDelegate(QStyledItemDelegate):
    """Measures a cell at its column's width, so the row grows to hold the wrapped text.

    A tree view asks for a cell's size without the column width, so wrapped text would be
    measured as one line and then cut. ``wrap_columns`` also lays the rows out again when a
    column is resized.
    """

    def __init__(self, view: QTreeView) -> None:
        super().__init__(view)
        self.view = view

    def sizeHint(  # noqa: N802 (Qt's name)
        self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> QSize:
        """The wrapped text's size at the column's current width."""
        measured = QStyleOptionViewItem(option)
        width = self.view.header().sectionSize(index.column())
        measured.rect = QRect(0, 0, max(width, 1), 10_000)
        measured.features |= QStyleOptionViewItem.ViewItemFeature.WrapText
        return super().sizeHint(measured, index)


def wrap_columns(view: QTreeView, columns: tuple[int, ...]) -> None:
    """Wrap these columns' text and keep row heights right as columns are resized."""
    view.setWordWrap(True)
    view.setUniformRowHeights(False)
    delegate = WrappingDelegate(view)
    for column in columns:
        view.setItemDelegateForColumn(column, delegate)
    view.header().sectionResized.connect(lambda *_args: view.scheduleDelayedItemsLayout())

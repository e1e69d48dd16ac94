"""A delegate that paints a cell's HTML (search matches in bold) on one elided line."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QObject, QPersistentModelIndex, QRectF, QSize
from PySide6.QtGui import QAbstractTextDocumentLayout, QPainter, QPalette, QTextDocument
from PySide6.QtWidgets import QApplication, QStyle, QStyledItemDelegate, QStyleOptionViewItem

from ui.widgets.palette import muted_colour

PADDING = 4


class RichTextDelegate(QStyledItemDelegate):
    """Paints ``role``'s HTML when the model gives one; plain text otherwise."""

    def __init__(self, role: int, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._role = role

    def paint(
        self,
        painter: QPainter,
        option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
    ) -> None:
        """Draw the background and selection with the style, then the HTML clipped to the cell."""
        markup = index.data(self._role)
        if not isinstance(markup, str) or not markup:
            super().paint(painter, option, index)
            return
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        opt.text = ""
        widget = opt.widget
        style = widget.style() if widget is not None else QApplication.style()
        style.drawControl(QStyle.ControlElement.CE_ItemViewItem, opt, painter, widget)
        selected = bool(opt.state & QStyle.StateFlag.State_Selected)
        text_role = QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.Text
        colour = opt.palette.color(text_role).name()
        muted = colour if selected else muted_colour(widget).name()
        document = QTextDocument()
        document.setDefaultFont(opt.font)
        document.setDocumentMargin(0)
        document.setDefaultStyleSheet(f"body {{ color: {colour}; }} .snippet {{ color: {muted}; }}")
        # One line: the cell is as high as a line, the rest is clipped rather than wrapped.
        document.setHtml(f"<body><nobr>{markup}</nobr></body>")
        rect = opt.rect.adjusted(PADDING, 0, -PADDING, 0)
        if not opt.icon.isNull():
            # The style drew the icon at the left: the text starts after it.
            rect.setLeft(rect.left() + opt.decorationSize.width() + PADDING)
        top = rect.top() + max(0, (rect.height() - document.size().height()) / 2)
        painter.save()
        painter.setClipRect(rect)
        painter.translate(rect.left(), top)
        context = QAbstractTextDocumentLayout.PaintContext()
        context.palette.setColor(QPalette.ColorRole.Text, opt.palette.color(text_role))
        context.clip = QRectF(0, 0, rect.width(), rect.height())
        document.documentLayout().draw(painter, context)
        painter.restore()

    def sizeHint(  # noqa: N802 (Qt's name)
        self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> QSize:
        """The plain text's size (rows have a fixed height anyway)."""
        return super().sizeHint(option, index)

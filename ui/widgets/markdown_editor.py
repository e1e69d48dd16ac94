"""Markdown source with a live preview rendered by Qt's own ``QTextDocument.setMarkdown``."""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QFont, QFontDatabase
from PySide6.QtWidgets import (
    QLabel,
    QPlainTextEdit,
    QSplitter,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

PREVIEW_DELAY_MS = 120
EMPTY_PREVIEW = "*Nothing to preview yet.*"


class MarkdownEditor(QWidget):
    """A plain-text Markdown editor above its rendered preview (both resizable)."""

    text_changed = Signal()

    def __init__(self, name: str = "Content", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.editor = QPlainTextEdit()
        self.editor.setAccessibleName(name)
        self.editor.setAccessibleDescription("Markdown: **bold**, *italic*, - lists, ## headings")
        self.editor.setPlaceholderText(
            "Write in Markdown: **bold**, *italic*, - lists, ## headings"
        )
        self.editor.setTabChangesFocus(True)
        mono = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
        mono.setPointSizeF(max(mono.pointSizeF(), self.font().pointSizeF() - 0.5))
        self.editor.setFont(mono)
        self.preview = QTextBrowser()
        self.preview.setAccessibleName(f"{name} preview")
        self.preview.setOpenExternalLinks(True)
        self.preview.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.preview_label = QLabel("Preview")
        self.preview_label.setAccessibleName(f"{name} preview heading")
        font = QFont(self.preview_label.font())
        font.setBold(True)
        self.preview_label.setFont(font)
        preview_pane = QWidget()
        preview_layout = QVBoxLayout(preview_pane)
        preview_layout.setContentsMargins(0, 4, 0, 0)
        preview_layout.setSpacing(2)
        preview_layout.addWidget(self.preview_label)
        preview_layout.addWidget(self.preview)
        self.splitter = QSplitter(Qt.Orientation.Vertical)
        self.splitter.setChildrenCollapsible(False)
        self.splitter.addWidget(self.editor)
        self.splitter.addWidget(preview_pane)
        self.splitter.setSizes([200, 160])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.splitter)
        # Rendering on every keystroke of a 10,000-character text would lag: wait for a pause.
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(PREVIEW_DELAY_MS)
        self._timer.timeout.connect(self.render_preview)
        self.editor.textChanged.connect(self._timer.start)
        self.editor.textChanged.connect(self.text_changed)
        self.render_preview()

    def text(self) -> str:
        """The Markdown source."""
        return self.editor.toPlainText()

    def set_text(self, text: str) -> None:
        """Replace the source and render it at once, both scrolled to the top."""
        self.editor.setPlainText(text)
        self.render_preview()
        self.preview.verticalScrollBar().setValue(0)

    def set_read_only(self, read_only: bool) -> None:
        """Allow or forbid typing (the preview always shows)."""
        self.editor.setReadOnly(read_only)

    def render_preview(self) -> None:
        """Render the source now."""
        self._timer.stop()
        source = self.text()
        bar = self.preview.verticalScrollBar()
        position = bar.value()
        self.preview.document().setMarkdown(source if source.strip() else EMPTY_PREVIEW)
        bar.setValue(position)

    def preview_text(self) -> str:
        """The preview as plain text (what a reader sees)."""
        return self.preview.toPlainText()

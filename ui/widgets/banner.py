"""A non-modal banner for errors that belong to no single field: permission, conflict, connection."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor, QIcon
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QToolButton, QWidget

from ui.resources import resource_path
from ui.widgets.palette import is_dark, tinted


def _icon(name: str) -> QIcon:
    try:
        return QIcon(str(resource_path(f"icons/{name}.svg")))
    except FileNotFoundError:
        return QIcon()


class MessageBanner(QFrame):
    """One sentence with an optional Retry button; dismissible; never blocks the window."""

    retry_requested = Signal()
    dismissed = Signal()

    def __init__(self, name: str = "Message", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("messageBanner")
        self.setAccessibleName(name)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.icon_label = QLabel()
        self.icon_label.setAccessibleName(f"{name} icon")
        self.text_label = QLabel()
        self.text_label.setObjectName("bannerText")
        self.text_label.setAccessibleName(f"{name} text")
        self.text_label.setWordWrap(True)
        self.text_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.retry_button = QPushButton("&Retry")
        self.retry_button.setAccessibleName("Retry")
        self.retry_button.clicked.connect(self.retry_requested)
        self.close_button = QToolButton()
        self.close_button.setText("✕")
        self.close_button.setAutoRaise(True)
        self.close_button.setAccessibleName("Dismiss message")
        self.close_button.setToolTip("Dismiss")
        self.close_button.clicked.connect(self.dismiss)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(10, 6, 6, 6)
        layout.addWidget(self.icon_label, 0, Qt.AlignmentFlag.AlignTop)
        layout.addWidget(self.text_label, 1)
        layout.addWidget(self.retry_button, 0, Qt.AlignmentFlag.AlignVCenter)
        layout.addWidget(self.close_button, 0, Qt.AlignmentFlag.AlignTop)
        self.hide()

    @property
    def message(self) -> str:
        """The sentence shown (empty when hidden)."""
        return "" if self.isHidden() else self.text_label.text()

    def show_message(self, text: str, *, retry: bool = False, warning: bool = True) -> None:
        """Show ``text``; ``retry`` offers the Retry button."""
        self.text_label.setText(text)
        self.icon_label.setPixmap(
            _icon("banner-warning" if warning else "banner-info").pixmap(18, 18)
        )
        self.retry_button.setVisible(retry)
        accent = "#d9a21b" if warning else "#4c8bd6"
        palette = self.palette()
        base = palette.color(palette.ColorRole.Window)
        fill = tinted(QColor(accent), base, 0.28 if is_dark(palette) else 0.16)
        self.setStyleSheet(
            f"QFrame#messageBanner {{ background: {fill.name()}; border: 1px solid {accent};"
            " border-radius: 4px; }"
        )
        self.show()

    def dismiss(self) -> None:
        """Hide the banner."""
        if self.isHidden():
            return
        self.hide()
        self.dismissed.emit()

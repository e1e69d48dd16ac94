"""A search box that waits for a pause in typing before it asks for a new query."""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QLineEdit, QWidget

DEBOUNCE_MS = 250


class SearchBox(QLineEdit):
    """Emits ``search_changed`` once typing pauses for ``DEBOUNCE_MS`` (Enter: at once)."""

    search_changed = Signal(str)

    def __init__(
        self,
        placeholder: str = "Search…",
        *,
        debounce_ms: int = DEBOUNCE_MS,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setPlaceholderText(placeholder)
        self.setAccessibleName("Search")
        self.setAccessibleDescription(placeholder)
        self.setClearButtonEnabled(True)
        self.setMinimumWidth(220)
        self._emitted = ""
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(debounce_ms)
        self._timer.timeout.connect(self.flush)
        self.textChanged.connect(self._on_text_changed)
        self.returnPressed.connect(self.flush)

    @property
    def pending(self) -> bool:
        """True while a change waits for the pause in typing."""
        return self._timer.isActive()

    def search_text(self) -> str:
        """The text searched for: trimmed, empty for none."""
        return self.text().strip()

    def flush(self) -> None:
        """Emit the current text now if it differs from the last emitted one."""
        self._timer.stop()
        text = self.search_text()
        if text != self._emitted:
            self._emitted = text
            self.search_changed.emit(text)

    def _on_text_changed(self, _text: str) -> None:
        # Restarting the timer on each keystroke is the debounce.
        self._timer.start()

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 (Qt's name)
        """Escape clears a non-empty search; an empty box passes Escape on to the page."""
        if event.key() == Qt.Key.Key_Escape and self.text():
            self.clear()
            self.flush()
            event.accept()
            return
        super().keyPressEvent(event)

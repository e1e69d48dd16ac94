"""Resolution notes with Resolve and Cancel: resolving an incident or a blocker needs them."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHBoxLayout, QPushButton, QVBoxLayout, QWidget

from asyncops_desktop.domain.errors import ValidationError
from asyncops_desktop.services import validation as v
from ui.widgets.fields import FieldRow, TextBox


class ResolutionPanel(QWidget):
    """Resolution notes with Resolve and Cancel: resolving an incident or blocker needs them."""

    confirmed = Signal(str)
    cancelled = Signal()

    def __init__(self, what: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName(f"Resolve {what}")
        self.notes_edit = TextBox(
            "Resolution notes", lines=4, placeholder="Root cause, the fix, and any follow-up"
        )
        self.row = FieldRow("Resolution &notes", self.notes_edit, limit=v.RESOLUTION_NOTES_MAX)
        self.resolve_button = QPushButton(f"Resolve {what}")
        self.resolve_button.setAccessibleName(f"Resolve {what} with these notes")
        self.resolve_button.clicked.connect(self._confirm)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setAccessibleName("Cancel resolving")
        self.cancel_button.clicked.connect(self.cancel)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.resolve_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 4, 0, 0)
        layout.addWidget(self.row)
        layout.addLayout(buttons)
        self.hide()

    def notes(self) -> str:
        """The notes typed."""
        return self.notes_edit.toPlainText()

    def has_notes(self) -> bool:
        """Whether anything is typed (unsaved work if the panel is open)."""
        return self.isVisibleTo(self.parentWidget() or self) and bool(self.notes().strip())

    def open_panel(self) -> None:
        """Show the panel with empty notes and the cursor in them."""
        self.notes_edit.clear()
        self.row.set_error(None)
        self.show()
        self.notes_edit.setFocus()

    def cancel(self) -> None:
        """Hide the panel."""
        self.hide()
        self.row.set_error(None)
        self.cancelled.emit()

    def check(self) -> str | None:
        """The rule the notes break, in words, or None."""
        notes = self.notes()
        if not notes.strip():
            return "Resolution notes are required to resolve."
        try:
            v.text("resolution_notes", notes, v.RESOLUTION_NOTES_MAX)
        except ValidationError as exc:
            return f"Resolution notes {exc.message}."
        return None

    def _confirm(self) -> None:
        problem = self.check()
        self.row.set_error(problem)
        if problem is None:
            self.confirmed.emit(self.notes())
        else:
            self.notes_edit.setFocus()

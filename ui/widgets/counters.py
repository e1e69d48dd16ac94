"""Character counters that show how much of a field's limit is used and turn red past it."""

from __future__ import annotations

from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QLabel, QLineEdit, QPlainTextEdit, QWidget

from ui.widgets.palette import error_colour


class CharacterCounter(QLabel):
    """``120 / 200`` under the limit; ``212 / 200 · 12 too many`` in red past it."""

    def __init__(
        self, field: QLineEdit | QPlainTextEdit, limit: int, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self._field = field
        self.limit = limit
        self.setObjectName("characterCounter")
        self.setAccessibleName(f"{field.accessibleName() or 'Field'} length")
        field.textChanged.connect(self.update_count)
        self.update_count()

    @property
    def count(self) -> int:
        """Characters in the field now (Python characters, as the services count them)."""
        if isinstance(self._field, QLineEdit):
            return len(self._field.text())
        return len(self._field.toPlainText())

    @property
    def over_limit(self) -> bool:
        """True past the limit."""
        return self.count > self.limit

    def update_count(self) -> None:
        """Refresh the text and colour."""
        count = self.count
        if count > self.limit:
            self.setText(f"{count:,} / {self.limit:,} · {count - self.limit:,} too many")
            # WindowText: a style sheet colour shows at half strength in the placeholder role.
            self.setForegroundRole(QPalette.ColorRole.WindowText)
            self.setStyleSheet(f"color: {error_colour(self).name()}; font-weight: 600;")
        else:
            self.setText(f"{count:,} / {self.limit:,}")
            # The palette's role, not a fixed colour, so a theme change recolours it.
            self.setStyleSheet("")
            self.setForegroundRole(QPalette.ColorRole.PlaceholderText)

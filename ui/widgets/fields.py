"""A labelled form field with its counter and an inline error line under it."""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtWidgets import QHBoxLayout, QLabel, QLineEdit, QPlainTextEdit, QVBoxLayout, QWidget

from ui.resources import resource_path
from ui.widgets.counters import CharacterCounter
from ui.widgets.palette import error_colour


class TextBox(QPlainTextEdit):
    """A plain-text box sized in lines (Qt's default of 192 px suits no field in particular)."""

    def __init__(
        self, name: str, *, lines: int = 4, placeholder: str = "", parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self._lines = lines
        self.setAccessibleName(name)
        self.setPlaceholderText(placeholder)
        # Tab moves on to the next field; people rarely want a tab character in these.
        self.setTabChangesFocus(True)

    def _height_for(self, lines: int) -> int:
        margins = self.contentsMargins()
        document = int(self.document().documentMargin() * 2)
        return (
            lines * self.fontMetrics().lineSpacing() + document + margins.top() + margins.bottom()
        )

    def sizeHint(self) -> QSize:  # noqa: N802 (Qt's name)
        """``lines`` lines high."""
        return QSize(super().sizeHint().width(), self._height_for(self._lines))

    def minimumSizeHint(self) -> QSize:  # noqa: N802 (Qt's name)
        """At least two lines."""
        return QSize(super().minimumSizeHint().width(), self._height_for(min(2, self._lines)))


class FieldError(QLabel):
    """The rule a field broke, in words, with an icon; hidden when there is none."""

    def __init__(self, field_label: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("fieldError")
        self.setAccessibleName(f"{field_label} error")
        self.setWordWrap(True)
        self.setTextFormat(Qt.TextFormat.RichText)
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self._message = ""
        self.hide()

    @property
    def message(self) -> str:
        """The plain message shown, or an empty string."""
        return self._message

    def show_message(self, message: str | None) -> None:
        """Show ``message`` (None or empty hides the line)."""
        self._message = message or ""
        if not self._message:
            self.clear()
            self.hide()
            return
        try:
            icon = resource_path("icons/field-error.svg").as_uri()
            image = f'<img src="{icon}" width="14" height="14" style="vertical-align: middle"> '
        except FileNotFoundError:
            image = ""
        colour = error_colour(self).name()
        escaped = self._message.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        self.setText(f'{image}<span style="color: {colour}">{escaped}</span>')
        self.setAccessibleDescription(self._message)
        self.show()


class FieldRow(QWidget):
    """Label (and counter) above the input, the error line below: reads well in a narrow pane."""

    def __init__(
        self,
        label: str,
        widget: QWidget,
        *,
        limit: int | None = None,
        counted: QLineEdit | QPlainTextEdit | None = None,
        hint: str = "",
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.widget = widget
        self.label = QLabel(label)
        self.label.setObjectName("fieldLabel")
        self.label.setBuddy(widget)
        if not widget.accessibleName():
            widget.setAccessibleName(label.replace("&", ""))
        if hint:
            widget.setToolTip(hint)
            widget.setAccessibleDescription(hint)
        self.counter: CharacterCounter | None = None
        header = QHBoxLayout()
        header.setContentsMargins(0, 0, 0, 0)
        header.addWidget(self.label)
        header.addStretch(1)
        # ``counted`` is the text box inside a compound widget (the Markdown editor's source).
        text_box = counted if counted is not None else widget
        if limit is not None and isinstance(text_box, QLineEdit | QPlainTextEdit):
            self.counter = CharacterCounter(text_box, limit)
            header.addWidget(self.counter)
        self.error = FieldError(label.replace("&", ""))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(3)
        layout.addLayout(header)
        layout.addWidget(widget)
        layout.addWidget(self.error)

    def set_error(self, message: str | None) -> None:
        """Show or clear the inline error."""
        self.error.show_message(message)

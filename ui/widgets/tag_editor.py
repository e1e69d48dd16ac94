"""Tags as removable chips, with completion from the tags already in use."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QStringListModel, Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QCompleter,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QSizePolicy,
    QToolButton,
    QWidget,
)

from ui.widgets.flow_layout import FlowLayout

CHIP_STYLE = (
    "QFrame#tagChip { border: 1px solid palette(mid); border-radius: 10px;"
    " background: palette(alternate-base); }"
    "QFrame#tagChip QToolButton { border: none; padding: 0 2px; }"
)


class TagChip(QFrame):
    """One tag with a button that removes it."""

    remove_requested = Signal(str)

    def __init__(self, tag: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.tag = tag
        self.setObjectName("tagChip")
        self.setAccessibleName(f"Tag {tag}")
        self.setStyleSheet(CHIP_STYLE)
        self.label = QLabel(tag)
        self.label.setAccessibleName(f"Tag {tag}")
        self.remove_button = QToolButton()
        self.remove_button.setText("✕")
        self.remove_button.setAccessibleName(f"Remove tag {tag}")
        self.remove_button.setToolTip(f"Remove “{tag}”")
        self.remove_button.setCursor(Qt.CursorShape.PointingHandCursor)
        self.remove_button.clicked.connect(lambda: self.remove_requested.emit(self.tag))
        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 1, 3, 1)
        layout.setSpacing(2)
        layout.addWidget(self.label)
        layout.addWidget(self.remove_button)


class TagEditor(QFrame):
    """Type a tag and press Enter or comma; Backspace in the empty box removes the last one."""

    tags_changed = Signal()

    def __init__(self, name: str = "Tags", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("tagEditor")
        self.setAccessibleName(name)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self._tags: list[str] = []
        self._chips: list[TagChip] = []
        self._read_only = False
        self.input = QLineEdit()
        self.input.setAccessibleName(f"New {name.lower().rstrip('s')}")
        self.input.setPlaceholderText("Add a tag…")
        self.input.setFrame(False)
        self.input.setMinimumWidth(120)
        self.input.installEventFilter(self)
        self.input.returnPressed.connect(self.commit_pending)
        self.input.textEdited.connect(self._on_text_edited)
        self.suggestions = QStringListModel(self)
        self.completer = QCompleter(self.suggestions, self)
        self.completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.completer.setFilterMode(Qt.MatchFlag.MatchContains)
        self.completer.setCompletionMode(QCompleter.CompletionMode.PopupCompletion)
        self.completer.activated.connect(self._on_completion)
        self.input.setCompleter(self.completer)
        self._flow = FlowLayout(self, spacing=4)
        self._flow.setContentsMargins(4, 3, 4, 3)
        self._flow.addWidget(self.input)

    # -- values -----------------------------------------------------------------------------
    def tags(self) -> list[str]:
        """The tags as chips, in the order added."""
        return list(self._tags)

    def pending_text(self) -> str:
        """Text typed but not yet turned into a chip."""
        return self.input.text().strip()

    def tags_with_pending(self) -> list[str]:
        """The chips plus whatever is typed (a save should not drop a half-entered tag)."""
        pending = [part.strip() for part in self.input.text().split(",") if part.strip()]
        return self.tags() + [tag for tag in pending if not self._has(tag)]

    def set_tags(self, tags: list[str] | tuple[str, ...]) -> None:
        """Replace every chip."""
        for chip in self._chips:
            self._drop(chip)
        self._chips.clear()
        self._tags.clear()
        self.input.clear()
        for tag in tags:
            self._append(tag)
        self.tags_changed.emit()

    def set_suggestions(self, tags_in_use: list[tuple[str, int]]) -> None:
        """Tags offered for completion, most used first."""
        self.suggestions.setStringList([tag for tag, _count in tags_in_use])

    def set_read_only(self, read_only: bool) -> None:
        """Show the tags without letting them change."""
        self._read_only = read_only
        self.input.setVisible(not read_only)
        for chip in self._chips:
            chip.remove_button.setVisible(not read_only)

    # -- editing ----------------------------------------------------------------------------
    def add_tag(self, tag: str) -> bool:
        """Add a chip unless it is blank or already there (case-insensitively, like the service)."""
        tag = tag.strip()
        if not tag or self._has(tag) or self._read_only:
            return False
        self._append(tag)
        self.tags_changed.emit()
        return True

    def remove_tag(self, tag: str) -> None:
        """Remove a chip."""
        if tag not in self._tags or self._read_only:
            return
        index = self._tags.index(tag)
        self._tags.pop(index)
        self._drop(self._chips.pop(index))
        self.input.setFocus()
        self.tags_changed.emit()

    def commit_pending(self) -> None:
        """Turn the typed text into chips (commas separate several)."""
        parts = [part for part in self.input.text().split(",") if part.strip()]
        self.input.clear()
        for part in parts:
            self.add_tag(part)

    def _drop(self, chip: TagChip) -> None:
        self._flow.removeWidget(chip)
        # Hidden now: deletion waits for the event loop, and must not leave a ghost chip.
        chip.hide()
        chip.deleteLater()
        self.updateGeometry()

    def _has(self, tag: str) -> bool:
        return tag.casefold() in {existing.casefold() for existing in self._tags}

    def _append(self, tag: str) -> None:
        chip = TagChip(tag)
        chip.remove_button.setVisible(not self._read_only)
        chip.remove_requested.connect(self.remove_tag)
        # Chips go before the input box, which always stays last.
        self._flow.takeAt(self._flow.count() - 1)
        self._flow.addWidget(chip)
        self._flow.addWidget(self.input)
        self._tags.append(tag)
        self._chips.append(chip)
        self.updateGeometry()

    def _on_text_edited(self, text: str) -> None:
        if "," in text:
            self.commit_pending()

    def _on_completion(self, text: str) -> None:
        self.add_tag(text)
        # The completer writes its text into the box after this signal: clear it afterwards.
        # (The input as context: the timer dies with it if the editor is closed first.)
        QTimer.singleShot(0, self.input, self.input.clear)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt's name)
        """Backspace in the empty box removes the last tag."""
        if (
            watched is self.input
            and event.type() == QEvent.Type.KeyPress
            and isinstance(event, QKeyEvent)
            and event.key() == Qt.Key.Key_Backspace
            and not self.input.text()
            and self._tags
        ):
            self.remove_tag(self._tags[-1])
            return True
        return super().eventFilter(watched, event)

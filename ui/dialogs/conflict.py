"""Resolve an edit conflict field by field: theirs, mine, or a text written from both.

Generic over what was edited: it takes ``FieldConflict`` records (the value the edit started
from, the other person's and the user's own) — from an ``EditConflict`` on a decision,
incident, blocker or status update, or from an offline sync — and hands back the chosen
values. The caller saves them against the record's new version, so nothing either person
wrote is lost without someone choosing it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont, QGuiApplication, QResizeEvent
from PySide6.QtWidgets import (
    QButtonGroup,
    QDialog,
    QDialogButtonBox,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QRadioButton,
    QScrollArea,
    QSizePolicy,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from asyncops_desktop.offline import FieldConflict
from ui.widgets.diff_html import diff_html, escape_text

THEIRS = "theirs"
MINE = "mine"
EDIT = "edit"
Describe = Callable[[str, object], str]
# A value taller than this scrolls inside its box.
MAX_TEXT_LINES = 12
DEFAULT_WIDTH = 980
# A field's frame, margins and column gaps around its three value columns, in pixels.
FIELD_CHROME = 60


def conflicts_between(
    base: Mapping[str, object],
    theirs: Mapping[str, object],
    mine: Mapping[str, object],
    fields: Iterable[str] | None = None,
) -> list[FieldConflict]:
    """The fields where the other person's value and the user's differ, in ``fields`` order."""
    keys = list(fields) if fields is not None else list(mine)
    return [
        FieldConflict(key, base.get(key), theirs.get(key), mine.get(key))
        for key in keys
        if theirs.get(key) != mine.get(key)
    ]


def plain_value(_field: str, value: object) -> str:
    """The default way a value reads: lists joined, nothing as an em dash."""
    if value is None or value == "":
        return "—"
    if isinstance(value, list | tuple):
        return ", ".join(str(item) for item in value) or "—"
    return str(value)


class FieldChoice(QFrame):
    """One field: the three values side by side and the choice of which to keep."""

    def __init__(
        self, conflict: FieldConflict, label: str, describe: Describe, editable: bool
    ) -> None:
        super().__init__()
        self.conflict = conflict
        self.setObjectName("conflictField")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setAccessibleName(f"{label}: choose a value")
        self.heading = QLabel(label)
        self.heading.setAccessibleName(f"{label} heading")
        font = QFont(self.heading.font())
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.08)
        self.heading.setFont(font)
        theirs_changed = conflict.theirs != conflict.base
        mine_changed = conflict.mine != conflict.base
        if theirs_changed and mine_changed:
            state = "⚠ Changed by both of you"
        elif theirs_changed:
            state = "Changed by them"
        else:
            state = "Changed by you"
        self.state_label = QLabel(state)
        self.state_label.setAccessibleName(f"{label}: who changed it")
        long_text = isinstance(conflict.mine, str) or isinstance(conflict.theirs, str)
        self.grid = grid = QGridLayout()
        grid.setHorizontalSpacing(10)
        grid.setVerticalSpacing(4)
        headings = ("You started from", "Their version (saved)", "Your version")
        values = (conflict.base, conflict.theirs, conflict.mine)
        self.value_views: list[QWidget] = []
        for column, (heading, value) in enumerate(zip(headings, values, strict=True)):
            caption = QLabel(heading)
            caption.setAccessibleName(f"{label}: {heading.lower()} heading")
            grid.addWidget(caption, 0, column)
            view = self._value_view(
                label, heading, conflict.base, value, describe, column, editable
            )
            self.value_views.append(view)
            grid.addWidget(view, 1, column, Qt.AlignmentFlag.AlignTop)
            grid.setColumnStretch(column, 1)
        # The three texts side by side are one height, the tallest one's (up to a limit).
        self.text_views = [v for v in self.value_views if isinstance(v, QTextBrowser)]
        self._fitted_width = -1

        self.theirs_button = QRadioButton("Keep &theirs")
        self.mine_button = QRadioButton("Keep &mine")
        self.edit_button = QRadioButton("&Edit…")
        for button, what in (
            (self.theirs_button, "their value"),
            (self.mine_button, "your value"),
            (self.edit_button, "a value written from both"),
        ):
            button.setAccessibleName(f"{label}: keep {what}")
        self.group = QButtonGroup(self)
        self.group.addButton(self.theirs_button)
        self.group.addButton(self.mine_button)
        self.group.addButton(self.edit_button)
        self.edit_button.setVisible(editable)
        self.edit_box = QPlainTextEdit()
        self.edit_box.setAccessibleName(f"{label}: your combined value")
        self.edit_box.setTabChangesFocus(True)
        self.edit_box.setPlainText(str(conflict.mine or ""))
        self.edit_box.setMaximumHeight(
            self.fontMetrics().lineSpacing() * (6 if long_text else 2) + 16
        )
        self.edit_box.hide()
        self.edit_button.toggled.connect(self._on_edit_toggled)
        # What the user typed is the default unless only the other person changed the field.
        (self.mine_button if mine_changed else self.theirs_button).setChecked(True)
        top = QHBoxLayout()
        top.addWidget(self.heading)
        top.addSpacing(8)
        top.addWidget(self.state_label)
        top.addStretch(1)
        choices = QHBoxLayout()
        choices.addStretch(1)
        choices.addWidget(self.theirs_button)
        choices.addWidget(self.mine_button)
        choices.addWidget(self.edit_button)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 8, 10, 8)
        layout.addLayout(top)
        layout.addLayout(grid)
        layout.addLayout(choices)
        layout.addWidget(self.edit_box)

    def _value_view(
        self,
        label: str,
        heading: str,
        base: object,
        value: object,
        describe: Describe,
        column: int,
        text_field: bool,
    ) -> QWidget:
        field = self.conflict.field
        # Free text shows as a word diff against the starting point; other values as words.
        if text_field and isinstance(value, str | None):
            value = value or ""
            view = QTextBrowser()
            view.setFrameShape(QFrame.Shape.StyledPanel)
            view.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
            # Theirs and mine show what they changed from the starting point.
            if column > 0 and isinstance(base, str | None):
                view.setHtml(diff_html(base, value, self.palette()))
            else:
                view.setHtml(escape_text(value) or "—")
            view.setAccessibleName(f"{label}: {heading.lower()}")
            return view
        text = QLabel(describe(field, value))
        text.setWordWrap(True)
        text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        text.setAccessibleName(f"{label}: {heading.lower()}")
        text.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Minimum)
        return text

    def fit_text_views(self, width: int) -> None:
        """Give the text views the height the longest of them needs at ``width`` pixels."""
        if not self.text_views or width <= 0 or width == self._fitted_width:
            return
        self._fitted_width = width
        line = self.fontMetrics().lineSpacing()
        needed = 0.0
        for view in self.text_views:
            document = view.document().clone(view)
            document.setTextWidth(width - 2 * view.frameWidth())
            needed = max(needed, document.size().height())
            document.deleteLater()
        frame = 2 * self.text_views[0].frameWidth() + 2
        height = int(min(max(needed, 2 * line + 8), MAX_TEXT_LINES * line + 8)) + frame
        for view in self.text_views:
            view.setFixedHeight(height)
        # A nested layout keeps its size hint until told the heights changed.
        self.grid.invalidate()
        self.updateGeometry()

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 (Qt's name)
        super().resizeEvent(event)
        if self.text_views:
            self.fit_text_views(self.text_views[0].width())

    def _on_edit_toggled(self, checked: bool) -> None:
        self.edit_box.setVisible(checked)
        if checked:
            self.edit_box.setFocus(Qt.FocusReason.OtherFocusReason)

    def choice(self) -> str:
        """``theirs``, ``mine`` or ``edit``."""
        if self.edit_button.isChecked():
            return EDIT
        return THEIRS if self.theirs_button.isChecked() else MINE

    def set_choice(self, choice: str) -> None:
        """Choose ``theirs``, ``mine`` or ``edit``."""
        {THEIRS: self.theirs_button, MINE: self.mine_button, EDIT: self.edit_button}[
            choice
        ].setChecked(True)

    def value(self) -> object:
        """The chosen value."""
        choice = self.choice()
        if choice == EDIT:
            return self.edit_box.toPlainText()
        return self.conflict.theirs if choice == THEIRS else self.conflict.mine


class ConflictDialog(QDialog):
    """Per field: what the edit started from, the other person's value and the user's own."""

    def __init__(
        self,
        conflicts: Sequence[FieldConflict],
        *,
        labels: Mapping[str, str] | None = None,
        describe: Describe = plain_value,
        editable: Iterable[str] | None = None,
        what: str = "this record",
        changed_by: str = "Someone else",
        intro_html: str | None = None,
        cancel_text: tuple[str, str] = ("Cancel — keep editing", "Cancel and keep editing"),
        parent: QWidget | None = None,
    ) -> None:
        """``intro_html`` replaces the opening words (which speak of a form being edited);
        ``cancel_text`` is the Cancel button's text and accessible name."""
        super().__init__(parent)
        self.setObjectName("conflictDialog")
        self.setWindowTitle("Changed while you were editing")
        self.setAccessibleName("Resolve edit conflict")
        labels = labels or {}
        editable_fields = (
            set(editable)
            if editable is not None
            else {c.field for c in conflicts if isinstance(c.mine, str)}
        )
        intro = QLabel(
            intro_html
            or f"<b>{escape_text(changed_by)} saved {escape_text(what)} while you were editing "
            "it.</b><br>For each field below, keep their value, yours, or write one from both. "
            "Your choices are saved on top of their version; cancelling keeps your edits "
            "in the form."
        )
        intro.setWordWrap(True)
        intro.setAccessibleName("What happened")
        self.choices: dict[str, FieldChoice] = {}
        body = QWidget()
        body_layout = QVBoxLayout(body)
        body_layout.setContentsMargins(0, 0, 6, 0)
        for conflict in conflicts:
            label = labels.get(conflict.field, conflict.field.replace("_", " ").capitalize())
            choice = FieldChoice(conflict, label, describe, conflict.field in editable_fields)
            self.choices[conflict.field] = choice
            body_layout.addWidget(choice)
        body_layout.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(body)
        scroll.setAccessibleName("Fields in conflict")
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        save = self.buttons.button(QDialogButtonBox.StandardButton.Save)
        save.setText("&Save my choices")
        save.setAccessibleName("Save my choices")
        cancel = self.buttons.button(QDialogButtonBox.StandardButton.Cancel)
        cancel.setText(cancel_text[0])
        cancel.setAccessibleName(cancel_text[1])
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(scroll, 1)
        layout.addWidget(self.buttons)
        # As tall as the fields need (up to the screen), so a short conflict has no empty band;
        # more fields than fit scroll.
        screen = (parent.screen() if parent is not None else None) or (
            QGuiApplication.primaryScreen()
        )
        available = screen.availableGeometry() if screen is not None else None
        width = min(DEFAULT_WIDTH, available.width() - 40) if available else DEFAULT_WIDTH
        margins = layout.contentsMargins()
        inner = width - margins.left() - margins.right()
        for choice in self.choices.values():
            choice.fit_text_views((inner - FIELD_CHROME) // 3)
        body_layout.invalidate()
        wanted = (
            margins.top()
            + intro.heightForWidth(inner)
            + body.sizeHint().height()
            + self.buttons.sizeHint().height()
            + 2 * layout.spacing()
            + margins.bottom()
            + 4
        )
        cap = int(available.height() * 0.9) if available else 760
        self.resize(width, max(160, min(cap, wanted)))

    @property
    def save_button(self) -> QWidget:
        """The button that accepts the choices."""
        button = self.buttons.button(QDialogButtonBox.StandardButton.Save)
        assert button is not None
        return button

    def fields(self) -> list[str]:
        """The fields shown, in order."""
        return list(self.choices)

    def set_choice(self, field: str, choice: str) -> None:
        """Choose ``theirs``, ``mine`` or ``edit`` for a field."""
        self.choices[field].set_choice(choice)

    def set_edited(self, field: str, text: str) -> None:
        """Write a field's value by hand (chooses ``edit``)."""
        self.choices[field].set_choice(EDIT)
        self.choices[field].edit_box.setPlainText(text)

    def resolved(self) -> dict[str, object]:
        """The chosen value of every field shown."""
        return {field: choice.value() for field, choice in self.choices.items()}

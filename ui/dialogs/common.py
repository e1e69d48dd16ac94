"""Pieces every dialog shares: inline messages, field errors, a busy bar, password feedback."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import (
    QGridLayout,
    QLabel,
    QLayout,
    QLineEdit,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QWidget,
)

from asyncops_desktop.domain.errors import ValidationError
from asyncops_desktop.services.users import PASSWORD_MAX_BYTES, PASSWORD_MIN

NO_KEYRING_NOTICE = (
    "This computer has no usable system keyring, so AsyncOps Desktop cannot remember "
    "database passwords or keep you signed in: it will ask each time."
)
NO_KEYRING_SHORT = "Unavailable: this computer has no usable system keyring."

# Words that make a password guessable however long it is.
_COMMON = ("password", "passw0rd", "qwerty", "letmein", "welcome", "admin", "123456", "asyncops")


def fit_window(widget: QWidget, *, shrink: bool = False) -> None:
    """Resize the widget's window so wrapped text fits at its width (Qt leaves that to us)."""
    window = widget.window()
    layout = window.layout()
    if layout is None or not window.isVisible():
        # A window not shown yet gets its size, wrapped text included, when it is shown.
        return
    layout.activate()
    width = window.width()
    if layout.hasHeightForWidth():
        needed = layout.totalHeightForWidth(width)
    else:
        needed = layout.totalSizeHint().height()
    needed = max(needed, layout.totalMinimumSize().height())
    if needed > window.height() or (shrink and needed < window.height()):
        window.resize(width, needed)


class FormGrid:
    """Label and field rows on a grid, with messages and hints under the fields.

    A grid rather than QFormLayout: QFormLayout gives wrapped text under a field the height
    it would need at a narrower width, which leaves gaps around every message.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        self.grid = QGridLayout(parent) if parent is not None else QGridLayout()
        self.grid.setColumnStretch(1, 1)
        self._rows = 0
        self._labels: dict[int, QLabel] = {}

    def add_row(
        self, text: str, field: QWidget | QLayout, *, buddy: QWidget | None = None
    ) -> QLabel:
        """A labelled row; the label's mnemonic moves the focus to ``buddy`` (default: the field)."""
        label = QLabel(text)
        target = buddy if buddy is not None else field
        # Only a field one can type into or press is a label's buddy (shown values are not).
        if (
            isinstance(target, QWidget)
            and not isinstance(target, QLabel)
            and target.focusPolicy() & Qt.FocusPolicy.TabFocus
        ):
            label.setBuddy(target)
        row = self._next()
        self.grid.addWidget(label, row, 0)
        if isinstance(field, QWidget):
            self.grid.addWidget(field, row, 1)
            self._labels[id(field)] = label
        else:
            self.grid.addLayout(field, row, 1)
        if buddy is not None:
            self._labels[id(buddy)] = label
        return label

    def add_under(self, item: QWidget | QLayout) -> None:
        """A row in the field column only: a message, a hint, a check box or a button."""
        row = self._next()
        if isinstance(item, QPushButton):
            # A button keeps its own width instead of stretching across the field column.
            self.grid.addWidget(item, row, 1, Qt.AlignmentFlag.AlignLeft)
        elif isinstance(item, QWidget):
            self.grid.addWidget(item, row, 1)
        else:
            self.grid.addLayout(item, row, 1)

    def add_spanning(self, item: QWidget | QLayout) -> None:
        """A row across both columns."""
        row = self._next()
        if isinstance(item, QWidget):
            self.grid.addWidget(item, row, 0, 1, 2)
        else:
            self.grid.addLayout(item, row, 0, 1, 2)

    def set_row_visible(self, field: QWidget, visible: bool) -> None:
        """Show or hide a field with its label (an empty grid row takes no space)."""
        field.setVisible(visible)
        label = self._labels.get(id(field))
        if label is not None:
            label.setVisible(visible)

    def _next(self) -> int:
        row = self._rows
        self._rows += 1
        # Extra height goes to an empty row below the last one, never between fields.
        self.grid.setRowStretch(row, 0)
        self.grid.setRowStretch(row + 1, 1)
        return row

    @staticmethod
    def align(*forms: FormGrid) -> None:
        """Give several grids one label column width, so their fields line up."""
        labels = [label for form in forms for label in form._labels.values()]
        width = max((label.sizeHint().width() for label in labels), default=0)
        for form in forms:
            form.grid.setColumnMinimumWidth(0, width)


def heading(text: str) -> QLabel:
    """A dialog's title line, a little larger and bold."""
    label = QLabel(text)
    label.setObjectName("dialogTitle")
    label.setAccessibleName("Title")
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setWordWrap(True)
    font = label.font()
    font.setBold(True)
    font.setPointSizeF(font.pointSizeF() * 1.2)
    label.setFont(font)
    return label


def value_field(accessible_name: str, text: str = "") -> QLineEdit:
    """A read-only, frameless line for a path or address: long ones scroll instead of clipping."""
    field = QLineEdit()
    field.setObjectName("valueField")
    field.setAccessibleName(accessible_name)
    field.setReadOnly(True)
    field.setFrame(False)
    # Selectable for copying, but not a stop on the way through a dialog with Tab.
    field.setFocusPolicy(Qt.FocusPolicy.ClickFocus)
    field.setStyleSheet("QLineEdit { background: transparent; border: none; }")
    set_value(field, text)
    return field


def set_value(field: QLineEdit, text: str) -> None:
    """Show ``text`` from its start, whole in the tooltip."""
    field.setText(text)
    field.setCursorPosition(0)
    field.setToolTip(text)


def hint_label(text: str = "") -> QLabel:
    """A short explanation under a field, in the palette's secondary text colour."""
    label = QLabel(text)
    label.setObjectName("hint")
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setWordWrap(True)
    palette = label.palette()
    palette.setColor(
        QPalette.ColorRole.WindowText, palette.color(QPalette.ColorRole.PlaceholderText)
    )
    label.setPalette(palette)
    return label


def _tone(palette: QPalette, light: str, dark: str) -> QColor:
    # Readable on both light and dark themes: pick by the window's lightness.
    return QColor(dark if palette.color(QPalette.ColorRole.Window).lightness() < 128 else light)


class MessageLabel(QLabel):
    """A wrapped, selectable one-sentence message: an error, a success or a plain note."""

    def __init__(self, accessible_name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName(accessible_name)
        # Messages quote what people typed; never let that be read as markup.
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.setWordWrap(True)
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.setVisible(False)
        self.kind = ""

    def _show(self, text: str, kind: str, light: str | None, dark: str | None) -> None:
        self.kind = kind
        palette = self.palette()
        role = QPalette.ColorRole.WindowText
        parent = self.parentWidget()
        base = (parent or self).palette()
        if light is not None and dark is not None:
            palette.setColor(role, _tone(base, light, dark))
        else:
            palette.setColor(role, base.color(role))
        self.setPalette(palette)
        self.setText(text)
        self.setAccessibleDescription(text)
        self.setVisible(bool(text))
        fit_window(self)

    def show_error(self, text: str) -> None:
        """Show a problem the user can fix."""
        self._show(text, "error", "#b3261e", "#f2b8b5")

    def show_success(self, text: str) -> None:
        """Show that something worked."""
        self._show(text, "success", "#1b6e2b", "#8fd49b")

    def show_note(self, text: str) -> None:
        """Show neutral information."""
        self._show(text, "note", None, None)

    def clear_message(self) -> None:
        """Hide the message."""
        self.kind = ""
        self.setText("")
        self.setAccessibleDescription("")
        self.setVisible(False)


class NoticeBanner(QLabel):
    """A framed notice at the top of a dialog (for example: no keyring on this computer)."""

    def __init__(
        self, text: str = "", parent: QWidget | None = None, *, accessible_name: str = "Notice"
    ) -> None:
        super().__init__(text, parent)
        self.setObjectName("noticeBanner")
        self.setAccessibleName(accessible_name)
        # Framed in palette colours so it reads as a notice on light and dark themes alike.
        self.setStyleSheet(
            "QLabel#noticeBanner { border: 1px solid palette(mid); border-radius: 4px;"
            " padding: 6px 8px; background: palette(base); }"
        )
        self.setAccessibleDescription(text)
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.setWordWrap(True)
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.setVisible(bool(text))


class BusyBar(QProgressBar):
    """An indeterminate bar shown while the worker runs a job (never a frozen dialog)."""

    def __init__(self, accessible_name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName(accessible_name)
        self.setRange(0, 0)
        self.setTextVisible(False)
        self.setMaximumHeight(8)
        # Keeps its place when hidden, so rows and buttons do not jump when work starts.
        policy = self.sizePolicy()
        policy.setRetainSizeWhenHidden(True)
        self.setSizePolicy(policy)
        self.setVisible(False)

    def start(self) -> None:
        """Show the bar, moving."""
        self.setRange(0, 0)
        self.setVisible(True)

    def stop(self) -> None:
        """Hide the bar."""
        self.setVisible(False)


class FieldErrors:
    """Shows a ValidationError under the field it names and moves the focus there."""

    def __init__(self, fallback: MessageLabel) -> None:
        self.fallback = fallback
        self.fields: dict[str, tuple[str, QWidget, MessageLabel, QWidget | None]] = {}

    def add(
        self, field: str, label: str, widget: QWidget, *, hint: QWidget | None = None
    ) -> MessageLabel:
        """Register a field (and a hint its error replaces); returns the label for under it."""
        message = MessageLabel(f"{label} problem")
        message.setObjectName(f"{field}Error")
        self.fields[field] = (label, widget, message, hint)
        if isinstance(widget, QLineEdit):
            # A stale message goes as soon as the field is edited.
            widget.textEdited.connect(lambda _text: self.clear_field(field))
        return message

    def clear_field(self, field: str) -> None:
        """Hide one field's message (its hint comes back)."""
        entry = self.fields.get(field)
        if entry is None or entry[2].kind != "error":
            return
        entry[2].clear_message()
        if entry[3] is not None:
            entry[3].setVisible(True)

    def clear(self) -> None:
        """Hide every field message and the fallback."""
        for _label, _widget, message, hint in self.fields.values():
            message.clear_message()
            if hint is not None:
                hint.setVisible(True)
        self.fallback.clear_message()

    def show(self, error: ValidationError) -> None:
        """Put the message under its field (or in the fallback when no field matches)."""
        self.clear()
        entry = self.fields.get(error.field)
        if entry is None:
            self.fallback.show_error(f"{field_label(error.field)}: {error.message}.")
            return
        label, widget, message, hint = entry
        if hint is not None:
            hint.setVisible(False)
        message.show_error(f"{label}: {error.message}.")
        widget.setFocus(Qt.FocusReason.OtherFocusReason)

    def message_for(self, field: str) -> str:
        """The text currently shown under ``field`` (empty when none)."""
        entry = self.fields.get(field)
        return entry[2].text() if entry is not None and entry[2].kind == "error" else ""


def password_field(accessible_name: str, placeholder: str = "") -> QLineEdit:
    """A line edit that hides what is typed."""
    field = QLineEdit()
    field.setEchoMode(QLineEdit.EchoMode.Password)
    field.setAccessibleName(accessible_name)
    field.setPlaceholderText(placeholder)
    # Nothing typed here should end up in an input method's history.
    field.setInputMethodHints(
        Qt.InputMethodHint.ImhHiddenText
        | Qt.InputMethodHint.ImhNoPredictiveText
        | Qt.InputMethodHint.ImhSensitiveData
    )
    return field


def password_problem(password: str) -> str | None:
    """Why a new password would be refused (the service's rules), or None."""
    if len(password) < PASSWORD_MIN:
        return f"Too short: {len(password)} of at least {PASSWORD_MIN} characters."
    size = len(password.encode("utf-8", "surrogatepass"))
    if size > PASSWORD_MAX_BYTES:
        return (
            f"Too long: {size} bytes, at most {PASSWORD_MAX_BYTES} (bcrypt's limit; accented "
            "letters take 2 bytes, emoji 4)."
        )
    if "\x00" in password:
        return "It must not contain NUL characters."
    return None


def password_strength(password: str) -> str:
    """``weak``, ``fair`` or ``strong``: a rough estimate from length and character variety."""
    lowered = password.lower()
    if len(set(password)) <= 2 or any(word in lowered for word in _COMMON):
        return "weak"
    pool = 0
    pool += 26 if any(c.islower() for c in password) else 0
    pool += 26 if any(c.isupper() for c in password) else 0
    pool += 10 if any(c.isdigit() for c in password) else 0
    pool += 33 if any(not c.isalnum() for c in password) else 0
    bits = len(password) * math.log2(max(pool, 2))
    if bits < 50:
        return "weak"
    return "fair" if bits < 70 else "strong"


def password_feedback(password: str) -> tuple[bool, str]:
    """Whether a new password may be used, and the live hint shown under it."""
    if not password:
        return False, f"At least {PASSWORD_MIN} characters, at most {PASSWORD_MAX_BYTES} bytes."
    problem = password_problem(password)
    if problem is not None:
        return False, problem
    size = len(password.encode("utf-8"))
    strength = password_strength(password)
    advice = {
        "weak": "weak: make it longer or avoid common words",
        "fair": "fair: a few more words would make it strong",
        "strong": "strong",
    }[strength]
    return (
        True,
        f"Strength {advice} ({len(password)} characters, {size} of {PASSWORD_MAX_BYTES} bytes).",
    )


def confirm_box(
    parent: QWidget,
    *,
    name: str,
    title: str,
    question: str,
    details: str,
    action: str,
    on_confirm: Callable[[], None],
    destructive: bool = True,
) -> QMessageBox:
    """An opened question with Cancel as the default; ``on_confirm`` runs only on ``action``."""
    box = QMessageBox(
        QMessageBox.Icon.Question, title, question, QMessageBox.StandardButton.Cancel, parent
    )
    box.setObjectName(name)
    box.setInformativeText(details)
    role = (
        QMessageBox.ButtonRole.DestructiveRole if destructive else QMessageBox.ButtonRole.AcceptRole
    )
    confirm = box.addButton(action, role)
    box.setDefaultButton(QMessageBox.StandardButton.Cancel)
    # QMessageBox sizes itself to the shortest line; a sentence of detail reads better wider.
    box.setStyleSheet("QLabel#qt_msgbox_informativelabel { min-width: 340px; }")
    box.buttonClicked.connect(lambda button: on_confirm() if button is confirm else None)
    box.open()
    return box


def local_time_text(moment: dt.datetime, now: dt.datetime | None = None) -> str:
    """A UTC time (naive or aware) in the user's local time: ``14:05`` today, else with the date."""
    aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=dt.UTC)
    local = aware.astimezone()
    today = (now or dt.datetime.now().astimezone()).date()
    if local.date() == today:
        return local.strftime("%H:%M:%S")
    return local.strftime("%Y-%m-%d %H:%M:%S")


def field_label(field: str) -> str:
    """A field name as a person reads it (``full_name`` → ``Full name``)."""
    return field.replace("_", " ").capitalize()

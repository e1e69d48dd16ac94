"""Filter controls for the lists: labelled choices, a date range, and the bar that holds them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from PySide6.QtCore import QDate, Signal
from PySide6.QtWidgets import QComboBox, QDateEdit, QHBoxLayout, QLabel, QWidget

from asyncops_desktop.domain.dto import UserDTO

CUSTOM = "custom"
DATE_PRESETS: tuple[tuple[str, object], ...] = (
    ("Any time", None),
    ("Today", 0),
    ("Last 7 days", 7),
    ("Last 30 days", 30),
    ("Last 90 days", 90),
    ("Custom range…", CUSTOM),
)


def local_midnight_utc(day: dt.date) -> dt.datetime:
    """The start of a local calendar day as the naive UTC time the database stores."""
    local = dt.datetime.combine(day, dt.time()).astimezone()
    return local.astimezone(dt.UTC).replace(tzinfo=None)


def choice_combo(name: str, items: Sequence[tuple[str, object]]) -> QComboBox:
    """A combo box of (label, value) items with an accessible name."""
    combo = QComboBox()
    combo.setAccessibleName(name)
    combo.setToolTip(name)
    for label, value in items:
        combo.addItem(label, value)
    combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
    return combo


def select_data(combo: QComboBox, value: object) -> bool:
    """Select the item whose data equals ``value`` (False if there is none)."""
    for index in range(combo.count()):
        if combo.itemData(index) == value:
            combo.setCurrentIndex(index)
            return True
    return False


def fill_people(
    combo: QComboBox,
    users: Sequence[UserDTO],
    leading: Sequence[tuple[str, object]],
    *,
    me: int | None = None,
) -> None:
    """Fill a people filter: fixed choices first, then everyone by name; keeps the selection."""
    current = combo.currentData()
    combo.blockSignals(True)
    combo.clear()
    for label, value in leading:
        combo.addItem(label, value)
    for user in users:
        suffix = " (you)" if user.id == me else "" if user.is_active else " (deactivated)"
        combo.addItem(f"{user.full_name}{suffix}", user.id)
    if not select_data(combo, current):
        combo.setCurrentIndex(0)
    combo.blockSignals(False)


class DateRangeFilter(QWidget):
    """A preset period, or a custom range of local calendar days."""

    changed = Signal()

    def __init__(self, name: str = "Date", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName(name)
        self.combo = choice_combo(name, DATE_PRESETS)
        today = QDate.currentDate()
        self.from_edit = QDateEdit(today.addDays(-7))
        self.to_edit = QDateEdit(today)
        for edit, label in ((self.from_edit, "from"), (self.to_edit, "to")):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("d MMM yyyy")
            edit.setAccessibleName(f"{name} {label}")
            edit.dateChanged.connect(self._on_dates_changed)
        self.dash = QLabel("–")
        self.dash.setAccessibleName(f"{name} range separator")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        layout.addWidget(self.combo)
        layout.addWidget(self.from_edit)
        layout.addWidget(self.dash)
        layout.addWidget(self.to_edit)
        self.combo.currentIndexChanged.connect(self._on_preset_changed)
        self._show_custom(False)

    def set_preset(self, value: object) -> None:
        """Select a preset by its value (None, a number of days, or ``"custom"``)."""
        select_data(self.combo, value)

    def set_custom(self, start: dt.date, end: dt.date) -> None:
        """Select a custom range of local days (both inclusive)."""
        self.blockSignals(True)
        self.from_edit.setDate(QDate(start.year, start.month, start.day))
        self.to_edit.setDate(QDate(end.year, end.month, end.day))
        self.blockSignals(False)
        if self.combo.currentData() == CUSTOM:
            self.changed.emit()
        else:
            select_data(self.combo, CUSTOM)

    def range_utc(
        self, today: dt.date | None = None
    ) -> tuple[dt.datetime | None, dt.datetime | None]:
        """``(from, to)`` as naive UTC bounds: from inclusive, to exclusive; None for open ends."""
        value = self.combo.currentData()
        if value is None:
            return None, None
        if value == CUSTOM:
            start = self.from_edit.date().toPython()
            end = self.to_edit.date().toPython()
            assert isinstance(start, dt.date) and isinstance(end, dt.date)
            if end < start:
                start, end = end, start
            return local_midnight_utc(start), local_midnight_utc(end + dt.timedelta(days=1))
        assert isinstance(value, int)
        day = (today or dt.date.today()) - dt.timedelta(days=max(0, value - 1))
        return local_midnight_utc(day), None

    def _show_custom(self, show: bool) -> None:
        for widget in (self.from_edit, self.dash, self.to_edit):
            widget.setVisible(show)

    def _on_preset_changed(self, _index: int) -> None:
        self._show_custom(self.combo.currentData() == CUSTOM)
        self.changed.emit()

    def _on_dates_changed(self, _date: QDate) -> None:
        if self.combo.currentData() == CUSTOM:
            self.changed.emit()


class FilterBar(QWidget):
    """A row of labelled filter controls with room to the right."""

    def __init__(self, name: str = "Filters", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName(name)
        self._layout = QHBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._layout.setSpacing(6)
        self._stretch_added = False

    def add(self, widget: QWidget, label: str = "") -> None:
        """Append a control, with a visible label if given (also its buddy for Alt-keys)."""
        if label:
            caption = QLabel(label)
            caption.setAccessibleName(f"{label.replace('&', '')} label")
            caption.setBuddy(widget)
            self._layout.addWidget(caption)
        self._layout.addWidget(widget)

    def add_spacing(self, pixels: int = 10) -> None:
        """Some space between groups of controls."""
        self._layout.addSpacing(pixels)

    def finish(self) -> None:
        """Push everything to the left."""
        if not self._stretch_added:
            self._layout.addStretch(1)
            self._stretch_added = True

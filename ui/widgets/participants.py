"""Choose people by name: a filterable list of active users with check boxes.

People chosen earlier who have since been deactivated stay chosen and say so; they cannot be
added anew (the service refuses that too).
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QLabel, QLineEdit, QListWidget, QListWidgetItem, QVBoxLayout, QWidget

from asyncops_desktop.domain.dto import UserDTO

VISIBLE_ROWS = 6


class ParticipantPicker(QWidget):
    """Check the people who took part; the summary line names the ones chosen."""

    # The person checked or unchecked someone (not emitted by ``set_selected``).
    changed = Signal()

    def __init__(self, name: str = "Participants", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName(name)
        self._people: dict[int, UserDTO] = {}
        self._selected: tuple[int, ...] | None = None
        self._me: int | None = None
        self._filling = False
        self._read_only = False
        self.filter_edit = QLineEdit()
        self.filter_edit.setAccessibleName(f"Find {name.lower()}")
        self.filter_edit.setPlaceholderText("Type to find people…")
        self.filter_edit.setClearButtonEnabled(True)
        self.filter_edit.textChanged.connect(self._apply_filter)
        self.list = QListWidget()
        self.list.setAccessibleName(f"{name} to choose from")
        self.list.setUniformItemSizes(True)
        self.list.setMaximumHeight(self.fontMetrics().lineSpacing() * VISIBLE_ROWS + 16)
        self.list.itemChanged.connect(self._on_item_changed)
        self.summary = QLabel()
        self.summary.setAccessibleName(f"{name} chosen")
        self.summary.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(3)
        layout.addWidget(self.filter_edit)
        layout.addWidget(self.list)
        layout.addWidget(self.summary)
        self._rebuild()

    def set_people(self, users: Sequence[UserDTO], *, me: int | None = None) -> None:
        """Everyone known (deactivated people are offered only if already chosen)."""
        self._people = {user.id: user for user in users}
        self._me = me
        self._rebuild()

    def set_selected(self, user_ids: Sequence[int] | None) -> None:
        """Check exactly ``user_ids`` (None: not known yet, shown as loading)."""
        selected = None if user_ids is None else tuple(sorted(set(user_ids)))
        if selected == self._selected:
            # Already shown: rebuilding hundreds of items on each record shown is not free.
            return
        self._selected = selected
        self._rebuild()

    def selected(self) -> tuple[int, ...] | None:
        """The sorted ids chosen (None while the decision's participants are loading)."""
        return self._selected

    def set_read_only(self, read_only: bool) -> None:
        """Show the choice without letting it change."""
        self.filter_edit.setVisible(not read_only)
        if read_only == self._read_only:
            return
        self._read_only = read_only
        self._rebuild()

    def name_of(self, user_id: int) -> str:
        """A person's name as shown ("(deactivated)" added for those who are)."""
        user = self._people.get(user_id)
        if user is None:
            return f"User #{user_id}"
        return user.full_name if user.is_active else f"{user.full_name} (deactivated)"

    def check(self, user_id: int, checked: bool = True) -> None:
        """Check or uncheck someone as the person would (emits ``changed``)."""
        for row in range(self.list.count()):
            item = self.list.item(row)
            if item.data(Qt.ItemDataRole.UserRole) == user_id:
                item.setCheckState(Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked)
                return
        raise KeyError(user_id)

    def _rebuild(self) -> None:
        self._filling = True
        self.list.clear()
        chosen = set(self._selected or ())
        offered = [
            user
            for user in sorted(self._people.values(), key=lambda u: u.full_name.casefold())
            if user.is_active or user.id in chosen
        ]
        known = {user.id for user in offered}
        # Chosen but unknown (people still loading): keep them listed by id.
        for user_id in sorted(chosen - known):
            item = QListWidgetItem(f"User #{user_id}")
            item.setData(Qt.ItemDataRole.UserRole, user_id)
            self._add(item, True)
        for user in offered:
            suffix = " (you)" if user.id == self._me else ""
            label = f"{user.full_name}{suffix}"
            if not user.is_active:
                label += " — deactivated"
            item = QListWidgetItem(label)
            item.setData(Qt.ItemDataRole.UserRole, user.id)
            item.setToolTip(user.email)
            if not user.is_active:
                # Can be removed, not added back.
                item.setToolTip(f"{user.email} — deactivated: can be removed, not added again")
            self._add(item, user.id in chosen)
        self.list.setEnabled(self._selected is not None)
        self._filling = False
        self._apply_filter(self.filter_edit.text())
        self._update_summary()

    def _add(self, item: QListWidgetItem, checked: bool) -> None:
        flags = Qt.ItemFlag.ItemIsEnabled
        if not self._read_only:
            flags |= Qt.ItemFlag.ItemIsUserCheckable
        item.setFlags(flags)
        item.setCheckState(Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked)
        self.list.addItem(item)

    def _apply_filter(self, text: str) -> None:
        needle = text.strip().casefold()
        for row in range(self.list.count()):
            item = self.list.item(row)
            checked = item.checkState() == Qt.CheckState.Checked
            # Read-only shows the chosen people only; a search never hides a chosen one.
            hidden = (self._read_only and not checked) or (
                bool(needle) and needle not in item.text().casefold() and not checked
            )
            item.setHidden(hidden)

    def _on_item_changed(self, item: QListWidgetItem) -> None:
        if self._filling or self._selected is None:
            return
        user_id = int(item.data(Qt.ItemDataRole.UserRole))
        chosen = set(self._selected)
        if item.checkState() == Qt.CheckState.Checked:
            chosen.add(user_id)
        else:
            chosen.discard(user_id)
        self._selected = tuple(sorted(chosen))
        self._update_summary()
        self.changed.emit()

    def _update_summary(self) -> None:
        if self._selected is None:
            self.summary.setText("Loading participants…")
            return
        if not self._selected:
            self.summary.setText("Nobody chosen yet.")
            return
        names = ", ".join(self.name_of(user_id) for user_id in self._selected)
        self.summary.setText(f"{len(self._selected)} chosen: {names}")

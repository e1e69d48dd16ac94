"""The pending-changes panel: every offline edit not yet on the server, and Discard."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from asyncops_desktop.offline import OfflineWorkspace, PendingChange
from ui.dialogs.common import MessageLabel, confirm_box, local_time_text
from ui.worker import error_sentence

STATE_TEXT = {
    "pending": "Waiting to sync",
    "conflict": "Conflict — resolve in Sync",
    "failed": "Refused by the server",
    "applied": "Synced",
}
ID_ROLE = Qt.ItemDataRole.UserRole


class PendingChangesPanel(QWidget):
    """Lists the workspace's pending changes (time, what, state); discards the selected one.

    It reads the local snapshot file only (never the server), so it works with no network.
    """

    # Emitted after a discard changed the copy, so lists and the banner can refresh.
    changed = Signal()

    def __init__(self, workspace: OfflineWorkspace, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.workspace = workspace
        self.setObjectName("pendingChangesPanel")
        self.setAccessibleName("Pending offline changes")
        self.changes: list[PendingChange] = []
        self.titles: dict[int, str] = {}
        self.confirm: QMessageBox | None = None
        self.heading = QLabel("<b>Changes made offline</b>")
        self.heading.setAccessibleName("Pending changes heading")
        self.summary = QLabel()
        self.summary.setAccessibleName("Pending changes summary")
        self.summary.setWordWrap(True)
        self.tree = QTreeWidget()
        self.tree.setAccessibleName("Pending changes list")
        self.tree.setHeaderLabels(["Made", "Change", "State"])
        self.tree.setRootIsDecorated(False)
        self.tree.setUniformRowHeights(True)
        self.tree.setAlternatingRowColors(True)
        header = self.tree.header()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(False)
        self.tree.itemSelectionChanged.connect(self._update_buttons)
        self.discard_button = QPushButton("&Discard selected…")
        self.discard_button.setAccessibleName("Discard the selected change")
        self.discard_button.clicked.connect(self.ask_discard)
        self.message = MessageLabel("Pending changes message")
        buttons = QHBoxLayout()
        buttons.addWidget(self.message, 1)
        # Keeps the button at its own width while no message is shown.
        buttons.addStretch(0)
        buttons.addWidget(self.discard_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.heading)
        layout.addWidget(self.summary)
        layout.addWidget(self.tree, 1)
        layout.addLayout(buttons)
        self.reload()

    def reload(self) -> None:
        """Read the pending changes again from the snapshot."""
        try:
            self.changes = self.workspace.pending_changes()
            self.titles = self.workspace.decision_titles()
        except Exception as exc:
            self.changes = []
            self.message.show_error(error_sentence(exc))
        self.tree.clear()
        for change in self.changes:
            item = QTreeWidgetItem(
                [
                    local_time_text(change.made_at),
                    change.describe(self.titles),
                    STATE_TEXT.get(change.state, change.state),
                ]
            )
            item.setData(0, ID_ROLE, change.id)
            if change.message:
                item.setToolTip(2, change.message)
            self.tree.addTopLevelItem(item)
        count = len(self.changes)
        if count == 0:
            self.summary.setText("No changes are waiting: everything you edited offline is synced.")
        else:
            waiting = sum(c.state == "pending" for c in self.changes)
            stuck = count - waiting
            if stuck == 0:
                noun = "change is" if count == 1 else "changes are"
                self.summary.setText(
                    f"{count} {noun} kept on this computer until you sync. "
                    "Discarding one puts the decision back as it was."
                )
            else:
                noun = "change needs" if stuck == 1 else "changes need"
                self.summary.setText(
                    f"{stuck} {noun} you: resolve a conflict in Sync, or discard the change "
                    "to keep the server's version."
                    + (f" {waiting} more waiting to sync." if waiting else "")
                )
        self._update_buttons()

    def selected_change(self) -> PendingChange | None:
        """The change selected in the list."""
        items = self.tree.selectedItems()
        if not items:
            return None
        wanted = items[0].data(0, ID_ROLE)
        return next((c for c in self.changes if c.id == wanted), None)

    def select_change(self, change_id: int) -> None:
        """Select a change by id."""
        for index in range(self.tree.topLevelItemCount()):
            item = self.tree.topLevelItem(index)
            if item is not None and item.data(0, ID_ROLE) == change_id:
                self.tree.setCurrentItem(item)
                return

    def _update_buttons(self) -> None:
        self.discard_button.setEnabled(self.selected_change() is not None)

    def ask_discard(self) -> None:
        """Ask before discarding the selected change (and those that build on it)."""
        change = self.selected_change()
        if change is None:
            return
        self.confirm = confirm_box(
            self,
            name="discardPendingChange",
            title="Discard offline change",
            question=f"Discard this offline change? {change.describe(self.titles)}.",
            details=(
                "The decision goes back to how it was before this change, and later offline "
                "changes that build on it are discarded too. This cannot be undone."
            ),
            action="Discard",
            on_confirm=lambda: self.discard(change.id),
        )

    def discard(self, change_id: int) -> None:
        """Discard a change now (no question asked)."""
        try:
            dropped = self.workspace.discard(change_id)
        except Exception as exc:
            self.message.show_error(error_sentence(exc))
            return
        self.reload()
        noun = "change" if len(dropped) == 1 else "changes"
        self.message.show_success(f"Discarded {len(dropped)} {noun}.")
        self.changed.emit()

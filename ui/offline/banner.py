"""The banner over an offline copy: whose copy it is, how old, and a Sync button."""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import QEvent, QTimer, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMenu, QWidget

from asyncops_desktop.domain.models import utcnow
from asyncops_desktop.offline import SnapshotInfo
from ui.widgets.banner import MessageBanner

# The age is shown in minutes at the finest, so a minute's tick keeps it true.
REFRESH_MS = 60_000


def age_text(age: dt.timedelta) -> str:
    """``just taken``, ``12 minutes old``, ``3 hours old``, ``2 days old``."""
    minutes = int(age.total_seconds() // 60)
    if minutes < 1:
        return "just taken"
    for size, unit in ((60 * 24, "day"), (60, "hour"), (1, "minute")):
        if minutes >= size:
            count = minutes // size
            return f"{count} {unit}{'' if count == 1 else 's'} old"
    return "just taken"


def local_moment(moment: dt.datetime) -> str:
    """A naive UTC time as the user's local ``21 Nov 14:05``."""
    aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=dt.UTC)
    return aware.astimezone().strftime("%d %b %H:%M")


class OfflineBanner(MessageBanner):
    """``Offline copy of <source>, as of <time> (<age>)`` with a Sync button; not dismissible."""

    sync_requested = Signal()

    def __init__(self, info: SnapshotInfo, parent: QWidget | None = None) -> None:
        super().__init__("Offline copy", parent)
        self.setObjectName("messageBanner")
        self._info = info
        self._pending = 0
        self.sync_button = self.retry_button
        self.sync_button.setText("&Sync…")
        self.sync_button.setAccessibleName("Sync with the server")
        self.sync_button.setToolTip("Send your offline changes to the server and refresh this copy")
        self.retry_requested.connect(self.sync_requested)
        # The same Sync from the menu bar (see ``add_to_menu_beside``).
        self.sync_action = QAction("S&ync offline changes…", self)
        self.sync_action.setObjectName("syncOfflineAction")
        self.sync_action.setStatusTip(self.sync_button.toolTip())
        self.sync_action.triggered.connect(self.sync_requested)
        # Working on a copy is a state, not a message: it stays until the copy is closed.
        self.close_button.hide()
        self._timer = QTimer(self)
        self._timer.setInterval(REFRESH_MS)
        self._timer.timeout.connect(self.update_text)
        self._timer.start()
        self.update_text()

    def add_to_menu_beside(self, action: QAction) -> None:
        """Put "Sync offline changes…" in the menus holding ``action``, just above it.

        The action belongs to the banner, so it leaves the menus when the copy is closed.
        """
        if any(isinstance(m, QMenu) for m in self.sync_action.associatedObjects()):
            return
        for holder in action.associatedObjects():
            if isinstance(holder, QMenu):
                holder.insertAction(action, self.sync_action)

    def event(self, event: QEvent) -> bool:
        """Placed in a main window: join its File menu, above "Take decisions offline…"."""
        if event.type() == QEvent.Type.ParentChange:
            anchor = getattr(self.window(), "take_offline_action", None)
            if isinstance(anchor, QAction):
                self.add_to_menu_beside(anchor)
        return super().event(event)

    @property
    def info(self) -> SnapshotInfo:
        """The snapshot described."""
        return self._info

    def set_info(self, info: SnapshotInfo) -> None:
        """Describe another (or a refreshed) snapshot."""
        self._info = info
        self.update_text()

    def set_pending(self, count: int) -> None:
        """Say how many offline changes are waiting to be synced."""
        self._pending = count
        self.update_text()

    def text(self, now: dt.datetime | None = None) -> str:
        """The sentence shown."""
        info = self._info
        source = info.source_profile or info.source
        sentence = (
            f"Offline copy of {source}, as of {local_moment(info.taken_at)} "
            f"({age_text(info.age(now or utcnow()))})"
        )
        if self._pending:
            noun = "change" if self._pending == 1 else "changes"
            sentence += f" · {self._pending} {noun} not yet synced"
        return sentence

    def update_text(self) -> None:
        """Show the sentence with the age as of now."""
        self.show_message(self.text(), retry=True, warning=False)

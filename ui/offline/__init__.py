"""Offline review in the GUI: take a snapshot, the offline banner, pending changes, sync back."""

from __future__ import annotations

from ui.offline.banner import OfflineBanner
from ui.offline.pending import PendingChangesPanel
from ui.offline.sync import SyncDialog
from ui.offline.take import TakeOfflineDialog

__all__ = ["OfflineBanner", "PendingChangesPanel", "SyncDialog", "TakeOfflineDialog"]

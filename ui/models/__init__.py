"""Qt table models over the repositories, their column declarations and text formatters."""

from __future__ import annotations

from ui.models.blockers import BlockerTableModel
from ui.models.columns import Column, Roles
from ui.models.incidents import IncidentTableModel
from ui.models.paged import PagedTableModel
from ui.models.status_updates import StatusUpdateTableModel

__all__ = [
    "BlockerTableModel",
    "Column",
    "IncidentTableModel",
    "PagedTableModel",
    "Roles",
    "StatusUpdateTableModel",
]

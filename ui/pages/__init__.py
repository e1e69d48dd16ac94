"""The pages of the main window: each a self-contained list with its editor over an AppContext.

Mount one with ``page = IncidentsPage(context)`` and bind the window's shortcuts to its slots
(``new_record``, ``save``, ``focus_search``, ``refresh``, ``cancel_edit``); ask
``page.confirm_leave(proceed)`` before leaving it.
"""

from __future__ import annotations

from ui.pages.blockers import BlockersPage
from ui.pages.dashboard import DashboardPage
from ui.pages.decisions import DecisionsPage
from ui.pages.incidents import IncidentsPage
from ui.pages.page import RecordPage
from ui.pages.status_updates import StatusUpdatesPage
from ui.pages.users import UsersPage

__all__ = [
    "BlockersPage",
    "DashboardPage",
    "DecisionsPage",
    "IncidentsPage",
    "RecordPage",
    "StatusUpdatesPage",
    "UsersPage",
]

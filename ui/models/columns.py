"""Column declarations: each list column is declared once — key, header, text, alignment, sort.

A ``Column`` turns one loaded row (a DTO) into what a view shows. ``sort_key`` names the
repository's SQL sort key (``Repository._sort_columns``); a column without one cannot be
sorted, since sorting the loaded rows alone would lie about the rows not loaded yet.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import IntEnum
from typing import Generic, Protocol, TypeVar

from PySide6.QtCore import Qt

from ui.models.badges import Badge

R = TypeVar("R")

LEFT = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter


class Roles(IntEnum):
    """Custom item data roles the pages and delegates read."""

    # The whole DTO of the row.
    ROW = Qt.ItemDataRole.UserRole + 1
    # The row's id.
    ID = Qt.ItemDataRole.UserRole + 2
    # A ``Badge`` for badge columns (painted by ``ui.widgets.badges.BadgeDelegate``).
    BADGE = Qt.ItemDataRole.UserRole + 3


@dataclass(frozen=True)
class Column(Generic[R]):
    """One declared column of a list."""

    key: str
    header: str
    text: Callable[[R], str]
    alignment: Qt.AlignmentFlag = LEFT
    sort_key: str | None = None
    # Clicking the header of e.g. "Active for" sorts by created_at the other way round.
    sort_inverted: bool = False
    tooltip: Callable[[R], str] | None = None
    badge: Callable[[R], Badge] | None = None
    # Dates read newest-first on the first click; text columns A to Z.
    initial_descending: bool = False
    # A starting width in characters (the user's own widths are restored from QSettings).
    width_chars: int = 14
    # Relative times change as the clock moves: the page repaints these every minute.
    time_relative: bool = False
    # The column that takes the width left over (titles, descriptions): no sideways scrolling.
    stretch: bool = False
    # Every badge the column can show, so the view can size it to the widest one.
    badge_choices: tuple[Badge, ...] = ()
    # Shown only when the person turns it on (header context menu): keeps titles readable.
    hidden_by_default: bool = False

    @property
    def sortable(self) -> bool:
        """Whether a header click sorts by this column (in SQL)."""
        return self.sort_key is not None


class _Identified(Protocol):
    @property
    def id(self) -> int: ...


Identified = TypeVar("Identified", bound=_Identified)


def id_column(noun: str) -> Column[Identified]:
    """The "#" column every list opens with: the record's id, newest first when sorted."""
    return Column(
        "id",
        "#",
        lambda r: str(r.id),
        alignment=RIGHT,
        sort_key="id",
        initial_descending=True,
        tooltip=lambda r: f"{noun} #{r.id}",
        width_chars=6,
    )

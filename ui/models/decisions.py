"""The decision list: columns, badges, and a model that pages either by date or by search rank.

Ranked search results cannot be keyset-paged (a rank is no stable key), so while the search
box holds text the list pages by offset through ``DecisionRepository.search`` and each row
carries its highlighted title and snippet; otherwise it is the usual keyset list.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import html
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QModelIndex, QObject, QPersistentModelIndex, Qt

from asyncops_desktop.dialect import HIGHLIGHT_END, HIGHLIGHT_START
from asyncops_desktop.domain.dto import DecisionDetail, DecisionDTO, Page
from asyncops_desktop.repositories.base import Cursor, Sort
from asyncops_desktop.repositories.decisions import DecisionFilter, DecisionRepository, SearchHit
from ui.context import AppContext
from ui.models.badges import UNKNOWN_COLOUR, Badge
from ui.models.columns import Column, Roles, id_column
from ui.models.formatters import exact_time, one_line, relative_time
from ui.models.paged import DEFAULT_PAGE_SIZE, PagedTableModel, badge_icon

ENTITY = "decisions"
NOUN = ("decision", "decisions")
# Marks the cursor of an offset-paged search (keyset cursors hold a sort value instead).
SEARCH_OFFSET = "search-offset"
# The custom role holding a row's title (and snippet) as HTML with the matches in bold.
HIGHLIGHT_ROLE = int(Roles.BADGE) + 10
# Whether the row's review date has passed (the view marks it with a word and an icon).
OVERDUE_ROLE = int(Roles.BADGE) + 11
# Roles this model answers itself (plain ints: ``data()`` runs for every cell at every paint).
_OWN_ROLES = frozenset(
    (HIGHLIGHT_ROLE, OVERDUE_ROLE, int(Roles.BADGE), int(Qt.ItemDataRole.DecorationRole.value))
)

DECISION_STATUS_LABELS = {
    "proposed": "Proposed",
    "accepted": "Accepted",
    "rejected": "Rejected",
    "deprecated": "Deprecated",
    "superseded": "Superseded",
}
DECISION_STATUS_BADGES = {
    "proposed": Badge("Proposed", "icons/status-open.svg", "#4c8bd6"),
    "accepted": Badge("Accepted", "icons/status-resolved.svg", "#3aa55d"),
    "rejected": Badge("Rejected", "icons/status-closed.svg", "#e5484d"),
    "deprecated": Badge("Deprecated", "icons/status-closed.svg", "#8a9099"),
    "superseded": Badge("Superseded", "icons/status-in-progress.svg", "#9a6bd8"),
}
OVERDUE_BADGE_COLOUR = "#ec7424"
REVIEWABLE = ("proposed", "accepted")


def decision_status_label(value: str) -> str:
    """``superseded`` → ``Superseded``."""
    return DECISION_STATUS_LABELS.get(value, value.replace("_", " ").capitalize())


def decision_status_badge(value: str) -> Badge:
    """The badge of a decision status."""
    return DECISION_STATUS_BADGES.get(
        value, Badge(decision_status_label(value), "", UNKNOWN_COLOUR)
    )


def day_text(day: dt.date | None) -> str:
    """A calendar day as ``3 Mar 2026`` (empty for none)."""
    return "" if day is None else f"{day.day} {day:%b %Y}"


def short_day_text(day: dt.date | None, today: dt.date | None = None) -> str:
    """A day in a list column: ``3 Mar`` this year, ``3 Mar 2025`` another (empty for none)."""
    if day is None:
        return ""
    if day.year == (today or dt.date.today()).year:
        return f"{day.day} {day:%b}"
    return day_text(day)


@dataclasses.dataclass(frozen=True, slots=True)
class DecisionRow(DecisionDTO):
    """A decision as the page holds it: participants once known, search highlights if any."""

    participant_ids: tuple[int, ...] | None = None
    marked_title: str = ""
    snippet: str = ""

    @classmethod
    def of(cls, decision: DecisionDTO, **extra: Any) -> DecisionRow:
        """Wrap a service DTO (``extra``: participant_ids, marked_title, snippet)."""
        values = {
            field.name: getattr(decision, field.name) for field in dataclasses.fields(DecisionDTO)
        }
        return cls(**values, **extra)

    @classmethod
    def of_detail(cls, detail: DecisionDetail) -> DecisionRow:
        """A decision with its participants."""
        return cls.of(detail.decision, participant_ids=tuple(detail.participant_ids))

    @classmethod
    def of_hit(cls, hit: SearchHit) -> DecisionRow:
        """A ranked search result with its highlights."""
        return cls.of(hit.decision, marked_title=hit.title, snippet=hit.snippet)


def is_overdue(row: DecisionDTO, today: dt.date | None = None) -> bool:
    """Past its review date and still in force (a replaced or rejected one needs no review)."""
    if row.review_by is None or row.status not in REVIEWABLE:
        return False
    return row.review_by <= (today or dt.date.today())


def marked_html(text: str) -> str:
    """Text with the search markers as bold, everything else escaped."""
    escaped = html.escape(text.replace("\n", " "))
    return escaped.replace(html.escape(HIGHLIGHT_START), "<b>").replace(
        html.escape(HIGHLIGHT_END), "</b>"
    )


def strip_marks(text: str) -> str:
    """Text without the search markers."""
    return text.replace(HIGHLIGHT_START, "").replace(HIGHLIGHT_END, "")


def _review_text(row: DecisionDTO) -> str:
    if row.review_by is None:
        return ""
    if is_overdue(row):
        return f"Overdue · {short_day_text(row.review_by)}"
    return short_day_text(row.review_by)


def _review_badge(row: DecisionDTO) -> Badge:
    if is_overdue(row):
        return Badge(_review_text(row), "icons/banner-warning.svg", OVERDUE_BADGE_COLOUR)
    # An unremarkable date: a pill without colour or icon would shout for nothing.
    return Badge(_review_text(row), "", "")


DECISION_COLUMNS: tuple[Column[DecisionDTO], ...] = (
    id_column("Decision"),
    Column(
        "title",
        "Title",
        lambda r: one_line(r.title),
        sort_key="title",
        tooltip=lambda r: (
            ("Review overdue — " if is_overdue(r) else "")
            + f"{r.title}\n\n{one_line(r.outcome or r.description, 300)}"
        ),
        width_chars=30,
        stretch=True,
    ),
    Column(
        "status",
        "Status",
        lambda r: decision_status_label(r.status),
        badge=lambda r: decision_status_badge(r.status),
        badge_choices=tuple(DECISION_STATUS_BADGES.values()),
        tooltip=lambda r: f"Status: {decision_status_label(r.status)}",
        width_chars=12,
    ),
    Column(
        "decision_date",
        "Decided",
        lambda r: short_day_text(r.decision_date),
        sort_key="decision_date",
        initial_descending=True,
        tooltip=lambda r: f"Decided on {day_text(r.decision_date)}",
        # Wide enough for a day of another year ("30 Dec 2025") in full.
        width_chars=12,
    ),
    Column(
        "review_by",
        "Review by",
        _review_text,
        tooltip=lambda r: (
            f"Review overdue since {day_text(r.review_by)}"
            if is_overdue(r)
            else (f"Review by {day_text(r.review_by)}" if r.review_by else "No review date")
        ),
        width_chars=17,
        # The list pane beside the editor is narrow: the title, status and date come first;
        # an overdue review still shows as the title's icon. The column menu adds these.
        hidden_by_default=True,
    ),
    Column("tags", "Tags", lambda r: ", ".join(r.tags), width_chars=14, hidden_by_default=True),
    Column(
        "creator",
        "Recorded by",
        lambda r: r.creator_name,
        width_chars=13,
        hidden_by_default=True,
    ),
    Column(
        "updated_at",
        "Updated",
        lambda r: relative_time(r.updated_at),
        sort_key="updated_at",
        tooltip=lambda r: f"Last changed {exact_time(r.updated_at)}",
        initial_descending=True,
        time_relative=True,
        width_chars=11,
        hidden_by_default=True,
    ),
)
TITLE_COLUMN = 1
DECIDED_COLUMN = 3
REVIEW_COLUMN = 4


class DecisionListRepository(DecisionRepository):
    """Keyset pages of decisions, or offset pages of ranked search hits when text is searched."""

    def page(
        self,
        filters: Any = None,
        sort: Sort | None = None,
        *,
        after: Cursor | None = None,
        offset: int = 0,
        limit: int = DEFAULT_PAGE_SIZE,
    ) -> Page[DecisionDTO]:
        """Ranked hits (offset cursor) for a text search, otherwise the keyset page."""
        text = filters.text if isinstance(filters, DecisionFilter) else None
        if not text or not text.strip():
            return super().page(filters, sort, after=after, offset=offset, limit=limit)
        start = int(after[1]) if after is not None and after[0] == SEARCH_OFFSET else offset
        # One row beyond the page says whether another page exists.
        hits = self.search(text, filters, offset=start, limit=limit + 1)
        rows: list[DecisionDTO] = [DecisionRow.of_hit(hit) for hit in hits[:limit]]
        more = len(hits) > limit
        return Page(rows, (SEARCH_OFFSET, start + limit) if more else None)


class DecisionTableModel(PagedTableModel[DecisionDTO]):
    """Decisions by date (newest first), or by rank with highlights while searching."""

    def __init__(
        self,
        context: AppContext,
        *,
        filters: DecisionFilter | None = None,
        page_size: int = DEFAULT_PAGE_SIZE,
        today: Callable[[], dt.date] = dt.date.today,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(
            context,
            DecisionListRepository,
            DECISION_COLUMNS,
            filters=filters or DecisionFilter(),
            sort=Sort("decision_date", descending=True),
            sort_column=DECIDED_COLUMN,
            page_size=page_size,
            parent=parent,
        )
        self._today = today

    @property
    def searching(self) -> bool:
        """True while rows are ranked search hits."""
        filters = self.filters
        return isinstance(filters, DecisionFilter) and bool((filters.text or "").strip())

    def data(
        self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        """Adds the highlighted title and the overdue flag to the declared columns."""
        if role not in _OWN_ROLES:
            return super().data(index, role)
        if not index.isValid() or not 0 <= index.row() < self.rowCount():
            return None
        row = self.row_at(index.row())
        if role == OVERDUE_ROLE:
            return is_overdue(row, self._today())
        if role == HIGHLIGHT_ROLE:
            if index.column() != TITLE_COLUMN or not isinstance(row, DecisionRow):
                return None
            if not row.marked_title and not row.snippet:
                return None
            title = marked_html(row.marked_title or row.title)
            snippet = marked_html(row.snippet)
            return (
                f"{title}&nbsp;&nbsp;<span class='snippet'>{snippet}</span>" if snippet else title
            )
        if role == Qt.ItemDataRole.DecorationRole and index.column() == TITLE_COLUMN:
            # Overdue rows carry an icon (and a tooltip) even when the review column is hidden.
            return (
                badge_icon("icons/banner-warning.svg") if is_overdue(row, self._today()) else None
            )
        if index.column() == REVIEW_COLUMN:
            # Only an overdue review gets a pill: the word and the icon say it, not colour alone.
            if not is_overdue(row, self._today()):
                return None
            badge = _review_badge(row)
            return badge if role == Roles.BADGE else None
        return super().data(index, role)

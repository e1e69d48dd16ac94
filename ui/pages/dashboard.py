"""The Dashboard: a day's summary as cards, the trend of the last 30 or 90 days, past days, export.

Everything shown comes from the stored daily summaries (computed in the background by
``ui.summary_thread``), plus one live query: the decisions due for review today. Every read
is a job on the database worker. Each listed item asks the window to open its record through
``open_record_requested(entity, id)``.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import shiboken6
from PySide6.QtCore import (
    QByteArray,
    QEvent,
    QModelIndex,
    QPersistentModelIndex,
    QRect,
    QSettings,
    QSize,
    Qt,
    Signal,
    Slot,
)
from PySide6.QtGui import QColor, QFontMetrics, QGuiApplication, QPainter, QPalette
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QSplitter,
    QStackedWidget,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QVBoxLayout,
    QWidget,
)

from asyncops_desktop.db import Database
from asyncops_desktop.domain.dto import DailySummaryDTO, DecisionDTO
from asyncops_desktop.repositories.base import Sort
from asyncops_desktop.repositories.decisions import DecisionFilter, DecisionRepository
from asyncops_desktop.repositories.summaries import (
    SEVERITY_ORDER,
    DailyCounts,
    SummaryRepository,
)
from asyncops_desktop.services.base import Actor
from asyncops_desktop.summaries import format_duration, refresh_summary
from ui.context import AppContext
from ui.dialogs.summary_export import (
    default_file_name,
    markdown_of,
    save_dialog,
    write_markdown,
    write_pdf,
)
from ui.models.badges import Badge, severity_badge
from ui.models.columns import Roles
from ui.models.formatters import (
    active_for_text,
    count_text,
    incident_status_label,
    relative_time,
    severity_label,
    to_local,
)
from ui.summary_thread import SummaryRunner, progress_text, utc_today
from ui.widgets.badges import BadgeLabel, badge_width, paint_badge
from ui.widgets.banner import MessageBanner
from ui.widgets.palette import muted_colour
from ui.widgets.trend_chart import RANGES, TrendChart

HISTORY_DAYS = 365
"""Past summaries listed (and the trend's source); the trend shows at most 90 of them."""
REVIEW_LIMIT = 50
HISTORY_WIDTH = 250

# Item data roles of the cards' lists (badges use the shared ``Roles.BADGE``).
RECORD_ROLE = Qt.ItemDataRole.UserRole + 20  # (entity, id) to open, or None
META_ROLE = Qt.ItemDataRole.UserRole + 21  # right-aligned note: "3 d", "14:05"
DETAIL_ROLE = Qt.ItemDataRole.UserRole + 22  # muted second line
DAY_ROLE = Qt.ItemDataRole.UserRole + 23  # the history list's day

STYLE = """
QFrame#dashboardCard {
    background: palette(base);
    border: 1px solid palette(mid);
    border-radius: 6px;
}
QLabel#cardTitle { font-weight: 600; }
QLabel#cardCount { font-size: 20pt; font-weight: 600; }
QListWidget#cardList { border: none; }
QLabel#dashboardDay { font-size: 12pt; font-weight: 600; }
QLabel#emptyStateTitle { font-size: 14pt; font-weight: 600; }
"""


@dataclass(frozen=True)
class DashboardData:
    """What one load of the dashboard brings back from the worker."""

    day: dt.date
    today: dt.date
    summary: DailySummaryDTO | None
    review_due: list[DecisionDTO]
    review_due_total: int
    history: list[DailyCounts]
    """Stored days of the last year, oldest first (the history list and the trend)."""


def load_dashboard(
    database: Database, _actor: Actor, *, day: dt.date, today: dt.date
) -> DashboardData:
    """A worker job: the summary of ``day``, decisions due for review today, the stored days."""
    with database.read() as session:
        summaries = SummaryRepository(session)
        summary = summaries.for_date(day)
        history = summaries.counts_between(today - dt.timedelta(days=HISTORY_DAYS - 1), today)
        due: list[DecisionDTO] = []
        due_total = 0
        if day == today:
            decisions = DecisionRepository(session)
            wanted = DecisionFilter(due_for_review_on=today)
            due_total = decisions.count(wanted)
            if due_total:
                due = decisions.page(
                    wanted, Sort("decision_date", descending=False), limit=REVIEW_LIMIT
                ).rows
    return DashboardData(day, today, summary, due, due_total, history)


def recompute_today(database: Database, _actor: Actor, *, today: dt.date) -> dt.date:
    """A worker job: recompute and store today's summary (F5)."""
    refresh_summary(database, today)
    return today


# -- reading the stored JSON (tolerant: a summary written by an older version may lack parts) --
def _items(content: Mapping[str, Any], key: str) -> list[Mapping[str, Any]]:
    value = content.get(key)
    return [item for item in value if isinstance(item, Mapping)] if isinstance(value, list) else []


def _mapping(content: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    value = content.get(key)
    return value if isinstance(value, Mapping) else {}


def _int(value: object, default: int = 0) -> int:
    return value if isinstance(value, int) else default


def _moment(value: object) -> dt.datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        return dt.datetime.fromisoformat(value.rstrip("Z"))
    except ValueError:
        return None


def css_colour(colour: QColor) -> str:
    """A colour for a style sheet, alpha included (placeholder text is often translucent)."""
    return f"rgba({colour.red()}, {colour.green()}, {colour.blue()}, {colour.alpha()})"


def day_text(day: dt.date, today: dt.date) -> str:
    """ "Today", "Yesterday" or "Mon 23 Feb 2026"."""
    if day == today:
        return "Today"
    if day == today - dt.timedelta(days=1):
        return "Yesterday"
    return f"{day:%a} {day.day} {day:%b %Y}"


def long_day(day: dt.date) -> str:
    """ "Tuesday 3 March 2026"."""
    return f"{day:%A} {day.day} {day:%B %Y}"


class CardItemDelegate(QStyledItemDelegate):
    """An item as [badge] title … meta, with an optional muted second line."""

    def _lines(self, index: QModelIndex | QPersistentModelIndex) -> int:
        return 2 if index.data(DETAIL_ROLE) else 1

    def sizeHint(  # noqa: N802 (Qt's name)
        self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> QSize:
        """One or two text lines with breathing room."""
        height = QFontMetrics(option.font).height()
        return QSize(120, height * self._lines(index) + 10 + (2 if self._lines(index) > 1 else 0))

    def paint(
        self,
        painter: QPainter,
        option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
    ) -> None:
        """Background and focus by the style, then badge, text, meta and detail."""
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        opt.text = ""
        widget = opt.widget
        style = widget.style() if widget is not None else QApplication.style()
        style.drawControl(QStyle.ControlElement.CE_ItemViewItem, opt, painter, widget)
        selected = bool(opt.state & QStyle.StateFlag.State_Selected)
        palette = opt.palette
        text_colour = palette.color(
            QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.Text
        )
        muted = text_colour if selected else palette.color(QPalette.ColorRole.PlaceholderText)
        metrics = QFontMetrics(opt.font)
        line_height = metrics.height()
        rect = opt.rect.adjusted(6, 4, -6, -4)
        first = QRect(rect.left(), rect.top(), rect.width(), line_height + 2)
        if not index.data(DETAIL_ROLE):
            first.moveTop(rect.center().y() - first.height() // 2)
        left = first.left()
        badge = index.data(Roles.BADGE)
        if isinstance(badge, Badge):
            width = badge_width(badge, opt.font) + 8
            paint_badge(
                painter,
                QRect(left - 4, first.top() - 2, width, first.height() + 4),
                badge,
                palette,
                opt.font,
            )
            left += width
        meta = str(index.data(META_ROLE) or "")
        meta_width = metrics.horizontalAdvance(meta) if meta else 0
        painter.save()
        painter.setFont(opt.font)
        if meta:
            painter.setPen(muted)
            painter.drawText(
                first, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, meta
            )
        title_rect = QRect(
            left, first.top(), max(0, first.right() - left - meta_width - 10), first.height()
        )
        painter.setPen(text_colour)
        title = metrics.elidedText(
            str(index.data(Qt.ItemDataRole.DisplayRole) or ""),
            Qt.TextElideMode.ElideRight,
            title_rect.width(),
        )
        painter.drawText(
            title_rect, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, title
        )
        detail = str(index.data(DETAIL_ROLE) or "")
        if detail:
            second = QRect(rect.left(), first.bottom() + 1, rect.width(), line_height)
            painter.setPen(muted)
            painter.drawText(
                second,
                Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                metrics.elidedText(detail, Qt.TextElideMode.ElideRight, second.width()),
            )
        painter.restore()


@dataclass(frozen=True)
class CardItem:
    """One line of a card."""

    text: str
    record: tuple[str, int] | None = None
    meta: str = ""
    detail: str = ""
    badge: Badge | None = None
    tooltip: str = ""


class Card(QFrame):
    """A titled box: a big count, optional badges, a list of items or a sentence when empty."""

    item_activated = Signal(str, int)

    def __init__(self, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("dashboardCard")
        self.setAccessibleName(title)
        self.title_label = QLabel(title)
        self.title_label.setObjectName("cardTitle")
        self.count_label = QLabel()
        self.count_label.setObjectName("cardCount")
        self.count_label.setAccessibleName(f"{title}: count")
        self.caption_label = QLabel()
        self.caption_label.setAccessibleName(f"{title}: caption")
        self.caption_label.setWordWrap(True)
        self.badges = QHBoxLayout()
        self.badges.setSpacing(2)
        self.list = QListWidget()
        self.list.setObjectName("cardList")
        self.list.setAccessibleName(f"{title} list")
        self.list.setItemDelegate(CardItemDelegate(self.list))
        self.list.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.list.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.list.itemActivated.connect(self._on_activated)
        self.list.itemClicked.connect(self._on_activated)
        self.empty_label = QLabel()
        self.empty_label.setAccessibleName(f"{title}: nothing to show")
        self.empty_label.setWordWrap(True)
        self.empty_label.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.more_label = QLabel()
        self.more_label.setAccessibleName(f"{title}: more")

        head = QHBoxLayout()
        head.addWidget(self.title_label)
        head.addStretch(1)
        head.addWidget(self.count_label)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 10, 12, 10)
        layout.setSpacing(4)
        layout.addLayout(head)
        layout.addWidget(self.caption_label)
        layout.addLayout(self.badges)
        layout.addWidget(self.list, 1)
        layout.addWidget(self.empty_label, 1)
        layout.addWidget(self.more_label)
        # Two rows of cards and the trend fit a 1280×800 window without scrolling.
        self.setMinimumHeight(180)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Expanding)
        self._follow_palette()

    def set_content(
        self,
        count: int | None,
        items: Sequence[CardItem],
        *,
        total: int | None = None,
        caption: str = "",
        empty: str = "",
        badges: Sequence[Badge] = (),
    ) -> None:
        """Show ``count`` (None: none), the items, "and N more" past them, or ``empty``."""
        self.count_label.setText("" if count is None else f"{count:,}")
        self.caption_label.setText(caption)
        self.caption_label.setVisible(bool(caption))
        while self.badges.count():
            taken = self.badges.takeAt(0)
            if taken is not None and (widget := taken.widget()) is not None:
                widget.deleteLater()
        for badge in badges:
            label = BadgeLabel()
            label.set_badge(badge)
            self.badges.addWidget(label)
        if badges:
            self.badges.addStretch(1)
        self.list.clear()
        for entry in items:
            item = QListWidgetItem(entry.text)
            item.setData(RECORD_ROLE, entry.record)
            item.setData(META_ROLE, entry.meta)
            item.setData(DETAIL_ROLE, entry.detail)
            if entry.badge is not None:
                item.setData(Roles.BADGE, entry.badge)
            tip = entry.tooltip or entry.text
            item.setToolTip(
                tip + ("\nDouble-click or press Enter to open it." if entry.record else "")
            )
            self.list.addItem(item)
        self.list.setVisible(bool(items))
        self.empty_label.setText(empty)
        self.empty_label.setVisible(not items)
        hidden = (total if total is not None else len(items)) - len(items)
        self.more_label.setText(f"… and {hidden:,} more" if hidden > 0 else "")
        self.more_label.setVisible(hidden > 0)

    def sizeHint(self) -> QSize:  # noqa: N802 (Qt's name)
        """As short as allowed: the cards share out whatever height the window has left."""
        hint = super().sizeHint()
        return QSize(hint.width(), self.minimumHeight())

    def records(self) -> list[tuple[str, int] | None]:
        """What each listed item opens (for tests and accessibility checks)."""
        return [self.list.item(row).data(RECORD_ROLE) for row in range(self.list.count())]

    def texts(self) -> list[str]:
        """The listed items' titles."""
        return [self.list.item(row).text() for row in range(self.list.count())]

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 (Qt's name)
        """Muted labels follow a theme switch."""
        super().changeEvent(event)
        if event.type() == QEvent.Type.PaletteChange:
            self._follow_palette()

    def _follow_palette(self) -> None:
        colour = css_colour(muted_colour(self))
        for label in (self.caption_label, self.empty_label, self.more_label):
            label.setStyleSheet(f"color: {colour};")

    def _on_activated(self, item: QListWidgetItem) -> None:
        record = item.data(RECORD_ROLE)
        if isinstance(record, tuple | list) and len(record) == 2:
            self.item_activated.emit(str(record[0]), int(record[1]))


class _FittingColumn(QVBoxLayout):
    """A column the scroll area fits to its viewport (down to the cards' minimum heights).

    Word-wrapped captions give a layout a height-for-width, and a scroll area then sizes its
    widget by the preferred height instead: the trend would start below a 1280×800 window.
    """

    def hasHeightForWidth(self) -> bool:  # noqa: N802 (Qt's name)
        """Never: the cards have the room their captions need at their minimum height."""
        return False


class DashboardPage(QWidget):
    """Today's summary (or a chosen past day) as cards, the trend, the past days and export."""

    # The window opens this record: entity as in ``AppContext.data_changed`` and its id.
    open_record_requested = Signal(str, int)
    # A short note for the status bar.
    status_message = Signal(str)
    # A load finished (tests and the window can wait on it).
    loaded = Signal()

    page_title = "Dashboard"

    def __init__(
        self,
        context: AppContext,
        parent: QWidget | None = None,
        *,
        today: Callable[[], dt.date] = utc_today,
    ) -> None:
        super().__init__(parent)
        self.context = context
        self._today_fn = today
        self.today = today()
        self.day = self.today
        self.data: DashboardData | None = None
        self.runner: SummaryRunner | None = None
        self.file_dialog: Any = None
        self._generation = 0
        self._sized = False
        self.setObjectName("dashboardPage")
        self.setAccessibleName(self.page_title)
        self.setStyleSheet(STYLE)

        title = QLabel(self.page_title)
        title.setObjectName("pageTitle")
        title.setAccessibleName("Page title")
        self.day_label = QLabel()
        self.day_label.setObjectName("dashboardDay")
        self.day_label.setAccessibleName("Day shown")
        self.generated_label = QLabel()
        self.generated_label.setAccessibleName("When the summary was computed")
        self.today_button = QPushButton("Back to &today")
        self.today_button.setAccessibleName("Back to today")
        self.today_button.clicked.connect(self.show_today)
        self.refresh_button = QPushButton("Recompute")
        self.refresh_button.setAccessibleName("Recompute today's summary")
        self.refresh_button.setToolTip("Recompute today's summary from the records (F5)")
        self.refresh_button.clicked.connect(self.refresh)
        self.copy_button = QPushButton("&Copy as Markdown")
        self.copy_button.setAccessibleName("Copy as Markdown")
        self.copy_button.setToolTip("Copy the summary as Markdown, ready to paste into chat")
        self.copy_button.clicked.connect(self.copy_markdown)
        self.save_md_button = QPushButton("Save &Markdown…")
        self.save_md_button.setAccessibleName("Save as Markdown")
        self.save_md_button.clicked.connect(self.ask_save_markdown)
        self.pdf_button = QPushButton("Export &PDF…")
        self.pdf_button.setAccessibleName("Export PDF")
        self.pdf_button.clicked.connect(self.ask_export_pdf)
        top = QHBoxLayout()
        top.setSpacing(8)
        top.addWidget(title)
        top.addSpacing(12)
        top.addWidget(self.day_label)
        top.addSpacing(6)
        top.addWidget(self.generated_label)
        top.addStretch(1)
        top.addWidget(self.today_button)
        top.addWidget(self.refresh_button)
        top.addSpacing(8)
        top.addWidget(self.copy_button)
        top.addWidget(self.save_md_button)
        top.addWidget(self.pdf_button)

        self.banner = MessageBanner("Dashboard problem")
        self.banner.retry_requested.connect(self._on_banner_retry)
        self.notice = MessageBanner("Dashboard note")
        self.notice.retry_requested.connect(self.refresh)

        # Past days, newest first.
        self.history = QListWidget()
        self.history.setObjectName("summaryHistory")
        self.history.setAccessibleName("Past summaries")
        self.history.setItemDelegate(CardItemDelegate(self.history))
        self.history.currentItemChanged.connect(self._on_history_chosen)
        history_title = QLabel("Past summaries")
        history_title.setObjectName("cardTitle")
        history_box = QWidget()
        history_layout = QVBoxLayout(history_box)
        history_layout.setContentsMargins(0, 0, 0, 0)
        history_layout.setSpacing(4)
        history_layout.addWidget(history_title)
        history_layout.addWidget(self.history, 1)
        self.history_empty = QLabel("No summaries stored yet.\nPast days are listed here.")
        self.history_empty.setAccessibleName("No past summaries")
        self.history_empty.setWordWrap(True)
        self.history_empty.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        history_layout.addWidget(self.history_empty, 1)
        self.history_empty.hide()
        history_box.setMinimumWidth(200)

        # The cards.
        self.incidents_card = Card("Open incidents")
        self.blockers_card = Card("Active blockers")
        self.updates_card = Card("New status updates")
        self.decisions_card = Card("Decisions, last 7 days")
        self.review_card = Card("Due for review")
        self.health_card = Card("Team health")
        self.cards = (
            self.incidents_card,
            self.blockers_card,
            self.updates_card,
            self.decisions_card,
            self.review_card,
            self.health_card,
        )
        for card in self.cards:
            card.item_activated.connect(self.open_record_requested)
        self.trend = TrendChart()
        trend_card = QFrame()
        trend_card.setObjectName("dashboardCard")
        trend_card.setAccessibleName("Trend")
        trend_layout = QVBoxLayout(trend_card)
        trend_layout.setContentsMargins(12, 10, 12, 10)
        trend_layout.addWidget(self.trend)
        # A fixed height, so the grid fitted to the window never gives the chart less (its
        # dates along the bottom were cut off); the cards share the rest.
        trend_card.setFixedHeight(trend_card.minimumSizeHint().height())
        cards_box = QWidget()
        grid = QGridLayout(cards_box)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setSpacing(10)
        for position, card in enumerate(self.cards):
            grid.addWidget(card, position // 3, position % 3)
        for column in range(3):
            grid.setColumnStretch(column, 1)
        # The cards take the height the window has to spare; the trend keeps its own.
        grid_box = QWidget()
        column_layout = _FittingColumn(grid_box)
        column_layout.setContentsMargins(0, 0, 6, 0)
        column_layout.setSpacing(10)
        column_layout.addWidget(cards_box, 1)
        column_layout.addWidget(trend_card, 0)
        self.cards_area = QScrollArea()
        self.cards_area.setObjectName("dashboardScroll")
        self.cards_area.setAccessibleName("Summary cards")
        self.cards_area.setWidgetResizable(True)
        self.cards_area.setFrameShape(QFrame.Shape.NoFrame)
        self.cards_area.setWidget(grid_box)

        # Shown instead of the cards while there is no summary for the day.
        self.empty_state = QWidget()
        self.empty_state.setAccessibleName("No summary yet")
        self.empty_title = QLabel()
        self.empty_title.setObjectName("emptyStateTitle")
        self.empty_title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty_title.setAccessibleName("No summary yet: title")
        self.empty_text = QLabel()
        self.empty_text.setAccessibleName("No summary yet: explanation")
        self.empty_text.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty_text.setWordWrap(True)
        self.empty_button = QPushButton("Compute today's summary")
        self.empty_button.setAccessibleName("Compute today's summary")
        self.empty_button.clicked.connect(self.refresh)
        empty_layout = QVBoxLayout(self.empty_state)
        empty_layout.setContentsMargins(40, 40, 40, 40)
        empty_layout.addStretch(1)
        empty_layout.addWidget(self.empty_title)
        empty_layout.addSpacing(6)
        empty_layout.addWidget(self.empty_text)
        empty_layout.addSpacing(12)
        empty_layout.addWidget(self.empty_button, 0, Qt.AlignmentFlag.AlignHCenter)
        empty_layout.addStretch(2)

        self.stack = QStackedWidget()
        self.stack.setAccessibleName("Summary")
        self.stack.addWidget(self.empty_state)
        self.stack.addWidget(self.cards_area)

        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.setObjectName("dashboardSplitter")
        self.splitter.setAccessibleName("Past summaries and the summary")
        self.splitter.setChildrenCollapsible(False)
        self.splitter.addWidget(history_box)
        self.splitter.addWidget(self.stack)
        self.splitter.setStretchFactor(0, 0)
        self.splitter.setStretchFactor(1, 1)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 10, 12, 10)
        layout.setSpacing(8)
        layout.addLayout(top)
        layout.addWidget(self.banner)
        layout.addWidget(self.notice)
        layout.addWidget(self.splitter, 1)

        self.context.data_changed.connect(self._on_data_changed)
        self._show_header()
        self._show_empty("Loading the dashboard…", "", button=False)
        self.reload()

    # -- public slots ------------------------------------------------------------------------
    def set_summary_runner(self, runner: SummaryRunner | None) -> None:
        """Follow the background backfill: "computing…" while it runs, reload as days arrive."""
        self.runner = runner
        if runner is None:
            return
        runner.started.connect(self._on_runner_started)
        runner.progressed.connect(self._on_runner_progressed)
        runner.summary_ready.connect(self._on_summary_ready)
        runner.finished.connect(self._on_runner_finished)
        runner.failed.connect(self._on_runner_failed)
        if runner.is_running:
            self._on_runner_started()
        else:
            # A page built after the run ended (or as it ended) may have read the day before
            # the run stored it; the run's last signals went out before anyone listened here.
            self.reload()

    @Slot()
    def refresh(self) -> None:
        """F5: recompute today's summary from the records, then load the dashboard again."""
        self.today = self._today_fn()
        self.notice.dismiss()
        self.banner.dismiss()
        self.refresh_button.setEnabled(False)
        self.status_message.emit("Recomputing today's summary…")
        self.context.submit(
            functools.partial(recompute_today, today=self.today),
            self._on_recomputed,
            self._on_recompute_failed,
        )

    @Slot()
    def reload(self) -> None:
        """Load the shown day's summary, the review list and the stored days again."""
        self._generation += 1
        generation = self._generation
        self.context.submit(
            functools.partial(load_dashboard, day=self.day, today=self.today),
            functools.partial(self._on_loaded, generation),
            functools.partial(self._on_load_failed, generation),
        )

    def show_day(self, day: dt.date) -> None:
        """Show the summary of ``day`` (today or a past day)."""
        if day == self.day and self.data is not None and self.data.day == day:
            return
        self.day = day
        self._show_header()
        self.reload()

    @Slot()
    def show_today(self) -> None:
        """Back to today's summary."""
        self.today = self._today_fn()
        self.show_day(self.today)

    def focus_search(self) -> None:
        """Ctrl+F: the dashboard has no search; the past days list takes the focus."""
        self.history.setFocus(Qt.FocusReason.ShortcutFocusReason)

    def has_unsaved_changes(self) -> bool:
        """Nothing on the dashboard is edited."""
        return False

    def confirm_leave(self, proceed: Callable[[], None] | None = None) -> bool:
        """Always free to leave."""
        return True

    @property
    def summary(self) -> DailySummaryDTO | None:
        """The summary shown, if any."""
        return self.data.summary if self.data is not None else None

    def markdown(self) -> str:
        """The shown summary as Markdown ("" when none is shown)."""
        summary = self.summary
        return "" if summary is None else markdown_of(summary)

    @Slot()
    def copy_markdown(self) -> None:
        """Put the shown summary on the clipboard as Markdown."""
        text = self.markdown()
        if not text:
            return
        QGuiApplication.clipboard().setText(text)
        self.status_message.emit(f"Copied the summary of {self.day.isoformat()} as Markdown.")

    def save_markdown(self, path: str) -> None:
        """Write the shown summary as Markdown to ``path``."""
        text = self.markdown()
        if not text:
            return
        try:
            write_markdown(path, text)
        except OSError as exc:
            self.banner.show_message(
                f"The Markdown file could not be saved: {exc.strerror or exc}."
            )
            return
        self.status_message.emit(f"Saved the summary as {path}.")

    def export_pdf(self, path: str) -> None:
        """Write the shown summary as a PDF to ``path``."""
        text = self.markdown()
        if not text:
            return
        try:
            write_pdf(path, text, title=f"Daily summary {self.day.isoformat()}", font=self.font())
        except OSError as exc:
            self.banner.show_message(f"The PDF could not be saved: {exc}")
            return
        self.status_message.emit(f"Exported the summary as {path}.")

    @Slot()
    def ask_save_markdown(self) -> None:
        """Ask where to save the Markdown (window-modal, non-blocking)."""
        self._ask_path("Save summary as Markdown", ".md", "Markdown (*.md)", self.save_markdown)

    @Slot()
    def ask_export_pdf(self) -> None:
        """Ask where to save the PDF (window-modal, non-blocking)."""
        self._ask_path("Export summary as PDF", ".pdf", "PDF documents (*.pdf)", self.export_pdf)

    def save_state(self, settings: QSettings) -> None:
        """Remember the splitter and the trend's period."""
        settings.setValue("pages/dashboard/splitter", self.splitter.saveState())
        settings.setValue("pages/dashboard/trend_days", self.trend.days)

    def restore_state(self, settings: QSettings) -> None:
        """Restore what ``save_state`` remembered."""
        splitter = settings.value("pages/dashboard/splitter")
        if isinstance(splitter, QByteArray | bytes):
            self._sized = self.splitter.restoreState(QByteArray(splitter))
        days = settings.value("pages/dashboard/trend_days")
        try:
            wanted = int(str(days))
        except (TypeError, ValueError):
            return
        if wanted in RANGES:
            self.trend.set_days(wanted)

    # -- internals ---------------------------------------------------------------------------
    def showEvent(self, event: Any) -> None:  # noqa: N802 (Qt's name)
        """A narrow past-days column on first show."""
        super().showEvent(event)
        if not self._sized:
            self._sized = True
            total = max(self.splitter.width(), 900)
            self.splitter.setSizes([HISTORY_WIDTH, total - HISTORY_WIDTH])

    def _ask_path(
        self, caption: str, suffix: str, name_filter: str, write: Callable[[str], None]
    ) -> None:
        if self.summary is None:
            return
        dialog = save_dialog(self, caption, default_file_name(self.day, suffix), name_filter)
        dialog.fileSelected.connect(write)
        dialog.finished.connect(dialog.deleteLater)
        self.file_dialog = dialog
        dialog.open()

    def _show_header(self) -> None:
        is_today = self.day == self.today
        if is_today:
            self.day_label.setText(f"Today · {long_day(self.day)}")
        else:
            self.day_label.setText(f"Past day · {long_day(self.day)}")
        self.today_button.setVisible(not is_today)

    def _show_empty(self, title: str, text: str, *, button: bool) -> None:
        self.empty_title.setText(title)
        self.empty_text.setText(text)
        self.empty_text.setVisible(bool(text))
        self.empty_button.setVisible(button)
        self.stack.setCurrentWidget(self.empty_state)
        for widget in (self.copy_button, self.save_md_button, self.pdf_button):
            widget.setEnabled(False)

    def _computing(self) -> bool:
        return self.runner is not None and self.runner.is_running

    def _on_loaded(self, generation: int, data: DashboardData) -> None:
        if not shiboken6.isValid(self) or generation != self._generation:
            return
        self.data = data
        self._fill_history(data)
        self.trend.set_counts(data.history, data.today)
        # The readout starts on the day shown, so a past day's trend values are at hand.
        self.trend.show_day(data.day)
        summary = data.summary
        self._show_header()
        if summary is None:
            self.generated_label.clear()
            if self._computing() and self.runner is not None:
                done, total = self.runner.progress
                self._show_empty(
                    "Computing the daily summaries…",
                    progress_text(done, total)
                    + "\nThe cards appear as soon as today's summary is ready.",
                    button=False,
                )
            elif data.day == data.today:
                self._show_empty(
                    "No summary for today yet",
                    "Today's summary is computed when the app starts. "
                    "Compute it now to see today's incidents, blockers, status updates and decisions.",
                    button=True,
                )
            else:
                self._show_empty(
                    f"No summary was stored for {long_day(data.day)}",
                    "Choose another day in the list, or go back to today.",
                    button=False,
                )
        else:
            self._fill_cards(data, summary)
            self.stack.setCurrentWidget(self.cards_area)
            for widget in (self.copy_button, self.save_md_button, self.pdf_button):
                widget.setEnabled(True)
            self.generated_label.setText(f"computed {relative_time(summary.generated_at)}")
            self.generated_label.setStyleSheet(f"color: {css_colour(muted_colour(self))};")
            self.generated_label.setToolTip(
                f"Computed at {to_local(summary.generated_at):%Y-%m-%d %H:%M} from the stored records"
            )
            self._show_first_run_note(data)
        self.refresh_button.setEnabled(True)
        self.loaded.emit()

    def _show_first_run_note(self, data: DashboardData) -> None:
        if any(c.status_updates or c.incidents or c.blockers or c.decisions for c in data.history):
            if self.notice.message.startswith("Nothing recorded yet"):
                self.notice.dismiss()
            return
        self.notice.show_message(
            "Nothing recorded yet. The cards and the trend fill in as your team posts status "
            "updates, reports incidents and blockers and records decisions.",
            warning=False,
        )

    def _on_load_failed(self, generation: int, message: str) -> None:
        if not shiboken6.isValid(self) or generation != self._generation:
            return
        self.refresh_button.setEnabled(True)
        self.banner.show_message(f"The dashboard could not be loaded: {message}", retry=True)
        self.loaded.emit()

    def _on_banner_retry(self) -> None:
        self.banner.dismiss()
        self.reload()

    def _on_recomputed(self, _day: dt.date) -> None:
        if not shiboken6.isValid(self):
            return
        self.status_message.emit("Today's summary is up to date.")
        self.reload()

    def _on_recompute_failed(self, message: str) -> None:
        if not shiboken6.isValid(self):
            return
        self.refresh_button.setEnabled(True)
        self.banner.show_message(f"Today's summary could not be recomputed: {message}", retry=True)

    def _on_data_changed(self, entity: str) -> None:
        if entity not in {"status_updates", "incidents", "blockers", "decisions", "users"}:
            return
        if self.day == self.today and self.summary is not None:
            self.notice.show_message(
                "Records changed since this summary was computed.", retry=True, warning=False
            )
            self.notice.retry_button.setText("Update now (F5)")
            self.notice.retry_button.setAccessibleName("Update the summary now")

    # -- the runner ---------------------------------------------------------------------------
    def _on_runner_started(self) -> None:
        if shiboken6.isValid(self) and self.summary is None and self.data is not None:
            self._on_loaded(self._generation, self.data)

    def _on_runner_progressed(self, done: int, total: int) -> None:
        if (
            shiboken6.isValid(self)
            and self.stack.currentWidget() is self.empty_state
            and self._computing()
        ):
            self.empty_text.setText(
                progress_text(done, total)
                + "\nThe cards appear as soon as today's summary is ready."
            )

    def _on_summary_ready(self, day: object) -> None:
        if shiboken6.isValid(self) and day == self.day:
            self.reload()

    def _on_runner_finished(self, _result: object) -> None:
        if shiboken6.isValid(self):
            self.reload()

    def _on_runner_failed(self, message: str) -> None:
        if not shiboken6.isValid(self):
            return
        self.banner.show_message(f"Daily summaries could not be computed: {message}", retry=False)
        if self.data is not None and self.summary is None:
            self._on_loaded(self._generation, self.data)

    # -- filling ------------------------------------------------------------------------------
    def _fill_history(self, data: DashboardData) -> None:
        self.history.blockSignals(True)
        try:
            self.history.clear()
            for counts in reversed(data.history):
                day = counts.summary_date
                item = QListWidgetItem(day_text(day, data.today))
                item.setData(DAY_ROLE, day.isoformat())
                item.setData(
                    META_ROLE, f"{day:%d %b}" if day >= data.today - dt.timedelta(days=1) else ""
                )
                item.setData(
                    DETAIL_ROLE,
                    f"{count_text(counts.incidents, 'incident')} · "
                    f"{count_text(counts.blockers, 'blocker')} · "
                    f"{count_text(counts.status_updates, 'update')}",
                )
                item.setToolTip(
                    f"{long_day(day)}: {count_text(counts.incidents, 'active incident')}, "
                    f"{count_text(counts.blockers, 'active blocker')}, "
                    f"{count_text(counts.status_updates, 'status update')}, "
                    f"{count_text(counts.decisions, 'decision')} in the last 7 days"
                )
                self.history.addItem(item)
                if day == data.day:
                    self.history.setCurrentItem(item)
        finally:
            self.history.blockSignals(False)
        self.history.setVisible(bool(data.history))
        self.history_empty.setVisible(not data.history)

    def _on_history_chosen(self, current: QListWidgetItem | None, _previous: object) -> None:
        if current is None:
            return
        value = current.data(DAY_ROLE)
        if isinstance(value, str):
            self.show_day(dt.date.fromisoformat(value))

    def _fill_cards(self, data: DashboardData, summary: DailySummaryDTO) -> None:
        content: Mapping[str, Any] = summary.content
        stats = _mapping(content, "statistics")
        is_today = data.day == data.today
        when = "today" if is_today else "that day"

        # Incidents: critical first (the summary stores them in that order).
        incidents = _items(content, "incidents")
        total_incidents = _int(stats.get("active_incidents"), summary.incidents_count)
        by_severity = _mapping(stats, "active_incidents_by_severity")
        severity_badges = [
            Badge(
                f"{severity_label(s)} {_int(by_severity.get(s)):,}",
                severity_badge(s).icon,
                severity_badge(s).colour,
            )
            for s in SEVERITY_ORDER
            if _int(by_severity.get(s))
        ]
        self.incidents_card.set_content(
            total_incidents,
            [
                CardItem(
                    str(i.get("title", "")),
                    ("incidents", _int(i.get("id"))),
                    detail=incident_status_label(str(i.get("status", "")))
                    + " · "
                    + self._since(i.get("created_at"), "reported", is_today),
                    badge=severity_badge(str(i.get("severity", ""))),
                )
                for i in incidents
            ],
            total=total_incidents,
            badges=severity_badges,
            empty=f"No open incidents at the end of {when}.",
        )

        blockers = _items(content, "blockers")
        total_blockers = _int(stats.get("active_blockers"), summary.blockers_count)
        self.blockers_card.set_content(
            total_blockers,
            [
                CardItem(
                    str(b.get("description", "")),
                    ("blockers", _int(b.get("id"))),
                    meta=self._age(b, is_today),
                    tooltip=str(b.get("description", "")),
                )
                for b in blockers
            ],
            total=total_blockers,
            caption="Oldest first, with their age",
            empty=f"Nothing was blocked at the end of {when}.",
        )

        updates = _items(content, "status_updates")
        total_updates = _int(stats.get("total_status_updates"), summary.status_updates_count)
        self.updates_card.set_content(
            total_updates,
            [
                CardItem(
                    str(u.get("title", "")),
                    ("status_updates", _int(u.get("id"))),
                    meta=self._clock(u.get("created_at")),
                    detail=str(u.get("author", "")),
                )
                for u in updates
            ],
            total=total_updates,
            empty=f"No status update was posted {when}.",
        )

        decisions = _items(content, "recent_decisions")
        total_decisions = _int(stats.get("decisions_last_7_days"), summary.decisions_count)
        self.decisions_card.set_content(
            total_decisions,
            [
                CardItem(
                    str(d.get("title", "")),
                    ("decisions", _int(d.get("id"))),
                    meta=self._date_text(d.get("decision_date"), data.today),
                )
                for d in decisions
            ],
            total=total_decisions,
            empty="No decision was recorded in these 7 days.",
        )

        if is_today:
            self.review_card.set_content(
                data.review_due_total,
                [
                    CardItem(
                        d.title,
                        ("decisions", d.id),
                        meta=self._review_text(d.review_by, data.today),
                        detail=f"Decided {self._date_text(d.decision_date.isoformat(), data.today)} by {d.creator_name}",
                    )
                    for d in data.review_due
                ],
                total=data.review_due_total,
                caption="Proposed or accepted, review date reached",
                empty="No decision is due for review.",
            )
        else:
            self.review_card.set_content(
                None,
                [],
                empty="Review dates are live data: they are shown for today only.",
            )

        self._fill_health(content, is_today)

    def _fill_health(self, content: Mapping[str, Any], is_today: bool) -> None:
        resolution = _mapping(content, "time_to_resolve")
        by_severity = _mapping(resolution, "by_severity")
        items: list[CardItem] = []
        for severity in SEVERITY_ORDER:
            entry = _mapping(by_severity, severity)
            resolved = _int(entry.get("resolved"))
            mean = entry.get("mean_seconds")
            items.append(
                CardItem(
                    # The caption says it is the mean time to resolve: the figure alone
                    # fits beside the badge and the count in a card a third of the width.
                    format_duration(mean) if isinstance(mean, int) else "none resolved",
                    None,
                    meta=count_text(resolved, "incident") if resolved else "",
                    badge=severity_badge(severity),
                    tooltip=f"{severity_label(severity)} incidents resolved in the last "
                    f"{_int(resolution.get('days'), 30)} days: {resolved:,}"
                    + (f", in {format_duration(mean)} on average" if isinstance(mean, int) else ""),
                )
            )
        oldest = content.get("oldest_active_blocker")
        if isinstance(oldest, Mapping):
            items.append(
                CardItem(
                    str(oldest.get("description", "")),
                    ("blockers", _int(oldest.get("id"))),
                    meta=self._age(oldest, is_today),
                    detail="Oldest active blocker",
                )
            )
        silent = _mapping(content, "users_without_status_update")
        people = _items(silent, "users")
        days = _int(silent.get("days"), 7)
        if people:
            names = ", ".join(str(p.get("name", "")) for p in people[:8])
            more = len(people) - 8
            items.append(
                CardItem(
                    names + (f" and {more} more" if more > 0 else ""),
                    None,
                    detail=f"No status update in {days} days",
                    tooltip="\n".join(str(p.get("name", "")) for p in people),
                )
            )
        else:
            items.append(
                CardItem(
                    "Everyone posted",
                    None,
                    detail=f"A status update from each person in {days} days",
                )
            )
        self.health_card.set_content(
            None,
            items,
            caption=f"Mean time to resolve ({_int(resolution.get('days'), 30)} days), "
            "oldest blocker, quiet people",
        )

    # -- formatting ---------------------------------------------------------------------------
    def _age(self, blocker: Mapping[str, Any], is_today: bool) -> str:
        created = _moment(blocker.get("created_at"))
        if is_today and created is not None:
            return active_for_text(created, None)
        age = _int(blocker.get("age_days"))
        return "under a day" if age == 0 else count_text(age, "day")

    @staticmethod
    def _since(value: object, verb: str, is_today: bool) -> str:
        moment = _moment(value)
        if moment is None:
            return ""
        if is_today:
            return f"{verb} {relative_time(moment)}"
        return f"{verb} {to_local(moment):%d %b %Y}"

    @staticmethod
    def _clock(value: object) -> str:
        moment = _moment(value)
        return "" if moment is None else f"{to_local(moment):%H:%M}"

    @staticmethod
    def _date_text(value: object, today: dt.date) -> str:
        try:
            day = dt.date.fromisoformat(str(value))
        except ValueError:
            return ""
        return (
            day_text(day, today).lower()
            if (today - day).days < 2
            else f"{day:%a} {day.day} {day:%b}"
        )

    @staticmethod
    def _review_text(review_by: dt.date | None, today: dt.date) -> str:
        if review_by is None:
            return ""
        late = (today - review_by).days
        if late <= 0:
            return "review today"
        return f"{count_text(late, 'day')} overdue"

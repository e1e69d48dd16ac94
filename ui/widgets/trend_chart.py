"""The dashboard's trend: incidents, blockers and status updates per day, with a hover readout.

The values are the stored summaries' count columns (no JSON is parsed for the chart). Days
without a stored summary have no point, so a gap is never drawn as a false zero.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass

from PySide6.QtCharts import QChart, QChartView, QDateTimeAxis, QLineSeries, QValueAxis
from PySide6.QtCore import QDate, QDateTime, QEvent, QMargins, QPointF, Qt, QTime, Signal
from PySide6.QtGui import QColor, QMouseEvent, QPainter, QPalette, QPen
from PySide6.QtWidgets import QComboBox, QFrame, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from asyncops_desktop.repositories.summaries import DailyCounts
from ui.widgets.palette import is_dark, muted_colour, tinted

RANGES = (30, 90)


@dataclass(frozen=True)
class TrendLine:
    """One plotted quantity: its key on ``DailyCounts``, its legend label and its colour."""

    key: str
    label: str
    colour: str
    singular: str


# The badge accents (critical red, high orange, low blue): they read on light and dark bases.
LINES = (
    TrendLine("incidents", "Active incidents", "#e5484d", "active incident"),
    TrendLine("blockers", "Active blockers", "#ec7424", "active blocker"),
    TrendLine("status_updates", "Status updates", "#4c8bd6", "status update"),
)


def _msecs(day: dt.date) -> float:
    # Local noon: a DST change never moves a point onto the neighbouring day.
    return float(QDateTime(QDate(day.year, day.month, day.day), QTime(12, 0)).toMSecsSinceEpoch())


def _day_of(msecs: float) -> dt.date:
    value = QDateTime.fromMSecsSinceEpoch(round(msecs)).date()
    return dt.date(value.year(), value.month(), value.day())


def readout_text(counts: DailyCounts) -> str:
    """ "Tue 3 Mar: 4 active incidents · 2 active blockers · 7 status updates"."""
    day = counts.summary_date
    parts = []
    for line in LINES:
        value = getattr(counts, line.key)
        parts.append(f"{value:,} {line.singular if value == 1 else line.label.lower()}")
    return f"{day:%a} {day.day} {day:%b}: " + " · ".join(parts)


class _HoverChartView(QChartView):
    """A chart view that reports the day under the mouse."""

    day_hovered = Signal(object)

    def __init__(self, chart: QChart, parent: QWidget | None = None) -> None:
        super().__init__(chart, parent)
        self.setMouseTracking(True)
        self.setRenderHint(QPainter.RenderHint.Antialiasing)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:  # noqa: N802 (Qt's name)
        """Map the pointer to a day inside the plot area."""
        super().mouseMoveEvent(event)
        chart = self.chart()
        position = self.mapToScene(event.position().toPoint())
        local = chart.mapFromScene(position)
        if chart.plotArea().contains(local):
            self.day_hovered.emit(_day_of(chart.mapToValue(local).x()))

    def leaveEvent(self, event: QEvent) -> None:  # noqa: N802 (Qt's name)
        """Back to the newest day's values."""
        self.day_hovered.emit(None)


class TrendChart(QWidget):
    """Three lines over the last 30 or 90 days, a range choice and a readout of one day."""

    range_changed = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName("Trend chart")
        self._counts: list[DailyCounts] = []
        self._by_day: dict[dt.date, DailyCounts] = {}
        self._today = dt.date.today()
        self._days = RANGES[0]

        title = QLabel("Trend")
        title.setObjectName("cardTitle")
        self.range_box = QComboBox()
        self.range_box.setAccessibleName("Trend period")
        for days in RANGES:
            self.range_box.addItem(f"Last {days} days", days)
        self.range_box.currentIndexChanged.connect(self._on_range_chosen)
        self.readout = QLabel()
        self.readout.setObjectName("trendReadout")
        self.readout.setAccessibleName("Values of the day under the pointer")
        self.readout.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        self.chart = QChart()
        self.chart.setMargins(QMargins(4, 4, 4, 4))
        # The chart's own frame margins would leave a blank band above the legend.
        chart_layout = self.chart.layout()
        if chart_layout is not None:
            chart_layout.setContentsMargins(0, 0, 0, 0)
        self.chart.setBackgroundRoundness(0)
        self.chart.legend().setAlignment(Qt.AlignmentFlag.AlignTop)
        self.series: dict[str, QLineSeries] = {}
        self.x_axis = QDateTimeAxis()
        self.x_axis.setFormat("d MMM")
        self.y_axis = QValueAxis()
        self.y_axis.setLabelFormat("%d")
        self.y_axis.setMinorTickCount(0)
        self.chart.addAxis(self.x_axis, Qt.AlignmentFlag.AlignBottom)
        self.chart.addAxis(self.y_axis, Qt.AlignmentFlag.AlignLeft)
        for line in LINES:
            series = QLineSeries()
            series.setName(line.label)
            series.setPointsVisible(True)
            self.chart.addSeries(series)
            series.attachAxis(self.x_axis)
            series.attachAxis(self.y_axis)
            self.series[line.key] = series
        self.view = _HoverChartView(self.chart)
        self.view.setAccessibleName("Incidents, blockers and status updates per day")
        # Room for the axes and a legend; the dashboard's cards above keep theirs at 1280×800.
        self.view.setMinimumHeight(190)
        self.view.setFrameShape(QFrame.Shape.NoFrame)
        self.view.day_hovered.connect(self.show_day)

        top = QHBoxLayout()
        top.addWidget(title)
        top.addSpacing(12)
        top.addWidget(self.readout, 1)
        top.addWidget(self.range_box)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        layout.addLayout(top)
        layout.addWidget(self.view, 1)
        self.apply_palette()

    @property
    def days(self) -> int:
        """The period shown, in days (30 or 90)."""
        return self._days

    def set_days(self, days: int) -> None:
        """Show the last ``days`` days (30 or 90)."""
        index = self.range_box.findData(days)
        if index >= 0:
            self.range_box.setCurrentIndex(index)

    def set_counts(self, counts: Sequence[DailyCounts], today: dt.date) -> None:
        """Plot these stored days (any order, any span; the period picks what shows)."""
        self._counts = sorted(counts, key=lambda c: c.summary_date)
        self._by_day = {c.summary_date: c for c in self._counts}
        self._today = today
        self._replot()

    def points(self, key: str) -> list[tuple[dt.date, int]]:
        """The plotted (day, value) pairs of one line, oldest first."""
        return [(_day_of(p.x()), round(p.y())) for p in self.series[key].points()]

    def show_day(self, day: object) -> None:
        """Show the values of ``day`` (None: the newest day in the period) in the readout."""
        shown = self._shown()
        counts = self._by_day.get(day) if isinstance(day, dt.date) else None
        if counts is None or counts not in shown:
            counts = shown[-1] if shown else None
        if counts is None:
            self.readout.setText("No daily summaries in this period yet.")
        else:
            self.readout.setText(readout_text(counts))

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 (Qt's name)
        """Follow palette changes (a theme switch)."""
        super().changeEvent(event)
        if event.type() == QEvent.Type.PaletteChange:
            self.apply_palette()

    def apply_palette(self) -> None:
        """Axis, grid and legend colours from the widget's palette (charts ignore it)."""
        palette = self.palette()
        text = palette.color(QPalette.ColorRole.WindowText)
        base = palette.color(QPalette.ColorRole.Base)
        dark = is_dark(palette)
        grid = tinted(text, base, 0.12 if dark else 0.10)
        self.chart.setBackgroundBrush(base)
        self.view.setBackgroundBrush(base)
        self.chart.setBackgroundPen(QPen(Qt.PenStyle.NoPen))
        self.chart.setPlotAreaBackgroundVisible(False)
        self.chart.legend().setLabelColor(text)
        for axis in (self.x_axis, self.y_axis):
            axis.setLabelsColor(text)
            axis.setGridLineColor(grid)
            axis.setLinePenColor(tinted(text, base, 0.35))
        muted = muted_colour(self)
        self.readout.setStyleSheet(
            f"color: rgba({muted.red()}, {muted.green()}, {muted.blue()}, {muted.alpha()});"
        )
        for line in LINES:
            colour = QColor(line.colour)
            if dark:
                # A touch lighter on a dark base so thin lines keep their contrast.
                colour = colour.lighter(115)
            pen = QPen(colour, 2.2)
            pen.setCapStyle(Qt.PenCapStyle.RoundCap)
            series = self.series[line.key]
            series.setPen(pen)
            series.setColor(colour)

    # -- internals ---------------------------------------------------------------------------
    def _first_day(self) -> dt.date:
        return self._today - dt.timedelta(days=self._days - 1)

    def _shown(self) -> list[DailyCounts]:
        first = self._first_day()
        return [c for c in self._counts if first <= c.summary_date <= self._today]

    def _on_range_chosen(self, index: int) -> None:
        days = self.range_box.itemData(index)
        if isinstance(days, int) and days != self._days:
            self._days = days
            self._replot()
            self.range_changed.emit(days)

    def _replot(self) -> None:
        shown = self._shown()
        for line in LINES:
            self.series[line.key].replace(
                [QPointF(_msecs(c.summary_date), getattr(c, line.key)) for c in shown]
            )
            # Points are legible on a month, clutter on a quarter.
            self.series[line.key].setPointsVisible(self._days <= 30)
        first = self._first_day()
        self.x_axis.setRange(
            QDateTime.fromMSecsSinceEpoch(round(_msecs(first))),
            QDateTime.fromMSecsSinceEpoch(round(_msecs(self._today))),
        )
        self.x_axis.setTickCount(7 if self._days <= 30 else 10)
        peak = max((getattr(c, line.key) for c in shown for line in LINES), default=0)
        # Four equal steps of a whole number, so "%d" labels never repeat.
        top = max(4, 4 * math.ceil(peak * 1.1 / 4))
        self.y_axis.setRange(0, top)
        self.y_axis.setTickCount(5)
        self.show_day(None)

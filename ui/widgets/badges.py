"""Badges drawn as pills: the accent colour as a tint, the value's icon shape and its word.

The fill is the accent mixed into the view's base colour and the text uses the palette's
own text colour, so a badge stays readable in light and dark themes alike.
"""

from __future__ import annotations

import math

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRect, QRectF, QSize, Qt
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetrics,
    QPainter,
    QPaintEvent,
    QPalette,
    QPen,
    QPixmap,
)
from PySide6.QtWidgets import (
    QApplication,
    QSizePolicy,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QWidget,
)

from ui.models.badges import Badge
from ui.models.columns import Roles
from ui.models.paged import badge_icon
from ui.widgets.palette import is_dark, tinted

H_PADDING = 7
GAP = 5
MARGIN = 4


def badge_width(badge: Badge, font: QFont) -> int:
    """The width of a pill showing ``badge`` in ``font``."""
    metrics = QFontMetrics(font)
    return (
        H_PADDING + _icon_extent(metrics) + GAP + metrics.horizontalAdvance(badge.text) + H_PADDING
    )


def _icon_extent(metrics: QFontMetrics) -> int:
    return max(12, metrics.height() - 3)


# Finished pills by everything that shapes their pixels; a list repaints the same few
# badges over and over (every scroll step, every reload), so each is drawn once.
_PILL_CACHE_MAX = 512
_pills: dict[tuple[object, ...], QPixmap] = {}


def paint_badge(
    painter: QPainter, rect: QRect, badge: Badge, palette: QPalette, font: QFont
) -> None:
    """Paint a pill for ``badge`` at the left of ``rect``, vertically centred."""
    metrics = QFontMetrics(font)
    height = min(rect.height() - 2, metrics.height() + 6)
    width = min(badge_width(badge, font), rect.width() - 2 * MARGIN)
    if width <= 0 or height <= 0:
        return
    left = rect.left() + MARGIN
    top = rect.center().y() - height / 2 + 0.5
    # The pixmap starts a pixel above and left of the pill, so its 1 px border (drawn
    # half outside the pill's edge) is kept; the pill keeps its sub-pixel offset in it.
    origin_y = math.floor(top) - 1
    offset_y = top - origin_y
    device = painter.device()
    ratio = device.devicePixelRatioF() if device is not None else 1.0
    base = palette.color(QPalette.ColorRole.Base)
    text = palette.color(QPalette.ColorRole.Text)
    key = (
        badge.text,
        badge.colour,
        badge.icon,
        width,
        height,
        offset_y,
        base.rgba(),
        text.rgba(),
        font.key(),
        ratio,
    )
    pixmap = _pills.get(key)
    if pixmap is None:
        pixmap = _draw_pill(badge, width, height, offset_y, palette, font, ratio)
        if len(_pills) >= _PILL_CACHE_MAX:
            _pills.clear()
        _pills[key] = pixmap
    painter.drawPixmap(left - 1, origin_y, pixmap)


def _draw_pill(
    badge: Badge,
    width: int,
    height: int,
    offset_y: float,
    palette: QPalette,
    font: QFont,
    ratio: float,
) -> QPixmap:
    """The pill on a transparent pixmap: its tinted fill, border, icon and word."""
    metrics = QFontMetrics(font)
    accent = QColor(badge.colour)
    base = palette.color(QPalette.ColorRole.Base)
    dark = is_dark(palette)
    fill = tinted(accent, base, 0.30 if dark else 0.18)
    border = tinted(accent, base, 0.85 if dark else 0.70)
    pixmap = QPixmap(
        math.ceil((width + 2) * ratio), math.ceil((height + math.ceil(offset_y) + 1) * ratio)
    )
    pixmap.setDevicePixelRatio(ratio)
    pixmap.fill(Qt.GlobalColor.transparent)
    pill = QRectF(1, offset_y, width, height)
    painter = QPainter(pixmap)
    try:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(QPen(border, 1))
        painter.setBrush(fill)
        painter.drawRoundedRect(pill, height / 2, height / 2)
        extent = _icon_extent(metrics)
        icon_rect = QRect(
            round(pill.left()) + H_PADDING, round(pill.center().y() - extent / 2), extent, extent
        )
        badge_icon(badge.icon).paint(painter, icon_rect)
        text_left = icon_rect.right() + GAP
        text_rect = QRect(
            text_left, round(pill.top()), max(0, round(pill.right()) - text_left - 2), height
        )
        painter.setFont(font)
        painter.setPen(palette.color(QPalette.ColorRole.Text))
        text = metrics.elidedText(badge.text, Qt.TextElideMode.ElideRight, text_rect.width())
        painter.drawText(
            text_rect, Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft, text
        )
    finally:
        painter.end()
    return pixmap


class BadgeDelegate(QStyledItemDelegate):
    """Paints a column's ``Roles.BADGE`` value as a pill (selection drawn by the style)."""

    def paint(
        self,
        painter: QPainter,
        option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
    ) -> None:
        """Draw the cell background and selection, then the pill."""
        badge = index.data(Roles.BADGE)
        if not isinstance(badge, Badge):
            super().paint(painter, option, index)
            return
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        opt.text = ""
        opt.icon = badge_icon("")
        widget = opt.widget
        style = widget.style() if widget is not None else QApplication.style()
        style.drawControl(QStyle.ControlElement.CE_ItemViewItem, opt, painter, widget)
        paint_badge(painter, opt.rect, badge, opt.palette, opt.font)

    def sizeHint(  # noqa: N802 (Qt's name)
        self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> QSize:
        """Room for the pill and its margins."""
        hint = super().sizeHint(option, index)
        badge = index.data(Roles.BADGE)
        if isinstance(badge, Badge):
            hint.setWidth(badge_width(badge, option.font) + 2 * MARGIN)
        return hint


class BadgeLabel(QWidget):
    """One badge as a widget, for editor headers."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._badge: Badge | None = None
        self.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)

    @property
    def badge(self) -> Badge | None:
        """The badge shown, if any."""
        return self._badge

    def set_badge(self, badge: Badge | None, *, prefix: str = "") -> None:
        """Show ``badge`` (None hides the widget); ``prefix`` names it for screen readers."""
        self._badge = badge
        self.setVisible(badge is not None)
        if badge is not None:
            self.setAccessibleName(f"{prefix}{badge.text}")
            self.setToolTip(f"{prefix}{badge.text}")
        self.updateGeometry()
        self.update()

    def sizeHint(self) -> QSize:  # noqa: N802 (Qt's name)
        """Exactly the pill."""
        if self._badge is None:
            return QSize(0, 0)
        height = self.fontMetrics().height() + 8
        return QSize(badge_width(self._badge, self.font()) + 2 * MARGIN, height)

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 (Qt's name)
        """Paint the pill."""
        if self._badge is None:
            return
        painter = QPainter(self)
        paint_badge(painter, self.rect(), self._badge, self.palette(), self.font())
        painter.end()

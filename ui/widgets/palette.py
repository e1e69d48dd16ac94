"""Colours that follow the current palette, so light and dark themes both stay readable."""

from __future__ import annotations

from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication, QWidget

ERROR_LIGHT = "#c62828"
ERROR_DARK = "#ff7b72"


def is_dark(palette: QPalette | None = None) -> bool:
    """Whether the palette draws light text on a dark window."""
    palette = palette or QApplication.palette()
    window = palette.color(QPalette.ColorRole.Window)
    text = palette.color(QPalette.ColorRole.WindowText)
    return window.lightness() < text.lightness()


def error_colour(widget: QWidget | None = None) -> QColor:
    """Red that reads on the widget's background (rules broken, limits passed)."""
    palette = widget.palette() if widget is not None else QApplication.palette()
    return QColor(ERROR_DARK if is_dark(palette) else ERROR_LIGHT)


def muted_colour(widget: QWidget | None = None) -> QColor:
    """Secondary text: metadata lines, counters under the limit."""
    palette = widget.palette() if widget is not None else QApplication.palette()
    return palette.color(QPalette.ColorGroup.Active, QPalette.ColorRole.PlaceholderText)


def tinted(accent: QColor, base: QColor, amount: float) -> QColor:
    """``accent`` mixed into ``base`` (0 = base, 1 = accent), for badge fills on any theme."""
    return QColor(
        round(base.red() + (accent.red() - base.red()) * amount),
        round(base.green() + (accent.green() - base.green()) * amount),
        round(base.blue() + (accent.blue() - base.blue()) * amount),
    )

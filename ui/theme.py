"""Light and dark themes: follow the system (Qt 6.5+ colour scheme) or a manual override."""

from __future__ import annotations

from enum import StrEnum

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication, QStyleFactory


class Theme(StrEnum):
    """The person's choice in View → Theme."""

    SYSTEM = "system"
    LIGHT = "light"
    DARK = "dark"


THEME_KEY = "appearance/theme"


def dark_palette() -> QPalette:
    """A dark Fusion palette like the ones desktop themes use."""
    palette = QPalette()
    colours = {
        QPalette.ColorRole.Window: "#2b2d30",
        QPalette.ColorRole.WindowText: "#e6e6e6",
        QPalette.ColorRole.Base: "#1e1f22",
        QPalette.ColorRole.AlternateBase: "#26282b",
        QPalette.ColorRole.ToolTipBase: "#3c3f41",
        QPalette.ColorRole.ToolTipText: "#e6e6e6",
        QPalette.ColorRole.PlaceholderText: "#8c8f94",
        QPalette.ColorRole.Text: "#e6e6e6",
        QPalette.ColorRole.Button: "#3c3f41",
        QPalette.ColorRole.ButtonText: "#e6e6e6",
        QPalette.ColorRole.BrightText: "#ff6b6b",
        QPalette.ColorRole.Light: "#4a4d50",
        QPalette.ColorRole.Midlight: "#3f4245",
        QPalette.ColorRole.Mid: "#55585c",
        QPalette.ColorRole.Dark: "#1b1c1e",
        QPalette.ColorRole.Shadow: "#111111",
        QPalette.ColorRole.Highlight: "#2f65ca",
        QPalette.ColorRole.HighlightedText: "#ffffff",
        QPalette.ColorRole.Link: "#6ea8ff",
        QPalette.ColorRole.LinkVisited: "#b18cff",
    }
    for role, colour in colours.items():
        palette.setColor(role, QColor(colour))
    for role in (
        QPalette.ColorRole.Text,
        QPalette.ColorRole.ButtonText,
        QPalette.ColorRole.WindowText,
    ):
        palette.setColor(QPalette.ColorGroup.Disabled, role, QColor("#77797c"))
    return palette


def light_palette() -> QPalette:
    """The style's own light palette."""
    return QApplication.style().standardPalette()


def parse_theme(value: object) -> Theme:
    """A stored choice, or System for anything unknown."""
    try:
        return Theme(str(value))
    except ValueError:
        return Theme.SYSTEM


# The palette the platform gave the application, captured before any override: what
# "System" goes back to (captured once, as later managers would see an override).
_system_palette: list[QPalette] = []


def _is_dark(palette: QPalette) -> bool:
    window = palette.color(QPalette.ColorRole.Window)
    text = palette.color(QPalette.ColorRole.WindowText)
    return window.lightness() < text.lightness()


class ThemeManager(QObject):
    """Applies the chosen theme to the application and follows the system while on System."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        app = QApplication.instance()
        assert isinstance(app, QApplication)
        self.app = app
        if not _system_palette:
            _system_palette.append(QPalette(app.palette()))
        self.theme = Theme.SYSTEM
        QGuiApplication.styleHints().colorSchemeChanged.connect(self._on_scheme_changed)

    def system_is_dark(self) -> bool:
        """Whether the desktop asks for a dark appearance."""
        return QGuiApplication.styleHints().colorScheme() == Qt.ColorScheme.Dark

    def apply(self, theme: Theme) -> None:
        """Switch the application's palette to ``theme``."""
        self.theme = theme
        system = _system_palette[0]
        dark = self.system_is_dark() if theme is Theme.SYSTEM else theme is Theme.DARK
        if _is_dark(system) == dark:
            palette = system
        else:
            palette = dark_palette() if dark else light_palette()
        if dark and self.app.style().name().lower() != "fusion":
            # Native styles (Windows) ignore a custom palette: Fusion honours it everywhere.
            fusion = QStyleFactory.create("Fusion")
            if fusion is not None:
                self.app.setStyle(fusion)
        self.app.setPalette(palette)
        sheet = self.app.styleSheet()
        if sheet:
            # With a style sheet, widgets keep the palette they were polished with: the
            # window's Database page, built before the theme was applied, stayed black on dark.
            # Setting the sheet again polishes every widget with the new palette.
            self.app.setStyleSheet(sheet)

    def is_dark(self) -> bool:
        """Whether the palette applied now is dark."""
        return _is_dark(self.app.palette())

    def _on_scheme_changed(self, _scheme: Qt.ColorScheme) -> None:
        if self.theme is Theme.SYSTEM:
            self.apply(Theme.SYSTEM)

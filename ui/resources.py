"""Finding the files of ``resources/``: icons, the style sheet and the desktop entry.

Installed from the wheel or frozen by PyInstaller they sit in ``ui/resources`` beside this
package; in a source checkout they are the repository's ``resources/`` folder.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtGui import QIcon

APP_ICON = "icons/asyncops-desktop.svg"
STYLE_SHEET = "style.qss"
DESKTOP_ENTRY = "asyncops-desktop.desktop"


def resources_dir() -> Path:
    """The resources folder of this installation (raises FileNotFoundError when missing)."""
    here = Path(__file__).resolve().parent
    for candidate in (here / "resources", here.parent / "resources"):
        # The app icon marks a real resources folder, not an unrelated one of the same name.
        if (candidate / APP_ICON).is_file():
            return candidate
    raise FileNotFoundError(f"The resources folder is missing (looked beside {here}).")


def resource_path(relative: str) -> Path:
    """The path of one resource file, e.g. ``icons/asyncops-desktop.svg``."""
    return resources_dir() / relative


def app_icon() -> QIcon:
    """The application icon (an empty icon if the resources are missing)."""
    try:
        return QIcon(str(resource_path(APP_ICON)))
    except FileNotFoundError:
        return QIcon()


def style_sheet() -> str:
    """The app's style sheet, or an empty one if it is missing."""
    try:
        return resource_path(STYLE_SHEET).read_text(encoding="utf-8")
    except FileNotFoundError:
        return ""

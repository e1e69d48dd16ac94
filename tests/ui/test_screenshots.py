"""The screenshot generator renders every page and dialog as real, non-blank pictures.

SQLite only: the generator is a rendering tool that always builds its own throw-away SQLite
databases (sample data, a first admin, an empty one), whatever database the suite runs on.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtGui import QImage
from pytestqt.qtbot import QtBot

from ui.screenshots import PAGES, WINDOW_SIZE, generate

# The dialogs and panels beside the pages, each saved as "<name>-<theme>.png".
DIALOGS = (
    "sign-in",
    "welcome",
    "connect",
    "profile-editor",
    "user-editor",
    "decision-history",
    "decision-conflict",
    "decisions-export",
    "decisions-import",
    "offline-sync",
    "offline-sync-conflict",
)
# Whole-window pictures, at the window size.
WINDOWS = (
    *PAGES.values(),
    *(f"{slug}-empty" for slug in PAGES.values()),
    "database",
    "offline",
)
# A real screen has text, badges and borders: far more colours than a blank or one-colour grab.
MIN_COLOURS = 24


def distinct_colours(image: QImage, step: int = 3) -> int:
    """How many distinct colours a grid of sampled pixels holds."""
    return len(
        {
            image.pixel(x, y)
            for y in range(0, image.height(), step)
            for x in range(0, image.width(), step)
        }
    )


def test_light_theme_at_the_smallest_scale(qtbot: QtBot, tmp_path: Path) -> None:
    out = tmp_path / "shots"
    written = generate(out, scale=1, themes=["light"], work_dir=tmp_path)

    expected = {f"{name}-light.png" for name in (*WINDOWS, *DIALOGS)}
    assert {path.name for path in written} == expected
    assert {path.name for path in out.iterdir()} == expected
    for path in written:
        image = QImage(str(path))
        assert not image.isNull(), f"{path.name} is not a readable image"
        name = path.name.removesuffix("-light.png")
        if name in WINDOWS:
            assert image.size() == WINDOW_SIZE, f"{path.name} is {image.size()}"
        else:
            assert 200 <= image.width() <= WINDOW_SIZE.width(), f"{path.name} is {image.size()}"
            assert 60 <= image.height() <= WINDOW_SIZE.height(), f"{path.name} is {image.size()}"
        colours = distinct_colours(image)
        assert colours > MIN_COLOURS, f"{path.name} looks blank ({colours} colours)"

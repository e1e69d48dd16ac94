"""``python -m ui.qt_selftest``: can Qt start here? Run in a child process by ``doctor``.

The core never imports Qt, so the doctor asks a separate process. It prints ``key: value``
lines; a missing platform plugin or display makes Qt abort, which the parent reports.
"""

from __future__ import annotations

import sys

import PySide6
from PySide6.QtCore import qVersion
from PySide6.QtGui import QGuiApplication, QImageReader


def main() -> int:
    """Start a QGuiApplication with the configured platform plugin and describe it."""
    app = QGuiApplication(sys.argv[:1])
    formats = {bytes(fmt.data()).decode() for fmt in QImageReader.supportedImageFormats()}
    print(f"platform: {app.platformName()}")
    print(f"qt: {qVersion()}")
    print(f"pyside6: {PySide6.__version__}")
    print(f"svg: {'yes' if 'svg' in formats else 'no'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Entry script of the PyInstaller bundle.

In a bundle ``sys.executable`` is the app itself, so ``doctor`` cannot run
``python -m ui.qt_selftest``; it runs the app with ``--qt-selftest`` instead.
"""

from __future__ import annotations

import sys

QT_SELFTEST_FLAG = "--qt-selftest"


def main() -> int:
    """Run the Qt self-test when asked to, else the normal launcher."""
    if sys.argv[1:] == [QT_SELFTEST_FLAG]:
        from ui.qt_selftest import main as qt_selftest

        return qt_selftest()
    from ui.launcher import main as launch

    return launch()


if __name__ == "__main__":
    raise SystemExit(main())

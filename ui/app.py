"""Starting and ending the GUI: the application object, the window and the database worker.

Start-up never blocks on the database: the window appears at once in a "Connecting…" state
while the worker thread opens the database (creating and migrating an embedded file on
first launch); the result arrives by signal. A database the app cannot use is explained in
one sentence in a message box, and the app then exits with a non-zero code.
"""

from __future__ import annotations

import sys

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QApplication, QMessageBox

from asyncops_desktop import APP_AUTHOR, APP_NAME, __version__
from asyncops_desktop.db import resolve_database_url
from asyncops_desktop.domain.errors import AsyncOpsError
from ui.connection import ConnectionInfo, DatabaseHandle, display_location
from ui.main_window import MainWindow
from ui.resources import app_icon, style_sheet
from ui.worker import DatabaseWorker

EXIT_OK = 0
EXIT_FAILED = 1
DESKTOP_FILE_NAME = "asyncops-desktop"


class AppController(QObject):
    """Owns the window, the database worker and the database handle; decides the exit code."""

    database_opened = Signal(object)
    open_failed = Signal(str)
    counts_refreshed = Signal(object)
    # The exit code, once the window is closed and the database worker has stopped.
    finished = Signal(int)

    def __init__(self, db_url: str | None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.db_url = db_url
        self.url: str | None = None
        self.window = MainWindow()
        self.worker = DatabaseWorker(self)
        self.handle: DatabaseHandle | None = None
        self.error_box: QMessageBox | None = None
        self.exit_code: int | None = None
        self.window.closed.connect(self._on_window_closed)
        self.window.overview.refresh_requested.connect(self.refresh)
        self.worker.stopped.connect(self._on_worker_stopped)

    def start(self) -> None:
        """Show the window and start opening the database."""
        self.window.show()
        try:
            self.url = resolve_database_url(self.db_url)
        except AsyncOpsError as exc:
            self._fail(str(exc))
            return
        location = display_location(self.url)
        self.window.show_connecting(location)
        self.handle = DatabaseHandle(self.url)
        self.worker.submit(self.handle.open, self._on_opened, self._fail)

    def refresh(self) -> None:
        """Read the schema revision and row counts again."""
        if self.handle is None or self.exit_code is not None:
            return
        self.window.overview.show_refreshing()
        self.worker.submit(self.handle.describe, self._on_refreshed, self._on_refresh_failed)

    def quit(self) -> None:
        """Close the window, which closes the database and ends the app."""
        self.window.close()

    def _on_opened(self, info: ConnectionInfo) -> None:
        if self.exit_code is not None:
            return
        self.window.show_connected(info)
        self.database_opened.emit(info)

    def _on_refreshed(self, info: ConnectionInfo) -> None:
        if self.exit_code is not None:
            return
        self.window.show_connected(info)
        self.counts_refreshed.emit(info)

    def _on_refresh_failed(self, message: str) -> None:
        if self.exit_code is not None:
            return
        self.window.overview.show_error(message)
        self.window.statusBar().showMessage(message, 15_000)

    def _fail(self, message: str) -> None:
        if self.exit_code is not None:
            return
        self.window.show_failed(message)
        box = QMessageBox(
            QMessageBox.Icon.Critical,
            "Cannot open the database",
            message,
            QMessageBox.StandardButton.Close,
            self.window,
        )
        box.setObjectName("openErrorBox")
        box.setInformativeText(f"{APP_NAME} will close.")
        # open(), not exec(): no nested event loop, so tests and the worker keep running.
        box.finished.connect(self._on_error_acknowledged)
        self.error_box = box
        self.open_failed.emit(message)
        box.open()

    def _on_error_acknowledged(self) -> None:
        self._shutdown(EXIT_FAILED)

    def _on_window_closed(self) -> None:
        self._shutdown(EXIT_OK)

    def _shutdown(self, code: int) -> None:
        if self.exit_code is not None:
            return
        self.exit_code = code
        if self.window.isVisible():
            self.window.close()
        handle = self.handle
        # Disposing runs on the worker, after any job still under way, so a slow server
        # cannot freeze the closing window.
        self.worker.stop(handle.close if handle is not None else None)

    def _on_worker_stopped(self) -> None:
        self.finished.emit(self.exit_code if self.exit_code is not None else EXIT_OK)


def application() -> QApplication:
    """The QApplication, created and named on first use."""
    QApplication.setApplicationName(APP_NAME)
    QApplication.setOrganizationName(APP_AUTHOR)
    QApplication.setApplicationVersion(__version__)
    existing = QApplication.instance()
    app = existing if isinstance(existing, QApplication) else QApplication(sys.argv[:1])
    app.setDesktopFileName(DESKTOP_FILE_NAME)
    app.setWindowIcon(app_icon())
    app.setStyleSheet(style_sheet())
    # The controller ends the app once the database is closed, not the last window.
    app.setQuitOnLastWindowClosed(False)
    return app


def run_gui(db_url: str | None) -> int:
    """Open the main window on the chosen database; returns the process exit code."""
    app = application()
    controller = AppController(db_url)
    controller.finished.connect(app.exit)
    controller.start()
    return app.exec()

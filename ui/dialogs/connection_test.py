""" "Test connection" off the GUI thread: a short-lived database worker per test.

A test may outlive the dialog that started it (Cancel works while a server is slow to
answer), so each test keeps itself alive until its thread has ended and only then lets go.
The app waits for tests still running before it exits.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QDeadlineTimer, QEventLoop, QObject, QTimer, Signal
from PySide6.QtWidgets import QHBoxLayout, QPushButton

from ui.connection import ConnectionCheck, check_connection
from ui.dialogs.common import BusyBar, MessageLabel
from ui.worker import DatabaseWorker

TIMEOUT_S = 5

_running: set[ConnectionTest] = set()


class ConnectionTest(QObject):
    """Tries one URL on its own thread; ``finished`` carries the ConnectionCheck."""

    finished = Signal(object)

    def __init__(self, url: str, *, timeout_s: int | None = None) -> None:
        # No parent: the dialog that asked may close before the answer comes.
        super().__init__()
        seconds = TIMEOUT_S if timeout_s is None else timeout_s
        self.result: ConnectionCheck | None = None
        self._worker = DatabaseWorker(self)
        self._worker.stopped.connect(self._on_stopped)
        _running.add(self)
        self._worker.submit(
            lambda: check_connection(url, timeout_s=seconds), self._on_checked, self._on_failed
        )
        self._worker.stop()

    def _on_checked(self, check: ConnectionCheck) -> None:
        self.result = check
        self.finished.emit(check)

    def _on_failed(self, message: str) -> None:
        self._on_checked(ConnectionCheck(False, message))

    def _on_stopped(self) -> None:
        # Let go once the worker's signal has returned, not from inside it.
        QTimer.singleShot(0, self._forget)

    def _forget(self) -> None:
        _running.discard(self)


def connection_tests_running() -> int:
    """How many tests have not ended yet."""
    return len(_running)


def wait_for_connection_tests(timeout_ms: int = (TIMEOUT_S + 5) * 1000) -> bool:
    """Let running tests end (their threads must not outlive the app); True if they did."""
    deadline = QDeadlineTimer(timeout_ms)
    loop = QEventLoop()
    while _running and not deadline.hasExpired():
        QTimer.singleShot(20, loop.quit)
        loop.exec()
    return not _running


class TestConnectionControls(QObject):
    """The Test connection button, a busy bar beside it and the one-sentence answer below."""

    def __init__(self, start: Callable[[], None], parent: QObject) -> None:
        # A child of the dialog: the answer is dropped with it if the dialog goes first.
        super().__init__(parent)
        self.button = QPushButton("&Test connection")
        self.button.setAccessibleName("Test connection")
        self.button.clicked.connect(start)
        self.busy = BusyBar("Testing the connection")
        self.result = MessageLabel("Test result")
        self.result.setObjectName("testResult")
        self.row = QHBoxLayout()
        self.row.addWidget(self.button)
        self.row.addWidget(self.busy, 1)
        self.test: ConnectionTest | None = None

    def run(self, url: str) -> None:
        """Start a test of ``url``; the answer replaces the note when it comes."""
        self.button.setEnabled(False)
        self.busy.start()
        self.result.show_note("Testing the connection…")
        self.test = ConnectionTest(url)
        self.test.finished.connect(self._on_tested)

    def _on_tested(self, check: ConnectionCheck) -> None:
        self.busy.stop()
        self.button.setEnabled(True)
        if check.usable:
            self.result.show_success(check.sentence)
        else:
            self.result.show_error(check.sentence)

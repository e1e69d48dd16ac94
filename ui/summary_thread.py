"""The launch backfill of daily summaries, on its own thread with its own database engine.

The database worker serialises the user's jobs; a 90-day backfill must not hold them up, so
(DESIGN rule 6) the summary job runs in a separate ``QThread`` that opens its own ``Database``
(its own engine, pool and sessions) from the same URL. ``SummaryRunner`` is the small object
the main window keeps: ``start()`` once the window is shown, ``cancel()`` from the status bar,
``shutdown()`` before the database closes. Its signals arrive on the GUI thread.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable

from PySide6.QtCore import QObject, QThread, Signal, Slot
from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QPushButton, QWidget

from asyncops_desktop.db import Database
from asyncops_desktop.domain.models import utcnow
from asyncops_desktop.summaries import BackfillResult, backfill
from ui.context import AppContext
from ui.worker import error_sentence, is_connection_lost

logger = logging.getLogger(__name__)

SHUTDOWN_TIMEOUT_MS = 5_000
"""How long closing the window waits for the day in hand (one day takes well under a second)."""

# Threads that outlived their shutdown wait: kept referenced until they end, so Qt never
# destroys a running QThread ("QThread: Destroyed while thread is still running" aborts).
_stragglers: set[QThread] = set()


def utc_today() -> dt.date:
    """Today as summaries count days (UTC)."""
    return utcnow().date()


class SummaryThread(QThread):
    """Runs ``backfill`` once on a database engine of its own; cancellable between days."""

    # done, total, the day just finished (None for the first report)
    progressed = Signal(int, int, object)
    # a day's summary was stored (dt.date)
    day_stored = Signal(object)
    # the run ended with an error sentence (finished days stay stored), and whether it ended
    # because the database could not be reached
    failed = Signal(str, bool)
    # the run ended normally or by cancellation (BackfillResult)
    completed = Signal(object)

    def __init__(self, url: str, today: dt.date, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("summary-backfill")
        self._url = url
        self._today = today

    def run(self) -> None:
        """Compute the missing days (runs on the new thread)."""
        database: Database | None = None
        try:
            database = Database(self._url)
            result = backfill(
                database,
                self._today,
                progress=self._report,
                should_cancel=self.isInterruptionRequested,
            )
        except Exception as exc:
            logger.warning("Daily summaries failed: %s", exc)
            self.failed.emit(error_sentence(exc), is_connection_lost(exc))
        else:
            self.completed.emit(result)
        finally:
            if database is not None:
                database.dispose()

    def _report(self, done: int, total: int, day: dt.date | None) -> None:
        self.progressed.emit(done, total, day)
        if day is not None:
            self.day_stored.emit(day)


class SummaryRunner(QObject):
    """Starts, cancels and stops the summary backfill; re-emits its reports on the GUI thread."""

    # done, total: "day done of total" (0 of N when it starts)
    progressed = Signal(int, int)
    # a day's summary was stored (dt.date); today's comes last
    summary_ready = Signal(object)
    # one sentence; the app goes on, earlier days stay stored
    failed = Signal(str)
    # the run ended (BackfillResult; ``cancelled`` tells a cancel apart)
    finished = Signal(object)
    # a run began
    started = Signal()

    def __init__(
        self,
        source: AppContext | str,
        parent: QObject | None = None,
        *,
        today: Callable[[], dt.date] = utc_today,
    ) -> None:
        super().__init__(parent)
        # The handle's URL carries the password the window connected with; it stays in memory.
        self._url = source.handle.url if isinstance(source, AppContext) else source
        # Told when a run loses the server, so the window's connection indicator covers it.
        self._context = source if isinstance(source, AppContext) else None
        self._today = today
        self._thread: SummaryThread | None = None
        self._closed = False
        # A failure reported by the thread (and whether the server was lost), passed on once
        # the thread has ended.
        self._failure: tuple[str, bool] | None = None
        self.last_result: BackfillResult | None = None
        self.last_error: str | None = None
        self.progress: tuple[int, int] = (0, 0)

    @property
    def is_running(self) -> bool:
        """True while a backfill runs."""
        return self._thread is not None and self._thread.isRunning()

    @property
    def is_cancelling(self) -> bool:
        """True between a cancel request and the end of the run."""
        return (
            self.is_running and self._thread is not None and self._thread.isInterruptionRequested()
        )

    def start(self) -> bool:
        """Begin a backfill through today; False if one is running or the runner was shut down."""
        if self._closed or self.is_running:
            return False
        thread = SummaryThread(self._url, self._today(), self)
        # Methods of this GUI-thread object, so each report is queued to the GUI thread.
        thread.progressed.connect(self._on_progressed)
        thread.day_stored.connect(self._on_day_stored)
        thread.failed.connect(self._on_failed)
        thread.completed.connect(self._on_completed)
        thread.finished.connect(self._on_thread_finished)
        self._thread = thread
        self.last_error = None
        self._failure = None
        self.progress = (0, 0)
        thread.start(QThread.Priority.LowPriority)
        self.started.emit()
        return True

    def cancel(self) -> None:
        """Stop after the day in hand (finished days stay stored); ``finished`` follows."""
        if self._thread is not None:
            self._thread.requestInterruption()

    def shutdown(self, timeout_ms: int = SHUTDOWN_TIMEOUT_MS) -> bool:
        """Stop for good (window closing): cancel, wait up to ``timeout_ms``; True if it ended."""
        self._closed = True
        thread = self._thread
        if thread is None:
            return True
        thread.requestInterruption()
        ended = thread.wait(timeout_ms)
        if not ended:
            # A query still runs on a slow server: keep the thread alive on its own rather
            # than destroy it running; it ends after its current day.
            logger.warning("The summary thread is still busy; leaving it to finish.")
            thread.setParent(None)
            _stragglers.add(thread)
            thread.finished.connect(thread.deleteLater)
            thread.destroyed.connect(lambda *_: _stragglers.discard(thread))
        self._thread = None
        return ended

    # -- reports from the thread (queued to the GUI thread) --------------------------------
    @Slot(int, int, object)
    def _on_progressed(self, done: int, total: int, _day: object) -> None:
        if self._closed:
            return
        self.progress = (done, total)
        self.progressed.emit(done, total)

    @Slot(object)
    def _on_day_stored(self, day: object) -> None:
        if not self._closed:
            self.summary_ready.emit(day)

    @Slot(str, bool)
    def _on_failed(self, message: str, lost: bool) -> None:
        if self._closed:
            return
        self.last_error = message
        # Told once the thread has ended, so listeners no longer see a backfill running.
        self._failure = (message, lost)

    @Slot(object)
    def _on_completed(self, result: object) -> None:
        if self._closed or not isinstance(result, BackfillResult):
            return
        self.last_result = result
        self.finished.emit(result)

    @Slot()
    def _on_thread_finished(self) -> None:
        thread = self.sender()
        if isinstance(thread, SummaryThread):
            thread.wait()
            if thread is self._thread:
                self._thread = None
            thread.deleteLater()
        failure, self._failure = self._failure, None
        if failure is not None and not self._closed:
            message, lost = failure
            self.failed.emit(message)
            if lost and self._context is not None:
                self._context.report_connection_lost(message)


def progress_text(done: int, total: int) -> str:
    """The status-bar sentence for a running backfill: "Daily summaries: day 3 of 12…"."""
    if total <= 0:
        return "Daily summaries: checking which days are missing…"
    if total == 1:
        return "Daily summaries: computing today…"
    return f"Daily summaries: day {min(done + 1, total):,} of {total:,}…"


def finished_text(result: BackfillResult) -> str:
    """The status-bar sentence once a backfill ended."""
    count = len(result.computed)
    noun = "summary" if count == 1 else "summaries"
    if result.cancelled:
        return (
            f"Daily summaries cancelled after {count:,} {noun}; the rest are computed next launch."
        )
    return f"Daily summaries up to date ({count:,} {noun} computed)."


class SummaryStatus(QWidget):
    """A status-bar widget for a runner: "day n of N" with a bar and Cancel; failures with Retry."""

    # a sentence for the status bar's temporary message (finished, cancelled)
    status_message = Signal(str)

    def __init__(self, runner: SummaryRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.runner = runner
        self.setAccessibleName("Daily summaries progress")
        self.label = QLabel()
        self.label.setAccessibleName("Daily summaries status")
        self.bar = QProgressBar()
        self.bar.setAccessibleName("Daily summaries computed")
        self.bar.setMaximumWidth(120)
        self.bar.setMaximumHeight(14)
        self.bar.setTextVisible(False)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setAccessibleName("Cancel computing daily summaries")
        self.cancel_button.setToolTip(
            "Stop after the day being computed; the rest follow next launch"
        )
        self.cancel_button.clicked.connect(self._cancel)
        self.retry_button = QPushButton("Retry")
        self.retry_button.setAccessibleName("Retry computing daily summaries")
        self.retry_button.clicked.connect(runner.start)
        self.dismiss_button = QPushButton("Dismiss")
        self.dismiss_button.setAccessibleName("Dismiss the daily summaries message")
        self.dismiss_button.clicked.connect(self.hide)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(6)
        layout.addWidget(self.label)
        layout.addWidget(self.bar)
        layout.addWidget(self.cancel_button)
        layout.addWidget(self.retry_button)
        layout.addWidget(self.dismiss_button)
        runner.started.connect(self._on_started)
        runner.progressed.connect(self._on_progressed)
        runner.failed.connect(self._on_failed)
        runner.finished.connect(self._on_finished)
        self.hide()

    @Slot()
    def _on_started(self) -> None:
        self._on_progressed(0, 0)

    @Slot(int, int)
    def _on_progressed(self, done: int, total: int) -> None:
        self.label.setText(progress_text(done, total))
        self.bar.setRange(0, max(total, 0))
        self.bar.setValue(done)
        self.bar.show()
        self.cancel_button.show()
        self.cancel_button.setEnabled(not self.runner.is_cancelling)
        self.retry_button.hide()
        self.dismiss_button.hide()
        self.show()

    @Slot()
    def _cancel(self) -> None:
        self.cancel_button.setEnabled(False)
        self.label.setText("Daily summaries: stopping after this day…")
        self.runner.cancel()

    @Slot(str)
    def _on_failed(self, message: str) -> None:
        self.label.setText(f"Daily summaries could not be computed: {message}")
        self.label.setToolTip(message)
        self.bar.hide()
        self.cancel_button.hide()
        self.retry_button.show()
        self.dismiss_button.show()
        self.show()

    @Slot(object)
    def _on_finished(self, result: object) -> None:
        self.hide()
        if isinstance(result, BackfillResult):
            self.status_message.emit(finished_text(result))

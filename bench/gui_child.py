"""Child processes of the GUI benchmark, each printing one JSON line on standard output.

- ``bare``: the floor of any Qt start-up: a bare PySide6 process that shows a window with an
  empty ``QTableView``; it reports when that view has painted (time, CPU, resident memory).
- ``scroll``: the Status updates page over a database (``--url``, signed in with
  ``--token``) on the real database worker; once the first rows are painted it scrolls to
  the bottom again and again, as a person dragging the scroll bar does, until row
  ``--row`` exists, shows it, and reports the pages fetched, the rows held and the
  resident memory.

Run by ``python -m bench.gui``; not meant to be started by hand.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import resource
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication, QMainWindow, QTableView, QWidget


def memory_kb() -> tuple[int, int]:
    """Resident memory now and at its peak, in KB."""
    peak = int(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
    now = peak
    with contextlib.suppress(OSError, ValueError):
        for line in Path("/proc/self/status").read_text(encoding="ascii").splitlines():
            if line.startswith("VmRSS:"):
                now = int(line.split()[1])
    return now, peak


def report(**fields: Any) -> None:
    """One JSON line with the time, CPU and memory now."""
    now, peak = memory_kb()
    times = os.times()
    fields.update(epoch=time.time(), cpu_s=times.user + times.system, rss_kb=now, peak_rss_kb=peak)
    sys.stdout.write(json.dumps(fields) + "\n")
    sys.stdout.flush()


class PaintWatch(QObject):
    """Calls ``then`` once, after the first paint of ``widget`` for which ``ready()`` holds."""

    def __init__(self, widget: QWidget, ready: Callable[[], bool], then: Callable[[], None]):
        super().__init__(widget)
        self.widget, self.ready, self.then = widget, ready, then
        self.done = False
        widget.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt's name)
        """Note the paint; act once it has been handled."""
        if not self.done and event.type() == QEvent.Type.Paint and self.ready():
            self.done = True
            QTimer.singleShot(0, self.then)
        return False


def bare() -> int:
    """Show an empty table in a window; report at its first paint."""
    app = QApplication(sys.argv[:1])
    window = QMainWindow()
    view = QTableView()
    window.setCentralWidget(view)
    window.resize(1180, 720)

    def painted() -> None:
        report(kind="bare")
        app.quit()

    PaintWatch(view.viewport(), lambda: True, painted)
    window.show()
    return app.exec()


def scroll(url: str, token: str, row: int) -> int:
    """Open the Status updates page, scroll until ``row`` exists and is shown; report."""
    from PySide6.QtCore import QEventLoop

    from ui.connection import DatabaseHandle
    from ui.context import AppContext
    from ui.pages.status_updates import StatusUpdatesPage
    from ui.worker import DatabaseWorker

    app = QApplication(sys.argv[:1])
    worker = DatabaseWorker()
    handle = DatabaseHandle(url)
    answers: list[Any] = []

    def on_worker(job: Callable[[], Any]) -> Any:
        loop = QEventLoop()
        answers.clear()

        def failed(message: str) -> None:
            answers.append(RuntimeError(message))
            loop.quit()

        def succeeded(value: Any) -> None:
            answers.append(value)
            loop.quit()

        worker.submit(job, succeeded, failed)
        loop.exec()
        if isinstance(answers[0], RuntimeError):
            raise answers[0]
        return answers[0]

    on_worker(handle.open)
    signed_in = on_worker(lambda: handle.sign_in_with_token(token)).signed_in
    context = AppContext(worker, handle, signed_in)
    window = QMainWindow()
    window.resize(1180, 720)
    start = time.perf_counter()
    page = StatusUpdatesPage(context)
    window.setCentralWidget(page)
    model, view = page.model, page.view
    replies = 0
    pages_seen: list[int] = []

    def on_page(rows: int) -> None:
        nonlocal replies
        replies += 1
        pages_seen.append(rows)

    model.page_loaded.connect(on_page)
    first_paint: list[float] = []

    def step() -> None:
        if not first_paint:
            first_paint.append(time.perf_counter() - start)
        if model.rowCount() > row:
            view.scrollTo(model.index(row, 0))
            QTimer.singleShot(0, finish)
            return
        if not model.is_busy:
            # Dragging the scroll bar to its end: the view asks the model for more.
            view.scrollToBottom()
        QTimer.singleShot(1, step)

    def finish() -> None:
        app.processEvents()
        shown = view.rowAt(view.viewport().height() // 2)
        report(
            kind="scroll",
            total=model.total,
            loaded=model.loaded,
            page_size=model.page_size,
            pages_fetched=replies,
            first_rows_s=first_paint[0],
            scroll_s=time.perf_counter() - start,
            row_shown=shown,
        )
        context.end()
        worker.stop(handle.close)

    worker.stopped.connect(app.quit)
    PaintWatch(view.viewport(), lambda: model.rowCount() > 0, step)
    window.show()
    return app.exec()


def main(argv: Sequence[str] | None = None) -> int:
    """``bare`` or ``scroll``."""
    parser = argparse.ArgumentParser(prog="python -m bench.gui_child")
    parser.add_argument("mode", choices=("bare", "scroll"))
    parser.add_argument("--url", default="")
    parser.add_argument("--token", default="")
    parser.add_argument("--row", type=int, default=10_000)
    args = parser.parse_args(argv)
    if args.mode == "bare":
        return bare()
    return scroll(args.url, args.token, args.row)


if __name__ == "__main__":
    raise SystemExit(main())

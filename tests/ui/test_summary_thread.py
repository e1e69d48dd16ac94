"""The daily-summary thread on SQLite and PostgreSQL: backfill, progress, cancel, shutdown, failure."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from pages_support import TIMEOUT_MS
from pytestqt.qtbot import QtBot

from asyncops_desktop.db import Database
from asyncops_desktop.domain.models import Incident, utcnow
from asyncops_desktop.repositories.summaries import SummaryRepository
from asyncops_desktop.services.base import Actor
from asyncops_desktop.summaries import BackfillResult
from ui.summary_thread import SummaryRunner, SummaryStatus, finished_text, progress_text

TODAY = utcnow().date()


def _incident_days_ago(database: Database, reporter: Actor, days: int) -> None:
    created = dt.datetime.combine(TODAY - dt.timedelta(days=days), dt.time(9))
    with database.write() as session:
        session.add(
            Incident(
                reported_by_id=reporter.user_id,
                title=f"Incident from {days} days ago",
                description="What happened",
                severity="high",
                status="open",
                created_at=created,
                updated_at=created,
            )
        )


def _stored_days(database: Database) -> list[dt.date]:
    with database.read() as session:
        return SummaryRepository(session).dates_between(TODAY - dt.timedelta(days=400), TODAY)


@pytest.fixture
def runners() -> Iterator[list[SummaryRunner]]:
    """Runners made by a test, shut down afterwards whatever happened."""
    made: list[SummaryRunner] = []
    yield made
    for runner in made:
        runner.shutdown()


def _runner(runners: list[SummaryRunner], url: str) -> SummaryRunner:
    runner = SummaryRunner(url, today=lambda: TODAY)
    runners.append(runner)
    return runner


def test_computes_the_missing_days_with_progress_and_ready_days(
    qtbot: QtBot, db_url: str, database: Database, admin: Actor, runners: list[SummaryRunner]
) -> None:
    _incident_days_ago(database, admin, 5)
    runner = _runner(runners, db_url)
    progress: list[tuple[int, int]] = []
    ready: list[object] = []
    runner.progressed.connect(lambda done, total: progress.append((done, total)))
    runner.summary_ready.connect(ready.append)
    with qtbot.waitSignal(runner.finished, timeout=TIMEOUT_MS) as finished:
        assert runner.start()
    result = finished.args[0]
    assert isinstance(result, BackfillResult) and not result.cancelled
    expected = [TODAY - dt.timedelta(days=n) for n in range(5, -1, -1)]
    assert list(result.computed) == expected
    assert progress == [(n, 6) for n in range(7)]
    assert ready == expected
    assert _stored_days(database) == expected
    assert runner.last_result == result
    qtbot.waitUntil(lambda: not runner.is_running, timeout=TIMEOUT_MS)
    # A second launch only recomputes today.
    with qtbot.waitSignal(runner.finished, timeout=TIMEOUT_MS) as again:
        assert runner.start()
    assert list(again.args[0].computed) == [TODAY]


def test_a_second_start_while_running_is_refused(
    qtbot: QtBot, db_url: str, database: Database, admin: Actor, runners: list[SummaryRunner]
) -> None:
    _incident_days_ago(database, admin, 30)
    runner = _runner(runners, db_url)
    with qtbot.waitSignal(runner.finished, timeout=TIMEOUT_MS):
        assert runner.start()
        assert not runner.start()


def test_cancel_stops_between_days_and_keeps_finished_days(
    qtbot: QtBot, db_url: str, database: Database, admin: Actor, runners: list[SummaryRunner]
) -> None:
    _incident_days_ago(database, admin, 80)
    runner = _runner(runners, db_url)

    def cancel_after_first_day(done: int, _total: int) -> None:
        if done >= 1:
            runner.cancel()

    runner.progressed.connect(cancel_after_first_day)
    with qtbot.waitSignal(runner.finished, timeout=TIMEOUT_MS) as finished:
        runner.start()
    result = finished.args[0]
    assert result.cancelled
    assert 1 <= len(result.computed) < len(result.planned) == 81
    assert _stored_days(database) == list(result.computed)
    # The next run picks up where the cancelled one stopped.
    qtbot.waitUntil(lambda: not runner.is_running, timeout=TIMEOUT_MS)
    runner.progressed.disconnect(cancel_after_first_day)
    with qtbot.waitSignal(runner.finished, timeout=TIMEOUT_MS) as rest:
        runner.start()
    assert not rest.args[0].cancelled
    assert len(_stored_days(database)) == 81


def test_cancel_right_after_start_computes_nothing(
    qtbot: QtBot, db_url: str, database: Database, admin: Actor, runners: list[SummaryRunner]
) -> None:
    _incident_days_ago(database, admin, 40)
    runner = _runner(runners, db_url)
    with qtbot.waitSignal(runner.finished, timeout=TIMEOUT_MS) as finished:
        runner.start()
        runner.cancel()
    assert finished.args[0].cancelled
    assert len(finished.args[0].computed) < 41


def test_shutdown_while_computing_stops_cleanly(
    qtbot: QtBot, db_url: str, database: Database, admin: Actor
) -> None:
    _incident_days_ago(database, admin, 85)
    runner = SummaryRunner(db_url, today=lambda: TODAY)
    late: list[object] = []
    runner.finished.connect(late.append)
    with qtbot.waitSignal(runner.progressed, timeout=TIMEOUT_MS):
        runner.start()
    assert runner.shutdown(timeout_ms=TIMEOUT_MS)
    assert not runner.is_running
    assert not runner.start(), "a runner that was shut down stays stopped"
    # Reports still queued from the thread are dropped, and deleting raises no Qt warning.
    qtbot.wait(100)
    assert late == []
    stored = _stored_days(database)
    assert len(stored) < 86
    runner.deleteLater()
    qtbot.wait(50)


def test_an_unmigrated_database_reports_failed_without_crashing(
    qtbot: QtBot, empty_db_url: str, runners: list[SummaryRunner]
) -> None:
    runner = _runner(runners, empty_db_url)
    with qtbot.waitSignal(runner.failed, timeout=TIMEOUT_MS) as failed:
        runner.start()
    message = failed.args[0]
    assert isinstance(message, str) and message
    assert "Traceback" not in message
    assert runner.last_error == message
    qtbot.waitUntil(lambda: not runner.is_running, timeout=TIMEOUT_MS)


def test_an_unreachable_server_reports_failed(qtbot: QtBot, runners: list[SummaryRunner]) -> None:
    runner = _runner(runners, "postgresql+psycopg://postgres@127.0.0.1:1/nowhere")
    with qtbot.waitSignal(runner.failed, timeout=TIMEOUT_MS) as failed:
        runner.start()
    assert "127.0.0.1" in failed.args[0] or "connect" in failed.args[0].lower()


def test_status_widget_shows_progress_then_hides_with_a_message(
    qtbot: QtBot, db_url: str, database: Database, admin: Actor, runners: list[SummaryRunner]
) -> None:
    _incident_days_ago(database, admin, 3)
    runner = _runner(runners, db_url)
    status = SummaryStatus(runner)
    qtbot.addWidget(status)
    texts: list[str] = []
    runner.progressed.connect(lambda *_: texts.append(status.label.text()))
    with qtbot.waitSignal(status.status_message, timeout=TIMEOUT_MS) as message:
        runner.start()
    assert "day 1 of 4" in " ".join(texts)
    assert message.args[0] == "Daily summaries up to date (4 summaries computed)."
    assert status.isHidden()


def test_status_widget_offers_retry_after_a_failure(
    qtbot: QtBot, empty_db_url: str, runners: list[SummaryRunner]
) -> None:
    runner = _runner(runners, empty_db_url)
    status = SummaryStatus(runner)
    qtbot.addWidget(status)
    with qtbot.waitSignal(runner.failed, timeout=TIMEOUT_MS):
        runner.start()
    assert status.label.text().startswith("Daily summaries could not be computed:")
    assert not status.retry_button.isHidden() and status.cancel_button.isHidden()


def test_sentences() -> None:
    assert progress_text(0, 0).endswith("missing…")
    assert progress_text(0, 1) == "Daily summaries: computing today…"
    assert progress_text(2, 12) == "Daily summaries: day 3 of 12…"
    result = BackfillResult((TODAY,), (), (), cancelled=True)
    assert finished_text(result).startswith("Daily summaries cancelled after 0 summaries")

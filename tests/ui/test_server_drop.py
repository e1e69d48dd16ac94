"""Scenario 2, the window's part: the server goes away mid-session and comes back.

The signed-in window reaches PostgreSQL through ``support.tcp_proxy``. Each cut lands
*during* an operation, without sleeps: the proxy holds traffic from the statement of
interest on (``stall(at=...)``), the test waits until it is held, then cuts. The window
must not crash, must say "Offline — retrying", must keep what was typed, and must work again
once the proxy is restored, in the same process. Saves are checked in the database directly
(not through the proxy): an interrupted save stores nothing and its Retry stores one row; a
save whose COMMIT reached the server but whose answer was lost is stored once and never
offered for saving again.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot
from session_support import (
    ADMIN_EMAIL,
    ADMIN_PASSWORD,
    TIMEOUT_MS,
    Driver,
    driving,
    save_profile,
)
from sqlalchemy import text
from sqlalchemy.engine import make_url
from support.sizes import STRESS, ScenarioRow, record
from support.tcp_proxy import TcpProxy

from asyncops_desktop.db import Database
from asyncops_desktop.repositories.status_updates import StatusUpdateRepository
from asyncops_desktop.services.base import Actor
from ui.app import AppController
from ui.context import NOT_STORED, AppContext
from ui.models.paged import DEFAULT_PAGE_SIZE
from ui.pages.status_updates import StatusUpdatesPage

pytestmark = pytest.mark.parametrize("backend", ["postgresql"], indirect=True)

SCENARIO = "2 lost connection, main window (postgresql)"
# Cut-and-restore rounds per test (each round cuts every operation the test covers).
ROUNDS = 5 if STRESS else 1
OFFLINE = "Offline — retrying"
ONLINE = "Connected"
# How often the window pings a lost server in these tests (the app's default is slower).
PING_MS = 100
# psycopg's COMMIT: a simple-query message ('Q', length 11, "COMMIT" and its NUL).
COMMIT_MESSAGE = b"Q\x00\x00\x00\x0bCOMMIT\x00"
# A directory to save pictures of the offline window into, when set.
SHOTS = os.environ.get("ASYNCOPS_SHOTS")


@pytest.fixture
def proxy(db_url: str) -> Iterator[TcpProxy]:
    """A proxy in front of the test server."""
    url = make_url(db_url)
    with TcpProxy(url.host or "127.0.0.1", url.port or 5432) as running:
        yield running


@pytest.fixture
def driver(qtbot: QtBot, proxy: TcpProxy) -> Iterator[Driver]:
    """Controllers closed after the test, with the link restored so they close normally."""
    with driving(qtbot) as made:
        try:
            yield made
        finally:
            proxy.restore()
            # A failed check can leave typed text behind: closing would ask about it.
            for controller in made.controllers:
                for page in controller.window.session_pages.values():
                    if isinstance(page, StatusUpdatesPage):
                        page.editor.revert()


def through(db_url: str, proxy: TcpProxy) -> str:
    """The test database's URL by way of the proxy."""
    return make_url(db_url).set(port=proxy.port).render_as_string(hide_password=False)


def settle(qtbot: QtBot, controller: AppController) -> None:
    """Wait until every job is answered and no lost save is still being settled."""
    context = controller.context
    qtbot.waitUntil(
        lambda: controller.worker.pending_jobs == 0 and (context is None or context.settling == 0),
        timeout=TIMEOUT_MS,
    )


def signed_in_through(
    driver: Driver, db_url: str, proxy: TcpProxy, page_name: str = "Status updates"
) -> AppController:
    """The admin signed in on a profile that points at the proxy, on ``page_name``."""
    save_profile(through(db_url, proxy), "Through the proxy")
    controller = driver.start()
    driver.sign_in(controller, ADMIN_EMAIL, ADMIN_PASSWORD)
    controller.ping_timer.setInterval(PING_MS)
    runner = controller.summary_runner
    assert runner is not None
    # The launch backfill ends before any cut, so each test decides what it interrupts.
    driver.qtbot.waitUntil(
        lambda: (
            not runner.is_running
            and (runner.last_result is not None or runner.last_error is not None)
        ),
        timeout=TIMEOUT_MS,
    )
    assert runner.last_error is None
    controller.window.show_page(page_name)
    settle(driver.qtbot, controller)
    assert controller.window.online_label.text() == ONLINE
    return controller


def context_of(controller: AppController) -> AppContext:
    """The signed-in session."""
    context = controller.context
    assert context is not None
    return context


def status_page(controller: AppController) -> StatusUpdatesPage:
    """The Status updates page on screen."""
    page = controller.window.current_page()
    assert isinstance(page, StatusUpdatesPage)
    return page


def rows_titled(database: Database, title: str) -> int:
    """Status updates with this title, read directly from the server (not through the proxy)."""
    with database.read() as session:
        return int(
            session.execute(
                text("SELECT count(*) FROM status_updates WHERE title = :title"), {"title": title}
            ).scalar_one()
        )


def cut_during(
    proxy: TcpProxy, at: bytes | None, start: Callable[[], object], *, silently: bool = False
) -> None:
    """Start an operation and cut the link while its statement ``at`` is on the wire."""
    proxy.stall(at=at)
    start()
    assert proxy.wait_until_held(), f"no traffic reached {at!r}"
    assert proxy.cut(silently=silently) >= 1


def wait_offline(qtbot: QtBot, controller: AppController) -> None:
    """The connection indicator says the server is lost."""
    qtbot.waitUntil(lambda: controller.window.online_label.text() == OFFLINE, timeout=TIMEOUT_MS)


def restore_and_reload(
    qtbot: QtBot, controller: AppController, proxy: TcpProxy, page: StatusUpdatesPage
) -> None:
    """Restore the link; the window notices on its own and loads the page again."""
    with qtbot.waitSignal(page.row_count_changed, timeout=TIMEOUT_MS):
        proxy.restore()
    qtbot.waitUntil(lambda: controller.window.online_label.text() == ONLINE, timeout=TIMEOUT_MS)
    settle(qtbot, controller)


def no_modal_dialog() -> bool:
    """Nothing blocks the window."""
    return QApplication.activeModalWidget() is None


def type_update(qtbot: QtBot, page: StatusUpdatesPage, title: str, content: str) -> None:
    """Open a new status update and type its title and content."""
    page.new_record()
    assert page.editor.is_new
    QTest.keyClicks(page.editor.title_edit, title)
    QTest.keyClicks(page.editor.content_edit.editor, content)
    assert page.has_unsaved_changes()


def save_shot(controller: AppController, name: str) -> None:
    """Keep a picture of the window, when pictures were asked for."""
    if SHOTS:
        controller.window.grab().save(str(Path(SHOTS) / f"{name}.png"))


def seed_updates(database: Database, admin: Actor, count: int) -> None:
    """``count`` status updates in one transaction, straight into the database."""
    with database.write() as session:
        repo = StatusUpdateRepository(session)
        for number in range(count):
            repo.add(user_id=admin.user_id, title=f"Seeded {number}", content="Before the cut.")


def test_a_list_cut_while_loading_shows_offline_then_loads_again(
    driver: Driver,
    qtbot: QtBot,
    proxy: TcpProxy,
    db_url: str,
    database: Database,
    admin: Actor,
) -> None:
    total = DEFAULT_PAGE_SIZE + 20
    seed_updates(database, admin, total)
    controller = signed_in_through(driver, db_url, proxy)
    window = controller.window
    page = status_page(controller)
    model = page.model
    assert model.total == total and model.rowCount() == DEFAULT_PAGE_SIZE
    faults = 0

    # The count, the first page (after the count went through) and the next page.
    cuts: tuple[tuple[str, bytes, Callable[[], object]], ...] = (
        ("count", b"count(", page.refresh),
        ("first page", b"LIMIT", page.refresh),
        ("next page", b"FROM status_updates", model.fetchMore),
    )
    for _ in range(ROUNDS):
        for what, statement, start in cuts:
            shown = model.rowCount()
            if what == "next page":
                assert model.canFetchMore()
            cut_during(proxy, statement, start)
            faults += 1
            wait_offline(qtbot, controller)
            qtbot.waitUntil(lambda: model.error is not None, timeout=TIMEOUT_MS)
            # A clear state: the rows already shown stay, a banner says why nothing new came,
            # with Retry; the list does not try to fetch more while it is in error.
            assert "connection to the database server was lost" in page.list_banner.message, what
            assert page.list_banner.retry_button.isVisibleTo(page.list_banner)
            assert model.rowCount() == shown
            assert not model.canFetchMore()
            assert no_modal_dialog()
            assert window.isVisible()
            if what == "next page":
                save_shot(controller, "offline-list")

            restore_and_reload(qtbot, controller, proxy, page)
            assert page.list_banner.message == ""
            assert model.error is None
            assert model.total == total and model.rowCount() == DEFAULT_PAGE_SIZE
        # The next page loads again too, without restarting anything.
        with qtbot.waitSignal(model.page_loaded, timeout=TIMEOUT_MS):
            model.fetchMore()
        assert model.rowCount() == total
        page.refresh()
        settle(qtbot, controller)
    assert controller.exit_code is None
    record(ScenarioRow(SCENARIO, ROUNDS, faults, 0, 0))


def test_b_a_save_cut_midway_is_not_saved_keeps_the_text_and_retries_once(
    driver: Driver,
    qtbot: QtBot,
    proxy: TcpProxy,
    db_url: str,
    database: Database,
    admin: Actor,
) -> None:
    controller = signed_in_through(driver, db_url, proxy)
    window = controller.window
    context = context_of(controller)
    page = status_page(controller)
    editor = page.editor
    faults = writes = losses = 0

    for round_number in range(ROUNDS):
        # 1. Cut while the INSERT is on its way: nothing stored, "Not saved", text kept.
        title = f"Cut while inserting {round_number}"
        content = "Typed before the server went away."
        type_update(qtbot, page, title, content)
        settle(qtbot, controller)
        cut_during(proxy, b"INSERT INTO status_updates", editor.save_button.click)
        faults += 1
        qtbot.waitUntil(lambda: not editor.is_saving, timeout=TIMEOUT_MS)
        wait_offline(qtbot, controller)
        assert editor.banner.message.startswith("Not saved:"), editor.banner.message
        assert editor.banner.retry_button.isVisibleTo(editor.banner)
        assert editor.title_edit.text() == title
        assert editor.content_edit.text() == content
        assert editor.is_new and page.has_unsaved_changes()
        assert no_modal_dialog()
        assert rows_titled(database, title) == 0
        if round_number == 0:
            save_shot(controller, "offline-save-interrupted")

        restore_and_reload(qtbot, controller, proxy, page)
        # Coming back reloads the list but leaves the editor alone.
        assert editor.title_edit.text() == title and page.has_unsaved_changes()
        with qtbot.waitSignal(editor.saved, timeout=TIMEOUT_MS):
            editor.banner.retry_button.click()
        writes += 1
        stored = rows_titled(database, title)
        losses += abs(stored - 1)
        assert stored == 1
        assert editor.record is not None and editor.record.title == title
        assert not page.has_unsaved_changes()

        # 2. Cut while the COMMIT is held back, and silently: the server never gets it and
        # is not told the connection is gone, so it keeps the transaction open. The outcome
        # is asked of the server once it answers again (the stale transaction is ended), and
        # only then reported as not saved.
        title = f"Cut before the commit arrived {round_number}"
        type_update(qtbot, page, title, "The COMMIT never reaches the server.")
        # The reloads after the last save commit their reads too: the next COMMIT must be
        # this save's.
        settle(qtbot, controller)
        cut_during(proxy, COMMIT_MESSAGE, editor.save_button.click, silently=True)
        faults += 1
        wait_offline(qtbot, controller)
        qtbot.waitUntil(lambda: context.settling == 1, timeout=TIMEOUT_MS)
        # Stored or not is unknown while the server is away: no Retry is offered yet.
        assert editor.is_saving and editor.banner.message == ""
        proxy.restore()
        qtbot.waitUntil(lambda: not editor.is_saving, timeout=TIMEOUT_MS)
        assert NOT_STORED in editor.banner.message
        assert editor.banner.retry_button.isVisibleTo(editor.banner)
        assert editor.title_edit.text() == title and editor.is_new
        assert rows_titled(database, title) == 0
        qtbot.waitUntil(lambda: window.online_label.text() == ONLINE, timeout=TIMEOUT_MS)
        settle(qtbot, controller)
        with qtbot.waitSignal(editor.saved, timeout=TIMEOUT_MS):
            editor.banner.retry_button.click()
        writes += 1
        stored = rows_titled(database, title)
        losses += abs(stored - 1)
        assert stored == 1

        # 3. The COMMIT reaches the server and its answer is lost: stored once, shown as
        # saved once the server answers again, never offered for saving a second time.
        title = f"Stored but unanswered {round_number}"
        type_update(qtbot, page, title, "The server stores it; the answer is lost.")
        settle(qtbot, controller)
        expected_drops = proxy.replies_dropped + 1
        proxy.cut_on_reply_to(COMMIT_MESSAGE)
        with qtbot.waitSignal(context.stored_without_reply, timeout=TIMEOUT_MS):
            editor.save_button.click()
            qtbot.waitUntil(
                lambda: proxy.replies_dropped == expected_drops,  # noqa: B023 (read at once)
                timeout=TIMEOUT_MS,
            )
            faults += 1
            wait_offline(qtbot, controller)
            assert rows_titled(database, title) == 1, "the server should have stored it"
            assert editor.is_saving and editor.banner.message == ""
            proxy.restore()
        qtbot.waitUntil(
            lambda: editor.record is not None and editor.record.title == title,  # noqa: B023
            timeout=TIMEOUT_MS,
        )
        writes += 1
        assert not editor.is_new and not page.has_unsaved_changes()
        assert not editor.save_button.isEnabled()
        assert editor.banner.message == ""
        assert editor.content_edit.text() == "The server stores it; the answer is lost."
        assert window.statusBar().currentMessage() == (
            f"Saved status update #{editor.record.id} (checked after reconnecting)."
        )
        if round_number == 0:
            save_shot(controller, "stored-without-reply")
        qtbot.waitUntil(lambda: window.online_label.text() == ONLINE, timeout=TIMEOUT_MS)
        settle(qtbot, controller)
        stored = rows_titled(database, title)
        losses += abs(stored - 1)
        assert stored == 1

    with database.read() as session:
        total = session.execute(text("SELECT count(*) FROM status_updates")).scalar_one()
    assert total == 3 * ROUNDS
    assert controller.exit_code is None
    record(ScenarioRow(SCENARIO, ROUNDS, faults, writes, losses))


def test_c_the_summary_run_cut_midway_fails_quietly_and_a_later_run_succeeds(
    driver: Driver,
    qtbot: QtBot,
    proxy: TcpProxy,
    db_url: str,
    database: Database,
    admin: Actor,
) -> None:
    seed_updates(database, admin, 3)
    controller = signed_in_through(driver, db_url, proxy)
    page = status_page(controller)
    runner = controller.summary_runner
    status = controller.summary_status
    assert runner is not None and status is not None
    faults = 0

    for _ in range(ROUNDS):
        # Hold everything, start a run (its thread opens its own connection), cut once
        # its first message is held.
        with qtbot.waitSignal(runner.failed, timeout=TIMEOUT_MS) as failure:
            cut_during(proxy, None, runner.start)
        faults += 1
        message = str(failure.args[0])
        assert "\n" not in message and message.endswith("."), message
        # The lost server shows as it does for the window's own work.
        wait_offline(qtbot, controller)
        # Non-modal: a line in the status bar with Retry. The status bar's passing message
        # ("… Retrying…") covers it for a few seconds; once that clears it is there.
        controller.window.statusBar().clearMessage()
        assert status.isVisible() and "could not be computed" in status.label.text()
        assert status.retry_button.isVisible()
        assert no_modal_dialog()
        assert not runner.is_running

        restore_and_reload(qtbot, controller, proxy, page)
        type_update(qtbot, page, "Written after the summary failed", "The app still works.")
        with qtbot.waitSignal(page.editor.saved, timeout=TIMEOUT_MS):
            page.editor.save_button.click()

        # A later run (the status bar's Retry) succeeds.
        with qtbot.waitSignal(runner.finished, timeout=TIMEOUT_MS):
            status.retry_button.click()
        assert runner.last_error is None and runner.last_result is not None
        assert not status.isVisible()
        settle(qtbot, controller)
    assert controller.exit_code is None
    record(ScenarioRow(SCENARIO, ROUNDS, faults, ROUNDS, 0))

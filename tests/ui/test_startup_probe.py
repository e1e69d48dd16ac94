"""The start-up probe: one line once the first rows are painted, then the app closes."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from pytestqt.qtbot import QtBot
from session_support import TIMEOUT_MS, Driver, driving, save_profile

from asyncops_desktop.credentials import CredentialStore
from asyncops_desktop.db import Database
from asyncops_desktop.profiles import ProfileStore
from asyncops_desktop.services.auth import AuthService
from asyncops_desktop.services.base import Actor
from asyncops_desktop.services.status_updates import StatusUpdateService
from ui.app import EXIT_OK, StartupProbe, app_settings, layout_group

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")


@pytest.fixture
def driver(qtbot: QtBot) -> Iterator[Driver]:
    """Controllers that are always shut down."""
    with driving(qtbot) as made:
        yield made


def test_the_probe_reports_the_painted_rows_of_the_last_page_and_closes(
    driver: Driver,
    qtbot: QtBot,
    db_url: str,
    database: Database,
    admin: Actor,
    memory_keyring: object,
    capsys: pytest.CaptureFixture[str],
) -> None:
    service = StatusUpdateService(database, admin)
    for number in range(3):
        service.post(title=f"Update {number}", content="Shipped.", tags=[])
    profile = save_profile(db_url)
    ProfileStore().set_last_used(profile.id)
    credentials = CredentialStore()
    credentials.remember_token(profile.id, AuthService(database).issue_token(admin.user_id))
    if profile.needs_password:
        # The test server trusts local connections: an empty password, so no prompt.
        credentials.remember_password(profile.id, "")
    settings = app_settings()
    settings.setValue(f"{layout_group(profile)}/window/last_page", "Status updates")
    settings.sync()

    controller = driver.make()
    StartupProbe(controller)
    with qtbot.waitSignal(controller.finished, timeout=TIMEOUT_MS) as finished:
        controller.start()

    assert finished.args == [EXIT_OK]
    lines = [line for line in capsys.readouterr().out.splitlines() if "startup-probe" in line]
    assert len(lines) == 1
    fields = dict(part.split("=", 1) for part in lines[0].split()[2:])
    assert fields["page"] == "Status_updates"
    assert fields["rows"] == "3"
    assert float(fields["epoch"]) > 0
    assert int(fields["rss_kb"]) > 0
    assert float(fields["cpu_s"]) > 0

"""Decision export (CSV, MADR) and import (preview, then report) dialogs on real databases."""

from __future__ import annotations

import csv
import datetime as dt
import os
from pathlib import Path

from pages_support import TIMEOUT_MS, app_context, signed_in_as
from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot

from asyncops_desktop.db import Database
from asyncops_desktop.decisions_io import FileAction
from asyncops_desktop.repositories.decisions import DecisionFilter
from asyncops_desktop.services.base import Actor
from asyncops_desktop.services.decisions import DecisionService
from ui.dialogs.decisions_io import (
    ImportDecisionsDialog,
    export_decisions_csv,
    export_decisions_madr,
)


def shot(widget: QWidget, name: str) -> None:
    """Save a picture of the widget when ``ASYNCOPS_SHOTS`` names a folder."""
    folder = os.environ.get("ASYNCOPS_SHOTS")
    if folder:
        widget.grab().save(str(Path(folder) / f"{name}.png"))


def _seed(database: Database, admin: Actor, member: Actor) -> None:
    service = DecisionService(database, admin)
    for title, tags in (("Adopt PostgreSQL", ["infra"]), ("Pricing page", ["product"])):
        service.record(
            title=title,
            description=f"{title}: what we chose",
            context="Context",
            outcome="Outcome",
            decision_date=dt.date(2026, 3, 2),
            tags=tags,
            participant_ids=[member.user_id],
        )


def test_export_csv_and_madr_write_the_filtered_decisions(
    qtbot: QtBot, db_url: str, database: Database, admin: Actor, member: Actor, tmp_path: Path
) -> None:
    _seed(database, admin, member)
    parent = QWidget()
    qtbot.addWidget(parent)
    with app_context(qtbot, db_url, signed_in_as(database, admin)) as context:
        export = export_decisions_csv(parent, context, DecisionFilter(tag="infra"))
        assert export.file_dialog.isVisible()
        out = tmp_path / "infra.csv"
        with qtbot.waitSignal(export.exported, timeout=TIMEOUT_MS):
            export.file_dialog.fileSelected.emit(str(out))
        with out.open(encoding="utf-8", newline="") as stream:
            rows = list(csv.DictReader(stream))
        assert [r["title"] for r in rows] == ["Adopt PostgreSQL"]
        assert export.result_box is not None
        assert export.result_box.text().startswith("Exported 1 decision as CSV to ")
        export.result_box.close()

        madr = export_decisions_madr(parent, context, None)
        folder = tmp_path / "madr"
        with qtbot.waitSignal(madr.exported, timeout=TIMEOUT_MS):
            madr.file_dialog.fileSelected.emit(str(folder))
        names = sorted(p.name for p in folder.iterdir())
        assert len([n for n in names if n != "README.md"]) == 2 and "README.md" in names
        assert madr.result_box is not None
        madr.result_box.close()

        # A folder that is not empty is refused in one sentence, nothing written.
        again = export_decisions_madr(parent, context, None)
        with qtbot.waitSignal(again.failed, timeout=TIMEOUT_MS):
            again.file_dialog.fileSelected.emit(str(folder))
        assert again.result_box is not None
        assert again.result_box.text().startswith("Nothing was exported: ")
        again.result_box.close()


def test_import_shows_a_preview_then_a_report(
    qtbot: QtBot, db_url: str, database: Database, admin: Actor, member: Actor, tmp_path: Path
) -> None:
    folder = tmp_path / "adr"
    folder.mkdir()
    (folder / "0001-use-markdown.md").write_text(
        "---\nstatus: accepted\ndate: 2026-03-01\n"
        "deciders: [max.member@example.com, nobody@example.com]\ntags: [docs]\n---\n\n"
        "# Use Markdown\n\n## Context and Problem Statement\n\nWe need records.\n\n"
        "## Decision Outcome\n\nMarkdown files.\n\n### Consequences\n\n* Good, because diffs.\n",
        "utf-8",
    )
    (folder / "0002-broken.md").write_text(
        "---\nstatus: accepted\n---\n\nNo title here.\n", "utf-8"
    )
    with app_context(qtbot, db_url, signed_in_as(database, admin)) as context:
        dialog = ImportDecisionsDialog(context)
        qtbot.addWidget(dialog)
        dialog.show()
        dialog.folder_field.setText(str(folder))
        with qtbot.waitSignal(dialog.previewed, timeout=TIMEOUT_MS) as previewed:
            dialog.preview_button.click()
        plan = previewed.args[0]
        actions = {f.name: f.action for f in plan.files}
        assert actions == {
            "0001-use-markdown.md": FileAction.IMPORT,
            "0002-broken.md": FileAction.SKIP,
        }
        items = [dialog.table.topLevelItem(i) for i in range(dialog.table.topLevelItemCount())]
        rows = {item.text(0): item for item in items if item is not None}
        first = rows["0001-use-markdown.md"]
        assert [first.text(1), first.text(2)] == ["Will import", "Use Markdown"]
        assert "nobody@example.com" in first.text(3)
        assert rows["0002-broken.md"].text(1) == "Skipped" and rows["0002-broken.md"].text(3)
        assert dialog.summary.text().startswith("1 to import, 1 skipped, 0 already present.")
        assert dialog.import_button.isEnabled()
        shot(dialog, "import-preview")
        changed: list[str] = []
        context.data_changed.connect(changed.append)
        with qtbot.waitSignal(dialog.imported, timeout=TIMEOUT_MS) as imported:
            dialog.import_button.click()
        report = imported.args[0]
        [new_id] = report.imported_ids
        assert DecisionService(database, admin).get(new_id).decision.title == "Use Markdown"
        assert dialog.summary.text() == "Imported 1 decision, 1 skipped."
        assert dialog.table.topLevelItem(0).text(1) == "Imported"  # type: ignore[union-attr]
        assert changed == ["decisions"] and not dialog.import_button.isEnabled()
        shot(dialog, "import-report")

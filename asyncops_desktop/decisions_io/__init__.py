"""Import and export of decisions: CSV of a filtered list, MADR / adr-tools Markdown folders.

For the GUI (on its database worker) and the CLI alike:

- ``DecisionExporter(database, actor).export_csv(path_or_stream, filters, sort)`` and
  ``.export_madr(folder, filters)`` return an ``ExportReport``;
- ``DecisionImporter(database, actor).plan(folder)`` returns an ``ImportPlan`` (the
  preview; nothing written) and ``.apply(plan)`` an ``ImportReport``;
  ``render_plan`` / ``render_report`` turn them into the text the CLI prints.

Exporting MADR and importing the folder into another database gives back every field we
store (title, texts, date, tags, participants by email, status, review date, superseded-by
links, deletion); the decisions' creator there is the importing user.
"""

from __future__ import annotations

from asyncops_desktop.decisions_io.export import CSV_COLUMNS, DecisionExporter, ExportReport
from asyncops_desktop.decisions_io.importer import (
    DecisionImporter,
    FileAction,
    FileResult,
    ImportPlan,
    ImportReport,
    LinkResult,
    PlannedFile,
    PlannedLink,
    importing_actor,
    render_plan,
    render_report,
)
from asyncops_desktop.decisions_io.markdown import DecisionRecord

__all__ = [
    "CSV_COLUMNS",
    "DecisionExporter",
    "DecisionImporter",
    "DecisionRecord",
    "ExportReport",
    "FileAction",
    "FileResult",
    "ImportPlan",
    "ImportReport",
    "LinkResult",
    "PlannedFile",
    "PlannedLink",
    "importing_actor",
    "render_plan",
    "render_report",
]

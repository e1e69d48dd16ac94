"""Exporting a daily summary: Markdown for chat and files, PDF through Qt's own writer."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from PySide6.QtCore import QMarginsF
from PySide6.QtGui import QFont, QPageLayout, QPageSize, QPdfWriter, QTextDocument
from PySide6.QtWidgets import QFileDialog, QWidget

from asyncops_desktop import APP_NAME
from asyncops_desktop.domain.dto import DailySummaryDTO
from asyncops_desktop.summaries import summary_markdown

PDF_POINT_SIZE = 10


def markdown_of(summary: DailySummaryDTO) -> str:
    """The summary as Markdown (the same text as ``asyncops-desktop summary show``)."""
    return summary_markdown(summary.content, summary.summary_date)


def default_file_name(day: dt.date, suffix: str) -> str:
    """``daily-summary-2026-03-03.md``."""
    return f"daily-summary-{day.isoformat()}{suffix}"


def write_markdown(path: str | Path, markdown: str) -> None:
    """Save Markdown as UTF-8 with a final newline."""
    Path(path).write_text(markdown if markdown.endswith("\n") else markdown + "\n", "utf-8")


def write_pdf(path: str | Path, markdown: str, *, title: str, font: QFont | None = None) -> None:
    """Render the Markdown with ``QTextDocument`` onto A4 pages of a PDF at ``path``."""
    document = QTextDocument()
    body = QFont(font) if font is not None else QFont()
    body.setPointSize(PDF_POINT_SIZE)
    document.setDefaultFont(body)
    document.setMarkdown(markdown)
    writer = QPdfWriter(str(path))
    writer.setPageSize(QPageSize(QPageSize.PageSizeId.A4))
    writer.setPageMargins(QMarginsF(18, 16, 18, 16), QPageLayout.Unit.Millimeter)
    writer.setTitle(title)
    writer.setCreator(APP_NAME)
    document.print_(writer)
    if not Path(path).exists():
        raise OSError(f"The PDF could not be written to {path}.")


def save_dialog(parent: QWidget, caption: str, file_name: str, name_filter: str) -> QFileDialog:
    """A window-modal Save dialog (opened with ``open()``, answered by ``fileSelected``)."""
    dialog = QFileDialog(parent, caption)
    dialog.setObjectName("summaryExportDialog")
    dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
    dialog.setFileMode(QFileDialog.FileMode.AnyFile)
    dialog.setNameFilter(name_filter)
    suffix = file_name.rsplit(".", 1)[-1]
    dialog.setDefaultSuffix(suffix)
    dialog.selectFile(file_name)
    return dialog

"""A searchable picker for one incident or status update (blockers link to them)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import shiboken6
from PySide6.QtCore import QStringListModel, QTimer, Signal
from PySide6.QtWidgets import QComboBox, QCompleter, QHBoxLayout, QLineEdit, QToolButton, QWidget

from asyncops_desktop.db import Database
from asyncops_desktop.domain.dto import IncidentDTO, StatusUpdateDTO
from asyncops_desktop.repositories.base import Sort
from asyncops_desktop.repositories.incidents import IncidentFilter, IncidentRepository
from asyncops_desktop.repositories.status_updates import StatusUpdateFilter, StatusUpdateRepository
from asyncops_desktop.services.base import Actor
from ui.context import AppContext
from ui.models.formatters import one_line

INCIDENT = "incident"
STATUS_UPDATE = "status_update"
KIND_LABELS = {INCIDENT: "Incident", STATUS_UPDATE: "Status update"}
SEARCH_DELAY_MS = 250
RESULT_LIMIT = 20


@dataclass(frozen=True, slots=True)
class LinkedRecord:
    """A record a blocker can point at."""

    kind: str
    id: int
    title: str

    @property
    def label(self) -> str:
        """``Incident #12 — Checkout errors``."""
        return f"{KIND_LABELS.get(self.kind, self.kind)} #{self.id} — {one_line(self.title, 80)}"


def _records(kind: str, rows: Sequence[IncidentDTO | StatusUpdateDTO]) -> list[LinkedRecord]:
    return [LinkedRecord(kind, row.id, row.title) for row in rows]


def search_records(kind: str, text: str) -> Callable[[Database, Actor], list[LinkedRecord]]:
    """A worker job: records of ``kind`` whose text matches, newest first; ``#12`` finds id 12."""

    def job(database: Database, _actor: Actor) -> list[LinkedRecord]:
        wanted_id = int(text.lstrip("#")) if text.lstrip("#").isdigit() else None
        with database.read() as session:
            if kind == INCIDENT:
                incidents = IncidentRepository(session)
                rows: list[IncidentDTO | StatusUpdateDTO] = list(
                    incidents.page(
                        IncidentFilter(text=text or None),
                        Sort("created_at"),
                        limit=RESULT_LIMIT,
                    ).rows
                )
                exact: IncidentDTO | StatusUpdateDTO | None = (
                    incidents.get(wanted_id) if wanted_id and wanted_id < 2**31 else None
                )
            else:
                updates = StatusUpdateRepository(session)
                rows = list(
                    updates.page(
                        StatusUpdateFilter(text=text or None),
                        Sort("created_at"),
                        limit=RESULT_LIMIT,
                    ).rows
                )
                exact = updates.get(wanted_id) if wanted_id and wanted_id < 2**31 else None
        if exact is not None:
            rows = [exact, *(row for row in rows if row.id != exact.id)]
        return _records(kind, rows)

    return job


def describe_record(kind: str, ident: int) -> Callable[[Database, Actor], LinkedRecord | None]:
    """A worker job: the title of one linked record (None if it was deleted)."""

    def job(database: Database, _actor: Actor) -> LinkedRecord | None:
        with database.read() as session:
            repo = (
                IncidentRepository(session) if kind == INCIDENT else StatusUpdateRepository(session)
            )
            row = repo.get(ident)
        return None if row is None else LinkedRecord(kind, row.id, row.title)

    return job


class RecordPicker(QWidget):
    """Choose the kind, type part of a title (or ``#id``), pick from the matches."""

    # Emitted when the person picks or clears a record (not on ``set_value``).
    value_changed = Signal()
    # Emitted when search results arrive (tests and screen readers wait for it).
    results_ready = Signal(int)

    def __init__(
        self,
        context: AppContext,
        *,
        name: str = "Linked item",
        kinds: Sequence[str] = (INCIDENT, STATUS_UPDATE),
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._context = context
        self.setAccessibleName(name)
        self._value: LinkedRecord | None = None
        self._results: list[LinkedRecord] = []
        self._generation = 0
        # A child from the start: shown before it is laid out, a parentless combo box
        # would open (and close) as a window of its own, taking the activation away.
        self.kind_combo = QComboBox(self)
        self.kind_combo.setAccessibleName(f"{name} kind")
        for kind in kinds:
            self.kind_combo.addItem(KIND_LABELS[kind], kind)
        self.kind_combo.currentIndexChanged.connect(self._on_kind_changed)
        # One kind needs no choice of kind.
        self.kind_combo.setVisible(len(kinds) > 1)
        self.search = QLineEdit()
        self.search.setAccessibleName(f"{name} search")
        self.search.setClearButtonEnabled(False)
        self.search.textEdited.connect(self._on_text_edited)
        self.clear_button = QToolButton()
        self.clear_button.setText("Clear")
        self.clear_button.setAccessibleName(f"Clear {name.lower()}")
        self.clear_button.setToolTip(f"Remove the {name.lower()}")
        self.clear_button.clicked.connect(self.clear)
        self._matches = QStringListModel(self)
        self.completer = QCompleter(self._matches, self)
        self.completer.setWidget(self.search)
        # The database already filtered the matches; the popup shows them all.
        self.completer.setCompletionMode(QCompleter.CompletionMode.UnfilteredPopupCompletion)
        self.completer.setMaxVisibleItems(12)
        self.completer.activated.connect(self._on_activated)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(SEARCH_DELAY_MS)
        self._timer.timeout.connect(self.run_search)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        layout.addWidget(self.kind_combo)
        layout.addWidget(self.search, 1)
        layout.addWidget(self.clear_button)
        self._update_placeholder()
        self._update_clear()

    # -- value ------------------------------------------------------------------------------
    def value(self) -> LinkedRecord | None:
        """The chosen record, or None."""
        return self._value

    def kind(self) -> str:
        """The kind searched for."""
        return str(self.kind_combo.currentData())

    def set_value(self, record: LinkedRecord | None) -> None:
        """Show ``record`` as chosen (no ``value_changed``: this is not the person's choice)."""
        self._value = record
        if record is not None:
            index = self.kind_combo.findData(record.kind)
            if index >= 0:
                self.kind_combo.blockSignals(True)
                self.kind_combo.setCurrentIndex(index)
                self.kind_combo.blockSignals(False)
        self.search.setText(record.label if record is not None else "")
        self.search.setCursorPosition(0)
        self._update_placeholder()
        self._update_clear()

    def set_link(self, kind: str, ident: int | None) -> None:
        """Show a linked id at once and fetch its title on the worker."""
        if ident is None:
            self.set_value(None)
            return
        self.set_value(LinkedRecord(kind, ident, "…"))
        self._generation += 1
        generation = self._generation
        self._context.submit(
            describe_record(kind, ident),
            lambda record: self._on_described(generation, kind, ident, record),
            lambda _message: None,
        )

    def clear(self) -> None:
        """Remove the chosen record."""
        had_value = self._value is not None or bool(self.search.text())
        self.set_value(None)
        self._hide_popup()
        if had_value:
            self.value_changed.emit()

    def set_read_only(self, read_only: bool) -> None:
        """Show the link without letting it change."""
        self.kind_combo.setEnabled(not read_only and self.kind_combo.count() > 1)
        self.search.setReadOnly(read_only)
        self.clear_button.setVisible(not read_only)

    # -- searching --------------------------------------------------------------------------
    def results(self) -> list[LinkedRecord]:
        """The matches of the last search."""
        return list(self._results)

    def search_for(self, text: str) -> None:
        """Type ``text`` and search at once (keyboard users get the same after a pause)."""
        self.search.setText(text)
        self._on_text_edited(text)
        self.run_search()

    def run_search(self) -> None:
        """Ask the worker for matches of the typed text."""
        self._timer.stop()
        self._generation += 1
        generation = self._generation
        self._context.submit(
            search_records(self.kind(), self.search.text().strip()),
            lambda records: self._on_results(generation, records),
            lambda _message: None,
        )

    def choose(self, row: int) -> None:
        """Pick the ``row``-th match."""
        if 0 <= row < len(self._results):
            self.set_value(self._results[row])
            self._hide_popup()
            self.value_changed.emit()

    def _on_results(self, generation: int, records: list[LinkedRecord]) -> None:
        if not shiboken6.isValid(self) or generation != self._generation:
            return
        self._results = records
        self._matches.setStringList([record.label for record in records])
        if records and self.search.hasFocus():
            self.completer.setCompletionPrefix("")
            self.completer.complete()
        self.results_ready.emit(len(records))

    def _on_described(
        self, generation: int, kind: str, ident: int, record: LinkedRecord | None
    ) -> None:
        if not shiboken6.isValid(self) or generation != self._generation:
            return
        if record is None:
            record = LinkedRecord(kind, ident, "(deleted)")
        if self._value is not None and (self._value.kind, self._value.id) == (kind, ident):
            self.set_value(record)

    def _on_activated(self, label: str) -> None:
        for row, record in enumerate(self._results):
            if record.label == label:
                self.choose(row)
                return

    def _on_text_edited(self, _text: str) -> None:
        # Typing means searching again: the old choice no longer matches the text.
        if self._value is not None:
            self._value = None
            self.value_changed.emit()
        self._update_clear()
        self._timer.start()

    def _on_kind_changed(self, _index: int) -> None:
        self._update_placeholder()
        if self._value is not None:
            self._value = None
            self.search.clear()
            self.value_changed.emit()
        self._results = []
        self._matches.setStringList([])

    def _hide_popup(self) -> None:
        popup = self.completer.popup()
        if popup is not None:
            popup.hide()

    def _update_placeholder(self) -> None:
        noun = "incidents" if self.kind() == INCIDENT else "status updates"
        self.search.setPlaceholderText(f"Search {noun} by title or #id…")

    def _update_clear(self) -> None:
        self.clear_button.setEnabled(self._value is not None or bool(self.search.text()))

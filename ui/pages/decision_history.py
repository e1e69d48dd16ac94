"""A decision's audit history, newest first, and the decision rebuilt as it was at one entry.

The history arrives in one query; only the first entries are rendered and "Show older
entries" renders more, so a decision edited a thousand times opens as fast as a new one.
"""

from __future__ import annotations

import datetime as dt
import html
import json
from collections.abc import Callable, Sequence

from PySide6.QtCore import QUrl, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from asyncops_desktop.domain.dto import AuditEntryDTO
from asyncops_desktop.domain.enums import ChangeType
from asyncops_desktop.services.decisions import TEXT_FIELDS, parse_audit_value, replay, word_diff
from ui.models.decisions import day_text, decision_status_label
from ui.models.formatters import exact_time, relative_time, to_local
from ui.widgets.banner import MessageBanner
from ui.widgets.diff_html import condensed, diff_colours, escape_text, parts_html
from ui.widgets.filters import select_data
from ui.widgets.palette import muted_colour

FIRST_BATCH = 15
MORE_BATCH = 100
FIELD_LABELS = {
    "title": "Title",
    "description": "Description",
    "context": "Context",
    "outcome": "Outcome",
    "decision_date": "Decision date",
    "status": "Status",
    "review_by": "Review by",
    "tags": "Tags",
    "participants": "Participants",
    "participant_ids": "Participants",
    "superseded_by_id": "Superseded by",
    "deleted_at": "Deleted",
}
ALL = "__all__"
LIFECYCLE = "__lifecycle__"


def field_of(entry: AuditEntryDTO) -> str:
    """The field an entry is about; created/deleted/restored count as "lifecycle"."""
    if entry.change_type != ChangeType.UPDATED.value or entry.field_name == "deleted_at":
        return LIFECYCLE
    return entry.field_name or LIFECYCLE


def state_after(
    entries_newest_first: Sequence[AuditEntryDTO], entry_id: int
) -> dict[str, object] | None:
    """The decision right after entry ``entry_id``, replayed from the entries up to it."""
    ordered = list(reversed(entries_newest_first))
    for position, entry in enumerate(ordered):
        if entry.id == entry_id:
            return replay(ordered[: position + 1])
    return None


class HistoryPanel(QWidget):
    """Who changed what and when; filters by field and person; links to past versions."""

    # The person asked to see the decision as it was after this entry.
    version_requested = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("historyPanel")
        self.setAccessibleName("History")
        self._entries: list[AuditEntryDTO] = []
        self._shown = FIRST_BATCH
        self._names: Callable[[int], str] = lambda user_id: f"User #{user_id}"
        heading = QLabel("History")
        heading.setAccessibleName("History heading")
        font = QFont(heading.font())
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.1)
        heading.setFont(font)
        self.count_label = QLabel()
        self.count_label.setAccessibleName("Number of history entries")
        self.field_filter = QComboBox()
        self.field_filter.setAccessibleName("History field filter")
        self.field_filter.setToolTip("Show changes to one field only")
        self.field_filter.addItem("All fields", ALL)
        self.field_filter.addItem("Created, deleted, restored", LIFECYCLE)
        for key in (
            *TEXT_FIELDS,
            "decision_date",
            "status",
            "review_by",
            "tags",
            "participants",
            "superseded_by_id",
        ):
            self.field_filter.addItem(FIELD_LABELS[key], key)
        self.person_filter = QComboBox()
        self.person_filter.setAccessibleName("History person filter")
        self.person_filter.setToolTip("Show changes by one person only")
        self.person_filter.addItem("Anyone", None)
        self.field_filter.currentIndexChanged.connect(self._on_filter_changed)
        self.person_filter.currentIndexChanged.connect(self._on_filter_changed)
        self.browser = QTextBrowser()
        self.browser.setObjectName("historyBrowser")
        self.browser.setAccessibleName("History entries")
        self.browser.setOpenLinks(False)
        self.browser.anchorClicked.connect(self._on_anchor)
        self.error_banner = MessageBanner("History problem")
        top = QHBoxLayout()
        top.addWidget(heading)
        top.addStretch(1)
        top.addWidget(self.count_label)
        filters = QHBoxLayout()
        filters.addWidget(self.field_filter, 1)
        filters.addWidget(self.person_filter, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        layout.addLayout(top)
        layout.addLayout(filters)
        layout.addWidget(self.error_banner)
        layout.addWidget(self.browser, 1)
        self.clear()

    # -- content ----------------------------------------------------------------------------
    def set_names(self, names: Callable[[int], str]) -> None:
        """How participant ids read (names, "(deactivated)")."""
        self._names = names
        if self._entries:
            self._render()

    def clear(self, message: str = "A new decision has no history yet.") -> None:
        """No entries (a new decision)."""
        self._entries = []
        self.count_label.setText("")
        self.error_banner.dismiss()
        self.browser.setHtml(f"<p><i>{html.escape(message)}</i></p>")

    def set_loading(self) -> None:
        """Say the history is on its way."""
        self.error_banner.dismiss()
        self.browser.setHtml("<p><i>Loading history…</i></p>")

    def set_error(self, message: str) -> None:
        """Say why the history could not be loaded."""
        self.error_banner.show_message(f"The history could not be loaded: {message}")

    def set_entries(self, entries: Sequence[AuditEntryDTO]) -> None:
        """Show a decision's entries (newest first), keeping the filters chosen."""
        self._entries = list(entries)
        self._shown = FIRST_BATCH
        people: dict[int, str] = {}
        for entry in self._entries:
            people.setdefault(entry.changed_by_id, entry.changed_by_name)
        current = self.person_filter.currentData()
        self.person_filter.blockSignals(True)
        self.person_filter.clear()
        self.person_filter.addItem("Anyone", None)
        for user_id, name in sorted(people.items(), key=lambda item: item[1].casefold()):
            self.person_filter.addItem(name, user_id)
        if not select_data(self.person_filter, current):
            self.person_filter.setCurrentIndex(0)
        self.person_filter.blockSignals(False)
        self._render()

    @property
    def entries(self) -> list[AuditEntryDTO]:
        """Every entry loaded, newest first."""
        return list(self._entries)

    def set_field_filter(self, field: str | None) -> None:
        """Show one field's changes (None: all)."""
        select_data(self.field_filter, field or ALL)

    def set_person_filter(self, user_id: int | None) -> None:
        """Show one person's changes (None: anyone)."""
        select_data(self.person_filter, user_id)

    def matching(self) -> list[AuditEntryDTO]:
        """The entries the filters let through, newest first."""
        field = self.field_filter.currentData()
        person = self.person_filter.currentData()
        return [
            entry
            for entry in self._entries
            if (field == ALL or field_of(entry) == field)
            and (person is None or entry.changed_by_id == person)
        ]

    def rendered_count(self) -> int:
        """How many entries are rendered now."""
        return min(self._shown, len(self.matching()))

    def show_more(self) -> None:
        """Render the next batch of older entries."""
        self._shown += MORE_BATCH
        self._render(keep_scroll=True)

    def request_version(self, entry_id: int) -> None:
        """Ask for the decision as it was after an entry (what its link does)."""
        for entry in self._entries:
            if entry.id == entry_id:
                self.version_requested.emit(entry)
                return

    def entry_text(self, entry: AuditEntryDTO) -> str:
        """An entry as plain text (what a screen reader reads)."""
        document = QTextBrowser()
        document.setHtml(self.entry_html(entry))
        return document.toPlainText()

    # -- rendering --------------------------------------------------------------------------
    def _on_filter_changed(self, _index: int) -> None:
        self._shown = FIRST_BATCH
        self._render()

    def _render(self, *, keep_scroll: bool = False) -> None:
        matching = self.matching()
        total = len(self._entries)
        if len(matching) == total:
            self.count_label.setText(f"{total:,} {'entry' if total == 1 else 'entries'}")
        else:
            self.count_label.setText(f"{len(matching):,} of {total:,} entries")
        if not matching:
            text = "No changes match these filters." if self._entries else "No history yet."
            self.browser.setHtml(f"<p><i>{text}</i></p>")
            return
        shown = matching[: self._shown]
        parts = [self.entry_html(entry) for entry in shown]
        rest = len(matching) - len(shown)
        if rest > 0:
            more = min(rest, MORE_BATCH)
            parts.append(
                f'<p align="center"><a href="history:more">Show {more:,} older '
                f"{'entry' if more == 1 else 'entries'}</a> ({rest:,} not shown)</p>"
            )
        bar = self.browser.verticalScrollBar()
        position = bar.value()
        self.browser.setHtml("<hr>".join(parts))
        bar.setValue(position if keep_scroll else 0)

    def _describe(self, field: str, text: str | None) -> str:
        value = parse_audit_value(field, text)
        if value is None or value == "" or value == []:
            return "<i>none</i>"
        if field in ("decision_date", "review_by") and isinstance(value, dt.date):
            return html.escape(day_text(value))
        if field == "status":
            return html.escape(decision_status_label(str(value)))
        if field == "superseded_by_id":
            return f'<a href="decision:{value}">#{value}</a>'
        if isinstance(value, list):
            return html.escape(", ".join(str(item) for item in value))
        return html.escape(str(value))

    def entry_html(self, entry: AuditEntryDTO) -> str:
        """One entry: who and when, then what changed."""
        muted = muted_colour(self).name()
        who = html.escape(entry.changed_by_name)
        local = to_local(entry.changed_at)
        when = (
            f'<span style="color: {muted}">{relative_time(entry.changed_at)} · '
            f"{local.day} {local:%b %Y, %H:%M}</span>"
        )
        what = self._what_html(entry)
        link = (
            f'<a href="version:{entry.id}" title="Show the whole decision as it was right after '
            f'this change">View this version</a>'
        )
        return f"<p style='margin: 4px 0'><b>{who}</b> {what}<br>{when} · {link}</p>{self._detail_html(entry)}"

    def _what_html(self, entry: AuditEntryDTO) -> str:
        field = entry.field_name or ""
        label = FIELD_LABELS.get(field, field.replace("_", " "))
        if entry.change_type == ChangeType.CREATED.value:
            return "recorded the decision"
        if entry.change_type == ChangeType.DELETED.value:
            return "deleted the decision"
        if field == "deleted_at":
            return "restored the decision" if entry.new_value is None else "deleted the decision"
        if field in (*TEXT_FIELDS,):
            return f"changed <b>{label}</b>"
        if field in ("participants", "tags"):
            return f"changed <b>{label}</b>:"
        if field == "superseded_by_id":
            if entry.new_value is None:
                return "removed the <b>Superseded by</b> link"
            return f"linked it as <b>superseded by</b> {self._describe(field, entry.new_value)}"
        removed, added = diff_colours(self.palette())
        old = self._describe(field, entry.old_value)
        new = self._describe(field, entry.new_value)
        return (
            f'changed <b>{label}</b>: <s style="background-color: {removed}">{old}</s> → '
            f'<u style="background-color: {added}">{new}</u>'
        )

    def _detail_html(self, entry: AuditEntryDTO) -> str:
        field = entry.field_name or ""
        if entry.change_type == ChangeType.CREATED.value:
            try:
                snapshot = json.loads(entry.new_value or "{}")
            except ValueError:
                return ""
            title = snapshot.get("title") or ""
            return f"<p style='margin: 0 0 0 12px'>“{escape_text(str(title))}”</p>"
        if entry.change_type != ChangeType.UPDATED.value:
            return ""
        if field in TEXT_FIELDS:
            parts = condensed(word_diff(entry.old_value, entry.new_value))
            diff = parts_html(parts, self.palette())
            return f"<table width='100%' cellpadding='4'><tr><td>{diff or '<i>empty</i>'}</td></tr></table>"
        if field in ("participants", "tags"):
            before = parse_audit_value(field, entry.old_value) or []
            after = parse_audit_value(field, entry.new_value) or []
            assert isinstance(before, list) and isinstance(after, list)
            added = [item for item in after if item not in before]
            removed = [item for item in before if item not in after]
            name = self._names if field == "participants" else str
            lines = []
            if added:
                names = ", ".join(html.escape(name(item)) for item in added)
                lines.append(f"<u>Added</u>: {names}")
            if removed:
                names = ", ".join(html.escape(name(item)) for item in removed)
                lines.append(f"<s>Removed</s>: {names}")
            return "<p style='margin: 0 0 0 12px'>" + "<br>".join(lines) + "</p>"
        return ""

    def _on_anchor(self, url: QUrl) -> None:
        target = url.toString()
        if target == "history:more":
            self.show_more()
        elif target.startswith("version:"):
            self.request_version(int(target.split(":", 1)[1]))
        elif target.startswith("decision:"):
            self.decision_link_activated.emit(int(target.split(":", 1)[1]))

    # A "Superseded by #N" link in an entry was clicked.
    decision_link_activated = Signal(int)


class VersionView(QWidget):
    """The whole decision as it was at one moment: read-only, with the way back."""

    back_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("versionView")
        self.setAccessibleName("Past version of the decision")
        self.banner = MessageBanner("Viewing a past version")
        self.banner.close_button.hide()
        self.back_button = QPushButton("&Back to the current version")
        self.back_button.setAccessibleName("Back to the current version")
        self.back_button.clicked.connect(self.back_requested)
        self.browser = QTextBrowser()
        self.browser.setAccessibleName("Decision as it was")
        self.browser.setOpenLinks(False)
        self.entry: AuditEntryDTO | None = None
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.back_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.banner)
        layout.addWidget(self.browser, 1)
        layout.addLayout(buttons)

    def show_state(
        self, entry: AuditEntryDTO, state: dict[str, object], names: Callable[[int], str]
    ) -> None:
        """Render ``state`` (as ``replay`` builds it) as of ``entry``."""
        self.entry = entry
        self.banner.show_message(
            f"Viewing the version of {exact_time(entry.changed_at)}, right after "
            f"{entry.changed_by_name}'s change. This is read-only: go back to the current "
            "version to edit.",
            warning=False,
        )

        def day(value: object) -> str:
            return day_text(value) if isinstance(value, dt.date) else "none"

        tags = state.get("tags") or []
        people = state.get("participants") or []
        assert isinstance(tags, list) and isinstance(people, list)
        facts = [
            f"**Status:** {decision_status_label(str(state.get('status') or ''))}",
            f"**Decided on:** {day(state.get('decision_date'))}",
            f"**Review by:** {day(state.get('review_by'))}",
            f"**Tags:** {', '.join(str(tag) for tag in tags) or 'none'}",
            f"**Participants:** {', '.join(names(int(p)) for p in people) or 'nobody'}",
        ]
        if state.get("superseded_by_id") is not None:
            facts.append(f"**Superseded by:** decision #{state['superseded_by_id']}")
        if state.get("deleted_at") is not None:
            facts.append("**Deleted** at this point.")
        sections = [f"# {state.get('title') or ''}", "  \n".join(facts)]
        for key in ("description", "context", "outcome"):
            sections.append(f"## {FIELD_LABELS[key]}\n\n{state.get(key) or '*empty*'}")
        self.browser.setMarkdown("\n\n".join(sections))
        self.browser.verticalScrollBar().setValue(0)

    def text(self) -> str:
        """What the view shows, as plain text."""
        return self.browser.toPlainText()

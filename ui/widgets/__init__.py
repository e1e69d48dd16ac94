"""Widgets shared by the pages: search, filters, badges, counters, editors' building blocks."""

from __future__ import annotations

from ui.widgets.badges import BadgeDelegate, BadgeLabel
from ui.widgets.banner import MessageBanner
from ui.widgets.counters import CharacterCounter
from ui.widgets.fields import FieldError, FieldRow
from ui.widgets.filters import DateRangeFilter, FilterBar
from ui.widgets.markdown_editor import MarkdownEditor
from ui.widgets.record_picker import LinkedRecord, RecordPicker
from ui.widgets.search_box import SearchBox
from ui.widgets.table import RecordTableView
from ui.widgets.tag_editor import TagEditor

__all__ = [
    "BadgeDelegate",
    "BadgeLabel",
    "CharacterCounter",
    "DateRangeFilter",
    "FieldError",
    "FieldRow",
    "FilterBar",
    "LinkedRecord",
    "MarkdownEditor",
    "MessageBanner",
    "RecordPicker",
    "RecordTableView",
    "SearchBox",
    "TagEditor",
]

"""Shared input widgets without a database: search box, counters, tags, Markdown, dates, badges."""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QPalette, QStandardItem, QStandardItemModel
from PySide6.QtTest import QTest
from PySide6.QtWidgets import (
    QApplication,
    QLineEdit,
    QPlainTextEdit,
    QStyleOptionViewItem,
    QTableView,
    QWidget,
)
from pytestqt.qtbot import QtBot

from ui.models.badges import SEVERITY_BADGES, severity_badge
from ui.models.columns import Roles
from ui.widgets.badges import BadgeDelegate, BadgeLabel, badge_width
from ui.widgets.banner import MessageBanner
from ui.widgets.counters import CharacterCounter
from ui.widgets.fields import FieldRow, TextBox
from ui.widgets.filters import DateRangeFilter, local_midnight_utc
from ui.widgets.flow_layout import FlowLayout
from ui.widgets.markdown_editor import MarkdownEditor
from ui.widgets.palette import ERROR_DARK, ERROR_LIGHT, error_colour, is_dark
from ui.widgets.search_box import SearchBox
from ui.widgets.tag_editor import TagEditor

TIMEOUT_MS = 5_000


def test_search_box_waits_for_a_pause_in_typing(qtbot: QtBot) -> None:
    box = SearchBox(debounce_ms=100)
    qtbot.addWidget(box)
    seen: list[str] = []
    box.search_changed.connect(seen.append)
    with qtbot.waitSignal(box.search_changed, timeout=TIMEOUT_MS):
        QTest.keyClicks(box, "disk full")
        # Nothing yet: each keystroke restarted the timer.
        assert seen == []
        assert box.pending
    assert seen == ["disk full"]
    # Enter searches at once; the same text twice is one search.
    box.setText("  disk  ")
    QTest.keyClick(box, Qt.Key.Key_Return)
    assert seen == ["disk full", "disk"]
    box.flush()
    assert seen == ["disk full", "disk"]
    # Escape clears a search; on an empty box it is left for the page (cancel edit).
    QTest.keyClick(box, Qt.Key.Key_Escape)
    assert box.text() == "" and seen[-1] == ""
    assert box.accessibleName() == "Search"


def test_character_counter_turns_red_past_the_limit(qtbot: QtBot) -> None:
    edit = QLineEdit()
    edit.setAccessibleName("Title")
    counter = CharacterCounter(edit, 10)
    qtbot.addWidget(edit)
    qtbot.addWidget(counter)
    assert counter.text() == "0 / 10"
    edit.setText("x" * 10)
    assert counter.text() == "10 / 10" and not counter.over_limit
    assert "color" not in counter.styleSheet()
    edit.setText("x" * 12)
    assert counter.text() == "12 / 10 · 2 too many"
    assert counter.over_limit
    assert error_colour(counter).name() in counter.styleSheet()
    assert counter.accessibleName() == "Title length"
    text = QPlainTextEdit()
    big = CharacterCounter(text, 10_000)
    qtbot.addWidget(text)
    text.setPlainText("y" * 10_001)
    assert big.text() == "10,001 / 10,000 · 1 too many"


def test_field_row_shows_errors_with_the_rule_in_words(qtbot: QtBot) -> None:
    box = TextBox("Impact", lines=3)
    row = FieldRow("&Impact", box, limit=1000)
    qtbot.addWidget(row)
    row.show()
    assert row.counter is not None
    assert not row.error.isVisible()
    row.set_error("Impact is required.")
    assert row.error.isVisible()
    assert row.error.message == "Impact is required."
    assert "Impact is required." in row.error.text()
    assert row.error.accessibleDescription() == "Impact is required."
    row.set_error(None)
    assert not row.error.isVisible()
    assert row.label.buddy() is box
    # Sized in lines, not Qt's default 192 px.
    assert box.sizeHint().height() < 120


def test_tag_editor_adds_removes_and_dedupes(qtbot: QtBot) -> None:
    editor = TagEditor()
    qtbot.addWidget(editor)
    editor.show()
    changes: list[bool] = []
    editor.tags_changed.connect(lambda: changes.append(True))
    QTest.keyClicks(editor.input, "backend")
    QTest.keyClick(editor.input, Qt.Key.Key_Return)
    QTest.keyClicks(editor.input, "infra,Backend,")
    assert editor.tags() == ["backend", "infra"]
    assert editor.input.text() == ""
    QTest.keyClicks(editor.input, "half typed")
    # A save takes what is typed too.
    assert editor.tags_with_pending() == ["backend", "infra", "half typed"]
    editor.input.clear()
    QTest.keyClick(editor.input, Qt.Key.Key_Backspace)
    assert editor.tags() == ["backend"]
    chip = editor.findChildren(QWidget, "tagChip")
    assert any(c.accessibleName() == "Tag backend" for c in chip)
    editor._chips[0].remove_button.click()
    assert editor.tags() == []
    assert len(changes) == 4
    editor.set_tags(["a", "b"])
    editor.set_read_only(True)
    assert not editor.input.isVisibleTo(editor)
    assert not editor.add_tag("c")


def test_tag_editor_completes_from_tags_in_use(qtbot: QtBot) -> None:
    editor = TagEditor()
    qtbot.addWidget(editor)
    editor.show()
    editor.set_suggestions([("deploy", 12), ("database", 3), ("docs", 1)])
    assert editor.suggestions.stringList() == ["deploy", "database", "docs"]
    completer = editor.completer
    assert completer.widget() is editor.input
    # What typing "ta" asks of the completer (typing itself would open a popup, which the
    # offscreen test platform cannot raise).
    completer.setCompletionPrefix("ta")
    assert completer.completionCount() == 1
    assert completer.currentCompletion() == "database"
    editor.input.setText("ta")
    completer.activated.emit("database")
    qtbot.waitUntil(lambda: editor.input.text() == "", timeout=TIMEOUT_MS)
    assert editor.tags() == ["database"]


def test_markdown_editor_renders_a_live_preview(qtbot: QtBot) -> None:
    editor = MarkdownEditor()
    qtbot.addWidget(editor)
    editor.show()
    assert "Nothing to preview" in editor.preview_text()
    QTest.keyClicks(editor.editor, "## Plan")
    QTest.keyClick(editor.editor, Qt.Key.Key_Return)
    QTest.keyClick(editor.editor, Qt.Key.Key_Return)
    QTest.keyClicks(editor.editor, "- **ship** it")
    qtbot.waitUntil(lambda: "Plan" in editor.preview_text(), timeout=TIMEOUT_MS)
    assert "##" not in editor.preview_text()
    assert "**" not in editor.preview_text()
    assert editor.text().startswith("## Plan")
    editor.set_text("plain")
    assert editor.preview_text().strip() == "plain"
    editor.set_read_only(True)
    assert editor.editor.isReadOnly()


def test_date_range_filter_gives_utc_bounds_of_local_days(qtbot: QtBot) -> None:
    dates = DateRangeFilter()
    qtbot.addWidget(dates)
    assert dates.range_utc() == (None, None)
    today = dt.date(2026, 3, 10)
    with qtbot.waitSignal(dates.changed, timeout=TIMEOUT_MS):
        dates.set_preset(7)
    assert dates.range_utc(today) == (local_midnight_utc(dt.date(2026, 3, 4)), None)
    dates.set_preset(0)
    assert dates.range_utc(today) == (local_midnight_utc(today), None)
    with qtbot.waitSignal(dates.changed, timeout=TIMEOUT_MS):
        dates.set_custom(dt.date(2026, 2, 1), dt.date(2026, 2, 3))
    assert dates.from_edit.isVisibleTo(dates)
    start, end = dates.range_utc()
    # The end day is included: the bound is the next local midnight.
    assert (start, end) == (
        local_midnight_utc(dt.date(2026, 2, 1)),
        local_midnight_utc(dt.date(2026, 2, 4)),
    )
    local = dt.datetime(2026, 2, 1).astimezone()
    assert start == local.astimezone(dt.UTC).replace(tzinfo=None)


def test_badges_paint_with_text_icon_and_colour(qtbot: QtBot) -> None:
    model = QStandardItemModel(len(SEVERITY_BADGES), 1)
    for row, value in enumerate(SEVERITY_BADGES):
        item = QStandardItem(severity_badge(value).text)
        item.setData(severity_badge(value), Roles.BADGE)
        model.setItem(row, 0, item)
    view = QTableView()
    qtbot.addWidget(view)
    delegate = BadgeDelegate(view)
    view.setItemDelegateForColumn(0, delegate)
    view.setModel(model)
    view.resize(300, 200)
    view.show()
    qtbot.waitExposed(view)
    image = view.viewport().grab().toImage()
    # The critical pill's tint and the red of its icon are painted somewhere in the cell.
    colours = {
        image.pixelColor(x, y).name()
        for x in range(0, min(image.width(), 120))
        for y in range(0, min(image.height(), 120))
    }
    assert len(colours) > 10
    option = QStyleOptionViewItem()
    option.initFrom(view)
    width = delegate.sizeHint(option, model.index(3, 0)).width()
    assert width >= badge_width(severity_badge("critical"), view.font())

    label = BadgeLabel()
    qtbot.addWidget(label)
    label.set_badge(severity_badge("critical"), prefix="Severity: ")
    assert label.accessibleName() == "Severity: Critical"
    assert label.sizeHint().width() > 40
    label.set_badge(None)
    assert label.isHidden()


def test_palette_helpers_follow_light_and_dark(qtbot: QtBot) -> None:
    light = QPalette()
    light.setColor(QPalette.ColorRole.Window, QColor("#ffffff"))
    light.setColor(QPalette.ColorRole.WindowText, QColor("#000000"))
    dark = QPalette()
    dark.setColor(QPalette.ColorRole.Window, QColor("#202020"))
    dark.setColor(QPalette.ColorRole.WindowText, QColor("#eeeeee"))
    assert not is_dark(light) and is_dark(dark)
    widget = QWidget()
    qtbot.addWidget(widget)
    widget.setPalette(dark)
    assert error_colour(widget).name() == ERROR_DARK
    widget.setPalette(light)
    assert error_colour(widget).name() == ERROR_LIGHT
    assert isinstance(QApplication.palette(), QPalette)


def test_banner_offers_retry_and_can_be_dismissed(qtbot: QtBot) -> None:
    banner = MessageBanner("Save problem")
    qtbot.addWidget(banner)
    assert banner.message == ""
    banner.show_message("The server went away.", retry=True)
    assert banner.message == "The server went away."
    assert banner.retry_button.isVisibleTo(banner)
    with qtbot.waitSignal(banner.retry_requested, timeout=TIMEOUT_MS):
        banner.retry_button.click()
    with qtbot.waitSignal(banner.dismissed, timeout=TIMEOUT_MS):
        banner.close_button.click()
    assert banner.isHidden()
    banner.show_message("Saved elsewhere.", retry=False, warning=False)
    assert not banner.retry_button.isVisibleTo(banner)


def test_flow_layout_wraps_onto_new_lines(qtbot: QtBot) -> None:
    host = QWidget()
    qtbot.addWidget(host)
    flow = FlowLayout(host, spacing=4)
    widgets = [QLineEdit(f"chip {n}") for n in range(6)]
    for widget in widgets:
        widget.setFixedWidth(80)
        flow.addWidget(widget)
    host.resize(200, 200)
    host.show()
    qtbot.waitExposed(host)
    tops = sorted({w.geometry().top() for w in widgets})
    assert len(tops) == 3
    assert flow.heightForWidth(1000) < flow.heightForWidth(200)
    assert flow.count() == 6 and flow.itemAt(6) is None
    assert flow.takeAt(0) is not None and flow.count() == 5

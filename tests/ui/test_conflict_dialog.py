"""The per-field conflict dialog on its own, fed FieldConflict records as offline sync makes them."""

from __future__ import annotations

from PySide6.QtCore import QPoint
from PySide6.QtWidgets import QLabel, QScrollArea, QTextBrowser
from pytestqt.qtbot import QtBot

from asyncops_desktop.offline import FieldConflict
from ui.dialogs.conflict import EDIT, MINE, THEIRS, ConflictDialog, conflicts_between

CONFLICTS = [
    FieldConflict("title", "Old title", "Their title", "My title"),
    FieldConflict("description", "One server.", "One server with a replica.", "One server."),
    FieldConflict("severity", "low", "high", "medium"),
    FieldConflict("tags", ("a",), ("a", "b"), ("a",)),
]


def test_conflicts_between_lists_only_fields_that_differ() -> None:
    base = {"title": "t", "body": "b", "n": 1}
    theirs = {"title": "t2", "body": "b", "n": 2}
    mine = {"title": "t3", "body": "b", "n": 2}
    assert conflicts_between(base, theirs, mine, ["title", "body", "n"]) == [
        FieldConflict("title", "t", "t2", "t3")
    ]


def test_each_field_shows_three_values_and_defaults_sensibly(qtbot: QtBot) -> None:
    dialog = ConflictDialog(
        CONFLICTS,
        labels={"title": "Title", "description": "Description"},
        what="incident #4",
        changed_by="Bea",
        editable=("title", "description"),
    )
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.fields() == ["title", "description", "severity", "tags"]
    title = dialog.choices["title"]
    assert title.state_label.text() == "⚠ Changed by both of you"
    assert len(title.value_views) == 3
    texts = [
        view.toPlainText() if isinstance(view, QTextBrowser) else view.text()  # type: ignore[attr-defined]
        for view in title.value_views
    ]
    # Theirs and mine show the word diff against the start: the old words struck, new added.
    assert texts[0] == "Old title"
    assert texts[1].endswith("Their title") and texts[2].endswith("My title")
    # Only the other person changed the description: theirs is the default, nothing of mine lost.
    assert dialog.choices["description"].choice() == THEIRS
    assert dialog.choices["title"].choice() == MINE
    # A non-text field cannot be hand-edited; it reads through the describer.
    assert not dialog.choices["severity"].edit_button.isVisibleTo(dialog)
    severity_views = dialog.choices["severity"].value_views
    assert all(isinstance(view, QLabel) for view in severity_views)
    assert dialog.choices["tags"].value_views[1].text() == "a, b"  # type: ignore[attr-defined]
    assert dialog.resolved() == {
        "title": "My title",
        "description": "One server with a replica.",
        "severity": "medium",
        "tags": ("a", "b"),
    }


def test_choices_per_field_and_hand_edits(qtbot: QtBot) -> None:
    dialog = ConflictDialog(CONFLICTS, editable=("title", "description"))
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.set_choice("severity", THEIRS)
    dialog.set_choice("tags", THEIRS)
    dialog.set_edited("title", "Their title, my wording")
    assert dialog.choices["title"].choice() == EDIT
    assert dialog.choices["title"].edit_box.isVisibleTo(dialog)
    with qtbot.waitSignal(dialog.accepted):
        dialog.save_button.click()  # type: ignore[attr-defined]
    assert dialog.resolved() == {
        "title": "Their title, my wording",
        "description": "One server with a replica.",
        "severity": "high",
        "tags": ("a", "b"),
    }


def test_cancel_rejects(qtbot: QtBot) -> None:
    dialog = ConflictDialog(CONFLICTS[:1])
    qtbot.addWidget(dialog)
    dialog.show()
    with qtbot.waitSignal(dialog.rejected):
        dialog.reject()


LONG = (
    "Customers asked for multi-region failover in the last three roadmap reviews. Audit "
    "findings require stricter controls around database migrations. Billing raised that work "
    "on mobile releases takes too long. The current setup is maintained by one person."
)


def test_the_three_texts_of_a_field_are_one_height_and_top_aligned(qtbot: QtBot) -> None:
    dialog = ConflictDialog(
        [FieldConflict("context", LONG, "Reviewed again.", LONG)], editable=("context",)
    )
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    views = dialog.choices["context"].value_views
    assert all(isinstance(view, QTextBrowser) for view in views)
    line = views[0].fontMetrics().lineSpacing()
    # Tall enough for the long text beside the short one, and the same for all three.
    assert {view.height() for view in views} == {views[0].height()}
    assert views[0].height() >= 4 * line
    assert {view.y() for view in views} == {views[0].y()}
    # The long text fits without scrolling.
    base = views[0]
    assert isinstance(base, QTextBrowser)
    assert base.verticalScrollBar().maximum() == 0


def test_the_dialog_is_as_tall_as_its_fields(qtbot: QtBot) -> None:
    dialog = ConflictDialog([FieldConflict("title", "Old title", "Their title", "My title")])
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    field = dialog.choices["title"]
    below = (
        dialog.save_button.mapTo(dialog, QPoint(0, 0)).y()
        - field.mapTo(dialog, QPoint(0, field.height())).y()
    )
    # Nothing but the gap before the buttons under a single short field.
    assert 0 <= below < 30
    screen = dialog.screen().availableGeometry()
    many = ConflictDialog(
        [FieldConflict(f"field_{n}", LONG, LONG + " More.", LONG + " Mine.") for n in range(12)]
    )
    qtbot.addWidget(many)
    many.show()
    qtbot.waitExposed(many)
    # Many fields: capped to the screen, and the fields scroll.
    assert many.height() <= screen.height()
    scroll = next(s for s in many.findChildren(QScrollArea) if s.accessibleName())
    assert scroll.verticalScrollBar().maximum() > 0

"""The per-field conflict dialog on its own, fed FieldConflict records as offline sync makes them."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QTextBrowser
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

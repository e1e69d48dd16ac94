"""Text rules of the lists: counts, relative and exact times, durations, validation sentences."""

from __future__ import annotations

import datetime as dt

import pytest

from ui.models.badges import (
    BLOCKER_STATUS_BADGES,
    INCIDENT_STATUS_BADGES,
    SEVERITY_BADGES,
    severity_badge,
)
from ui.models.formatters import (
    active_for_text,
    count_text,
    duration_text,
    exact_time,
    field_message,
    one_line,
    relative_time,
)
from ui.resources import resource_path

NOW = dt.datetime(2026, 3, 10, 12, 0, 0)


@pytest.mark.parametrize(
    ("count", "expected"),
    [(0, "0 incidents"), (1, "1 incident"), (2, "2 incidents"), (1204, "1,204 incidents")],
)
def test_count_text(count: int, expected: str) -> None:
    assert count_text(count, "incident") == expected


def test_count_text_with_an_irregular_plural() -> None:
    assert count_text(1, "status update") == "1 status update"
    assert count_text(1_000_000, "status update") == "1,000,000 status updates"


@pytest.mark.parametrize(
    ("ago", "expected"),
    [
        (dt.timedelta(seconds=-30), "just now"),
        (dt.timedelta(seconds=20), "just now"),
        (dt.timedelta(minutes=5), "5 min ago"),
        (dt.timedelta(hours=3, minutes=59), "3 h ago"),
        (dt.timedelta(hours=30), "yesterday"),
        (dt.timedelta(days=4, hours=2), "4 d ago"),
    ],
)
def test_relative_time(ago: dt.timedelta, expected: str) -> None:
    assert relative_time(NOW - ago, NOW) == expected


def test_old_times_show_a_date_and_the_tooltip_is_exact_local_time() -> None:
    old = NOW - dt.timedelta(days=90)
    local = old.replace(tzinfo=dt.UTC).astimezone()
    assert relative_time(old, NOW) == f"{local.day} {local:%b %Y}"
    exact = exact_time(NOW)
    local_now = NOW.replace(tzinfo=dt.UTC).astimezone()
    assert f"{local_now:%H:%M}" in exact
    assert str(local_now.year) in exact
    assert relative_time(None) == "" and exact_time(None) == ""


@pytest.mark.parametrize(
    ("span", "expected"),
    [
        (dt.timedelta(seconds=10), "under a minute"),
        (dt.timedelta(minutes=45), "45 min"),
        (dt.timedelta(hours=3), "3 h"),
        (dt.timedelta(hours=3, minutes=20), "3 h 20 min"),
        (dt.timedelta(days=2, hours=4), "2 d 4 h"),
        (dt.timedelta(days=12, hours=4), "12 d"),
    ],
)
def test_duration_text(span: dt.timedelta, expected: str) -> None:
    assert duration_text(span) == expected


def test_active_for_text() -> None:
    created = NOW - dt.timedelta(days=3, hours=4)
    assert active_for_text(created, None, NOW) == "3 d 4 h"
    assert active_for_text(created, created + dt.timedelta(days=2), NOW) == "took 2 d"


def test_field_message_reads_as_a_sentence() -> None:
    assert field_message("Title", "is required") == "Title is required."
    assert (
        field_message("Content", "must be at most 10,000 characters (it has 10,001)")
        == "Content must be at most 10,000 characters (it has 10,001)."
    )
    assert field_message("Tags", "at most 20 tags") == "Tags: At most 20 tags."
    assert (
        field_message("Resolution notes", "are required to resolve an incident")
        == "Resolution notes are required to resolve an incident."
    )


def test_one_line() -> None:
    assert one_line("a\n\n  b\tc") == "a b c"
    assert one_line("x" * 200, 10) == "x" * 9 + "…"


def test_every_badge_has_text_an_existing_icon_and_a_colour() -> None:
    for badges in (SEVERITY_BADGES, INCIDENT_STATUS_BADGES, BLOCKER_STATUS_BADGES):
        for value, badge in badges.items():
            assert badge.text and badge.text[0].isupper(), value
            assert resource_path(badge.icon).is_file()
            assert badge.colour.startswith("#")
    # Distinct shapes per severity, not just distinct colours.
    assert len({b.icon for b in SEVERITY_BADGES.values()}) == len(SEVERITY_BADGES)
    assert severity_badge("unheard-of").text == "Unheard-of"

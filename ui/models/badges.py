"""Severity and status badges: a word, an icon whose shape differs per value, and a colour.

Colour alone fails colour-blind users and grey-scale printouts, so every badge carries its
text and a distinct icon shape too (signal bars for severity, circle states for status).
"""

from __future__ import annotations

from dataclasses import dataclass

from ui.models.formatters import blocker_status_label, incident_status_label, severity_label


@dataclass(frozen=True, slots=True)
class Badge:
    """What a badge shows: its text, an icon under ``resources/icons`` and an accent colour."""

    text: str
    icon: str
    colour: str


# Mid-saturation accents that read on both a white and a near-black background.
SEVERITY_BADGES = {
    "low": Badge(severity_label("low"), "icons/severity-low.svg", "#4c8bd6"),
    "medium": Badge(severity_label("medium"), "icons/severity-medium.svg", "#d9a21b"),
    "high": Badge(severity_label("high"), "icons/severity-high.svg", "#ec7424"),
    "critical": Badge(severity_label("critical"), "icons/severity-critical.svg", "#e5484d"),
}
INCIDENT_STATUS_BADGES = {
    "open": Badge(incident_status_label("open"), "icons/status-open.svg", "#4c8bd6"),
    "in_progress": Badge(
        incident_status_label("in_progress"), "icons/status-in-progress.svg", "#9a6bd8"
    ),
    "resolved": Badge(incident_status_label("resolved"), "icons/status-resolved.svg", "#3aa55d"),
    "closed": Badge(incident_status_label("closed"), "icons/status-closed.svg", "#8a9099"),
}
BLOCKER_STATUS_BADGES = {
    "active": Badge(blocker_status_label("active"), "icons/blocker-active.svg", "#e5484d"),
    "resolved": Badge(blocker_status_label("resolved"), "icons/status-resolved.svg", "#3aa55d"),
}
UNKNOWN_COLOUR = "#8a9099"


def severity_badge(value: str) -> Badge:
    """The badge of an incident severity."""
    return SEVERITY_BADGES.get(value, Badge(severity_label(value), "", UNKNOWN_COLOUR))


def incident_status_badge(value: str) -> Badge:
    """The badge of an incident status."""
    return INCIDENT_STATUS_BADGES.get(
        value, Badge(incident_status_label(value), "", UNKNOWN_COLOUR)
    )


def blocker_status_badge(value: str) -> Badge:
    """The badge of a blocker status."""
    return BLOCKER_STATUS_BADGES.get(value, Badge(blocker_status_label(value), "", UNKNOWN_COLOUR))

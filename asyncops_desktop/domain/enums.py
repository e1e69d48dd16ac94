"""Enumerations shared by the schema, the services and the UI."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    """What a user may do: admins manage users and the shared server."""

    ADMIN = "admin"
    MEMBER = "member"


class Severity(StrEnum):
    """Incident severity, lowest first."""

    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"


class IncidentStatus(StrEnum):
    """Incident workflow: open → in progress → resolved → closed."""

    OPEN = "open"
    IN_PROGRESS = "in_progress"
    RESOLVED = "resolved"
    CLOSED = "closed"


class BlockerStatus(StrEnum):
    """A blocker is active until it is resolved."""

    ACTIVE = "active"
    RESOLVED = "resolved"


class DecisionStatus(StrEnum):
    """Where a decision stands; a superseded decision points at the one that replaced it."""

    PROPOSED = "proposed"
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    DEPRECATED = "deprecated"
    SUPERSEDED = "superseded"


class ChangeType(StrEnum):
    """Kinds of decision audit entries."""

    CREATED = "created"
    UPDATED = "updated"
    DELETED = "deleted"


def sql_in(values: type[StrEnum]) -> str:
    """Render an enum's values as a SQL ``IN (...)`` list for CHECK constraints."""
    return ", ".join(f"'{member.value}'" for member in values)

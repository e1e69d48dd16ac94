"""Incidents: report, edit, assign and move through the status workflow."""

from __future__ import annotations

from sqlalchemy.orm import Session

from asyncops_desktop.domain.dto import IncidentDTO, Page
from asyncops_desktop.domain.enums import IncidentStatus, Severity
from asyncops_desktop.domain.errors import NotFound, PermissionDenied, ValidationError
from asyncops_desktop.domain.models import Incident, utcnow
from asyncops_desktop.repositories.base import Cursor, Sort
from asyncops_desktop.repositories.incidents import IncidentFilter, IncidentRepository
from asyncops_desktop.services import validation as v
from asyncops_desktop.services.base import Service, require_active_user

S = IncidentStatus
# open → in progress → resolved → closed; resolved or closed incidents can be reopened.
TRANSITIONS: dict[IncidentStatus, frozenset[IncidentStatus]] = {
    S.OPEN: frozenset({S.IN_PROGRESS, S.RESOLVED}),
    S.IN_PROGRESS: frozenset({S.OPEN, S.RESOLVED}),
    S.RESOLVED: frozenset({S.CLOSED, S.OPEN, S.IN_PROGRESS}),
    S.CLOSED: frozenset({S.OPEN}),
}
_UNSET = object()


class IncidentService(Service):
    """Incident reporting and workflow."""

    def report(
        self,
        *,
        title: str,
        description: str,
        severity: str = "medium",
        assigned_to_id: int | None = None,
    ) -> IncidentDTO:
        """Report a new open incident as the acting user."""
        values: dict[str, object] = {
            "title": v.text("title", title, v.TITLE_MAX),
            "description": v.text("description", description, v.INCIDENT_DESCRIPTION_MAX),
            "severity": v.choice("severity", severity, Severity).value,
            "status": S.OPEN.value,
            "reported_by_id": self.actor.user_id,
        }
        if assigned_to_id is not None:
            values["assigned_to_id"] = v.identifier("assigned_to_id", assigned_to_id)
        with self._write() as session:
            if assigned_to_id is not None:
                require_active_user(session, "assigned_to_id", assigned_to_id)
            repo = IncidentRepository(session)
            created = repo.get(repo.add(**values))
        assert created is not None
        return created

    def edit(
        self,
        incident_id: int,
        *,
        title: str | None = None,
        description: str | None = None,
        severity: str | None = None,
        assigned_to_id: object = _UNSET,
        expected_version: int | None = None,
    ) -> IncidentDTO:
        """Change details; ``assigned_to_id=None`` unassigns; ``expected_version`` guards edits."""
        v.identifier("id", incident_id)
        changes: dict[str, object] = {}
        if title is not None:
            changes["title"] = v.text("title", title, v.TITLE_MAX)
        if description is not None:
            changes["description"] = v.text("description", description, v.INCIDENT_DESCRIPTION_MAX)
        if severity is not None:
            changes["severity"] = v.choice("severity", severity, Severity).value
        if assigned_to_id is not _UNSET:
            changes["assigned_to_id"] = (
                None if assigned_to_id is None else v.identifier("assigned_to_id", assigned_to_id)
            )
        with self._write() as session:
            row = self._editable(session, incident_id)
            assignee = changes.get("assigned_to_id")
            if isinstance(assignee, int):
                require_active_user(session, "assigned_to_id", assignee)
            changed = {k: val for k, val in changes.items() if getattr(row, k) != val}
            if changed:
                self._bump_version(
                    row, expected_version, "Incident", lambda: self._current(session, incident_id)
                )
            for name, value in changed.items():
                setattr(row, name, value)
            session.flush()
            updated = IncidentRepository(session).get(incident_id)
        assert updated is not None
        return updated

    def change_status(
        self,
        incident_id: int,
        status: str,
        *,
        resolution_notes: str | None = None,
        expected_version: int | None = None,
    ) -> IncidentDTO:
        """Move along the workflow; resolving needs notes and sets ``resolved_at``, reopening clears it."""
        v.identifier("id", incident_id)
        target = v.choice("status", status, IncidentStatus)
        notes = v.optional_text("resolution_notes", resolution_notes, v.RESOLUTION_NOTES_MAX)
        with self._write() as session:
            row = self._editable(session, incident_id)
            self._bump_version(
                row, expected_version, "Incident", lambda: self._current(session, incident_id)
            )
            current = IncidentStatus(row.status)
            if target == current:
                raise ValidationError("status", f"the incident is already {current.value}")
            if target not in TRANSITIONS[current]:
                allowed = ", ".join(sorted(s.value for s in TRANSITIONS[current]))
                raise ValidationError(
                    "status",
                    f"cannot go from {current.value} to {target.value} (allowed: {allowed})",
                )
            if target is S.RESOLVED:
                if notes is None:
                    raise ValidationError("resolution_notes", "are required to resolve an incident")
                row.resolution_notes = notes
                row.resolved_at = utcnow()
            elif target in (S.OPEN, S.IN_PROGRESS):
                row.resolved_at = None
            row.status = target.value
            session.flush()
            updated = IncidentRepository(session).get(incident_id)
        assert updated is not None
        return updated

    @staticmethod
    def _current(session: Session, incident_id: int) -> IncidentDTO | None:
        return IncidentRepository(session).get(incident_id)

    def _editable(self, session: Session, incident_id: int) -> Incident:
        """The incident, if the actor is its reporter, its assignee or an admin."""
        row = session.get(Incident, incident_id, with_for_update=True)
        if row is None:
            raise NotFound("Incident", incident_id)
        if not self.actor.is_admin and self.actor.user_id not in (
            row.reported_by_id,
            row.assigned_to_id,
        ):
            raise PermissionDenied(
                "Only the reporter, the assignee or an admin can change this incident."
            )
        return row

    def get(self, incident_id: int) -> IncidentDTO:
        """One incident."""
        with self._read() as session:
            found = IncidentRepository(session).get(incident_id)
        if found is None:
            raise NotFound("Incident", incident_id)
        return found

    def page(
        self,
        filters: IncidentFilter | None = None,
        sort: Sort | None = None,
        *,
        after: Cursor | None = None,
        limit: int = 50,
    ) -> Page[IncidentDTO]:
        """A page of incidents."""
        with self._read() as session:
            return IncidentRepository(session).page(filters, sort, after=after, limit=limit)

    def count(self, filters: IncidentFilter | None = None) -> int:
        """How many incidents match."""
        with self._read() as session:
            return IncidentRepository(session).count(filters)

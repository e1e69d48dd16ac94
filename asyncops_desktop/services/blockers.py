"""Blockers: raise, edit, link, resolve and reopen."""

from __future__ import annotations

from sqlalchemy.orm import Session

from asyncops_desktop.domain.dto import BlockerDTO, Page
from asyncops_desktop.domain.enums import BlockerStatus
from asyncops_desktop.domain.errors import NotFound, PermissionDenied, ValidationError
from asyncops_desktop.domain.models import Blocker, Incident, StatusUpdate, utcnow
from asyncops_desktop.repositories.base import Cursor, Sort
from asyncops_desktop.repositories.blockers import BlockerFilter, BlockerRepository
from asyncops_desktop.services import validation as v
from asyncops_desktop.services.base import Service


class BlockerService(Service):
    """Blockers and their resolution."""

    def raise_blocker(
        self,
        *,
        description: str,
        impact: str,
        related_status_id: int | None = None,
        related_incident_id: int | None = None,
    ) -> BlockerDTO:
        """Raise an active blocker as the acting user, optionally linked to an update or incident."""
        values: dict[str, object] = {
            "description": v.text("description", description, v.BLOCKER_DESCRIPTION_MAX),
            "impact": v.text("impact", impact, v.BLOCKER_IMPACT_MAX),
            "status": BlockerStatus.ACTIVE.value,
            "reported_by_id": self.actor.user_id,
            "related_status_id": related_status_id,
            "related_incident_id": related_incident_id,
        }
        with self._write() as session:
            self._check_links(session, related_status_id, related_incident_id)
            repo = BlockerRepository(session)
            created = repo.get(repo.add(**values))
        assert created is not None
        return created

    def _check_links(
        self, session: Session, status_id: int | None, incident_id: int | None
    ) -> None:
        if status_id is not None:
            v.identifier("related_status_id", status_id)
            if session.get(StatusUpdate, status_id) is None:
                raise ValidationError(
                    "related_status_id", f"status update {status_id} does not exist"
                )
        if incident_id is not None:
            v.identifier("related_incident_id", incident_id)
            if session.get(Incident, incident_id) is None:
                raise ValidationError(
                    "related_incident_id", f"incident {incident_id} does not exist"
                )

    def edit(
        self,
        blocker_id: int,
        *,
        description: str | None = None,
        impact: str | None = None,
        related_status_id: int | None = None,
        related_incident_id: int | None = None,
        clear_links: bool = False,
        expected_version: int | None = None,
    ) -> BlockerDTO:
        """Change the text or the links of a blocker."""
        v.identifier("id", blocker_id)
        changes: dict[str, object] = {}
        if description is not None:
            changes["description"] = v.text("description", description, v.BLOCKER_DESCRIPTION_MAX)
        if impact is not None:
            changes["impact"] = v.text("impact", impact, v.BLOCKER_IMPACT_MAX)
        if clear_links:
            changes["related_status_id"] = None
            changes["related_incident_id"] = None
        if related_status_id is not None:
            changes["related_status_id"] = related_status_id
        if related_incident_id is not None:
            changes["related_incident_id"] = related_incident_id
        with self._write() as session:
            row = self._owned(session, blocker_id)
            self._check_links(session, related_status_id, related_incident_id)
            changed = {k: val for k, val in changes.items() if getattr(row, k) != val}
            if changed:
                self._bump_version(
                    row,
                    expected_version,
                    "Blocker",
                    lambda: BlockerRepository(session).get(blocker_id),
                )
            for name, value in changed.items():
                setattr(row, name, value)
            session.flush()
            updated = BlockerRepository(session).get(blocker_id)
        assert updated is not None
        return updated

    def resolve(
        self, blocker_id: int, resolution_notes: str, *, expected_version: int | None = None
    ) -> BlockerDTO:
        """Resolve an active blocker with notes; sets ``resolved_at``."""
        v.identifier("id", blocker_id)
        notes = v.text("resolution_notes", resolution_notes, v.RESOLUTION_NOTES_MAX)
        return self._set_status(blocker_id, BlockerStatus.RESOLVED, notes, expected_version)

    def reopen(self, blocker_id: int, *, expected_version: int | None = None) -> BlockerDTO:
        """Make a resolved blocker active again; clears ``resolved_at``."""
        v.identifier("id", blocker_id)
        return self._set_status(blocker_id, BlockerStatus.ACTIVE, None, expected_version)

    def _set_status(
        self, blocker_id: int, status: BlockerStatus, notes: str | None, expected: int | None
    ) -> BlockerDTO:
        with self._write() as session:
            row = self._owned(session, blocker_id)
            self._bump_version(
                row, expected, "Blocker", lambda: BlockerRepository(session).get(blocker_id)
            )
            if row.status == status.value:
                raise ValidationError("status", f"the blocker is already {status.value}")
            row.status = status.value
            if status is BlockerStatus.RESOLVED:
                row.resolution_notes = notes
                row.resolved_at = utcnow()
            else:
                row.resolved_at = None
            session.flush()
            updated = BlockerRepository(session).get(blocker_id)
        assert updated is not None
        return updated

    def _owned(self, session: Session, blocker_id: int) -> Blocker:
        """The blocker, if the actor reported it or is an admin."""
        row = session.get(Blocker, blocker_id, with_for_update=True)
        if row is None:
            raise NotFound("Blocker", blocker_id)
        if not self.actor.is_admin and row.reported_by_id != self.actor.user_id:
            raise PermissionDenied(
                "Only the person who raised this blocker or an admin can change it."
            )
        return row

    def get(self, blocker_id: int) -> BlockerDTO:
        """One blocker."""
        with self._read() as session:
            found = BlockerRepository(session).get(blocker_id)
        if found is None:
            raise NotFound("Blocker", blocker_id)
        return found

    def page(
        self,
        filters: BlockerFilter | None = None,
        sort: Sort | None = None,
        *,
        after: Cursor | None = None,
        limit: int = 50,
    ) -> Page[BlockerDTO]:
        """A page of blockers."""
        with self._read() as session:
            return BlockerRepository(session).page(filters, sort, after=after, limit=limit)

    def count(self, filters: BlockerFilter | None = None) -> int:
        """How many blockers match."""
        with self._read() as session:
            return BlockerRepository(session).count(filters)

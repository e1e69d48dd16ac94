"""Status updates: post, edit, list."""

from __future__ import annotations

from collections.abc import Sequence

from asyncops_desktop.domain.dto import Page, StatusUpdateDTO
from asyncops_desktop.domain.errors import NotFound
from asyncops_desktop.domain.models import StatusUpdate
from asyncops_desktop.repositories.base import Cursor, Sort
from asyncops_desktop.repositories.status_updates import (
    StatusUpdateFilter,
    StatusUpdateRepository,
)
from asyncops_desktop.services import validation as v
from asyncops_desktop.services.base import Service


class StatusUpdateService(Service):
    """Post and edit status updates; authors edit their own, admins any."""

    def post(
        self, *, title: str, content: str, tags: Sequence[str] | None = None
    ) -> StatusUpdateDTO:
        """Post a status update as the acting user."""
        values = {
            "title": v.text("title", title, v.TITLE_MAX),
            "content": v.text("content", content, v.STATUS_CONTENT_MAX),
            "tags": v.tags("tags", tags),
        }
        with self._write() as session:
            repo = StatusUpdateRepository(session)
            new_id = repo.add(user_id=self.actor.user_id, **values)  # type: ignore[arg-type]
            created = repo.get(new_id)
        assert created is not None
        return created

    def edit(
        self,
        update_id: int,
        *,
        title: str | None = None,
        content: str | None = None,
        tags: Sequence[str] | None = None,
        expected_version: int | None = None,
    ) -> StatusUpdateDTO:
        """Change the given fields; ``expected_version`` guards against overwriting others."""
        v.identifier("id", update_id)
        changes: dict[str, object] = {}
        if title is not None:
            changes["title"] = v.text("title", title, v.TITLE_MAX)
        if content is not None:
            changes["content"] = v.text("content", content, v.STATUS_CONTENT_MAX)
        if tags is not None:
            changes["tags"] = v.tags("tags", tags)
        with self._write() as session:
            row = session.get(StatusUpdate, update_id, with_for_update=True)
            if row is None:
                raise NotFound("Status update", update_id)
            self._require_owner_or_admin(row.user_id, "edit this status update")
            repo = StatusUpdateRepository(session)
            changed = {k: val for k, val in changes.items() if getattr(row, k) != val}
            if changed:
                self._bump_version(
                    row, expected_version, "Status update", lambda: repo.get(update_id)
                )
            for name, value in changed.items():
                setattr(row, name, value)
            session.flush()
            updated = StatusUpdateRepository(session).get(update_id)
        assert updated is not None
        return updated

    def delete(self, update_id: int, *, expected_version: int | None = None) -> None:
        """Delete a status update (its author or an admin); linked blockers lose the link."""
        v.identifier("id", update_id)
        with self._write() as session:
            row = session.get(StatusUpdate, update_id, with_for_update=True)
            if row is None:
                raise NotFound("Status update", update_id)
            self._require_owner_or_admin(row.user_id, "delete this status update")
            repo = StatusUpdateRepository(session)
            self._bump_version(row, expected_version, "Status update", lambda: repo.get(update_id))
            session.delete(row)

    def get(self, update_id: int) -> StatusUpdateDTO:
        """One status update."""
        with self._read() as session:
            found = StatusUpdateRepository(session).get(update_id)
        if found is None:
            raise NotFound("Status update", update_id)
        return found

    def page(
        self,
        filters: StatusUpdateFilter | None = None,
        sort: Sort | None = None,
        *,
        after: Cursor | None = None,
        limit: int = 50,
    ) -> Page[StatusUpdateDTO]:
        """A page of status updates."""
        with self._read() as session:
            return StatusUpdateRepository(session).page(filters, sort, after=after, limit=limit)

    def count(self, filters: StatusUpdateFilter | None = None) -> int:
        """How many status updates match."""
        with self._read() as session:
            return StatusUpdateRepository(session).count(filters)

    def tags_in_use(self) -> list[tuple[str, int]]:
        """Tags with use counts, for completion."""
        with self._read() as session:
            return StatusUpdateRepository(session).all_tags()

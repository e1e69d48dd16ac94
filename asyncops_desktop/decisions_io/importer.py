"""Import a folder of MADR / adr-tools Markdown files as decisions: a preview, then the import.

``DecisionImporter.plan(path)`` reads and checks every file without writing anything and
returns an ``ImportPlan`` the GUI can show and the CLI prints for ``--dry-run``.
``apply(plan)`` then records the decisions through ``DecisionService`` (so each gets its
``created`` audit row and every rule of the service holds) and returns an ``ImportReport``.

What users get:

- One transaction per file: a bad file is skipped with its reason (field and rule) and
  costs nothing else. Superseded-by links are made after all files are in, each through
  ``DecisionService.update``, which rejects cycles; a link that cannot be made is reported
  and a decision the file calls superseded then stays deprecated (no longer in force,
  but not claiming a successor it does not have).
- A re-run does not duplicate: a file whose title and date exactly match a decision in the
  database is reported "already present" (links from or to it are still made if missing).
  Matches pair up one for one, so two decisions sharing a title and a date both come through.
- Participants are matched by email (also ``Name <email>``) or by an unambiguous full name;
  anyone else is reported and left out, never invented. Deactivated users are left out too
  (the service only adds active people).
- A file that says the decision was deleted is imported and then deleted, so it keeps its
  history and can be restored; the deletion time is the import's.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

from asyncops_desktop.db import Database
from asyncops_desktop.decisions_io import markdown
from asyncops_desktop.decisions_io.markdown import DecisionRecord, LinkRef
from asyncops_desktop.decisions_io.queries import Existing, Person, TransferQueries
from asyncops_desktop.domain.enums import DecisionStatus, Role
from asyncops_desktop.domain.errors import AsyncOpsError, ValidationError
from asyncops_desktop.services import validation as v
from asyncops_desktop.services.base import Actor, Service
from asyncops_desktop.services.decisions import DecisionService

MAX_FILE_BYTES = 1_000_000
_ANGLE_EMAIL = re.compile(r"<\s*([^<>\s]+@[^<>\s]+)\s*>")
_SECTION_NAMES = {"context": "Context", "description": "Decision", "outcome": "Consequences"}

Progress = Callable[[int, int], None]


class FileAction(StrEnum):
    """What happens (or happened) to one file."""

    IMPORT = "import"
    SKIP = "skip"
    PRESENT = "present"
    IGNORED = "ignored"


@dataclass(frozen=True)
class PlannedLink:
    """A superseded-by link a file asks for, resolved against the folder and the database."""

    target: str
    """The target as the report names it (its file name, or what the file wrote)."""
    target_file: str | None = None
    """The file in this folder holding the successor (imported in this run or present)."""
    target_id: int | None = None
    """The successor already in the database (its file is "already present")."""
    problem: str | None = None
    """Why the link cannot be made; None when it can."""


@dataclass(frozen=True)
class PlannedFile:
    """One Markdown file of the folder and what the import will do with it."""

    name: str
    action: FileAction
    reason: str | None = None
    record: DecisionRecord | None = None
    number: int | None = None
    participant_ids: tuple[int, ...] = ()
    participants: tuple[str, ...] = ()
    """Emails of the participants found."""
    unknown_participants: tuple[str, ...] = ()
    existing_id: int | None = None
    link: PlannedLink | None = None
    notes: tuple[str, ...] = ()

    @property
    def initial_status(self) -> str:
        """The status recorded at first: superseded only comes with its link, made later."""
        assert self.record is not None
        if self.record.status is DecisionStatus.SUPERSEDED:
            return DecisionStatus.DEPRECATED.value
        return self.record.status.value


@dataclass(frozen=True)
class ImportPlan:
    """The preview of an import: every file with its action, nothing written yet."""

    source: Path
    importer: str
    files: tuple[PlannedFile, ...]

    def with_action(self, action: FileAction) -> list[PlannedFile]:
        """The files with ``action``."""
        return [f for f in self.files if f.action is action]

    @property
    def links(self) -> list[PlannedFile]:
        """Files whose superseded-by link will be made."""
        return [
            f
            for f in self.files
            if f.link is not None
            and f.link.problem is None
            and f.action in (FileAction.IMPORT, FileAction.PRESENT)
        ]

    @property
    def unknown_participants(self) -> list[str]:
        """Every participant named in a file and not found, once each."""
        return sorted(
            {p for f in self.with_action(FileAction.IMPORT) for p in f.unknown_participants},
            key=str.casefold,
        )

    @property
    def has_problems(self) -> bool:
        """True when a decision file would be skipped or a link could not be made."""
        return any(f.action is FileAction.SKIP for f in self.files) or any(
            f.link is not None and f.link.problem is not None for f in self.files
        )


@dataclass(frozen=True)
class FileResult:
    """What happened to one file."""

    name: str
    action: FileAction
    decision_id: int | None = None
    reason: str | None = None
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class LinkResult:
    """A superseded-by link that was made, or why it was not."""

    source: str
    target: str
    made: bool
    reason: str | None = None


@dataclass(frozen=True)
class ImportReport:
    """What an import did, file by file, and the links it made."""

    plan: ImportPlan
    files: tuple[FileResult, ...]
    links: tuple[LinkResult, ...] = ()
    cancelled: bool = False

    def with_action(self, action: FileAction) -> list[FileResult]:
        """The results with ``action`` (IMPORT: imported)."""
        return [f for f in self.files if f.action is action]

    @property
    def imported_ids(self) -> list[int]:
        """Ids of the decisions this import created."""
        return [
            f.decision_id for f in self.files if f.action is FileAction.IMPORT and f.decision_id
        ]

    @property
    def has_problems(self) -> bool:
        """True when a decision file was skipped, a link failed or the import was cancelled."""
        return (
            self.cancelled
            or any(f.action is FileAction.SKIP for f in self.files)
            or any(not link.made for link in self.links)
        )


# -- people -------------------------------------------------------------------------------


class _People:
    """Resolves the deciders a file names to users: by email, else by a unique full name."""

    def __init__(self, people: Iterable[Person]) -> None:
        self.by_email = {p.email.casefold(): p for p in people}
        self.by_name: dict[str, list[Person]] = {}
        for person in self.by_email.values():
            self.by_name.setdefault(" ".join(person.full_name.split()).casefold(), []).append(
                person
            )

    def find(self, entry: str) -> tuple[Person | None, str | None]:
        """The user ``entry`` names, or None and why not."""
        angle = _ANGLE_EMAIL.search(entry)
        email = angle.group(1) if angle else entry.strip()
        if "@" in email:
            person = self.by_email.get(email.casefold())
            return (person, None) if person else (None, "unknown")
        matches = self.by_name.get(" ".join(entry.split()).casefold(), [])
        if len(matches) == 1:
            return matches[0], None
        return None, "unknown" if not matches else "name shared by several users"


def importing_actor(database: Database, email: str | None) -> tuple[Actor, str]:
    """Who an import runs as: the active user with ``email``, else the first active admin."""
    with database.read() as session:
        people = sorted(TransferQueries(session).people().values(), key=lambda p: p.id)
    if email is not None:
        wanted = email.strip().casefold()
        person = next((p for p in people if p.email.casefold() == wanted), None)
        if person is None:
            raise ValidationError("as", f"no account has the email {email.strip()}")
        if not person.is_active:
            raise ValidationError("as", f"{person.email} is deactivated")
    else:
        person = next((p for p in people if p.role == Role.ADMIN.value and p.is_active), None)
        if person is None:
            raise AsyncOpsError("There is no active admin to import as: pass --as EMAIL.")
    return Actor(person.id, Role(person.role)), f"{person.full_name} <{person.email}>"


# -- the plan -----------------------------------------------------------------------------


def _check(record: DecisionRecord) -> None:
    """The service's rules for a new decision, checked ahead so the preview shows them."""
    v.text("title", record.title, v.TITLE_MAX)
    for name in ("description", "context", "outcome"):
        value = getattr(record, name)
        if not value.strip():
            raise ValidationError(
                name, f"is required (the file has no {_SECTION_NAMES[name]} section text)"
            )
        v.text(name, value, v.DECISION_TEXT_MAX)
    if record.decision_date is None:
        raise ValidationError(
            "decision_date",
            "is required (the file has no 'date:' in its front matter or 'Date:' line)",
        )
    v.date("decision_date", record.decision_date)
    v.tags("tags", list(record.tags))
    if record.review_by is not None:
        v.date("review_by", record.review_by)


def _reason(exc: AsyncOpsError) -> str:
    return f"{exc.field}: {exc.message}" if isinstance(exc, ValidationError) else str(exc)


def _decision_files(path: Path) -> list[Path]:
    if path.is_file():
        return [path]
    if not path.is_dir():
        raise ValidationError("path", f"{path} does not exist")
    return sorted(
        (p for p in path.iterdir() if p.is_file() and p.suffix.lower() == ".md"),
        key=lambda p: (
            (0, int(m.group(1)), p.name)
            if (m := markdown.FILE_NAME.fullmatch(p.name))
            else (1, 0, p.name)
        ),
    )


def _read(path: Path) -> DecisionRecord:
    if path.stat().st_size > MAX_FILE_BYTES:
        raise ValidationError("file", f"is larger than {MAX_FILE_BYTES:,} bytes")
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise ValidationError("file", "is not UTF-8 text") from None
    return markdown.parse(text)


class DecisionImporter(Service):
    """Previews and runs imports of MADR / adr-tools folders as the acting user."""

    def plan(self, path: Path) -> ImportPlan:
        """Read and check every Markdown file in ``path`` (a folder or one file); writes nothing."""
        paths = _decision_files(path)
        single = path.is_file()
        parsed: list[PlannedFile] = []
        for file in paths:
            number_match = markdown.FILE_NAME.fullmatch(file.name)
            if number_match is None and not single:
                parsed.append(
                    PlannedFile(
                        file.name,
                        FileAction.IGNORED,
                        "not a decision file (its name is not NNNN-title.md)",
                    )
                )
                continue
            number = int(number_match.group(1)) if number_match else None
            try:
                record = _read(file)
                _check(record)
            except ValidationError as exc:
                parsed.append(PlannedFile(file.name, FileAction.SKIP, _reason(exc), number=number))
                continue
            parsed.append(PlannedFile(file.name, FileAction.IMPORT, record=record, number=number))

        with self._read() as session:
            queries = TransferQueries(session)
            everyone = queries.people()
            importer = everyone.get(self.actor.user_id)
            existing = queries.existing(f.record.title for f in parsed if f.record is not None)
        people = _People(everyone.values())
        unclaimed = {key: list(rows) for key, rows in existing.items()}
        files = [self._people_and_presence(f, people, unclaimed) for f in parsed]
        files = _resolve_links(files, [row for rows in existing.values() for row in rows])
        who = (
            f"{importer.full_name} <{importer.email}>" if importer else f"user {self.actor.user_id}"
        )
        return ImportPlan(path, who, tuple(files))

    @staticmethod
    def _people_and_presence(
        planned: PlannedFile, people: _People, unclaimed: dict[tuple[str, dt.date], list[Existing]]
    ) -> PlannedFile:
        """Resolve the file's people, and match it to a decision already in the database.

        Files and existing decisions with the same title and date are paired one for one
        (``unclaimed`` loses each decision a file takes), so two distinct decisions that
        happen to share both survive a round trip, and a re-run still adds nothing.
        """
        record = planned.record
        if record is None or planned.action is not FileAction.IMPORT:
            return planned
        ids: list[int] = []
        emails: list[str] = []
        unknown: list[str] = []
        notes = list(record.notes)
        left_out: dict[str, list[str]] = {}
        for entry in record.deciders:
            person, problem = people.find(entry)
            if person is None:
                unknown.append(entry)
                left_out.setdefault(problem or "unknown", []).append(entry)
            elif not person.is_active:
                left_out.setdefault("deactivated", []).append(person.email)
            elif person.id not in ids:
                ids.append(person.id)
                emails.append(person.email)
        for why, entries in left_out.items():
            notes.append(f"participants left out ({why}): {', '.join(entries)}")
        if record.status is DecisionStatus.SUPERSEDED and record.superseded_by is None:
            notes.append("superseded, but names no successor: imported as deprecated")
        assert record.decision_date is not None
        candidates = unclaimed.get((record.title, record.decision_date))
        match = candidates.pop(0) if candidates else None
        action, reason, existing_id = FileAction.IMPORT, None, None
        if match is not None:
            action, existing_id = FileAction.PRESENT, match.id
            reason = f"already present as decision #{match.id}" + (
                " (deleted)" if match.deleted else ""
            )
        return PlannedFile(
            planned.name,
            action,
            reason,
            record,
            planned.number,
            tuple(ids),
            tuple(emails),
            tuple(unknown),
            existing_id,
            None,
            tuple(notes),
        )

    # -- the import -------------------------------------------------------------------------
    def apply(
        self,
        plan: ImportPlan,
        *,
        progress: Progress | None = None,
        should_stop: Callable[[], bool] | None = None,
    ) -> ImportReport:
        """Import the plan's files, one transaction each, then make the superseded-by links."""
        service = DecisionService(self.database, self.actor)
        to_import = plan.with_action(FileAction.IMPORT)
        # Someone may have imported the same files since the preview: check again.
        with self._read() as session:
            present_now = TransferQueries(session).existing(
                f.record.title for f in to_import if f.record is not None
            )
        ids: dict[str, int] = {
            f.name: f.existing_id for f in plan.files if f.existing_id is not None
        }
        claimed = set(ids.values())
        unclaimed = {
            key: [row for row in rows if row.id not in claimed] for key, rows in present_now.items()
        }
        results: dict[str, FileResult] = {}
        cancelled = False
        for done, planned in enumerate(to_import, start=1):
            if should_stop is not None and should_stop():
                cancelled = True
                break
            results[planned.name] = self._import_one(service, planned, unclaimed, ids)
            if progress is not None:
                progress(done, len(to_import))

        links = self._link(service, plan, ids)
        for planned in to_import:
            result = results.get(planned.name)
            assert planned.record is not None
            if result is None or result.action is not FileAction.IMPORT:
                continue
            if planned.record.deleted_at is not None and result.decision_id is not None:
                try:
                    service.delete(result.decision_id)
                    note = "deleted, as the file says (restore it from the deleted decisions)"
                except AsyncOpsError as exc:
                    note = f"not deleted as the file says: {_reason(exc)}"
                results[planned.name] = FileResult(
                    result.name, result.action, result.decision_id, None, (*result.notes, note)
                )

        files: list[FileResult] = []
        for planned in plan.files:
            if planned.name in results:
                files.append(results[planned.name])
            elif planned.action is FileAction.IMPORT:
                files.append(
                    FileResult(planned.name, FileAction.SKIP, None, "not imported: cancelled")
                )
            else:
                files.append(
                    FileResult(planned.name, planned.action, planned.existing_id, planned.reason)
                )
        return ImportReport(plan, tuple(files), tuple(links), cancelled)

    @staticmethod
    def _import_one(
        service: DecisionService,
        planned: PlannedFile,
        unclaimed: dict[tuple[str, dt.date], list[Existing]],
        ids: dict[str, int],
    ) -> FileResult:
        """Record one file's decision in its own transaction (or find it imported meanwhile)."""
        record = planned.record
        assert record is not None and record.decision_date is not None
        candidates = unclaimed.get((record.title, record.decision_date))
        if candidates:
            match = candidates.pop(0)
            ids[planned.name] = match.id
            reason = f"already present as decision #{match.id} (imported meanwhile)"
            return FileResult(planned.name, FileAction.PRESENT, match.id, reason)
        try:
            detail = service.record(
                title=record.title,
                description=record.description,
                context=record.context,
                outcome=record.outcome,
                decision_date=record.decision_date,
                tags=list(record.tags),
                participant_ids=list(planned.participant_ids),
                status=planned.initial_status,
                review_by=record.review_by,
            )
        except AsyncOpsError as exc:
            return FileResult(planned.name, FileAction.SKIP, None, _reason(exc))
        ids[planned.name] = detail.decision.id
        return FileResult(planned.name, FileAction.IMPORT, detail.decision.id, None, planned.notes)

    @staticmethod
    def _link(service: DecisionService, plan: ImportPlan, ids: dict[str, int]) -> list[LinkResult]:
        results: list[LinkResult] = []
        for planned in plan.files:
            link = planned.link
            if link is None or planned.record is None:
                continue
            if link.problem is not None:
                results.append(LinkResult(planned.name, link.target, False, link.problem))
                continue
            source = ids.get(planned.name)
            target = link.target_id
            if link.target_file is not None:
                target = ids.get(link.target_file, target)
            if source is None or target is None:
                missing = planned.name if source is None else link.target
                results.append(
                    LinkResult(planned.name, link.target, False, f"{missing} was not imported")
                )
                continue
            superseded = planned.record.status is DecisionStatus.SUPERSEDED
            try:
                service.update(
                    source,
                    superseded_by_id=target,
                    status=DecisionStatus.SUPERSEDED.value if superseded else None,
                )
            except AsyncOpsError as exc:
                results.append(LinkResult(planned.name, link.target, False, _reason(exc)))
            else:
                results.append(LinkResult(planned.name, link.target, True))
        return results


def _find_target(ref: LinkRef, files: Sequence[PlannedFile]) -> PlannedFile | None:
    if ref.file is not None:
        for planned in files:
            if planned.name.casefold() == ref.file.casefold():
                return planned
    if ref.number is not None:
        numbered = [
            p for p in files if p.number == ref.number and p.action is not FileAction.IGNORED
        ]
        if len(numbered) == 1:
            return numbered[0]
    return None


def _resolve_links(files: list[PlannedFile], existing: Sequence[Existing]) -> list[PlannedFile]:
    """Attach each file's superseded-by link, resolved, with any reason it cannot be made.

    Links are simulated in file order exactly as the import will make them, so a link that
    would close a cycle is reported in the preview as the service would reject it then.
    """
    by_id: dict[int, Existing] = {e.id: e for e in existing}
    # Successor of each decision, by a key shared by files and database rows.
    successor: dict[str, str] = {}
    for item in existing:
        if item.superseded_by_id is not None:
            successor[f"#{item.id}"] = f"#{item.superseded_by_id}"

    def key(planned: PlannedFile) -> str:
        return f"#{planned.existing_id}" if planned.existing_id is not None else planned.name

    result: list[PlannedFile] = []
    for planned in files:
        record = planned.record
        ref = record.superseded_by if record is not None else None
        if ref is None or planned.action not in (FileAction.IMPORT, FileAction.PRESENT):
            result.append(planned)
            continue
        target = _find_target(ref, files)
        found = _plan_link(planned, ref, target, by_id)
        source_row = by_id.get(planned.existing_id) if planned.existing_id is not None else None
        if found.problem is None and source_row is not None and source_row.deleted:
            found = PlannedLink(found.target, problem="the decision is deleted in the database")
        link: PlannedLink | None = found
        if found.problem is None and target is not None:
            source_key, target_key = key(planned), key(target)
            current = successor.get(source_key)
            if current == target_key:
                link = None  # already linked in the database: nothing to do
            elif current is not None:
                link = PlannedLink(
                    found.target,
                    problem=f"already superseded by decision {current} in the database",
                )
            else:
                walk: str | None = target_key
                seen = {source_key}
                while walk is not None and walk not in seen:
                    seen.add(walk)
                    walk = successor.get(walk)
                if walk is not None:
                    link = PlannedLink(found.target, problem="that link would make a cycle")
                else:
                    successor[source_key] = target_key
        notes = planned.notes
        if (
            link is not None
            and link.problem is not None
            and record is not None
            and record.status is DecisionStatus.SUPERSEDED
            and planned.action is FileAction.IMPORT
        ):
            notes = (*notes, "its successor cannot be linked: imported as deprecated")
        result.append(
            PlannedFile(
                planned.name,
                planned.action,
                planned.reason,
                record,
                planned.number,
                planned.participant_ids,
                planned.participants,
                planned.unknown_participants,
                planned.existing_id,
                link,
                notes,
            )
        )
    return result


def _plan_link(
    planned: PlannedFile, ref: LinkRef, target: PlannedFile | None, by_id: dict[int, Existing]
) -> PlannedLink:
    if target is None:
        return PlannedLink(ref.describe(), problem=f"{ref.describe()} is not in the folder")
    if target.name == planned.name:
        return PlannedLink(target.name, problem="a decision cannot supersede itself")
    if target.action is FileAction.PRESENT and target.existing_id is not None:
        if by_id.get(target.existing_id) is not None and by_id[target.existing_id].deleted:
            return PlannedLink(target.name, problem=f"{target.name} is a deleted decision")
        return PlannedLink(target.name, target_id=target.existing_id)
    if target.action is not FileAction.IMPORT:
        return PlannedLink(target.name, problem=f"{target.name} is skipped")
    # A target the file says is deleted is linked first and deleted afterwards.
    return PlannedLink(target.name, target_file=target.name)


# -- the report ---------------------------------------------------------------------------


@dataclass
class _Table:
    rows: list[tuple[str, str, str, list[str]]] = field(default_factory=list)

    def add(self, name: str, verb: str, detail: str, notes: Sequence[str] = ()) -> None:
        self.rows.append((name, verb, detail, list(notes)))

    def render(self) -> list[str]:
        if not self.rows:
            return ["  (no Markdown files)"]
        name_width = max(len(row[0]) for row in self.rows)
        verb_width = max(len(row[1]) for row in self.rows)
        lines: list[str] = []
        for name, verb, detail, notes in self.rows:
            lines.append(f"  {name:<{name_width}}  {verb:<{verb_width}}  {detail}".rstrip())
            lines += [f"      {note}" for note in notes]
        return lines


def _describe(record: DecisionRecord | None) -> str:
    if record is None:
        return ""
    day = record.decision_date.isoformat() if record.decision_date else "no date"
    return f"{record.status.value:<10}  {day}  {record.title}"


def _link_notes(target: str | None, problem: str | None) -> list[str]:
    if target is None:
        return []
    if problem is not None:
        return [f"superseded by {target}: link not made ({problem})"]
    return [f"superseded by {target}"]


def _planned_link_notes(link: PlannedLink | None) -> list[str]:
    return [] if link is None else _link_notes(link.target, link.problem)


def _result_link_notes(link: LinkResult | None) -> list[str]:
    if link is None:
        return []
    return _link_notes(link.target, None if link.made else (link.reason or "unknown reason"))


def _plural(count: int, one: str, many: str | None = None) -> str:
    return f"{count:,} {one if count == 1 else (many or one + 's')}"


def _summary_tail(skipped: int, present: int, ignored: int) -> str:
    parts = []
    if skipped:
        parts.append(f"skipped {_plural(skipped, 'file')} with problems")
    if present:
        parts.append(f"{_plural(present, 'file')} already present")
    if ignored:
        parts.append(f"ignored {_plural(ignored, 'other Markdown file')}")
    return ("; " + ", ".join(parts)) if parts else ""


def render_plan(plan: ImportPlan) -> str:
    """The preview as text: what each file would become, then a summary (``--dry-run``)."""
    table = _Table()
    for planned in plan.files:
        if planned.action is FileAction.IMPORT:
            notes = [*_planned_link_notes(planned.link), *(f"note: {n}" for n in planned.notes)]
            table.add(planned.name, "would import", _describe(planned.record), notes)
        elif planned.action is FileAction.PRESENT:
            table.add(
                planned.name, "present", planned.reason or "", _planned_link_notes(planned.link)
            )
        else:
            table.add(planned.name, planned.action.value, planned.reason or "")
    lines = [
        f"Import preview of {plan.source} as {plan.importer} (dry run: nothing was written)",
        "",
        *table.render(),
        "",
        f"Would import {_plural(len(plan.with_action(FileAction.IMPORT)), 'decision')} and make "
        f"{_plural(len(plan.links), 'superseded-by link')}"
        + _summary_tail(
            len(plan.with_action(FileAction.SKIP)),
            len(plan.with_action(FileAction.PRESENT)),
            len(plan.with_action(FileAction.IGNORED)),
        )
        + ".",
    ]
    if plan.unknown_participants:
        lines.append(
            "Unknown participants (left out, not created): " + ", ".join(plan.unknown_participants)
        )
    return "\n".join(lines) + "\n"


def render_report(report: ImportReport) -> str:
    """The import's outcome as text, in the preview's layout."""
    table = _Table()
    links = {link.source: link for link in report.links}
    planned_by_name = {p.name: p for p in report.plan.files}
    for result in report.files:
        planned = planned_by_name[result.name]
        link_notes = _result_link_notes(links.get(result.name))
        if result.action is FileAction.IMPORT:
            notes = [*link_notes, *(f"note: {n}" for n in result.notes)]
            detail = f"#{result.decision_id:<6} {_describe(planned.record)}"
            table.add(result.name, "imported", detail, notes)
        elif result.action is FileAction.PRESENT:
            table.add(result.name, "present", result.reason or "", link_notes)
        else:
            table.add(result.name, result.action.value, result.reason or "")
    imported = report.imported_ids
    made = sum(1 for link in report.links if link.made)
    span = f" (#{min(imported)}-#{max(imported)})" if len(imported) > 1 else ""
    lines = [
        f"Import of {report.plan.source} as {report.plan.importer}",
        "",
        *table.render(),
        "",
        f"Imported {_plural(len(imported), 'decision')}{span} and made "
        f"{_plural(made, 'superseded-by link')}"
        + _summary_tail(
            len(report.with_action(FileAction.SKIP)),
            len(report.with_action(FileAction.PRESENT)),
            len(report.with_action(FileAction.IGNORED)),
        )
        + ".",
    ]
    failed = sum(1 for link in report.links if not link.made)
    if failed:
        lines.append(f"{_plural(failed, 'superseded-by link')} could not be made (see above).")
    if report.plan.unknown_participants:
        lines.append(
            "Unknown participants (left out, not created): "
            + ", ".join(report.plan.unknown_participants)
        )
    if report.cancelled:
        lines.append("Cancelled: the remaining files were not imported.")
    return "\n".join(lines) + "\n"

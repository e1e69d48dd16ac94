"""Export decisions: the current list (with its filters and sort) as CSV, or as MADR files.

Both stream and use the list's own filters and sort keys. CSV is one statement per export
(two with deleted decisions) whose cells the database already formats as text, read in
batches of ``PAGE_ROWS`` from a server-side cursor on PostgreSQL and handed to the ``csv``
writer as they come. MADR reads keyset pages of ``PAGE_ROWS`` through ``DecisionRows``
with each page's participants in one query.

CSV is for spreadsheets: one row per decision, participants and tags joined by ``"; "``,
ISO dates, UTF-8 without a byte-order mark, quoting by the ``csv`` module. A cell that a
spreadsheet would run as a formula (starting with ``=``, ``+``, ``-``, ``@``, a tab or a
carriage return) is written with a leading ``'`` (OWASP's advice against CSV injection), so
such cells differ from the stored text by that one character; MADR is the lossless format.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import shutil
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TextIO

from sqlalchemy.orm import Session

from asyncops_desktop.decisions_io import markdown
from asyncops_desktop.decisions_io.queries import (
    FORMULA_STARTS,
    DecisionRow,
    DecisionRows,
    TransferQueries,
)
from asyncops_desktop.decisions_io.queries import (
    LIST_SEPARATOR as LIST_SEPARATOR,
)
from asyncops_desktop.domain.enums import DecisionStatus
from asyncops_desktop.domain.errors import ValidationError
from asyncops_desktop.domain.models import utcnow
from asyncops_desktop.repositories.base import Cursor, Sort
from asyncops_desktop.repositories.decisions import DecisionFilter, DecisionRepository
from asyncops_desktop.services.base import Service

# The repository's largest page: fewer round trips, still a bounded amount in memory.
PAGE_ROWS = 10_000
CSV_COLUMNS = (
    "id",
    "title",
    "status",
    "decision_date",
    "review_by",
    "tags",
    "participants",
    "created_by",
    "superseded_by_id",
    "description",
    "context",
    "outcome",
    "created_at",
    "updated_at",
    "deleted_at",
)
_FORMULA_STARTS = frozenset(FORMULA_STARTS)
MADR_SORT = Sort("id", descending=False)

Progress = Callable[[int, int], None]


def csv_cell(text: str) -> str:
    """``text`` made safe to open in a spreadsheet (a formula-like start gets a ``'``)."""
    return "'" + text if text[:1] in _FORMULA_STARTS else text


def _timestamp(value: dt.datetime | None) -> str:
    # Timestamps are stored as naive UTC; say so with the "Z".
    return "" if value is None else value.isoformat(timespec="seconds") + "Z"


@dataclass(frozen=True)
class ExportReport:
    """What an export wrote."""

    format: str
    destination: str
    decisions: int
    files: int = 0
    notes: tuple[str, ...] = ()

    def render(self) -> str:
        """The report as the CLI prints it."""
        noun = "decision" if self.decisions == 1 else "decisions"
        if self.format == "madr":
            text = (
                f"Exported {self.decisions:,} {noun} as MADR files to {self.destination} "
                f"({self.files:,} files including the index {markdown.INDEX_NAME}).\n"
            )
        else:
            text = f"Exported {self.decisions:,} {noun} as CSV to {self.destination}.\n"
        return text + "".join(f"  note: {note}\n" for note in self.notes)


class DecisionExporter(Service):
    """Exports of decision lists for the GUI and the CLI (reads only)."""

    def _variants(
        self, filters: DecisionFilter | None, include_deleted: bool
    ) -> list[DecisionFilter]:
        base = filters or DecisionFilter()
        variants = [base]
        if include_deleted and not base.deleted:
            # Live decisions first, then the deleted ones (the filter lists one or the other).
            variants.append(replace(base, deleted=True))
        if any(variant.deleted for variant in variants):
            self._require_admin("export deleted decisions")
        return variants

    def _pages(
        self, session: Session, variants: Sequence[DecisionFilter], sort: Sort | None
    ) -> Iterator[list[DecisionRow]]:
        repo = DecisionRows(session)
        for variant in variants:
            cursor: Cursor | None = None
            while True:
                page = repo.page(variant, sort, after=cursor, limit=PAGE_ROWS)
                if page.rows:
                    yield page.rows
                cursor = page.next_cursor
                if cursor is None:
                    break

    @staticmethod
    def _total(session: Session, variants: Sequence[DecisionFilter]) -> int:
        repo = DecisionRepository(session)
        return sum(repo.count(variant) for variant in variants)

    def count(self, filters: DecisionFilter | None = None, *, include_deleted: bool = False) -> int:
        """How many decisions an export with these filters would write."""
        variants = self._variants(filters, include_deleted)
        with self._read() as session:
            return self._total(session, variants)

    # -- CSV ------------------------------------------------------------------------------
    def export_csv(
        self,
        destination: Path | TextIO,
        filters: DecisionFilter | None = None,
        sort: Sort | None = None,
        *,
        include_deleted: bool = False,
        progress: Progress | None = None,
    ) -> ExportReport:
        """Write the filtered list as CSV to a file (replaced only when complete) or a stream."""
        variants = self._variants(filters, include_deleted)
        if isinstance(destination, Path):
            with _replacing(destination) as stream:
                written = self._write_csv(stream, variants, sort, progress)
            where = str(destination)
        else:
            written = self._write_csv(destination, variants, sort, progress)
            where = getattr(destination, "name", "the output stream")
        return ExportReport("csv", str(where), written)

    def _write_csv(
        self,
        stream: TextIO,
        variants: Sequence[DecisionFilter],
        sort: Sort | None,
        progress: Progress | None,
    ) -> int:
        writer = csv.writer(stream)
        writer.writerow(CSV_COLUMNS)
        written = 0
        with self._read() as session:
            rows = DecisionRows(session)
            total = self._total(session, variants) if progress is not None else 0
            # yield_per streams: a server-side cursor on PostgreSQL, while sqlite3 steps
            # through the result as it is read; either way at most one batch in memory.
            connection = session.connection().execution_options(yield_per=PAGE_ROWS)
            for variant in variants:
                result = connection.execute(rows.csv_statement(variant, sort))
                try:
                    for batch in result.partitions():
                        writer.writerows(batch)
                        written += len(batch)
                        if progress is not None:
                            progress(written, total)
                finally:
                    result.close()
        return written

    # -- MADR -----------------------------------------------------------------------------
    def export_madr(
        self,
        folder: Path,
        filters: DecisionFilter | None = None,
        *,
        include_deleted: bool = False,
        progress: Progress | None = None,
    ) -> ExportReport:
        """One MADR file per decision (``NNNN-title.md``, NNNN its id) and a ``README.md`` index.

        ``folder`` must be new or empty: stale files from an earlier export would otherwise
        sit beside the new ones and be imported again later. The files are written into a
        temporary folder beside it, which takes its place when complete.
        """
        variants = self._variants(filters, include_deleted)
        if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
            raise ValidationError(
                "out", f"{folder} is not an empty folder: choose a new or empty folder"
            )
        if not folder.parent.is_dir():
            raise ValidationError("out", f"the folder {folder.parent} does not exist")
        staging = _partial(folder)
        staging.mkdir()
        try:
            written, links_out = self._write_madr(staging, variants, progress)
            if folder.exists():
                folder.rmdir()
            staging.rename(folder)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        notes: list[str] = []
        if links_out:
            shown = ", ".join(f"{ident:04d}" for ident in sorted(links_out)[:10])
            more = "" if len(links_out) <= 10 else f" and {len(links_out) - 10:,} more"
            notes.append(
                f"{len(links_out):,} superseded-by link(s) point to decisions not in this "
                f"export ({shown}{more}); importing this folder alone leaves them out"
            )
        return ExportReport("madr", str(folder), written, written + 1, tuple(notes))

    def _write_madr(
        self, folder: Path, variants: Sequence[DecisionFilter], progress: Progress | None
    ) -> tuple[int, set[int]]:
        written = 0
        exported: set[int] = set()
        targets: set[int] = set()
        index: list[tuple[str, str, str, dt.date, str | None]] = []
        with self._read() as session:
            queries = TransferQueries(session)
            emails = {person.id: person.email for person in queries.people().values()}
            total = self._total(session, variants) if progress is not None else 0
            for page in self._pages(session, variants, MADR_SORT):
                participants = queries.participant_emails([d.id for d in page], emails)
                successors = {d.superseded_by_id for d in page if d.superseded_by_id is not None}
                titles = queries.titles(successors)
                for d in page:
                    record = markdown.DecisionRecord(
                        title=d.title,
                        description=d.description,
                        context=d.context,
                        outcome=d.outcome,
                        decision_date=d.decision_date,
                        status=DecisionStatus(d.status),
                        deciders=tuple(participants.get(d.id, ())),
                        tags=tuple(d.tags or ()),
                        review_by=d.review_by,
                        deleted_at=d.deleted_at,
                    )
                    successor_file = None
                    if d.superseded_by_id is not None:
                        successor_file = markdown.file_name(
                            d.superseded_by_id, titles.get(d.superseded_by_id, "")
                        )
                        targets.add(d.superseded_by_id)
                    name = markdown.file_name(d.id, d.title)
                    (folder / name).write_text(
                        markdown.render(record, successor_file), encoding="utf-8", newline="\n"
                    )
                    index.append((name, d.title, d.status, d.decision_date, successor_file))
                    exported.add(d.id)
                written += len(page)
                if progress is not None:
                    progress(written, total)
        (folder / markdown.INDEX_NAME).write_text(
            markdown.render_index(index, exported_on=utcnow().date()),
            encoding="utf-8",
            newline="\n",
        )
        return written, targets - exported


@contextlib.contextmanager
def _replacing(path: Path) -> Iterator[TextIO]:
    """A text stream for ``path`` that replaces the file only if the block completes."""
    if not path.parent.is_dir():
        raise ValidationError("out", f"the folder {path.parent} does not exist")
    if path.is_dir():
        raise ValidationError("out", f"{path} is a folder: give a file name for the CSV")
    temporary = _partial(path)
    try:
        with temporary.open("x", encoding="utf-8", newline="") as stream:
            yield stream
        temporary.replace(path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            temporary.unlink()
        raise


def _partial(path: Path) -> Path:
    """A hidden sibling name to write into first (created with the user's usual permissions,
    unlike ``tempfile``'s private ones, since the result is meant to be shared)."""
    return path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.partial")

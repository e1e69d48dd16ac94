"""Headless decision transfer: ``decisions export`` and ``decisions import``.

``export`` reads as the database operator (like the other admin commands) and takes the
list filters the app offers. ``import`` records decisions as a real account, since each
imported decision names its creator and every audit row its author: ``--as EMAIL``, else
the first active admin. Both print the report the app shows.

Exit status: 0 when everything went through; 1 when a decision file was skipped with a
problem or a superseded-by link could not be made (also for ``--dry-run``, so a CI job can
check a folder of ADRs before anyone imports it); files already present are not problems.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TextIO

from asyncops_desktop.cli_accounts import CLI_OPERATOR
from asyncops_desktop.db import Database
from asyncops_desktop.decisions_io import (
    DecisionExporter,
    DecisionImporter,
    importing_actor,
    render_plan,
    render_report,
)
from asyncops_desktop.domain.enums import DecisionStatus
from asyncops_desktop.domain.errors import ValidationError
from asyncops_desktop.migrate import open_database
from asyncops_desktop.repositories.decisions import DecisionFilter
from asyncops_desktop.repositories.users import UserRepository

STDOUT = "-"


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{value}' is not a date (use YYYY-MM-DD)") from None


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser], add_db: object) -> None:
    """Add the ``decisions`` command group to the parser."""
    assert callable(add_db)
    decisions = commands.add_parser(
        "decisions", help="export decisions as CSV or MADR files, import a MADR / adr-tools folder"
    )
    actions = decisions.add_subparsers(dest="decisions_command", metavar="ACTION", required=True)
    export = actions.add_parser(
        "export",
        help="write the (filtered) decisions as CSV or as MADR files with an index",
        description="CSV: one row per decision; cells that a spreadsheet would run as a "
        "formula start with a ' . MADR: one NNNN-title.md per decision (NNNN is its id) and "
        "README.md, into a new or empty folder.",
    )
    export.add_argument("--format", choices=("madr", "csv"), required=True)
    export.add_argument(
        "--out",
        required=True,
        metavar="PATH",
        help="the CSV file ('-' for standard output), or a new or empty folder for MADR",
    )
    export.add_argument("--tag", help="only decisions with this tag")
    export.add_argument(
        "--status",
        action="append",
        metavar="STATUS",
        help="only these statuses (repeat or separate by commas): "
        + ", ".join(s.value for s in DecisionStatus),
    )
    export.add_argument("--from", dest="date_from", type=_date, metavar="YYYY-MM-DD")
    export.add_argument("--to", dest="date_to", type=_date, metavar="YYYY-MM-DD")
    export.add_argument(
        "--participant", metavar="EMAIL", help="only decisions this person took part in"
    )
    export.add_argument("--search", metavar="TEXT", help="full-text search (web-search syntax)")
    export.add_argument(
        "--include-deleted", action="store_true", help="also deleted decisions (after the others)"
    )
    add_db(export)

    importing = actions.add_parser(
        "import",
        help="import a folder of MADR / adr-tools Markdown files as decisions",
        description="Files named NNNN-title.md are read; a file whose title and date match a "
        "decision already in the database is skipped, so a re-run adds only what is new. "
        "Exit status 1 when a file had a problem or a link could not be made.",
    )
    importing.add_argument("path", type=Path, help="the folder (or one Markdown file)")
    importing.add_argument(
        "--as",
        dest="as_email",
        metavar="EMAIL",
        help="record the decisions as this active user (default: the first active admin)",
    )
    importing.add_argument(
        "--dry-run", action="store_true", help="only show what would be imported and skipped"
    )
    add_db(importing)


def _filters(args: argparse.Namespace, database: Database) -> DecisionFilter:
    statuses: list[str] = []
    for given in args.status or ():
        for name in given.split(","):
            name = name.strip().lower()
            if name not in {s.value for s in DecisionStatus}:
                known = ", ".join(s.value for s in DecisionStatus)
                raise ValidationError("status", f"'{name}' is not one of {known}")
            statuses.append(name)
    participant_id: int | None = None
    if args.participant:
        with database.read() as session:
            user = UserRepository(session).by_email(args.participant)
        if user is None:
            raise ValidationError("participant", f"no account has the email {args.participant}")
        participant_id = user.id
    return DecisionFilter(
        tag=args.tag,
        participant_id=participant_id,
        date_from=args.date_from,
        date_to=args.date_to,
        text=args.search,
        statuses=tuple(dict.fromkeys(statuses)),
    )


def _progress(label: str) -> Callable[[int, int], None]:
    # Imported here: cli imports this module to register the command group.
    from asyncops_desktop.cli import ProgressBar

    return ProgressBar(label)


def decisions_command(args: argparse.Namespace, url: str, out: TextIO) -> int:
    """Run ``decisions export|import``."""
    database = open_database(url)
    try:
        if args.decisions_command == "export":
            return _export(args, database, out)
        return _import(args, database, out)
    finally:
        database.dispose()


def _export(args: argparse.Namespace, database: Database, out: TextIO) -> int:
    exporter = DecisionExporter(database, CLI_OPERATOR)
    filters = _filters(args, database)
    progress = _progress("Exporting")
    if args.format == "csv":
        if args.out == STDOUT:
            # The CSV is the output; the report goes where messages go.
            report = exporter.export_csv(out, filters, include_deleted=args.include_deleted)
            sys.stderr.write(
                f"Exported {report.decisions:,} decision(s) as CSV to standard output.\n"
            )
            return 0
        report = exporter.export_csv(
            Path(args.out), filters, include_deleted=args.include_deleted, progress=progress
        )
    else:
        report = exporter.export_madr(
            Path(args.out), filters, include_deleted=args.include_deleted, progress=progress
        )
    out.write(report.render())
    return 0


def _import(args: argparse.Namespace, database: Database, out: TextIO) -> int:
    actor, _ = importing_actor(database, args.as_email)
    importer = DecisionImporter(database, actor)
    plan = importer.plan(args.path)
    if args.dry_run:
        out.write(render_plan(plan))
        return 1 if plan.has_problems else 0
    progress = _progress("Importing")
    report = importer.apply(plan, progress=progress)
    out.write(render_report(report))
    return 1 if report.has_problems else 0

"""Headless offline commands: ``offline snapshot`` and ``offline sync``.

``snapshot`` writes the filtered decisions of the server (``--db`` or ``--profile``) into a
SQLite file; ``sync`` sends the file's pending changes to the server, prints what happened to
each (conflicts field by field) and refreshes the file. Both show progress on stderr.
"""

from __future__ import annotations

import argparse
import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import TextIO

from asyncops_desktop.db import mask_url
from asyncops_desktop.domain.enums import Role
from asyncops_desktop.domain.errors import NotFound, ValidationError
from asyncops_desktop.migrate import open_database
from asyncops_desktop.offline import (
    Progress,
    SnapshotFilter,
    SnapshotReport,
    SyncReport,
    open_snapshot,
    take_snapshot,
)
from asyncops_desktop.repositories.users import UserRepository
from asyncops_desktop.services.base import Actor

EXIT_OK = 0
EXIT_FAILED = 1


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{value}' is not a date (use YYYY-MM-DD)") from None


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser], add_db: object) -> None:
    """Add the ``offline`` command group to the parser."""
    assert callable(add_db)
    offline = commands.add_parser("offline", help="take decisions offline and sync them back")
    actions = offline.add_subparsers(dest="offline_command", metavar="ACTION", required=True)
    snapshot = actions.add_parser(
        "snapshot", help="write the server's decisions (or a filter of them) to a SQLite file"
    )
    snapshot.add_argument("--out", required=True, metavar="FILE", help="the snapshot file")
    snapshot.add_argument("--tag", metavar="T", help="only decisions with this tag")
    snapshot.add_argument(
        "--from", dest="date_from", type=_date, metavar="D", help="decided on or after D"
    )
    snapshot.add_argument(
        "--to", dest="date_to", type=_date, metavar="D", help="decided on or before D"
    )
    snapshot.add_argument(
        "--mine", metavar="EMAIL", help="only decisions EMAIL takes part in (EMAIL edits offline)"
    )
    add_db(snapshot)
    sync = actions.add_parser("sync", help="send a snapshot's pending changes to the server")
    sync.add_argument("file", metavar="FILE", help="the snapshot file")
    sync.add_argument(
        "--as", dest="as_email", metavar="EMAIL", help="the server user (default: the file's owner)"
    )
    add_db(sync)


def _progress(err: TextIO) -> Callable[[Progress], None]:
    from asyncops_desktop.cli import ProgressBar

    bars: dict[str, ProgressBar] = {}

    def show(progress: Progress) -> None:
        label = progress.phase.capitalize()
        bar = bars.setdefault(label, ProgressBar(label, err))
        bar(progress.done, progress.total)

    return show


def _snapshot_lines(report: SnapshotReport) -> str:
    info = report.info
    lines = [
        f"Snapshot of {info.source} written to {info.path}",
        f"  taken at:   {info.taken_at:%Y-%m-%d %H:%M:%S} UTC (schema {info.schema_revision})",
        f"  decisions:  {report.decisions:,} with {report.participants:,} participants "
        f"and {report.audit_entries:,} history entries",
        f"  users:      {report.users:,} (names and emails only)",
    ]
    if report.kept_changes:
        lines.append(f"  kept:       {report.kept_changes:,} unresolved change(s)")
    return "\n".join(lines) + "\n"


def _sync_lines(report: SyncReport) -> str:
    lines: list[str] = []
    for outcome in report.outcomes:
        where = f"decision {outcome.local_id}"
        if outcome.server_id is not None and outcome.server_id != outcome.local_id:
            where += f" (server {outcome.server_id})"
        line = f"  #{outcome.change_id} {outcome.kind} {where}: {outcome.result}"
        if outcome.result == "failed" and outcome.message:
            line += f": {outcome.message}"
        lines.append(line)
        if outcome.conflict is not None:
            for conflict in outcome.conflict.fields:
                lines.append(
                    f"      {conflict.field}: base {conflict.base!r}, theirs {conflict.theirs!r}, "
                    f"mine {conflict.mine!r}"
                )
    lines.append(
        f"Synced: {report.applied:,} applied, {len(report.conflicts):,} conflict(s), "
        f"{len(report.failed):,} failed."
    )
    if report.refreshed is not None:
        lines.append(_snapshot_lines(report.refreshed).rstrip("\n"))
    return "\n".join(lines) + "\n"


def offline_command(
    args: argparse.Namespace, url: str, out: TextIO, err: TextIO | None = None
) -> int:
    """Run ``offline snapshot`` or ``offline sync``."""
    import sys

    err = err or sys.stderr
    source_profile = getattr(args, "profile", None)
    server = open_database(url, auto_upgrade_sqlite=False)
    try:
        if args.offline_command == "snapshot":
            filters = SnapshotFilter(args.tag, args.date_from, args.date_to, args.mine)
            report = take_snapshot(
                server,
                Path(args.out),
                filters=filters,
                source_profile=source_profile,
                progress=_progress(err),
            )
            out.write(_snapshot_lines(report))
            return EXIT_OK
        with open_snapshot(args.file) as workspace:
            email = args.as_email or workspace.info.owner_email
            if not email:
                raise ValidationError("as", "name the server user with --as EMAIL")
            with server.read() as session:
                user = UserRepository(session).by_email(email)
            if user is None or not user.is_active:
                raise NotFound("Active user", email)
            out.write(f"Syncing {workspace.path} to {mask_url(url)} as {user.email}\n")
            result = workspace.sync(
                server, Actor(user.id, Role(user.role)), progress=_progress(err)
            )
        out.write(_sync_lines(result))
        return EXIT_OK if not result.conflicts and not result.failed else EXIT_FAILED
    finally:
        server.dispose()

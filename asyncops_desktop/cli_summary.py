"""Headless daily-summary commands: ``summary compute`` and ``summary show``.

``compute`` without options recomputes today; ``--date D`` recomputes one day; ``--backfill``
runs what the app runs at launch (every missing day through today, today always).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from typing import TextIO

from asyncops_desktop.db import mask_url
from asyncops_desktop.domain.errors import AsyncOpsError, ValidationError
from asyncops_desktop.domain.models import utcnow
from asyncops_desktop.migrate import open_database
from asyncops_desktop.repositories.summaries import SummaryRepository
from asyncops_desktop.summaries import (
    BackfillResult,
    SummaryContent,
    backfill,
    refresh_summary,
    summary_markdown,
)


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{value}' is not a date (use YYYY-MM-DD)") from None


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser], add_db: object) -> None:
    """Add the ``summary`` command group to the parser."""
    assert callable(add_db)
    summary = commands.add_parser("summary", help="compute or show daily summaries")
    actions = summary.add_subparsers(dest="summary_command", metavar="ACTION", required=True)
    compute = actions.add_parser(
        "compute", help="compute and store today's summary (or --date D, or --backfill)"
    )
    which = compute.add_mutually_exclusive_group()
    which.add_argument("--date", type=_date, metavar="YYYY-MM-DD", help="the day to compute")
    which.add_argument(
        "--backfill",
        action="store_true",
        help="every missing day through today (at most 90 days back), as the app does at launch",
    )
    add_db(compute)
    show = actions.add_parser("show", help="print a stored summary")
    show.add_argument(
        "--date", type=_date, metavar="YYYY-MM-DD", help="the day (default: the newest stored)"
    )
    show.add_argument("--format", choices=("markdown", "json"), default="markdown")
    add_db(show)


def _describe(summary: SummaryContent) -> str:
    stats = summary.content["statistics"]
    return (
        f"{summary.status_updates_count:,} status updates, "
        f"{summary.incidents_count:,} active incidents ({stats['critical_incidents']:,} critical), "
        f"{summary.blockers_count:,} active blockers, "
        f"{summary.decisions_count:,} decisions in the last 7 days"
    )


def _describe_backfill(result: BackfillResult, where: str) -> str:
    if not result.computed:
        text = f"No summary needed computing in {where}."
    else:
        first, last = result.computed[0], result.computed[-1]
        span = first.isoformat() if first == last else f"{first} to {last}"
        count = len(result.computed)
        text = f"Computed {count:,} daily {'summary' if count == 1 else 'summaries'} ({span}) in {where}."
    if result.skipped:
        text += f" {len(result.skipped):,} other day(s) were stored meanwhile by another client."
    return text + "\n"


class _BackfillProgress:
    """``day n of N`` on one rewritten line on a terminal; a line per 10% otherwise."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.last_tenth = -1

    def __call__(self, done: int, total: int, day: dt.date | None) -> None:
        if total == 0:
            return
        label = f"Daily summaries: day {done:,} of {total:,}" + (f" ({day})" if day else "")
        if self.stream.isatty():
            self.stream.write(f"\r{label}" + ("\n" if done == total else ""))
        else:
            tenth = done * 10 // total
            if tenth == self.last_tenth:
                return
            self.last_tenth = tenth
            self.stream.write(label + "\n")
        self.stream.flush()


def summary_command(args: argparse.Namespace, url: str, out: TextIO) -> int:
    """Run ``summary compute|show``."""
    database = open_database(url)
    try:
        where = mask_url(url)
        today = utcnow().date()
        if args.summary_command == "compute":
            if args.backfill:
                result = backfill(database, today, progress=_BackfillProgress(sys.stderr))
                out.write(_describe_backfill(result, where))
                return 0
            day = args.date or today
            summary = refresh_summary(database, day)
            out.write(f"Stored the summary of {day} in {where}: {_describe(summary)}.\n")
            return 0
        with database.read() as session:
            repo = SummaryRepository(session)
            day = args.date or repo.newest_date()
            stored = None if day is None else repo.for_date(day)
        if stored is None:
            if day is None:
                raise AsyncOpsError(
                    f"No summary is stored in {where} yet: run 'asyncops-desktop summary compute'."
                )
            raise ValidationError(
                "date",
                f"no summary is stored for {day}: "
                f"run 'asyncops-desktop summary compute --date {day}'",
            )
        if args.format == "json":
            out.write(json.dumps(stored.content, sort_keys=True, indent=2, ensure_ascii=False))
            out.write("\n")
        else:
            out.write(summary_markdown(stored.content, stored.summary_date))
        return 0
    finally:
        database.dispose()

"""Command line: ``asyncops-desktop db|demo-data|doctor|user|profile|summary|decisions|offline ...``.

With no subcommand the launcher in ``ui`` opens the GUI; everything here runs headless.
The database is chosen by ``--db URL``, else ``ASYNCOPS_DATABASE_URL``, else the embedded
default.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable, Sequence
from typing import TextIO

from asyncops_desktop import (
    __version__,
    cli_accounts,
    cli_decisions,
    cli_offline,
    cli_summary,
    migrate,
)
from asyncops_desktop.db import create_db_engine, mask_url, resolve_database_url
from asyncops_desktop.domain.errors import AsyncOpsError
from asyncops_desktop.logs import install_redaction

SUBCOMMANDS = ("db", "demo-data", "doctor", "user", "profile", "summary", "decisions", "offline")

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2


def add_database_option(parser: argparse.ArgumentParser, *, top_level: bool = False) -> None:
    """The ``--db URL`` option every command shares (accepted before or after the command)."""
    parser.add_argument(
        "--db",
        metavar="URL",
        # A subcommand's own default must not erase a --db given before the subcommand.
        default=None if top_level else argparse.SUPPRESS,
        help="database URL (postgresql+psycopg://user@host/db or a SQLite file path); "
        "default: $ASYNCOPS_DATABASE_URL, else the embedded database",
    )


def build_parser() -> argparse.ArgumentParser:
    """The argument parser for the headless commands."""
    parser = argparse.ArgumentParser(
        prog="asyncops-desktop",
        description="AsyncOps Desktop: run without a command to open the app.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    add_database_option(parser, top_level=True)
    parser.add_argument("--profile", metavar="NAME", help="open the connection profile NAME")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    db = commands.add_parser("db", help="manage the database schema")
    db_commands = db.add_subparsers(dest="db_command", metavar="ACTION", required=True)
    upgrade = db_commands.add_parser("upgrade", help="migrate to the newest schema (or REV)")
    upgrade.add_argument("revision", nargs="?", default="head")
    add_database_option(upgrade)
    downgrade = db_commands.add_parser("downgrade", help="step back to REV (an id, -1 or base)")
    downgrade.add_argument("revision")
    add_database_option(downgrade)
    current = db_commands.add_parser("current", help="print the schema revision and database")
    add_database_option(current)
    check = db_commands.add_parser("check", help="exit non-zero if models and migrations drifted")
    add_database_option(check)
    verify = db_commands.add_parser(
        "verify", help="check that every decision matches its audit log, no orphans, file integrity"
    )
    add_database_option(verify)
    grant = db_commands.add_parser(
        "grant-sql", help="print the SQL creating a least-privilege PostgreSQL role for the app"
    )
    grant.add_argument("--role", required=True, help="name of the role to create")
    grant.add_argument("--login", action="store_true", help="a login role (placeholder password)")
    add_database_option(grant)

    demo = commands.add_parser("demo-data", help="fill the database with realistic sample data")
    demo.add_argument(
        "--scale", type=int, default=1, help="1: a small team; 1000: ~100,000 decisions"
    )
    demo.add_argument("--seed", type=int, default=1, help="random seed (same seed, same data)")
    add_database_option(demo)

    doctor = commands.add_parser("doctor", help="report versions, database, Qt, keyring, disk")
    add_database_option(doctor)
    cli_accounts.register(commands, add_database_option)
    cli_summary.register(commands, add_database_option)
    cli_decisions.register(commands, add_database_option)
    cli_offline.register(commands, add_database_option)
    return parser


class ProgressBar:
    """A one-line text progress bar on a terminal (plain lines when not a terminal)."""

    def __init__(self, label: str, stream: TextIO | None = None) -> None:
        self.label = label
        self.stream = stream or sys.stderr
        self.started = time.monotonic()
        self._last_percent = -1

    def __call__(self, done: int, total: int) -> None:
        """Show ``done`` of ``total``."""
        percent = 100 if total <= 0 else min(100, done * 100 // total)
        if percent == self._last_percent:
            return
        self._last_percent = percent
        elapsed = time.monotonic() - self.started
        if self.stream.isatty():
            filled = percent * 30 // 100
            bar = "#" * filled + "-" * (30 - filled)
            end = "\n" if percent == 100 else ""
            self.stream.write(
                f"\r{self.label} [{bar}] {percent:3d}% {done:,}/{total:,} {elapsed:5.1f}s{end}"
            )
        elif percent % 10 == 0:
            self.stream.write(f"{self.label}: {percent}% ({done:,}/{total:,}, {elapsed:.1f}s)\n")
        self.stream.flush()


def _db_command(args: argparse.Namespace, url: str, out: TextIO) -> int:
    if args.db_command == "grant-sql":
        from asyncops_desktop.privileges import grant_sql

        out.write(grant_sql(args.role, login=args.login))
        return EXIT_OK
    engine = create_db_engine(url)
    try:
        if args.db_command == "upgrade":
            result = migrate.upgrade(engine, args.revision)
            if result.from_revision == result.to_revision:
                out.write(f"{mask_url(url)} is already at {result.to_revision}.\n")
            else:
                out.write(
                    f"Upgraded {mask_url(url)} from {result.from_revision or 'an empty database'} "
                    f"to {result.to_revision}.\n"
                )
            if result.backup:
                out.write(f"Backup of the previous file: {result.backup}\n")
            if result.to_revision == migrate.head_revision():
                _create_initial_admin(url, out)
            return EXIT_OK
        if args.db_command == "downgrade":
            result = migrate.downgrade(engine, args.revision)
            out.write(
                f"Downgraded {mask_url(url)} from {result.from_revision} "
                f"to {result.to_revision or 'base (no schema)'}.\n"
            )
            return EXIT_OK
        if args.db_command == "current":
            state = migrate.schema_state(engine)
            out.write(f"database: {mask_url(url)}\n")
            out.write(f"revision: {state.current or '(none: empty database)'}\n")
            out.write(f"app head: {state.head} ({state.status.value})\n")
            return EXIT_OK
        if args.db_command == "verify":
            return _verify(url, out)
        diffs = migrate.check(engine)
        if diffs:
            out.write(f"The schema of {mask_url(url)} differs from the models:\n")
            for diff in diffs:
                out.write(f"  {diff}\n")
            return EXIT_FAILED
        out.write(f"No drift: the models match the migrated schema of {mask_url(url)}.\n")
        return EXIT_OK
    finally:
        engine.dispose()


def _verify(url: str, out: TextIO) -> int:
    from asyncops_desktop.verify import verify

    database = migrate.open_database(url, auto_upgrade_sqlite=False)
    try:
        report = verify(database, progress=None)
    finally:
        database.dispose()
    out.write(f"Checked {report.decisions_checked:,} decisions against their audit logs.\n")
    for problem in report.integrity:
        out.write(f"  integrity: {problem}\n")
    for label, count in report.orphans.items():
        if count:
            out.write(f"  orphans: {count:,} {label}\n")
    for mismatch in report.mismatches[:50]:
        out.write(f"  {mismatch}\n")
    if len(report.mismatches) > 50:
        out.write(f"  … and {len(report.mismatches) - 50:,} more decisions\n")
    out.write("OK: the database is consistent.\n" if report.ok else "FAILED: see above.\n")
    return EXIT_OK if report.ok else EXIT_FAILED


def _create_initial_admin(url: str, out: TextIO) -> None:
    """On a database without accounts, create the spec's initial admin and print it once."""
    from asyncops_desktop.db import Database
    from asyncops_desktop.services.auth import AuthService

    database = Database(url)
    try:
        created = AuthService(database).create_initial_admin_if_empty()
    finally:
        database.dispose()
    if created is not None:
        email, password = created
        out.write(
            "The database had no accounts, so an admin was created. Its password is shown "
            "only this once and must be changed at the first sign-in:\n"
            f"  email:    {email}\n  password: {password}\n"
        )


def _demo_data_command(args: argparse.Namespace, url: str, out: TextIO) -> int:
    from asyncops_desktop.demo_data import generate

    if args.scale < 1:
        out.write("--scale must be 1 or more.\n")
        return EXIT_USAGE
    database = migrate.open_database(url)
    try:
        counts = generate(
            database, scale=args.scale, seed=args.seed, progress=ProgressBar("Inserting")
        )
    finally:
        database.dispose()
    total = sum(counts.values())
    out.write(f"Inserted {total:,} rows into {mask_url(url)}:\n")
    for table, count in counts.items():
        out.write(f"  {table:<24}{count:>10,}\n")
    return EXIT_OK


def _doctor_command(args: argparse.Namespace, url: str, out: TextIO) -> int:
    from asyncops_desktop.doctor import report

    return report(url, out)


def main(argv: Sequence[str] | None = None, out: TextIO | None = None) -> int:
    """Run a headless command; returns the process exit code."""
    out = out or sys.stdout
    install_redaction()
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help(out)
        return EXIT_USAGE
    handlers: dict[str, Callable[[argparse.Namespace, str, TextIO], int]] = {
        "db": _db_command,
        "demo-data": _demo_data_command,
        "doctor": _doctor_command,
        "user": cli_accounts.user_command,
        "summary": cli_summary.summary_command,
        "offline": cli_offline.offline_command,
        "decisions": cli_decisions.decisions_command,
    }
    try:
        if args.command == "profile":
            return cli_accounts.profile_command(args, out)
        if args.db is None and args.profile:
            url = cli_accounts.profile_url(args.profile)
        else:
            url = resolve_database_url(args.db)
        return handlers[args.command](args, url, out)
    except AsyncOpsError as exc:
        sys.stderr.write(f"error: {exc}\n")
        return EXIT_FAILED
    except KeyboardInterrupt:
        sys.stderr.write("Interrupted.\n")
        return 130


if __name__ == "__main__":
    raise SystemExit(main())

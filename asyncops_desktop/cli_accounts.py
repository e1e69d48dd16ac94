"""Headless account and profile commands: ``user …`` and ``profile …``.

Passwords are read from a prompt (or one line of standard input when it is not a
terminal), never from the command line, where they would land in shell history.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from typing import TextIO

from asyncops_desktop.credentials import CredentialStore
from asyncops_desktop.domain.enums import Role
from asyncops_desktop.domain.errors import AsyncOpsError, ValidationError
from asyncops_desktop.migrate import open_database
from asyncops_desktop.profiles import Profile, ProfileKind, ProfileStore, SslMode
from asyncops_desktop.repositories.users import UserFilter
from asyncops_desktop.services.base import Actor
from asyncops_desktop.services.users import UserService

# Whoever runs these commands holds the database's own credentials, which is more than any
# app role grants: they act as an admin that is not one of the app's accounts.
CLI_OPERATOR = Actor(user_id=0, role=Role.ADMIN)


def read_secret(prompt: str, *, confirm: bool = False, stdin: TextIO | None = None) -> str:
    """A password from the terminal (asked twice when ``confirm``) or one line of stdin."""
    stream = stdin or sys.stdin
    if not stream.isatty():
        line = stream.readline()
        if not line:
            raise ValidationError("password", "expected on standard input, got nothing")
        return line.rstrip("\r\n")
    first = getpass.getpass(prompt)
    if confirm and getpass.getpass("Repeat: ") != first:
        raise ValidationError("password", "the two entries differ")
    return first


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser], add_db: object) -> None:
    """Add the ``user`` and ``profile`` command groups to the parser."""
    assert callable(add_db)
    user = commands.add_parser("user", help="manage accounts (as the database's admin)")
    actions = user.add_subparsers(dest="user_command", metavar="ACTION", required=True)
    create = actions.add_parser("create", help="create an account (password asked)")
    create.add_argument("email")
    create.add_argument("--name", required=True, help="full name")
    create.add_argument("--role", choices=[r.value for r in Role], default=Role.MEMBER.value)
    add_db(create)
    listing = actions.add_parser("list", help="list accounts")
    listing.add_argument("--all", action="store_true", help="include deactivated accounts")
    add_db(listing)
    deactivate = actions.add_parser("deactivate", help="deactivate an account")
    deactivate.add_argument("email")
    add_db(deactivate)
    activate = actions.add_parser("activate", help="reactivate an account")
    activate.add_argument("email")
    add_db(activate)
    reset = actions.add_parser("reset-password", help="set a temporary password, shown once")
    reset.add_argument("email")
    add_db(reset)

    profile = commands.add_parser("profile", help="manage connection profiles")
    profile_actions = profile.add_subparsers(
        dest="profile_command", metavar="ACTION", required=True
    )
    profile_actions.add_parser("list", help="list profiles")
    add = profile_actions.add_parser("add", help="add a SQLite or PostgreSQL profile")
    add.add_argument("name")
    target = add.add_mutually_exclusive_group(required=True)
    target.add_argument("--sqlite", metavar="FILE", help="a SQLite database file")
    target.add_argument("--host", help="PostgreSQL server host")
    add.add_argument("--port", type=int, default=5432)
    add.add_argument("--database", default="asyncops")
    add.add_argument("--user", default="")
    add.add_argument("--sslmode", choices=[m.value for m in SslMode], default=SslMode.PREFER.value)
    add.add_argument("--sslrootcert", metavar="CA_FILE")
    add.add_argument(
        "--remember-password",
        action="store_true",
        help="ask for the password now and keep it in the system keyring",
    )
    remove = profile_actions.add_parser("remove", help="remove a profile and its saved secrets")
    remove.add_argument("name")


def _user_by_email(service: UserService, email: str) -> int:
    for user in service.page(UserFilter(text=email.strip()), limit=100).rows:
        if user.email == email.strip().lower():
            return user.id
    raise ValidationError("email", f"no account has the email {email}")


def user_command(args: argparse.Namespace, url: str, out: TextIO) -> int:
    """Run ``user create|list|deactivate|activate|reset-password``."""
    database = open_database(url)
    try:
        service = UserService(database, CLI_OPERATOR)
        if args.user_command == "create":
            password = read_secret(f"Password for {args.email}: ", confirm=True)
            user = service.create(
                email=args.email, full_name=args.name, password=password, role=args.role
            )
            out.write(f"Created {user.role} {user.full_name} <{user.email}>.\n")
        elif args.user_command == "list":
            filters = None if args.all else UserFilter(active=True)
            rows = service.page(filters, limit=10_000).rows
            for user in rows:
                state = "" if user.is_active else "  (deactivated)"
                out.write(f"{user.email:<40} {user.role:<7} {user.full_name}{state}\n")
            out.write(f"{len(rows):,} account(s)\n")
        elif args.user_command in ("deactivate", "activate"):
            active = args.user_command == "activate"
            user = service.set_active(_user_by_email(service, args.email), active)
            out.write(f"{user.email} is now {'active' if active else 'deactivated'}.\n")
        else:
            temporary = service.reset_password(_user_by_email(service, args.email))
            out.write(
                f"Temporary password for {args.email.strip().lower()} (shown once; it must be "
                f"changed at the next sign-in):\n{temporary}\n"
            )
    finally:
        database.dispose()
    return 0


def profile_command(args: argparse.Namespace, out: TextIO) -> int:
    """Run ``profile list|add|remove``."""
    store = ProfileStore()
    secrets = CredentialStore()
    if args.profile_command == "list":
        last = store.last_used()
        profiles = store.profiles()
        for profile in profiles:
            marker = "*" if last is not None and last.id == profile.id else " "
            remembered = "  (password in keyring)" if secrets.password(profile.id) else ""
            out.write(
                f"{marker} {profile.name:<28} {profile.kind.value:<10} {profile.describe()}{remembered}\n"
            )
        if not profiles:
            out.write("No profiles yet: the app opens the embedded database.\n")
        return 0
    if args.profile_command == "remove":
        found = store.by_name(args.name)
        if found is None:
            raise ValidationError("name", f"no profile is named '{args.name}'")
        store.remove(found.id)
        secrets.forget_profile(found.id)
        out.write(f"Removed the profile '{found.name}' and its saved secrets.\n")
        return 0
    if args.sqlite:
        profile = Profile(name=args.name, kind=ProfileKind.SQLITE, path=args.sqlite)
    else:
        profile = Profile(
            name=args.name,
            kind=ProfileKind.POSTGRESQL,
            host=args.host,
            port=args.port,
            database=args.database,
            user=args.user,
            sslmode=SslMode(args.sslmode),
            sslrootcert=args.sslrootcert,
            remember_password=bool(args.remember_password),
        )
    if profile.remember_password and not secrets.usable:
        out.write(f"Not remembering the password: {secrets.status.reason}.\n")
        profile = Profile(**{**profile.__dict__, "remember_password": False})
    saved = store.add(profile)
    if saved.remember_password:
        secrets.remember_password(saved.id, read_secret(f"Password for {saved.describe()}: "))
    out.write(f"Added the profile '{saved.name}': {saved.describe()}\n")
    return 0


def profile_url(name: str) -> str:
    """The URL of a named profile, with its password from the keyring or a prompt."""
    store = ProfileStore()
    profile = store.by_name(name)
    if profile is None:
        names = ", ".join(p.name for p in store.profiles()) or "none"
        raise AsyncOpsError(f"No profile is named '{name}' (profiles: {names}).")
    password: str | None = None
    if profile.needs_password:
        password = CredentialStore().password(profile.id)
        if password is None and sys.stdin.isatty():
            password = (
                getpass.getpass(f"Password for {profile.describe()} (empty for none): ") or None
            )
    return profile.url(password)

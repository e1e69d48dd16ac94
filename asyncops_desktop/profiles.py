"""Connection profiles: named databases a user can open, stored without any secret.

Profiles live in ``profiles.json`` in the user config directory. A profile never holds a
password: PostgreSQL passwords are in the keyring (``credentials.py``) or asked each time.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import tempfile
import uuid
from dataclasses import asdict, dataclass, field, replace
from enum import StrEnum
from pathlib import Path
from typing import Any

import platformdirs
from sqlalchemy.engine import URL

from asyncops_desktop import APP_AUTHOR, APP_NAME
from asyncops_desktop.db import DEFAULT_DB_FILENAME, data_dir, sqlite_url
from asyncops_desktop.domain.errors import ValidationError
from asyncops_desktop.services import validation as v

PROFILES_FILE = "profiles.json"
FORMAT_VERSION = 1
DEFAULT_PROFILE_NAME = "Local database"


class ProfileKind(StrEnum):
    """Where a profile's data lives."""

    SQLITE = "sqlite"
    POSTGRESQL = "postgresql"
    # An offline snapshot of a server (a SQLite file, see ``offline.py``).
    OFFLINE = "offline"


class SslMode(StrEnum):
    """libpq SSL modes offered for PostgreSQL profiles."""

    DISABLE = "disable"
    PREFER = "prefer"
    REQUIRE = "require"
    VERIFY_FULL = "verify-full"


@dataclass(frozen=True)
class Profile:
    """A named database to connect to (no secrets)."""

    name: str
    kind: ProfileKind = ProfileKind.SQLITE
    path: str | None = None  # SQLite file; None means the embedded default
    host: str = "localhost"
    port: int = 5432
    database: str = "asyncops"
    user: str = ""
    sslmode: SslMode = SslMode.PREFER
    sslrootcert: str | None = None
    remember_password: bool = False
    id: str = field(default_factory=lambda: uuid.uuid4().hex)
    # Offline snapshots only: the profile it was taken from and when (ISO, UTC).
    source_profile: str | None = None
    snapshot_taken_at: str | None = None

    @property
    def needs_password(self) -> bool:
        """PostgreSQL profiles may need a password; SQLite files never do."""
        return self.kind is ProfileKind.POSTGRESQL

    def sqlite_file(self) -> Path:
        """The SQLite file this profile opens."""
        return Path(self.path).expanduser() if self.path else data_dir() / DEFAULT_DB_FILENAME

    def url(self, password: str | None = None) -> str:
        """The SQLAlchemy URL, with ``password`` if given (never stored)."""
        if self.kind in (ProfileKind.SQLITE, ProfileKind.OFFLINE):
            return sqlite_url(self.sqlite_file())
        query: dict[str, str] = {"sslmode": self.sslmode.value}
        if self.sslmode is SslMode.VERIFY_FULL and self.sslrootcert:
            query["sslrootcert"] = self.sslrootcert
        return URL.create(
            "postgresql+psycopg",
            username=self.user or None,
            password=password or None,
            host=self.host,
            port=self.port,
            database=self.database,
            query=query,
        ).render_as_string(hide_password=False)

    def describe(self) -> str:
        """Where the profile points, for lists and title bars (no password)."""
        if self.kind is ProfileKind.SQLITE:
            return str(self.sqlite_file())
        if self.kind is ProfileKind.OFFLINE:
            when = (self.snapshot_taken_at or "?")[:16].replace("T", " ")
            return (
                f"offline copy of {self.source_profile or 'a server'} as of {when} UTC: {self.path}"
            )
        who = f"{self.user}@" if self.user else ""
        return f"{who}{self.host}:{self.port}/{self.database}"


def validate_profile(profile: Profile) -> Profile:
    """Check every field; raises ValidationError naming the field and the rule."""
    name = v.text("name", profile.name, 100).strip()
    kind = v.choice("kind", profile.kind, ProfileKind)
    if kind is ProfileKind.OFFLINE and not profile.path:
        raise ValidationError("path", "an offline profile needs its snapshot file")
    if kind in (ProfileKind.SQLITE, ProfileKind.OFFLINE):
        path = v.optional_text("path", profile.path, 4096)
        if path is not None and not Path(path).expanduser().parent.is_dir():
            raise ValidationError(
                "path", f"the folder {Path(path).expanduser().parent} does not exist"
            )
        return replace(profile, name=name, kind=kind, path=path)
    host = v.text("host", profile.host, 255).strip()
    if any(ch.isspace() for ch in host) or "/" in host:
        raise ValidationError("host", "must be a host name or address without spaces or slashes")
    if (
        isinstance(profile.port, bool)
        or not isinstance(profile.port, int)
        or not 1 <= profile.port <= 65535
    ):
        raise ValidationError("port", "must be a number from 1 to 65535")
    database = v.text("database", profile.database, 63).strip()
    user = (v.optional_text("user", profile.user, 63) or "").strip()
    sslmode = v.choice("sslmode", profile.sslmode, SslMode)
    rootcert = v.optional_text("sslrootcert", profile.sslrootcert, 4096)
    if sslmode is SslMode.VERIFY_FULL:
        if rootcert is None:
            raise ValidationError(
                "sslrootcert", "a CA certificate file is required for verify-full"
            )
        if not Path(rootcert).expanduser().is_file():
            raise ValidationError("sslrootcert", f"the file {rootcert} does not exist")
    return replace(
        profile,
        name=name,
        kind=kind,
        host=host,
        database=database,
        user=user,
        sslmode=sslmode,
        sslrootcert=rootcert,
    )


def config_dir() -> Path:
    """The per-user config directory."""
    return platformdirs.user_config_path(APP_NAME, APP_AUTHOR)


def _profile_from(data: dict[str, Any]) -> Profile:
    known = {f for f in Profile.__dataclass_fields__}
    values = {k: val for k, val in data.items() if k in known}
    values["kind"] = ProfileKind(values.get("kind", "sqlite"))
    values["sslmode"] = SslMode(values.get("sslmode", "prefer"))
    return Profile(**values)


class ProfileStore:
    """Reads and writes ``profiles.json`` atomically; a damaged file is set aside, not lost."""

    def __init__(self, directory: Path | None = None) -> None:
        self.directory = directory or config_dir()
        self.path = self.directory / PROFILES_FILE
        self.warning: str | None = None

    def _read(self) -> dict[str, Any]:
        if not self.path.exists():
            return {"version": FORMAT_VERSION, "last_used": None, "profiles": []}
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            if not isinstance(data, dict) or not isinstance(data.get("profiles"), list):
                raise ValueError("unexpected structure")
            for item in data["profiles"]:
                _profile_from(item)
            return data
        except (ValueError, TypeError, OSError) as exc:
            stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
            aside = self.path.with_name(f"{PROFILES_FILE}.damaged-{stamp}")
            with contextlib.suppress(OSError):
                self.path.replace(aside)
            self.warning = (
                f"The profile list could not be read ({exc}); it was set aside as {aside.name}."
            )
            return {"version": FORMAT_VERSION, "last_used": None, "profiles": []}

    def _write(self, data: dict[str, Any]) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".profiles-", suffix=".json", dir=self.directory)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump(data, handle, indent=2, sort_keys=True)
                handle.flush()
                os.fsync(handle.fileno())
            Path(tmp).replace(self.path)
        except BaseException:
            with contextlib.suppress(OSError):
                Path(tmp).unlink()
            raise

    def profiles(self) -> list[Profile]:
        """Every profile, in the order they were added."""
        return [_profile_from(item) for item in self._read()["profiles"]]

    def ensure_default(self) -> Profile:
        """Create the "Local database" profile on the embedded file if there are no profiles."""
        existing = self.profiles()
        if existing:
            return existing[0]
        return self.add(Profile(name=DEFAULT_PROFILE_NAME))

    def get(self, profile_id: str) -> Profile | None:
        """The profile with this id."""
        return next((p for p in self.profiles() if p.id == profile_id), None)

    def by_name(self, name: str) -> Profile | None:
        """The profile with this name (case-insensitive)."""
        wanted = name.strip().casefold()
        return next((p for p in self.profiles() if p.name.casefold() == wanted), None)

    def _save_all(self, profiles: list[Profile], last_used: str | None) -> None:
        items = []
        for profile in profiles:
            item = asdict(profile)
            item["kind"] = profile.kind.value
            item["sslmode"] = profile.sslmode.value
            items.append(item)
        self._write({"version": FORMAT_VERSION, "last_used": last_used, "profiles": items})

    def add(self, profile: Profile) -> Profile:
        """Validate and add a profile; names are unique."""
        profile = validate_profile(profile)
        data = self._read()
        profiles = [_profile_from(item) for item in data["profiles"]]
        if any(p.name.casefold() == profile.name.casefold() for p in profiles):
            raise ValidationError("name", f"a profile named '{profile.name}' already exists")
        self._save_all([*profiles, profile], data.get("last_used"))
        return profile

    def update(self, profile: Profile) -> Profile:
        """Replace the profile with the same id."""
        profile = validate_profile(profile)
        data = self._read()
        profiles = [_profile_from(item) for item in data["profiles"]]
        if not any(p.id == profile.id for p in profiles):
            raise ValidationError("name", f"the profile '{profile.name}' no longer exists")
        if any(
            p.name.casefold() == profile.name.casefold() and p.id != profile.id for p in profiles
        ):
            raise ValidationError("name", f"a profile named '{profile.name}' already exists")
        self._save_all(
            [profile if p.id == profile.id else p for p in profiles], data.get("last_used")
        )
        return profile

    def duplicate(self, profile_id: str) -> Profile:
        """A copy of a profile under a new name ("… (copy)")."""
        original = self.get(profile_id)
        if original is None:
            raise ValidationError("name", "the profile no longer exists")
        names = {p.name.casefold() for p in self.profiles()}
        name = f"{original.name} (copy)"
        counter = 2
        while name.casefold() in names:
            name = f"{original.name} (copy {counter})"
            counter += 1
        return self.add(replace(original, name=name, id=uuid.uuid4().hex, remember_password=False))

    def remove(self, profile_id: str) -> None:
        """Remove a profile (its secrets are the caller's to forget)."""
        data = self._read()
        profiles = [
            p for p in (_profile_from(item) for item in data["profiles"]) if p.id != profile_id
        ]
        last_used = data.get("last_used")
        self._save_all(profiles, None if last_used == profile_id else last_used)

    def last_used(self) -> Profile | None:
        """The profile opened most recently."""
        last = self._read().get("last_used")
        return self.get(last) if isinstance(last, str) else None

    def set_last_used(self, profile_id: str) -> None:
        """Remember which profile to open at the next launch."""
        data = self._read()
        profiles = [_profile_from(item) for item in data["profiles"]]
        self._save_all(profiles, profile_id)

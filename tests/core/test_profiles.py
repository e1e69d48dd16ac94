"""Connection profiles and keyring secrets: stored apart, validated, never mixed."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest

from asyncops_desktop import cli
from asyncops_desktop.credentials import KEYRING_SERVICE, CredentialStore, keyring_status
from asyncops_desktop.domain.errors import ValidationError
from asyncops_desktop.profiles import Profile, ProfileKind, ProfileStore, SslMode, config_dir

SECRET = "pg-s3cret-passw0rd"


def _postgres(name: str = "Team server", **overrides: Any) -> Profile:
    values: dict[str, Any] = {
        "name": name,
        "kind": ProfileKind.POSTGRESQL,
        "host": "db.example.com",
        "port": 5432,
        "database": "asyncops",
        "user": "alice",
        "remember_password": True,
    }
    values.update(overrides)
    return Profile(**values)


def test_profiles_round_trip_without_secrets(memory_keyring: Any) -> None:
    store = ProfileStore()
    profile = store.add(_postgres())
    secrets = CredentialStore()
    assert secrets.usable
    assert secrets.remember_password(profile.id, SECRET)
    store.set_last_used(profile.id)
    reloaded = ProfileStore()
    assert reloaded.profiles() == [profile]
    assert reloaded.last_used() == profile
    assert SECRET not in store.path.read_text(encoding="utf-8")
    assert store.path.parent == config_dir()
    assert CredentialStore().password(profile.id) == SECRET
    assert memory_keyring.entries == {(KEYRING_SERVICE, f"profile:{profile.id}:password"): SECRET}
    url = profile.url(CredentialStore().password(profile.id))
    assert url.startswith("postgresql+psycopg://alice:") and "sslmode=prefer" in url


@pytest.mark.parametrize(
    ("overrides", "field", "rule"),
    [
        ({"name": "  "}, "name", "required"),
        ({"host": "bad host"}, "host", "without spaces"),
        ({"port": 0}, "port", "1 to 65535"),
        ({"port": 70000}, "port", "1 to 65535"),
        ({"database": ""}, "database", "required"),
        ({"sslmode": SslMode.VERIFY_FULL}, "sslrootcert", "CA certificate"),
        (
            {"sslmode": SslMode.VERIFY_FULL, "sslrootcert": "/nonexistent/ca.pem"},
            "sslrootcert",
            "does not exist",
        ),
    ],
)
def test_profile_validation_names_the_field(
    overrides: dict[str, Any], field: str, rule: str
) -> None:
    store = ProfileStore()
    with pytest.raises(ValidationError) as error:
        store.add(_postgres(**overrides))
    assert error.value.field == field and rule in error.value.message
    assert store.profiles() == []


def test_verify_full_with_a_ca_file(tmp_path: Path) -> None:
    ca = tmp_path / "ca.pem"
    ca.write_text("-----BEGIN CERTIFICATE-----\n", encoding="utf-8")
    profile = ProfileStore().add(_postgres(sslmode=SslMode.VERIFY_FULL, sslrootcert=str(ca)))
    assert (
        f"sslrootcert={ca}".replace("/", "%2F") in profile.url()
        or f"sslrootcert={ca}" in profile.url()
    )


def test_names_are_unique_and_duplicates_get_copy_names() -> None:
    store = ProfileStore()
    original = store.add(_postgres())
    with pytest.raises(ValidationError) as error:
        store.add(_postgres(name="team SERVER"))
    assert error.value.field == "name"
    copy = store.duplicate(original.id)
    second = store.duplicate(original.id)
    assert (copy.name, second.name) == ("Team server (copy)", "Team server (copy 2)")
    assert copy.id != original.id and not copy.remember_password
    store.remove(copy.id)
    assert [p.name for p in store.profiles()] == ["Team server", "Team server (copy 2)"]


def test_default_profile_points_at_the_embedded_database() -> None:
    store = ProfileStore()
    default = store.ensure_default()
    assert default.kind is ProfileKind.SQLITE and default.name == "Local database"
    assert default.url().endswith("asyncops.db")
    assert store.ensure_default() == default


def test_a_damaged_profile_file_is_set_aside(tmp_path: Path) -> None:
    store = ProfileStore()
    store.path.parent.mkdir(parents=True, exist_ok=True)
    store.path.write_text("{not json", encoding="utf-8")
    assert store.profiles() == []
    assert store.warning is not None and "set aside" in store.warning
    assert list(store.path.parent.glob("profiles.json.damaged-*"))


def test_without_a_keyring_nothing_is_remembered(no_keyring: None) -> None:
    status = keyring_status()
    assert not status.usable and status.priority < 1 and "no usable keyring" in status.reason
    secrets = CredentialStore()
    assert secrets.remember_password("p1", SECRET) is False
    assert secrets.password("p1") is None
    out = io.StringIO()
    code = cli.main(
        ["profile", "add", "Team", "--host", "db.example.com", "--remember-password"], out=out
    )
    assert code == 0
    assert "Not remembering the password" in out.getvalue()
    assert ProfileStore().profiles()[0].remember_password is False


def test_plain_file_keyrings_are_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    import asyncops_desktop.credentials as credentials

    class PlaintextKeyring:
        priority = 5

    PlaintextKeyring.__module__ = "keyrings.alt.file"
    monkeypatch.setattr(credentials, "_backend", lambda: PlaintextKeyring())
    status = keyring_status()
    assert not status.usable and "plain file" in status.reason


def test_profile_commands(memory_keyring: Any, tmp_path: Path, db_url: str, backend: str) -> None:
    out = io.StringIO()
    if backend == "sqlite":
        path = db_url.split("///", 1)[1]
        assert cli.main(["profile", "add", "Laptop", "--sqlite", path], out=out) == 0
    else:
        from sqlalchemy.engine import make_url

        url = make_url(db_url)
        args = [
            "profile",
            "add",
            "Laptop",
            "--host",
            str(url.host),
            "--port",
            str(url.port or 5432),
        ]
        args += [
            "--database",
            str(url.database),
            "--user",
            str(url.username),
            "--sslmode",
            "disable",
        ]
        assert cli.main(args, out=out) == 0
    assert cli.main(["profile", "list"], out=out) == 0
    assert "Laptop" in out.getvalue()
    current = io.StringIO()
    assert cli.main(["--profile", "laptop", "db", "current"], out=current) == 0
    assert "(current)" in current.getvalue()
    assert cli.main(["profile", "remove", "Laptop"], out=out) == 0
    assert ProfileStore().profiles() == []
    assert cli.main(["--profile", "Laptop", "db", "current"], out=out) == 1


def test_remember_password_from_stdin(memory_keyring: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(SECRET + "\n"))
    out = io.StringIO()
    assert (
        cli.main(
            [
                "profile",
                "add",
                "Team",
                "--host",
                "db.example.com",
                "--user",
                "bob",
                "--remember-password",
            ],
            out=out,
        )
        == 0
    )
    profile = ProfileStore().profiles()[0]
    assert CredentialStore().password(profile.id) == SECRET
    assert SECRET not in ProfileStore().path.read_text(encoding="utf-8")
    assert cli.main(["profile", "remove", "team"], out=out) == 0
    assert memory_keyring.entries == {}


def test_user_commands(db_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    out = io.StringIO()
    assert cli.main(["--db", db_url, "db", "upgrade"], out=out) == 0
    monkeypatch.setattr("sys.stdin", io.StringIO("a good password\n"))
    assert (
        cli.main(
            [
                "--db",
                db_url,
                "user",
                "create",
                "Bob@Example.com",
                "--name",
                "Bob",
                "--role",
                "admin",
            ],
            out=out,
        )
        == 0
    )
    assert cli.main(["--db", db_url, "user", "reset-password", "bob@example.com"], out=out) == 0
    assert cli.main(["--db", db_url, "user", "deactivate", "bob@example.com"], out=out) == 0
    listing = io.StringIO()
    assert cli.main(["--db", db_url, "user", "list", "--all"], out=listing) == 0
    assert "bob@example.com" in listing.getvalue() and "(deactivated)" in listing.getvalue()
    assert "a good password" not in out.getvalue() + listing.getvalue()
    assert cli.main(["--db", db_url, "user", "deactivate", "nobody@example.com"], out=out) == 1

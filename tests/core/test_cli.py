"""The headless command line: db upgrade/current/check/downgrade and database selection."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import text

from asyncops_desktop import cli, migrate
from asyncops_desktop.db import (
    DATABASE_URL_ENV,
    create_db_engine,
    default_database_url,
    resolve_database_url,
)


def run(*argv: str) -> tuple[int, str]:
    out = io.StringIO()
    code = cli.main(list(argv), out=out)
    return code, out.getvalue()


def test_upgrade_current_check_downgrade_round_trip(empty_db_url: str) -> None:
    code, output = run("db", "current", "--db", empty_db_url)
    assert code == 0 and "(none: empty database)" in output
    code, output = run("db", "upgrade", "--db", empty_db_url)
    assert code == 0 and f"to {migrate.head_revision()}" in output
    code, output = run("db", "upgrade", "--db", empty_db_url)
    assert code == 0 and "already at" in output
    code, output = run("--db", empty_db_url, "db", "current")
    assert code == 0 and f"revision: {migrate.head_revision()}" in output and "(current)" in output
    code, output = run("db", "check", "--db", empty_db_url)
    assert code == 0 and "No drift" in output
    code, output = run("db", "downgrade", "base", "--db", empty_db_url)
    assert code == 0 and "base (no schema)" in output
    code, output = run("db", "current", "--db", empty_db_url)
    assert "(none: empty database)" in output


def test_check_fails_when_schema_and_models_drift(db_url: str) -> None:
    engine = create_db_engine(db_url)
    with engine.begin() as conn:
        conn.execute(text("ALTER TABLE incidents ADD COLUMN priority INTEGER"))
    engine.dispose()
    code, output = run("db", "check", "--db", db_url)
    assert code == 1
    assert "priority" in output


def test_check_on_an_old_database_says_to_upgrade(
    empty_db_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _ = run("db", "check", "--db", empty_db_url)
    assert code == 1
    assert "db upgrade" in capsys.readouterr().err


def test_newer_database_is_refused_by_the_cli(
    db_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    engine = create_db_engine(db_url)
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = 'zz_future'"))
    engine.dispose()
    code, _ = run("db", "upgrade", "--db", db_url)
    assert code == 1
    err = capsys.readouterr().err
    assert "newer version" in err and "Traceback" not in err


def test_database_selection_order(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    env_url = "postgresql+psycopg://postgres@127.0.0.1/from_env"
    assert resolve_database_url("x.db", {DATABASE_URL_ENV: env_url}).endswith("x.db")
    assert resolve_database_url(None, {DATABASE_URL_ENV: env_url}) == env_url
    assert (
        resolve_database_url(None, {DATABASE_URL_ENV: "postgresql://u@h/d"})
        == "postgresql+psycopg://u@h/d"
    )
    assert resolve_database_url(None, {}) == default_database_url()
    assert default_database_url().endswith("asyncops.db")
    assert str(tmp_path / "data") in default_database_url()


def test_environment_variable_picks_the_database(
    monkeypatch: pytest.MonkeyPatch, db_url: str
) -> None:
    monkeypatch.setenv(DATABASE_URL_ENV, db_url)
    code, output = run("db", "current")
    assert code == 0 and migrate.head_revision() in output


def test_unreachable_server_is_one_sentence_with_password_masked(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, _ = run(
        "db", "current", "--db", "postgresql+psycopg://postgres:s3cret@127.0.0.1:1/nowhere"
    )
    err = capsys.readouterr().err
    assert code == 1
    assert "refused the connection" in err
    assert "s3cret" not in err and "***" in err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1


def test_current_masks_the_password(db_url: str, backend: str) -> None:
    from sqlalchemy.engine import make_url

    if backend == "postgresql":
        # The test server trusts local connections, so any password gets in.
        url = make_url(db_url).set(password="s3cret").render_as_string(hide_password=False)
        code, output = run("db", "current", "--db", url)
        assert "s3cret" not in output and "postgres:***@" in output
    else:
        code, output = run("db", "current", "--db", db_url)
        assert f"database: {db_url}" in output
    assert code == 0


def test_console_entry_point_runs_headless_commands(db_url: str) -> None:
    script = shutil.which("asyncops-desktop", path=str(Path(sys.executable).parent))
    assert script is not None
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    result = subprocess.run(
        [script, "--db", db_url, "db", "current"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert migrate.head_revision() in result.stdout
    version = subprocess.run([script, "--version"], capture_output=True, text=True, timeout=60)
    assert version.returncode == 0 and "asyncops-desktop" in version.stdout


def test_help_lists_every_command() -> None:
    out = io.StringIO()
    code = cli.main([], out=out)
    assert code == cli.EXIT_USAGE
    for command in cli.SUBCOMMANDS:
        assert command in out.getvalue()

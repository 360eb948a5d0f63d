"""`make introspect` as a deployment pipeline sees it: exit status, report, JSON, and a
database that is only read."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import inspect, text
from sqlalchemy.exc import DBAPIError

from backend.config import PROJECT_ROOT, Settings
from backend.db.engine import make_engine
from backend.db.introspection import read_only_engine
from scripts.db_introspection import CANNOT_CHECK, DRIFT, IN_SYNC, main
from tests.conftest import migrate
from tests.servers import free_port


@pytest.fixture
def migrated_url(fresh_settings: Callable[[str], Settings]) -> str:
    settings = fresh_settings("introspect")
    migrate(settings)
    return settings.database_url


def test_a_migrated_database_is_in_sync(
    migrated_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--url", migrated_url]) == IN_SYNC
    report = capsys.readouterr().out
    assert "Migrations: at head" in report
    assert "In sync." in report


def test_drift_exits_1_and_names_it_under_its_table(
    migrated_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    engine = make_engine(Settings(database_url=migrated_url), purpose="migrations")
    with engine.begin() as connection:
        connection.execute(text("CREATE INDEX ix_games_min_age ON games (min_age)"))
    engine.dispose()
    assert main(["--url", migrated_url]) == DRIFT
    report = capsys.readouterr().out
    assert "  games\n    warning index ix_games_min_age: models absent" in report
    assert "Drift: 1 schema difference(s), 0 error(s)" in report


def test_json_is_for_machines(migrated_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    engine = make_engine(Settings(database_url=migrated_url), purpose="migrations")
    with engine.begin() as connection:
        connection.execute(text("DELETE FROM alembic_version"))
    engine.dispose()
    assert main(["--url", migrated_url, "--format", "json"]) == DRIFT
    document = json.loads(capsys.readouterr().out)
    assert document["in_sync"] is False
    assert document["findings"] == []
    assert document["migrations"]["at_head"] is False
    assert len(document["migrations"]["pending"]) >= 2
    assert "password" not in json.dumps(document)


def test_the_database_is_opened_read_only(migrated_url: str) -> None:
    engine = read_only_engine(Settings(database_url=migrated_url).database, 5)
    try:
        with engine.connect() as connection, pytest.raises(DBAPIError):
            connection.execute(text("CREATE TABLE written_by_introspect (id INTEGER)"))
        with engine.connect() as connection:
            assert "written_by_introspect" not in inspect(connection).get_table_names()
    finally:
        engine.dispose()


@pytest.mark.backends("sqlite")
def test_a_missing_sqlite_file_cannot_be_checked_and_is_not_created(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "nothing-here.db"
    assert main(["--url", f"sqlite:///{missing}"]) == CANNOT_CHECK
    assert not missing.exists()
    error = capsys.readouterr().err
    assert error.strip() == f"cannot check the database: no SQLite database at {missing}"


@pytest.mark.backends("sqlite")
def test_a_bad_url_cannot_be_checked(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--url", "oracle://scott:tiger@db/orders"]) == CANNOT_CHECK
    error = capsys.readouterr().err
    assert error.startswith("cannot check the database: ")
    assert "tiger" not in error
    assert len(error.strip().splitlines()) == 1


@pytest.mark.backends("postgresql")
def test_an_unreachable_server_cannot_be_checked(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--url", f"postgresql://nobody@127.0.0.1:{free_port()}/none"]) == CANNOT_CHECK
    error = capsys.readouterr().err
    assert error.startswith("cannot check the database: ")
    assert len(error.strip().splitlines()) == 1


@pytest.fixture
def silent_server() -> Iterator[int]:
    """A port that accepts connections and never says a word: a hung database."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(8)
        yield listener.getsockname()[1]


@pytest.mark.backends("postgresql")
def test_a_server_that_never_answers_is_given_up_on(
    silent_server: int, capsys: pytest.CaptureFixture[str]
) -> None:
    started = time.monotonic()
    url = f"postgresql://nobody@127.0.0.1:{silent_server}/none"
    assert main(["--url", url, "--timeout", "1"]) == CANNOT_CHECK
    assert time.monotonic() - started < 5  # libpq waits at least 2 s to connect
    assert capsys.readouterr().err.startswith("cannot check the database: ")


@pytest.mark.backends("sqlite")
@pytest.mark.parametrize(
    "command",
    [["-m", "scripts.db_introspection"], ["scripts/db_introspection.py"]],
    ids=["module", "path"],
)
def test_the_script_runs_as_a_module_and_by_its_path(migrated_url: str, command: list[str]) -> None:
    result = subprocess.run(
        [sys.executable, *command, "--url", migrated_url],
        cwd=PROJECT_ROOT,
        env={**os.environ, "ENV_FILE": "", "PYTHONPATH": ""},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == IN_SYNC, result.stderr
    assert "In sync." in result.stdout

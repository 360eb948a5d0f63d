"""The import command as a person runs it: a progress bar on a terminal, none in a pipe."""

from __future__ import annotations

import os
import pty
import select
import subprocess
import sys
from pathlib import Path

import pytest

from backend.config import PROJECT_ROOT
from tests.conftest import DatabaseServer, migrate
from tests.exports import export_line, write_export

pytestmark = pytest.mark.backends("sqlite")


def run_import(database_url: str, path: Path, *, terminal: bool) -> str:
    command = [sys.executable, "-m", "flask", "--app", "wsgi", "import-games", str(path)]
    environment = {**os.environ, "ENV_FILE": "", "DATABASE_URL": database_url, "COLUMNS": "80"}
    if not terminal:
        result = subprocess.run(
            command, cwd=PROJECT_ROOT, env=environment, capture_output=True, text=True, timeout=60
        )
        assert result.returncode == 0, result.stderr
        return result.stdout
    leader, follower = pty.openpty()
    process = subprocess.Popen(
        command, cwd=PROJECT_ROOT, env=environment, stdout=follower, stderr=follower
    )
    os.close(follower)
    output = b""
    while True:
        ready, _, _ = select.select([leader], [], [], 60)
        if not ready:
            break
        try:
            chunk = os.read(leader, 4096)
        except OSError:  # the terminal closes when the command ends
            break
        if not chunk:
            break
        output += chunk
    os.close(leader)
    assert process.wait(timeout=60) == 0, output
    return output.decode(errors="replace")


@pytest.fixture
def export_and_database(database_server: DatabaseServer, tmp_path: Path) -> tuple[str, Path]:
    settings = database_server.create("cli")
    migrate(settings)
    path = write_export(tmp_path / "club.csv", *(export_line(bgg_id=n) for n in range(1, 50)))
    return settings.database_url, path


def test_a_terminal_gets_a_progress_bar_and_the_summary(
    export_and_database: tuple[str, Path],
) -> None:
    database_url, path = export_and_database
    output = run_import(database_url, path, terminal=True)
    assert "Importing club.csv" in output
    assert "100%" in output
    assert "inserted: 49" in output


def test_a_pipe_gets_only_the_summary(export_and_database: tuple[str, Path]) -> None:
    database_url, path = export_and_database
    output = run_import(database_url, path, terminal=False)
    assert "Importing club.csv" not in output
    assert "inserted: 49" in output

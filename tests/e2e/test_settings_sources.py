"""Every entry point reads its settings the same way: ENV_FILE unset, empty or naming a file
means the same database for gunicorn, the flask commands, alembic and make introspect, and
bad settings get the same report from each."""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import requests

from backend.config import PROJECT_ROOT, Settings
from backend.services.demo_catalog import DEMO_GAMES
from tests.exports import export_line, write_export
from tests.servers import free_port

BIN = Path(sys.executable).parent
# Everything that could name a database or a dotenv file from outside the test.
OUTSIDE_VARIABLES = {
    *(setting.name.upper() for setting in dataclasses.fields(Settings)),
    "ENV_FILE",
    "PYTHONPATH",
    "FLASK_APP",
    "FLASK_ENV_FILE",
    "FLASK_SKIP_DOTENV",
    "PROMETHEUS_MULTIPROC_DIR",
}
IMPORTED = 3


@dataclasses.dataclass
class Project:
    """A copy of what the entry points need, with a .env and another dotenv file each
    naming their own SQLite database."""

    root: Path
    export: Path

    @property
    def databases(self) -> dict[str, Path]:
        return {
            "default": self.root / "instance" / "gamenight.db",
            ".env": self.root / "dotenv.db",
            "other.env": self.root / "other.db",
        }

    def environment(self, env_file: str | None, **settings: str) -> dict[str, str]:
        environment = {k: v for k, v in os.environ.items() if k not in OUTSIDE_VARIABLES}
        if env_file is not None:
            environment["ENV_FILE"] = env_file
        return {**environment, **settings}

    def run(self, env_file: str | None, *command: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            command,
            cwd=self.root,
            env=self.environment(env_file),
            capture_output=True,
            text=True,
            timeout=120,
        )


@pytest.fixture
def project(tmp_path: Path) -> Project:
    root = tmp_path / "project"
    root.mkdir()
    skip = shutil.ignore_patterns("__pycache__", "bench")
    for folder in ("backend", "alembic", "scripts"):
        shutil.copytree(PROJECT_ROOT / folder, root / folder, ignore=skip)
    for name in ("alembic.ini", "wsgi.py", "gunicorn.conf.py"):
        shutil.copy(PROJECT_ROOT / name, root / name)
    databases = Project(root, tmp_path).databases
    (root / ".env").write_text(f"DATABASE_URL=sqlite:///{databases['.env']}\n")
    (root / "other.env").write_text(f"DATABASE_URL=sqlite:///{databases['other.env']}\n")
    export = write_export(
        tmp_path / "club.csv", *(export_line(bgg_id=900_000 + n) for n in range(IMPORTED))
    )
    return Project(root, export)


def game_count(database: Path) -> int:
    with sqlite3.connect(database) as connection:
        (count,) = connection.execute("SELECT count(*) FROM games").fetchone()
    return int(count)


@pytest.mark.parametrize(
    ("env_file", "named"),
    [(None, ".env"), ("", "default"), ("other.env", "other.env")],
    ids=["unset", "empty", "another-file"],
)
def test_every_entry_point_uses_the_database_the_settings_name(
    project: Project, env_file: str | None, named: str
) -> None:
    flask = (sys.executable, "-m", "flask", "--app", "wsgi")
    database = project.databases[named]

    unmigrated = project.run(env_file, *flask, "seed-demo")
    assert unmigrated.returncode == 1
    assert f"the database at sqlite:///{database} is not migrated" in unmigrated.stderr
    assert "run `make migrate`" in unmigrated.stderr
    assert "Traceback" not in unmigrated.stderr

    migrated = project.run(env_file, str(BIN / "alembic"), "upgrade", "head")
    assert migrated.returncode == 0, migrated.stderr
    seeded = project.run(env_file, *flask, "seed-demo")
    assert seeded.returncode == 0, seeded.stderr
    assert f"Added {len(DEMO_GAMES)} demo games." in seeded.stdout
    rejects = str(project.export.with_suffix(".rejects.csv"))
    imported = project.run(
        env_file, *flask, "import-games", str(project.export), "--rejects", rejects
    )
    assert imported.returncode == 0, imported.stderr
    assert f"inserted: {IMPORTED}" in imported.stdout
    checked = project.run(env_file, sys.executable, "-m", "scripts.db_introspection")
    assert checked.returncode == 0, checked.stderr
    assert f"Schema check of sqlite:///{database} " in checked.stdout

    with _gunicorn(project, env_file) as base_url:
        ready = requests.get(f"{base_url}/health/ready", timeout=5)
        games = requests.get(f"{base_url}/api/v1/games", params={"page_size": 1}, timeout=5)
    assert ready.status_code == 200, ready.text
    assert json.loads(games.headers["X-Pagination"])["total"] == len(DEMO_GAMES) + IMPORTED

    assert game_count(database) == len(DEMO_GAMES) + IMPORTED
    others = [path for name, path in project.databases.items() if name != named]
    assert [path for path in others if path.exists()] == []


def test_under_the_flask_command_the_environment_still_wins_over_dotenv_files(
    project: Project,
) -> None:
    database = project.databases["other.env"]
    result = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", "seed-demo"],
        cwd=project.root,
        env=project.environment(None, DATABASE_URL=f"sqlite:///{database}"),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert f"the database at sqlite:///{database} is not migrated" in result.stderr


@contextmanager
def _gunicorn(project: Project, env_file: str | None) -> Iterator[str]:
    """gunicorn as `make serve` starts it, in the project copy; the block gets its URL."""
    port = free_port()
    log_path = project.export.parent / f"gunicorn-{port}.log"
    environment = project.environment(
        env_file, SERVER_BIND=f"127.0.0.1:{port}", SERVER_WORKERS="1", SERVER_THREADS="2"
    )
    with log_path.open("w") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--config", "gunicorn.conf.py", "wsgi:app"],
            cwd=project.root,
            env=environment,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    base_url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            assert process.poll() is None, log_path.read_text()
            assert time.monotonic() < deadline, log_path.read_text()
            try:
                requests.get(f"{base_url}/health/live", timeout=1)
                break
            except requests.ConnectionError:
                time.sleep(0.2)
        yield base_url
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


BAD_SETTINGS = {"SERVER_WORKERS": "0", "DB_POOL_TIMEOUT": "soon"}
PROBLEMS = (
    "  - DB_POOL_TIMEOUT must be a number of seconds, got 'soon'",
    "  - SERVER_WORKERS must be between 1 and 64, got 0",
)


@pytest.mark.parametrize(
    "command",
    [
        ("-m", "gunicorn", "--config", "gunicorn.conf.py", "wsgi:app"),
        ("-m", "flask", "--app", "wsgi", "seed-demo"),
        ("-m", "flask", "--app", "wsgi", "import-games", "README.md"),
        ("-m", "flask", "--app", "wsgi", "--help"),
        ("alembic", "upgrade", "head"),
    ],
    ids=["gunicorn", "seed-demo", "import-games", "flask-help", "alembic"],
)
def test_bad_settings_are_one_list_without_a_traceback(command: tuple[str, ...]) -> None:
    program = [str(BIN / command[0])] if command[0] == "alembic" else [sys.executable]
    arguments = command[1:] if command[0] == "alembic" else command
    result = subprocess.run(
        [*program, *arguments],
        cwd=PROJECT_ROOT,
        env={**os.environ, "ENV_FILE": "", **BAD_SETTINGS},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert result.stderr.strip().splitlines() == ["gamenight: invalid settings:", *PROBLEMS]


def test_make_introspect_reports_bad_settings_on_its_one_line() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "scripts.db_introspection"],
        cwd=PROJECT_ROOT,
        env={**os.environ, "ENV_FILE": "", **BAD_SETTINGS},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "cannot check the database: invalid settings: "
        + " ".join(" ".join(problem.split()) for problem in PROBLEMS)
    ]

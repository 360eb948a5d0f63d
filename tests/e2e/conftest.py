"""A real gunicorn serving the app over HTTP, on a fresh migrated database per backend."""

from __future__ import annotations

import signal
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

from backend.db.engine import make_engine
from backend.domain.accounts import Role
from backend.repositories.unit_of_work import make_session_factory
from tests.accounts import Account, add_account
from tests.conftest import DatabaseServer, migrate, settings_for
from tests.servers import free_port, start_gunicorn

STARTUP_SECONDS = 30


@dataclass
class RunningServer:
    base_url: str
    log_path: Path
    # The server's database, for a test to set up rows (accounts, tokens) the server reads.
    database_url: str = ""

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


@contextmanager
def serving(settings: dict[str, str], log_path: Path) -> Iterator[RunningServer]:
    """gunicorn on a free local port with these settings, live until the block ends."""
    port = free_port()
    process = start_gunicorn({**settings, "SERVER_BIND": f"127.0.0.1:{port}"}, log_path)
    server = RunningServer(f"http://127.0.0.1:{port}", log_path, settings.get("DATABASE_URL", ""))
    try:
        _wait_until_live(server, process)
        yield server
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture(scope="module")
def gunicorn_server(
    database_server: DatabaseServer, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RunningServer]:
    settings = database_server.create("e2e")
    migrate(settings)
    log_path = tmp_path_factory.mktemp("gunicorn") / "gunicorn.log"
    with serving(
        {"DATABASE_URL": settings.database_url, "SERVER_WORKERS": "2", "SERVER_THREADS": "2"},
        log_path,
    ) as server:
        yield server


def account_on(server: RunningServer, role: Role = Role.ORGANIZER) -> Account:
    """An account with a working token, made in the server's own database."""
    engine = make_engine(settings_for(server.database_url))
    try:
        return add_account(make_session_factory(engine), role)
    finally:
        engine.dispose()


@pytest.fixture(scope="module")
def server_organizer(gunicorn_server: RunningServer) -> Account:
    """An organizer of gunicorn_server's database: its token may change the catalog."""
    return account_on(gunicorn_server)


def _wait_until_live(server: RunningServer, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"gunicorn exited with {process.returncode}:\n{server.log()}")
        try:
            if requests.get(f"{server.base_url}/health/live", timeout=1).status_code == 200:
                return
        except requests.ConnectionError:
            pass
        time.sleep(0.2)
    pytest.fail(f"gunicorn did not answer within {STARTUP_SECONDS}s:\n{server.log()}")

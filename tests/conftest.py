"""Test fixtures: a fresh database per run on every configured backend, apps and clients on top.

Backends: SQLite always; PostgreSQL when TEST_POSTGRES_URL names a server (e.g.
postgresql://postgres@127.0.0.1:5432/postgres), MariaDB when TEST_MARIADB_URL does (e.g.
mariadb://root@127.0.0.1:3306/). Each run creates its own databases there and drops them at
the end. With TEST_STRICT=1 (CI) both must be configured and any skipped test fails the run.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import create_engine, delete, event, text
from sqlalchemy.engine import URL, Engine, make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from backend import create_app
from backend.config import Settings
from backend.db.engine import make_engine
from backend.db.migrations import alembic_config
from backend.domain.accounts import Role
from backend.models import Base
from backend.repositories.unit_of_work import make_session_factory
from backend.state import app_state
from tests.accounts import Account, add_account
from tests.throwaway_postgres import ThrowawayCluster
from tests.throwaway_postgres import available as throwaway_postgres_available

SERVER_URL_VARIABLES = {"postgresql": "TEST_POSTGRES_URL", "mariadb": "TEST_MARIADB_URL"}
STRICT = os.environ.get("TEST_STRICT", "") not in ("", "0", "false")
BACKENDS = ["sqlite"] + [
    name for name, variable in SERVER_URL_VARIABLES.items() if os.environ.get(variable)
]
RUN_ID = f"{os.getpid()}_{uuid.uuid4().hex[:6]}"
AccountMaker = Callable[..., Account]


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "backends(*names): run only on these database backends (others are deselected)"
    )
    if STRICT:
        missing = [v for v in SERVER_URL_VARIABLES.values() if not os.environ.get(v)]
        if missing:
            raise pytest.UsageError(f"TEST_STRICT=1 needs {' and '.join(missing)} set")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Drop the parametrizations a `backends` marker excludes: not run, and not a skip."""
    kept, dropped = [], []
    for item in items:
        marker = item.get_closest_marker("backends")
        callspec = getattr(item, "callspec", None)
        backend = callspec.params.get("database_server") if callspec else None
        if marker is not None and backend is not None and backend not in marker.args:
            dropped.append(item)
        else:
            kept.append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if not STRICT:
        return
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = len(reporter.stats.get("skipped", [])) if reporter else 0
    if skipped:
        reporter.write_line(f"TEST_STRICT=1: {skipped} skipped test(s) count as failures", red=True)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


@dataclass
class DatabaseServer:
    """Creates fresh, uniquely named databases on one backend and drops them afterwards."""

    backend: str
    scratch: Path
    admin_url: URL | None = None
    created: list[str] = field(default_factory=list)

    def create(self, label: str) -> Settings:
        name = f"gamenight_test_{RUN_ID}_{label}_{len(self.created)}"
        if self.backend == "sqlite":
            url: URL = make_url(f"sqlite:///{self.scratch / (name + '.db')}")
        else:
            assert self.admin_url is not None
            options = (
                "CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"
                if self.backend == "mariadb"
                else ""
            )
            self._admin(f"CREATE DATABASE {name} {options}")
            url = self.admin_url.set(database=name)
        self.created.append(name)
        return settings_for(url.render_as_string(hide_password=False))

    def drop_all(self) -> None:
        if self.backend == "sqlite":
            return
        for name in self.created:
            force = " WITH (FORCE)" if self.backend == "postgresql" else ""
            self._admin(f"DROP DATABASE IF EXISTS {name}{force}")

    def _admin(self, statement: str) -> None:
        assert self.admin_url is not None
        engine = create_engine(self.admin_url, isolation_level="AUTOCOMMIT")
        try:
            with engine.connect() as connection:
                connection.execute(text(statement))
        finally:
            engine.dispose()


def settings_for(database_url: str, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "app_env": "test",
        "database_url": database_url,
        "db_pool_size": 5,
        "db_max_overflow": 5,
        "db_connect_timeout": 3,
    }
    values.update(overrides)
    return Settings(**values)


def migrate(settings: Settings) -> None:
    config = alembic_config(settings)
    config.attributes["configure_logger"] = False
    command.upgrade(config, "head")


@pytest.fixture(scope="session", params=BACKENDS)
def database_server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[DatabaseServer]:
    backend: str = request.param
    server = DatabaseServer(backend, tmp_path_factory.mktemp(f"db_{backend}"))
    if backend != "sqlite":
        variable = SERVER_URL_VARIABLES[backend]
        server.admin_url = make_url(Settings(database_url=os.environ[variable]).database_url)
        try:
            server._admin("SELECT 1")
        except OperationalError as error:
            pytest.skip(f"{backend} at {variable} is unreachable: {error.orig}")
    yield server
    server.drop_all()


@pytest.fixture(scope="session")
def migrated_settings(database_server: DatabaseServer) -> Settings:
    """Settings for this run's migrated database on the backend under test."""
    settings = database_server.create("main")
    migrate(settings)
    return settings


@pytest.fixture
def fresh_settings(database_server: DatabaseServer) -> Callable[[str], Settings]:
    """Make another empty, unmigrated database on the backend under test."""
    return database_server.create


@pytest.fixture(scope="session")
def engine(migrated_settings: Settings) -> Iterator[Engine]:
    """An engine on the migrated database, outside any app: for data-layer tests."""
    database_engine = make_engine(migrated_settings)
    yield database_engine
    database_engine.dispose()


@pytest.fixture(scope="session")
def session_factory(engine: Engine) -> sessionmaker[Session]:
    return make_session_factory(engine)


@pytest.fixture(scope="session")
def app(migrated_settings: Settings) -> Iterator[Flask]:
    application = create_app(migrated_settings)
    yield application
    app_state(application).engine.dispose()


@pytest.fixture
def organizer(session_factory: sessionmaker[Session], clean_database: None) -> Account:
    """An organizer account, with a token: who `client` signs in as."""
    return add_account(session_factory, Role.ORGANIZER)


@pytest.fixture
def client(app: Flask, organizer: Account) -> FlaskClient:
    """A test client whose every request carries the organizer's bearer token: organizers
    may change the catalog."""
    signed_in = app.test_client()
    signed_in.environ_base["HTTP_AUTHORIZATION"] = organizer.headers["Authorization"]
    return signed_in


@pytest.fixture
def anonymous_client(app: Flask, clean_database: None) -> FlaskClient:
    """A test client that sends no credentials."""
    return app.test_client()


@pytest.fixture
def accounts(session_factory: sessionmaker[Session], clean_database: None) -> AccountMaker:
    """Make more accounts: `accounts(Role.ADMIN)`, `accounts(Role.MEMBER, active=False)`."""
    return partial(add_account, session_factory)


@pytest.fixture
def clean_database(engine: Engine) -> Iterator[None]:
    """Every test starts and ends with empty tables."""
    _empty_tables(engine)
    yield
    _empty_tables(engine)


def _empty_tables(engine: Engine) -> None:
    with engine.begin() as connection:
        for table in reversed(Base.metadata.sorted_tables):
            connection.execute(delete(table))


@pytest.fixture
def backend_name(database_server: DatabaseServer) -> str:
    return database_server.backend


class StatementLog(list[str]):
    """The SQL statements sent while it was recording."""


@pytest.fixture(scope="session")
def throwaway_postgres() -> Iterator[ThrowawayCluster]:
    """A PostgreSQL cluster of this test run's own, for tests that stop or break a server."""
    if not throwaway_postgres_available():
        pytest.skip("PostgreSQL's server binaries (initdb, pg_ctl) are not installed")
    root = Path(tempfile.mkdtemp(prefix="gamenight-pg-"))
    cluster = ThrowawayCluster(root).create()
    try:
        yield cluster
    finally:
        cluster.destroy()
        shutil.rmtree(root, ignore_errors=True)


@contextmanager
def recorded_statements() -> Iterator[StatementLog]:
    """Record every SQL statement any engine in this process sends inside the block."""
    log = StatementLog()

    def remember(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        log.append(statement)

    event.listen(Engine, "before_cursor_execute", remember)
    try:
        yield log
    finally:
        event.remove(Engine, "before_cursor_execute", remember)


@pytest.fixture
def count_statements() -> Callable[[], Any]:
    return recorded_statements

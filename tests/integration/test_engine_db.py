"""The engine factory's per-dialect connection settings, seen from inside the database."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Connection, Engine

from backend.config import Settings
from backend.db import engine as engine_module
from backend.db.engine import APPLICATION_NAME, make_engine
from backend.db.errors import raising_domain_errors
from backend.domain.errors import DatabaseUnavailable
from backend.models import Base


@pytest.mark.backends("sqlite")
def test_sqlite_enforces_foreign_keys_with_wal_and_a_busy_timeout(engine: Engine) -> None:
    with engine.connect() as connection:
        assert connection.scalar(text("PRAGMA foreign_keys")) == 1
        assert connection.scalar(text("PRAGMA journal_mode")) == "wal"
        assert connection.scalar(text("PRAGMA busy_timeout")) == 5000


@pytest.mark.backends("postgresql")
def test_postgresql_connections_name_the_application(engine: Engine) -> None:
    with engine.connect() as connection:
        assert connection.scalar(text("SHOW application_name")) == APPLICATION_NAME


@pytest.mark.backends("mariadb")
def test_mariadb_uses_utf8mb4_and_refuses_bad_values(engine: Engine) -> None:
    with engine.connect() as connection:
        assert connection.scalar(text("SELECT @@character_set_client")) == "utf8mb4"
        assert "STRICT_ALL_TABLES" in connection.scalar(text("SELECT @@SESSION.sql_mode"))


@pytest.mark.backends("mariadb")
def test_mariadb_bounds_the_apps_statements_but_not_migrations(
    migrated_settings: Settings,
) -> None:
    limits = {}
    for purpose in ("app", "migrations"):
        engine = make_engine(migrated_settings, purpose=purpose)  # type: ignore[arg-type]
        with engine.connect() as connection:
            limits[purpose] = connection.scalar(text("SELECT @@SESSION.max_statement_time"))
        engine.dispose()
    assert limits == {"app": migrated_settings.db_statement_timeout, "migrations": 0}


@pytest.mark.backends("mariadb")
def test_a_mariadb_statement_over_its_time_limit_is_database_unavailable(
    migrated_settings: Settings,
) -> None:
    # A short limit for this engine's connections only, so no pooled session keeps it.
    engine = make_engine(migrated_settings, purpose="probe", timeout_seconds=0.2)
    try:
        with (
            engine.connect() as connection,
            pytest.raises(DatabaseUnavailable),
            raising_domain_errors(Base.metadata),
        ):
            connection.execute(text("SELECT SLEEP(2)"))
    finally:
        engine.dispose()


def test_the_pool_follows_the_settings(migrated_settings: Settings) -> None:
    settings = Settings(
        database_url=migrated_settings.database_url,
        db_pool_size=3,
        db_max_overflow=1,
        db_pool_timeout=2.0,
        db_pool_recycle=600,
    )
    engine = make_engine(settings)
    try:
        assert engine.pool.size() == 3  # type: ignore[attr-defined]
        assert engine.pool._max_overflow == 1  # type: ignore[attr-defined]
        assert engine.pool._timeout == 2.0  # type: ignore[attr-defined]
        assert engine.pool._recycle == 600  # type: ignore[attr-defined]
    finally:
        engine.dispose()


@pytest.fixture
def pings(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """Engines made after this record each connection test they make."""
    made: list[object] = []
    real_make_engine = make_engine

    def make_recording_engine(settings: Settings) -> Engine:
        engine = real_make_engine(settings)
        real_ping = engine.dialect.do_ping

        def recording_ping(dbapi_connection: object) -> bool:
            made.append(dbapi_connection)
            return real_ping(dbapi_connection)

        monkeypatch.setattr(engine.dialect, "do_ping", recording_ping)
        return engine

    monkeypatch.setattr(f"{__name__}.make_engine", make_recording_engine)
    return made


def _backend_id(connection: Connection) -> int:
    if connection.dialect.name == "postgresql":
        return int(connection.scalar(text("SELECT pg_backend_pid()")))
    return int(connection.scalar(text("SELECT CONNECTION_ID()")))


@pytest.mark.backends("postgresql", "mariadb")
def test_a_pooled_connection_the_server_closed_is_replaced_before_use(
    migrated_settings: Settings, pings: list[object]
) -> None:
    engine = make_engine(migrated_settings)
    try:
        with engine.connect() as connection:
            doomed = _backend_id(connection)
        killer = engine_module.make_engine(migrated_settings, purpose="probe")  # no pool
        with killer.begin() as other:
            if engine.dialect.name == "postgresql":
                other.execute(text("SELECT pg_terminate_backend(:id)"), {"id": doomed})
            else:
                other.execute(text(f"KILL {doomed}"))
        killer.dispose()
        time.sleep(0.2)  # the server closes the socket
        with engine.connect() as connection:
            assert _backend_id(connection) != doomed  # no error: a fresh connection
        assert pings, "the dead connection was not tested"
    finally:
        engine.dispose()


@pytest.mark.backends("postgresql")
def test_on_postgresql_a_connection_used_moments_ago_is_not_tested_again(
    migrated_settings: Settings, pings: list[object]
) -> None:
    engine = make_engine(migrated_settings)
    try:
        for _ in range(5):
            with engine.connect() as connection:
                connection.scalar(text("SELECT 1"))
        assert pings == []
    finally:
        engine.dispose()


@pytest.mark.backends("postgresql")
def test_on_postgresql_a_connection_idle_past_the_threshold_is_tested(
    migrated_settings: Settings, pings: list[object], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("backend.db.engine.PING_AFTER_IDLE_SECONDS", 0.05)
    engine = make_engine(migrated_settings)
    try:
        with engine.connect() as connection:
            connection.scalar(text("SELECT 1"))
        time.sleep(0.1)
        with engine.connect() as connection:
            connection.scalar(text("SELECT 1"))
        assert len(pings) == 1
    finally:
        engine.dispose()


@pytest.mark.backends("mariadb", "sqlite")
def test_elsewhere_every_reuse_of_a_pooled_connection_is_tested(
    migrated_settings: Settings, pings: list[object]
) -> None:
    engine = make_engine(migrated_settings)
    try:
        for _ in range(3):
            with engine.connect() as connection:
                connection.scalar(text("SELECT 1"))
        assert len(pings) == 2  # the first checkout opened the connection
    finally:
        engine.dispose()


def test_making_an_engine_does_not_connect() -> None:
    # Nothing listens on port 1: building the engine must still succeed.
    engine = make_engine(Settings(database_url="postgresql://nobody:pw@127.0.0.1:1/none"))
    assert engine.pool.checkedout() == 0  # type: ignore[attr-defined]
    engine.dispose()

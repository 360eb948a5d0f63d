"""The engine factory's per-dialect connection settings, seen from inside the database."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine

from backend.config import Settings
from backend.db.engine import APPLICATION_NAME, make_engine


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
        assert engine.pool._pre_ping is True
    finally:
        engine.dispose()


def test_making_an_engine_does_not_connect() -> None:
    # Nothing listens on port 1: building the engine must still succeed.
    engine = make_engine(Settings(database_url="postgresql://nobody:pw@127.0.0.1:1/none"))
    assert engine.pool.checkedout() == 0  # type: ignore[attr-defined]
    engine.dispose()

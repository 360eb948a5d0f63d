"""Engine factory: the one place that knows each dialect's connection options and pool settings."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any, Literal

from sqlalchemy import create_engine, event
from sqlalchemy.engine import URL, Engine
from sqlalchemy.pool import NullPool

from backend.config import Settings

APPLICATION_NAME = "gamenight"
# How long a SQLite writer waits for another writer's lock before failing.
SQLITE_BUSY_TIMEOUT_SECONDS = 5
# TRADITIONAL makes MariaDB refuse bad values (overlong strings, out-of-range numbers)
# instead of silently truncating them, as PostgreSQL and SQLite with CHECKs do.
MARIADB_SQL_MODE = "TRADITIONAL,NO_ENGINE_SUBSTITUTION"

Purpose = Literal["app", "migrations", "probe"]


def make_engine(
    settings: Settings, *, purpose: Purpose = "app", timeout_seconds: float | None = None
) -> Engine:
    """Build the engine for `settings.database_url`; nothing connects until first use.

    `purpose="migrations"` gives Alembic an unpooled engine, and on SQLite leaves foreign
    keys unenforced, because batch migrations drop and recreate referenced tables.
    `purpose="probe"` gives health checks an unpooled engine whose connecting and reading
    give up after `timeout_seconds`.
    """
    url = settings.database
    connect_timeout = settings.db_connect_timeout
    if timeout_seconds is not None:
        connect_timeout = max(1, math.ceil(min(connect_timeout, timeout_seconds)))
    options: dict[str, Any] = {
        "echo": settings.db_echo,
        "pool_pre_ping": settings.db_pool_pre_ping,
    }
    if purpose != "app":
        options["poolclass"] = NullPool
    else:
        options.update(
            pool_size=settings.db_pool_size,
            max_overflow=settings.db_max_overflow,
            pool_timeout=settings.db_pool_timeout,
            pool_recycle=settings.db_pool_recycle,
        )

    backend = url.get_backend_name()
    if backend == "sqlite":
        return _sqlite_engine(url, options, enforce_foreign_keys=purpose == "app")
    if backend == "postgresql":
        application_name = (
            APPLICATION_NAME if purpose == "app" else f"{APPLICATION_NAME}-migrations"
        )
        connect_args = {
            "application_name": application_name,
            "connect_timeout": settings.db_connect_timeout,
        }
        return create_engine(url, connect_args=connect_args, **options)
    if backend in ("mysql", "mariadb"):
        if "charset" not in url.query:
            url = url.update_query_dict({"charset": "utf8mb4"})
        connect_args = {
            "connect_timeout": settings.db_connect_timeout,
            "init_command": f"SET SESSION sql_mode = '{MARIADB_SQL_MODE}'",
        }
        return create_engine(url, connect_args=connect_args, **options)
    raise ValueError(f"unsupported database backend {backend!r}")  # Settings rejects it first


def _sqlite_engine(url: URL, options: dict[str, Any], *, enforce_foreign_keys: bool) -> Engine:
    if url.database:
        Path(url.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(
        url,
        # Pooled connections move between gunicorn's threads; the pool keeps each to one at a time.
        connect_args={"timeout": SQLITE_BUSY_TIMEOUT_SECONDS, "check_same_thread": False},
        **options,
    )

    @event.listens_for(engine, "connect")
    def configure_connection(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute(f"PRAGMA foreign_keys = {'ON' if enforce_foreign_keys else 'OFF'}")
            # WAL lets readers proceed while one writer writes; the busy timeout makes a
            # second writer wait instead of failing at once.
            cursor.execute("PRAGMA journal_mode = WAL")
            cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_SECONDS * 1000}")
        finally:
            cursor.close()

    return engine

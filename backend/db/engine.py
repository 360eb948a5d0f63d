"""Engine factory: the one place that knows each dialect's connection options and pool settings."""

from __future__ import annotations

import math
import select
import time
from pathlib import Path
from typing import Any, Literal

from sqlalchemy import create_engine, event
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import URL, Engine
from sqlalchemy.pool import NullPool

from backend.config import Settings
from backend.db.pool_monitor import MonitoredQueuePool, PoolMonitor

APPLICATION_NAME = "gamenight"
# A pooled connection idle this long is tested before use (see _ping_when_in_doubt).
PING_AFTER_IDLE_SECONDS = 1.0
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

    `purpose="app"` gets the monitored pool (see pool_monitor) sized by the settings.
    `purpose="migrations"` gives Alembic an unpooled engine, and on SQLite leaves foreign
    keys unenforced, because batch migrations drop and recreate referenced tables.
    `purpose="probe"` gives health checks an unpooled engine whose connecting and reading
    give up after `timeout_seconds`.
    """
    url = settings.database
    connect_timeout = settings.db_connect_timeout
    if timeout_seconds is not None:
        connect_timeout = max(1, math.ceil(min(connect_timeout, timeout_seconds)))
    # A failed statement's error carries its values (password and token hashes among
    # them) into every log line that reports it; only DB_ECHO, refused in production,
    # shows them.
    options: dict[str, Any] = {"echo": settings.db_echo, "hide_parameters": not settings.db_echo}
    if purpose != "app":
        options["poolclass"] = NullPool
    else:
        options.update(
            pool_size=settings.db_pool_size,
            max_overflow=settings.db_max_overflow,
            pool_timeout=settings.db_pool_timeout,
            pool_recycle=settings.db_pool_recycle,
        )
        if settings.db_pool_monitoring:
            options["poolclass"] = MonitoredQueuePool

    backend = url.get_backend_name()
    # PostgreSQL's connections are tested only when in doubt (below); elsewhere at every
    # reuse, by SQLAlchemy's own pre-ping.
    ping_when_in_doubt = purpose == "app" and settings.db_pool_pre_ping and backend == "postgresql"
    if purpose == "app" and settings.db_pool_pre_ping and not ping_when_in_doubt:
        options["pool_pre_ping"] = True
    if backend == "sqlite":
        engine = _sqlite_engine(url, options, enforce_foreign_keys=purpose == "app")
    elif backend == "postgresql":
        engine = create_engine(
            url, connect_args=_postgresql_arguments(settings, purpose, connect_timeout), **options
        )
    elif backend in ("mysql", "mariadb"):
        if "charset" not in url.query:
            url = url.update_query_dict({"charset": "utf8mb4"})
        engine = create_engine(
            url,
            connect_args=_mariadb_arguments(settings, purpose, connect_timeout, timeout_seconds),
            **options,
        )
    else:
        raise ValueError(f"unsupported database backend {backend!r}")  # Settings refuses it
    if ping_when_in_doubt:
        _ping_when_in_doubt(engine, PING_AFTER_IDLE_SECONDS)
    if purpose == "app" and settings.db_pool_monitoring:
        PoolMonitor(APPLICATION_NAME, leak_threshold_seconds=settings.db_leak_threshold).attach(
            engine
        )
    return engine


def _ping_when_in_doubt(engine: Engine, idle_seconds: float) -> None:
    """Test a pooled PostgreSQL connection before handing it out, when there is reason to
    doubt it.

    SQLAlchemy's pool_pre_ping tests every checkout: a round trip per request. Here a
    checkout is tested only when the connection sat idle `idle_seconds` or more (a firewall
    may have cut it without a word) or when the server wrote to it while it sat idle, which
    it mostly does to close it (a restart, `pg_terminate_backend`). A dead connection is
    replaced and the checkout retried, so no request sees it.
    """
    checks_socket = hasattr(select, "poll")

    @event.listens_for(engine, "checkin")
    def _note_idle_since(_dbapi: Any, record: Any) -> None:
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _ping_if_in_doubt(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        idle_since = record.info.pop("idle_since", None)
        if idle_since is None:
            return  # opened just now
        if (
            checks_socket
            and time.monotonic() - idle_since < idle_seconds
            and not _server_wrote_to(dbapi_connection)
        ):
            return
        try:
            engine.dialect.do_ping(dbapi_connection)
        except engine.dialect.loaded_dbapi.Error as error:
            # The pool drops this connection and tries another (or a new one).
            raise sa_exc.DisconnectionError("a pooled connection failed its ping") from error


def _server_wrote_to(dbapi_connection: Any) -> bool:
    """Whether an idle connection's socket has something to read or was closed: the server
    closing it, mostly (a NOTICE or NOTIFY only costs a needless ping)."""
    try:
        poller = select.poll()
        poller.register(dbapi_connection.fileno(), select.POLLIN | select.POLLPRI)
        return bool(poller.poll(0))
    except Exception:  # noqa: BLE001 - no socket to look at (a lost connection): in doubt
        return True


def pool_monitor(engine: Engine) -> PoolMonitor | None:
    """The engine's pool monitor, when monitoring is on."""
    pool = engine.pool
    return pool.monitor if isinstance(pool, MonitoredQueuePool) else None


def _postgresql_arguments(
    settings: Settings, purpose: Purpose, connect_timeout: int
) -> dict[str, Any]:
    arguments: dict[str, Any] = {
        "application_name": APPLICATION_NAME
        if purpose == "app"
        else f"{APPLICATION_NAME}-{purpose}",
        "connect_timeout": connect_timeout,
        # Notice a peer that vanished (a failover, a cut network) within about a minute
        # instead of waiting on a dead socket for the kernel's two hours.
        "keepalives": 1,
        "keepalives_idle": 30,
        "keepalives_interval": 10,
        "keepalives_count": 3,
    }
    if settings.db_pgbouncer:
        # PgBouncer in transaction mode hands each transaction to any server connection:
        # prepared statements and startup options would land on the wrong one.
        arguments["prepare_threshold"] = None
    elif purpose == "app" and settings.db_statement_timeout:
        arguments["options"] = f"-c statement_timeout={settings.db_statement_timeout * 1000}"
    return arguments


def _mariadb_arguments(
    settings: Settings, purpose: Purpose, connect_timeout: int, timeout_seconds: float | None
) -> dict[str, Any]:
    session = f"sql_mode = '{MARIADB_SQL_MODE}'"
    # As on PostgreSQL: the app's statements are bounded, a migration's ALTER TABLE is not.
    limit = timeout_seconds
    if limit is None and purpose == "app":
        limit = settings.db_statement_timeout
    if limit:
        # The server abandons a statement running longer; the client stops waiting for an
        # answer a little later, should the server be gone rather than slow.
        session += f", max_statement_time = {limit}"
    arguments: dict[str, Any] = {
        "connect_timeout": connect_timeout,
        "init_command": f"SET SESSION {session}",
    }
    if limit:
        arguments["read_timeout"] = arguments["write_timeout"] = math.ceil(limit) + 1
    return arguments


def _sqlite_engine(url: URL, options: dict[str, Any], *, enforce_foreign_keys: bool) -> Engine:
    if url.database:
        Path(url.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(
        url,
        # The busy timeout makes a second writer wait instead of failing at once. Pooled
        # connections move between gunicorn's threads; the pool keeps each to one at a time.
        connect_args={"timeout": SQLITE_BUSY_TIMEOUT_SECONDS, "check_same_thread": False},
        **options,
    )

    @event.listens_for(engine, "connect")
    def configure_connection(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute(f"PRAGMA foreign_keys = {'ON' if enforce_foreign_keys else 'OFF'}")
            # WAL lets readers proceed while one writer writes.
            cursor.execute("PRAGMA journal_mode = WAL")
        finally:
            cursor.close()

    return engine

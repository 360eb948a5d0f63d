"""Health endpoints: liveness without the database, readiness with it, the pool's numbers."""

from __future__ import annotations

import os
import socket
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import text
from sqlalchemy.engine import Engine

from backend import READINESS_TIMEOUT_SECONDS, create_app
from backend.config import Settings
from backend.db.migrations import head_revisions
from backend.state import app_state
from tests.conftest import settings_for


def test_live_is_200_without_touching_the_database() -> None:
    # The database named here does not exist; liveness must not care.
    app = create_app(settings_for("postgresql://nobody:pw@127.0.0.1:1/none"))
    response = app.test_client().get("/health/live")
    assert response.status_code == 200
    assert response.json["status"] == "pass"


def test_ready_passes_on_a_migrated_database(client: FlaskClient) -> None:
    response = client.get("/health/ready")
    assert response.status_code == 200
    assert response.json["status"] == "pass"
    assert response.json["checks"]["migrations"]["applied"] == sorted(head_revisions())


def test_ready_is_503_when_migrations_are_not_applied(
    fresh_settings: Callable[[str], Settings],
) -> None:
    app = create_app(fresh_settings("unmigrated"))
    try:
        response = app.test_client().get("/health/ready")
    finally:
        app_state(app).engine.dispose()
    assert response.status_code == 503
    assert response.json["status"] == "fail"
    migrations = response.json["checks"]["migrations"]
    assert (migrations["status"], migrations["applied"]) == ("fail", [])


def test_ready_is_503_quickly_when_the_database_is_unreachable() -> None:
    app = create_app(settings_for("postgresql://nobody:pw@127.0.0.1:1/none"))
    started = time.monotonic()
    response = app.test_client().get("/health/ready")
    assert response.status_code == 503
    assert time.monotonic() - started < 5
    assert response.json["checks"]["database"]["status"] == "fail"
    assert "pw" not in response.get_data(as_text=True)


def test_an_api_request_with_the_database_down_is_503_with_retry_after() -> None:
    app = create_app(settings_for("postgresql://nobody:pw@127.0.0.1:1/none"))
    response = app.test_client().get("/api/v1/games")
    assert response.status_code == 503
    assert response.headers["Retry-After"].isdigit()
    assert response.json["message"] == "the database is unavailable right now; try again"


def test_pool_reports_this_workers_pool(app: Flask, client: FlaskClient) -> None:
    client.get("/api/v1/games")  # opens at least one connection
    response = client.get("/health/pool")
    assert response.status_code == 200
    body = response.json
    assert body["pid"] == os.getpid()
    pool = body["pool"]
    settings = app_state(app).settings
    assert pool["size"] == settings.db_pool_size
    assert pool["max_overflow"] == settings.db_max_overflow
    assert pool["checked_out"] == 0
    assert pool["idle"] >= 1
    assert pool["overflow"] == 0


def test_ready_answers_503_within_its_timeout_when_the_database_hangs() -> None:
    # A listener that never accepts: the TCP handshake succeeds, the server never speaks.
    with socket.socket() as black_hole:
        black_hole.bind(("127.0.0.1", 0))
        black_hole.listen(8)
        port = black_hole.getsockname()[1]
        app = create_app(
            settings_for(f"postgresql://nobody:pw@127.0.0.1:{port}/none", db_connect_timeout=30)
        )
        started = time.monotonic()
        response = app.test_client().get("/health/ready")
        elapsed = time.monotonic() - started
    assert response.status_code == 503
    assert elapsed < READINESS_TIMEOUT_SECONDS + 1
    assert "did not answer within" in response.json["checks"]["database"]["message"]


def test_a_request_finding_no_free_connection_gets_503_then_recovers(
    migrated_settings: Settings, clean_database: None
) -> None:
    app = create_app(
        settings_for(
            migrated_settings.database_url, db_pool_size=1, db_max_overflow=0, db_pool_timeout=0.3
        )
    )
    engine = app_state(app).engine
    client = app.test_client()
    try:
        with engine.connect():  # the only connection, held elsewhere
            busy = client.get("/api/v1/games")
        assert busy.status_code == 503
        assert busy.headers["Retry-After"].isdigit()
        assert "no database connection" in busy.json["message"]
        assert client.get("/api/v1/games").status_code == 200
        assert engine.pool.checkedout() == 0  # type: ignore[attr-defined]
    finally:
        engine.dispose()


@contextmanager
def alembic_version_locked(engine: Engine) -> Iterator[None]:
    """Another session holds an exclusive lock on alembic_version, as a stuck migration would."""
    with engine.connect() as holder:
        if engine.dialect.name == "postgresql":
            holder.execute(text("LOCK TABLE alembic_version IN ACCESS EXCLUSIVE MODE"))
        else:
            holder.execute(text("LOCK TABLES alembic_version WRITE"))
        try:
            yield
        finally:
            if engine.dialect.name != "postgresql":
                holder.execute(text("UNLOCK TABLES"))
            holder.rollback()


@pytest.mark.backends("postgresql", "mariadb")
def test_a_hanging_readiness_check_holds_none_of_the_requests_connections(
    app: Flask, client: FlaskClient, engine: Engine
) -> None:
    pool = app_state(app).engine.pool
    with alembic_version_locked(engine):
        started = time.monotonic()
        first = client.get("/health/ready")
        assert time.monotonic() - started < READINESS_TIMEOUT_SECONDS + 1
        second = client.get("/health/ready")
        assert (first.status_code, second.status_code) == (503, 503)
        # The probes wait on their own connection: the requests' pool is untouched.
        assert pool.checkedout() == 0  # type: ignore[attr-defined]
        assert client.get("/api/v1/games").status_code == 200
    deadline = time.monotonic() + 10
    while client.get("/health/ready").status_code != 200:
        assert time.monotonic() < deadline, "readiness did not recover after the lock"
        time.sleep(0.2)

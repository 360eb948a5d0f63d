"""Health endpoints: liveness without the database, readiness with it, the pool's numbers."""

from __future__ import annotations

import os
import socket
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError

from backend import PROBE_TIMEOUT_SECONDS, create_app
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
    assert (body["status"], body["reasons"], body["pid"]) == ("pass", [], os.getpid())
    pool = body["pool"]
    settings = app_state(app).settings
    assert pool["size"] == settings.db_pool_size
    assert pool["max_overflow"] == settings.db_max_overflow
    assert (pool["checked_out"], pool["overflow"], pool["waiting"]) == (0, 0, 0)
    assert pool["idle"] >= 1
    assert body["counters"]["checkouts"] >= 1
    assert body["histograms"]["wait_time"]["count"] >= 1
    assert body["held"] == []  # the request's own connection came back before it answered


@pytest.mark.backends("postgresql")
def test_on_postgresql_the_pool_report_has_the_servers_view_and_no_secrets(
    migrated_settings: Settings, clean_database: None
) -> None:
    url = migrated_settings.database.set(password="not-a-real-secret")  # trust auth ignores it
    app = create_app(settings_for(url.render_as_string(hide_password=False)))
    client = app.test_client()
    try:
        client.get("/api/v1/games")
        response = client.get("/health/pool")
    finally:
        app_state(app).engine.dispose()
    server = response.json["server"]
    assert server["application_name"] == "gamenight"
    assert set(server["connections"]) == {"active", "idle", "idle_in_transaction", "total"}
    assert server["connections"]["total"] >= 1
    assert server["max_connections"] >= server["superuser_reserved_connections"] > 0
    text_body = response.get_data(as_text=True)
    assert "not-a-real-secret" not in text_body
    assert "postgresql" not in text_body  # no URL or DSN of any kind


def test_metrics_are_prometheus_text_with_pool_and_http_series(client: FlaskClient) -> None:
    client.get("/api/v1/games")
    client.get("/api/v1/games/00000000-0000-4000-8000-000000000000")
    refused = client.post(
        "/api/v1/categories", json={"name": "x"}, headers={"X-Change-Reason": "a\x01b"}
    )
    assert refused.status_code == 400
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.mimetype == "text/plain"
    body = response.get_data(as_text=True)
    for series in (
        'db_client_connection_count{pool_name="gamenight",state="idle"}',
        'db_client_connection_count{pool_name="gamenight",state="used"}',
        'db_client_connection_pending_requests{pool_name="gamenight"}',
        'db_client_connection_max{pool_name="gamenight"}',
        'db_client_connection_timeouts_total{pool_name="gamenight"}',
        'db_client_connection_wait_time_seconds_bucket{le="0.001",pool_name="gamenight"}',
        'db_client_connection_use_time_seconds_count{pool_name="gamenight"}',
        'db_client_connection_create_time_seconds_count{pool_name="gamenight"}',
        'db_client_connection_checkouts_total{pool_name="gamenight"}',
        'http_server_request_duration_seconds_count{method="GET",route="/api/v1/games",status_code="200"}',
        'http_server_request_duration_seconds_count{method="GET",'
        'route="/api/v1/games/<uuid:game_id>",status_code="404"}',
        'http_server_request_duration_seconds_count{method="POST",route="/api/v1/categories",'
        'status_code="400"}',
    ):
        assert series in body, series


def exported_pool(client: FlaskClient, pool_name: str) -> dict[str, Any]:
    """The pool's counters and histograms in /metrics, keyed as /health/pool keys them."""
    counters = {
        "db_client_connection_checkouts": "checkouts",
        "db_client_connection_opened": "opened",
        "db_client_connection_closed": "closed",
        "db_client_connection_invalidated": "invalidated",
        "db_client_connection_errors": "connect_errors",
        "db_client_connection_timeouts": "timeouts",
    }
    histograms = {
        "db_client_connection_wait_time_seconds": "wait_time",
        "db_client_connection_use_time_seconds": "use_time",
        "db_client_connection_create_time_seconds": "create_time",
    }
    exported: dict[str, Any] = {"counters": {}, "histograms": {}}
    text_body = client.get("/metrics").get_data(as_text=True)
    for family in text_string_to_metric_families(text_body):
        if family.name in counters:
            (value,) = [
                sample.value
                for sample in family.samples
                if sample.name.endswith("_total") and sample.labels["pool_name"] == pool_name
            ]
            exported["counters"][counters[family.name]] = value
        elif family.name in histograms:
            histogram: dict[str, Any] = {"buckets": {}}
            for sample in family.samples:
                if sample.labels["pool_name"] != pool_name:
                    continue
                if sample.name.endswith("_count"):
                    histogram["count"] = sample.value
                elif sample.name.endswith("_sum"):
                    histogram["sum_seconds"] = round(sample.value, 6)
                elif sample.name.endswith("_bucket") and sample.labels["le"] != "+Inf":
                    histogram["buckets"][f"le_{float(sample.labels['le']):g}"] = sample.value
            exported["histograms"][histograms[family.name]] = histogram
    return exported


def app_with_one_connection(settings: Settings) -> Flask:
    """An app whose pool holds one connection and gives up waiting for it after 0.3 s."""
    return create_app(
        settings_for(settings.database_url, db_pool_size=1, db_max_overflow=0, db_pool_timeout=0.3)
    )


def test_the_pool_report_and_metrics_give_the_same_numbers(
    migrated_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = app_with_one_connection(migrated_settings)
    engine = app_state(app).engine
    client = app.test_client()
    try:
        for _ in range(3):
            assert client.get("/api/v1/games").status_code == 200
        with engine.connect():  # the only connection, held elsewhere: a checkout times out
            assert client.get("/api/v1/games").status_code == 503
        with engine.connect() as connection:
            connection.invalidate()

        def refuse(*_args: Any, **_kwargs: Any) -> Any:
            raise engine.dialect.loaded_dbapi.OperationalError("connection refused")

        with monkeypatch.context() as patched:
            patched.setattr(engine.dialect, "connect", refuse)
            with pytest.raises(OperationalError):
                engine.connect()
        assert client.get("/api/v1/games").status_code == 200
        report = client.get("/health/pool").json
        exported = exported_pool(client, "gamenight")
    finally:
        engine.dispose()
    assert report is not None
    counters = report["counters"]
    assert counters["checkouts"] >= 5
    assert counters["timeouts"] == counters["connect_errors"] == counters["invalidated"] == 1
    assert report["histograms"]["use_time"]["count"] >= 5
    del counters["timeouts_last_minute"]  # the monitor's own, not a Prometheus series
    assert exported == {"counters": counters, "histograms": report["histograms"]}


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
    assert elapsed < PROBE_TIMEOUT_SECONDS + 1
    # The probe's own connect timeout or its deadline, whichever ends first.
    message = response.json["checks"]["database"]["message"]
    assert "did not answer within" in message or message == "the database is unreachable"


def test_a_request_finding_no_free_connection_gets_503_then_recovers(
    migrated_settings: Settings, clean_database: None
) -> None:
    app = app_with_one_connection(migrated_settings)
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
        assert time.monotonic() - started < PROBE_TIMEOUT_SECONDS + 1
        second = client.get("/health/ready")
        assert (first.status_code, second.status_code) == (503, 503)
        # The probes wait on their own connection: the requests' pool is untouched.
        assert pool.checkedout() == 0  # type: ignore[attr-defined]
        assert client.get("/api/v1/games").status_code == 200
    deadline = time.monotonic() + 10
    while client.get("/health/ready").status_code != 200:
        assert time.monotonic() < deadline, "readiness did not recover after the lock"
        time.sleep(0.2)

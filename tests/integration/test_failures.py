"""How the API fails and recovers when PostgreSQL is exhausted, down, restarted, or kills a
connection mid-request: fast, clean 503s, then service again without a restart. On a
throwaway cluster of the test's own, never the shared server."""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Blueprint, Flask, current_app
from prometheus_client import REGISTRY
from sqlalchemy import create_engine, text

from backend import PROBE_TIMEOUT_SECONDS, create_app
from backend.api.access import PUBLIC, declare
from backend.api.uow import get_uow
from backend.db.engine import APPLICATION_NAME
from backend.repositories.unit_of_work import SqlAlchemyUnitOfWork
from backend.state import app_state
from tests.conftest import migrate, settings_for
from tests.factories import make_game
from tests.throwaway_postgres import ThrowawayCluster

pytestmark = pytest.mark.slow

# Public, as the API's reads are: what is under test is failing and recovering, not access.
probe = Blueprint("failure_probe", __name__, url_prefix="/probe")


@probe.get("/slow")
@declare(PUBLIC)
def slow() -> dict[str, str]:
    get_uow().session.execute(text("SELECT pg_sleep(1.5)"))
    return {"status": "slept"}


@probe.post("/killed-before-commit")
@declare(PUBLIC)
def killed_before_commit() -> dict[str, str]:
    uow = get_uow()
    uow.games.add(make_game(title="Never stored"))
    uow.session.flush()
    _kill_connection_of(uow)
    uow.commit()
    return {"status": "committed"}


@probe.post("/killed-before-rollback")
@declare(PUBLIC)
def killed_before_rollback() -> dict[str, str]:
    """Leaves without committing: the ROLLBACK at teardown meets the dead connection."""
    uow = get_uow()
    uow.games.add(make_game(title="Never stored"))
    uow.session.flush()
    _kill_connection_of(uow)
    return {"status": "left"}


@probe.get("/killed-after-reading")
@declare(PUBLIC)
def killed_after_reading() -> dict[str, str]:
    """A read: its READ ONLY transaction ends with a COMMIT at teardown."""
    _kill_connection_of(get_uow())
    return {"status": "read"}


def _kill_connection_of(uow: SqlAlchemyUnitOfWork) -> None:
    pid = uow.session.scalar(text("SELECT pg_backend_pid()"))
    # Another connection to kill this one with: the killing must come from outside it.
    admin = create_engine(current_app.config["ADMIN_DATABASE_URL"], isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
    admin.dispose()


def pool_gauge(state: str) -> float | None:
    """The app's db_client_connection_count gauge, as /metrics shows it."""
    return REGISTRY.get_sample_value(
        "db_client_connection_count", {"pool_name": APPLICATION_NAME, "state": state}
    )


@pytest.fixture(scope="module")
def cluster_database(throwaway_postgres: ThrowawayCluster) -> str:
    admin = create_engine(throwaway_postgres.admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text("DROP DATABASE IF EXISTS gamenight_failures"))
        connection.execute(text("CREATE DATABASE gamenight_failures"))
    admin.dispose()
    url = throwaway_postgres.url("gamenight_failures")
    migrate(settings_for(url))
    return url


def make_app(url: str, **settings: Any) -> Flask:
    app = create_app(settings_for(url, **settings))
    app.register_blueprint(probe)
    app.config["ADMIN_DATABASE_URL"] = url
    return app


@pytest.fixture
def app(cluster_database: str) -> Iterator[Flask]:
    application = make_app(cluster_database, db_pool_timeout=1.0)
    yield application
    app_state(application).engine.dispose()


def test_an_exhausted_pool_answers_503_after_the_pool_timeout_and_drains(
    cluster_database: str,
) -> None:
    app = make_app(cluster_database, db_pool_size=2, db_max_overflow=0, db_pool_timeout=1.0)
    results: list[tuple[int, float, dict[str, Any], str | None]] = []
    lock = threading.Lock()

    def call() -> None:
        started = time.monotonic()
        response = app.test_client().get("/probe/slow")
        with lock:
            results.append(
                (
                    response.status_code,
                    time.monotonic() - started,
                    response.json,
                    response.headers.get("Retry-After"),
                )
            )

    threads = [threading.Thread(target=call) for _ in range(6)]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(20)
        assert sorted(status for status, *_ in results) == [200, 200, 503, 503, 503, 503]
        for status, seconds, body, retry_after in results:
            if status == 503:
                assert seconds < 3, "an excess request must not hang"
                assert body["code"] == 503
                assert retry_after is not None and retry_after.isdigit()
        assert app_state(app).engine.pool.checkedout() == 0  # type: ignore[attr-defined]
        assert app.test_client().get("/health/pool").json["counters"]["timeouts"] == 4
    finally:
        app_state(app).engine.dispose()


def test_with_the_database_down_ready_is_503_fast_live_is_200_and_the_api_503(
    app: Flask, throwaway_postgres: ThrowawayCluster
) -> None:
    client = app.test_client()
    assert client.get("/api/v1/games").status_code == 200
    throwaway_postgres.stop()
    try:
        started = time.monotonic()
        ready = client.get("/health/ready")
        assert ready.status_code == 503
        assert time.monotonic() - started < PROBE_TIMEOUT_SECONDS + 0.5
        assert client.get("/health/live").status_code == 200
        games = client.get("/api/v1/games")
        assert games.status_code == 503
        assert games.json["code"] == 503
        assert games.headers["Retry-After"].isdigit()
        pool = client.get("/health/pool")
        assert pool.status_code == 200
        assert pool.json["server"]["status"] == "unavailable"
    finally:
        throwaway_postgres.start()
    assert client.get("/api/v1/games").status_code == 200


def test_the_first_request_after_a_restart_succeeds(
    app: Flask, throwaway_postgres: ThrowawayCluster
) -> None:
    client = app.test_client()
    assert client.get("/api/v1/games").status_code == 200  # the pool now holds a connection
    assert app_state(app).engine.pool.checkedin() >= 1  # type: ignore[attr-defined]
    throwaway_postgres.restart()
    assert client.get("/api/v1/games").status_code == 200
    assert client.get("/health/ready").status_code == 200
    # The dead connection failed its ping and was replaced: the gauges count the new one.
    report = client.get("/health/pool").json
    pool, counters = report["pool"], report["counters"]
    assert counters["invalidated"] == 1
    assert (pool["checked_out"], pool["idle"]) == (0, counters["opened"] - counters["closed"])
    assert (pool_gauge("used"), pool_gauge("idle")) == (0, pool["idle"])


def test_a_connection_killed_mid_request_is_503_stores_nothing_and_the_next_request_works(
    app: Flask,
) -> None:
    client = app.test_client()
    killed = client.post("/probe/killed-before-commit")
    assert killed.status_code == 503
    assert killed.json["code"] == 503
    games = client.get("/api/v1/games", query_string={"q": "Never stored"})
    assert games.status_code == 200
    assert games.json == []
    assert client.get("/health/pool").json["counters"]["invalidated"] >= 1


@pytest.mark.parametrize(
    ("method", "path", "status", "failed"),
    [
        ("POST", "/probe/killed-before-commit", 503, "at the COMMIT"),
        ("POST", "/probe/killed-before-rollback", 200, "at the ROLLBACK"),
        ("GET", "/probe/killed-after-reading", 200, "at the COMMIT"),
    ],
)
def test_a_connection_lost_at_the_end_of_a_request_is_one_warning_naming_the_request(
    app: Flask,
    caplog: pytest.LogCaptureFixture,
    method: str,
    path: str,
    status: int,
    failed: str,
) -> None:
    caplog.set_level(logging.INFO)
    request_id = f"lost-{uuid.uuid4().hex[:8]}"
    response = app.test_client().open(path, method=method, headers={"X-Request-ID": request_id})
    assert response.status_code == status
    (record,) = [record for record in caplog.records if record.levelno >= logging.INFO]
    assert record.levelno == logging.WARNING
    assert record.request_id == request_id  # type: ignore[attr-defined]
    assert failed in record.getMessage()
    assert "terminating connection due to administrator command" in record.getMessage()
    assert record.exc_info is None
    pool = app.test_client().get("/health/pool").json
    assert (pool["pool"]["checked_out"], pool["counters"]["invalidated"]) == (0, 1)


def test_a_statement_over_the_statement_timeout_is_cancelled_with_503(
    cluster_database: str,
) -> None:
    app = make_app(cluster_database, db_statement_timeout=1)
    try:
        started = time.monotonic()
        response = app.test_client().get("/probe/slow")  # pg_sleep(1.5)
        assert response.status_code == 503
        assert time.monotonic() - started < 1.5
        assert app.test_client().get("/api/v1/games").status_code == 200
    finally:
        app_state(app).engine.dispose()

"""The pool monitor on a real engine: gauges, counters, histograms, held connections, leak
warnings and the pass/warn/fail status."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from prometheus_client import REGISTRY
from sqlalchemy import exc as sa_exc
from sqlalchemy import text
from sqlalchemy.engine import Engine

from backend.config import Settings
from backend.db import pool_metrics
from backend.db.engine import APPLICATION_NAME, make_engine, pool_monitor
from backend.db.pool_monitor import FAIL_WAIT_SECONDS, PoolMonitor, begin_holding, end_holding
from tests.conftest import settings_for


@contextmanager
def holding_for(endpoint: str, request_id: str) -> Iterator[None]:
    """Attribute this thread's checkouts to a request, as the web layer does around one."""
    token = begin_holding(endpoint, request_id)
    try:
        yield
    finally:
        end_holding(token)


@pytest.fixture
def small_pool(migrated_settings: Settings) -> Iterator[tuple[Engine, PoolMonitor]]:
    """A pool of 2 + 1 overflow, giving up after 0.3 s, warning of leaks after 0.2 s."""
    settings = settings_for(
        migrated_settings.database_url,
        db_pool_size=2,
        db_max_overflow=1,
        db_pool_timeout=0.3,
        db_leak_threshold=0.2,
    )
    engine = make_engine(settings)
    monitor = pool_monitor(engine)
    assert monitor is not None
    yield engine, monitor
    engine.dispose()


def test_gauges_follow_checkouts_and_overflow_is_never_negative(
    small_pool: tuple[Engine, PoolMonitor],
) -> None:
    engine, monitor = small_pool
    assert monitor.snapshot()["pool"]["overflow"] == 0  # QueuePool itself says -2 here
    with engine.connect(), engine.connect(), engine.connect():
        pool = monitor.snapshot()["pool"]
        assert (pool["size"], pool["max_overflow"], pool["checked_out"], pool["overflow"]) == (
            2, 1, 3, 1,
        )  # fmt: skip
    pool = monitor.snapshot()["pool"]
    assert (pool["checked_out"], pool["idle"], pool["waiting"]) == (0, 2, 0)


def test_counters_and_histograms_count_what_happened(
    small_pool: tuple[Engine, PoolMonitor],
) -> None:
    engine, monitor = small_pool
    with engine.connect() as connection:
        connection.execute(text("SELECT 1"))
        time.sleep(0.05)
    with engine.connect() as connection:
        connection.invalidate()
    snapshot = monitor.snapshot()
    counters = snapshot["counters"]
    assert counters["checkouts"] == 2
    assert counters["opened"] >= 1
    assert counters["invalidated"] == 1
    histograms = snapshot["histograms"]
    assert histograms["wait_time"]["count"] == 2
    assert histograms["use_time"]["count"] == 2
    assert histograms["use_time"]["sum_seconds"] >= 0.05
    assert histograms["create_time"]["count"] == counters["opened"]
    # /health/pool and /metrics bucket the same way.
    for name, metric in (
        ("wait_time", pool_metrics.WAIT_TIME),
        ("use_time", pool_metrics.USE_TIME),
        ("create_time", pool_metrics.CREATE_TIME),
    ):
        metric_bounds = [f"le_{bound:g}" for bound in metric._upper_bounds[:-1]]  # type: ignore[attr-defined]
        assert list(histograms[name]["buckets"]) == metric_bounds, name
    engine.dispose()
    assert monitor.snapshot()["counters"]["closed"] >= 1


def test_a_checkout_that_times_out_is_counted_and_fails_the_status(
    small_pool: tuple[Engine, PoolMonitor],
) -> None:
    engine, monitor = small_pool
    with engine.connect(), engine.connect(), engine.connect():
        with pytest.raises(sa_exc.TimeoutError):
            engine.connect()
        snapshot = monitor.snapshot()
    assert snapshot["counters"]["timeouts"] == 1
    assert snapshot["counters"]["timeouts_last_minute"] == 1
    assert snapshot["status"] == "fail"
    assert any("timed out" in reason for reason in snapshot["reasons"])


def test_high_utilisation_warns(small_pool: tuple[Engine, PoolMonitor]) -> None:
    engine, monitor = small_pool
    assert monitor.snapshot()["status"] == "pass"
    with engine.connect(), engine.connect(), engine.connect():
        snapshot = monitor.snapshot()
    assert snapshot["status"] == "warn"
    assert snapshot["reasons"] == ["3 of 3 connections in use (from 80% it warns)"]


def test_a_request_waiting_too_long_fails_the_status(migrated_settings: Settings) -> None:
    engine = make_engine(
        settings_for(
            migrated_settings.database_url, db_pool_size=1, db_max_overflow=0, db_pool_timeout=5
        )
    )
    monitor = pool_monitor(engine)
    assert monitor is not None
    try:
        held = engine.connect()
        waiter = threading.Thread(target=lambda: engine.connect().close())
        waiter.start()
        time.sleep(FAIL_WAIT_SECONDS + 0.3)
        snapshot = monitor.snapshot()
        held.close()
        waiter.join(5)
    finally:
        engine.dispose()
    assert snapshot["pool"]["waiting"] == 1
    assert snapshot["pool"]["oldest_wait_seconds"] > FAIL_WAIT_SECONDS
    assert snapshot["status"] == "fail"
    assert any("waited" in reason for reason in snapshot["reasons"])


def test_held_connections_name_their_endpoint_and_request(
    small_pool: tuple[Engine, PoolMonitor],
) -> None:
    engine, monitor = small_pool
    with holding_for("games.GameById", "req-42"), engine.connect():
        time.sleep(0.02)
        (held,) = monitor.snapshot()["held"]
    assert (held["endpoint"], held["request_id"]) == ("games.GameById", "req-42")
    assert held["age_seconds"] >= 0.02
    assert monitor.snapshot()["held"] == []


def test_a_connection_held_too_long_is_reported_and_so_is_its_return(
    small_pool: tuple[Engine, PoolMonitor], caplog: pytest.LogCaptureFixture
) -> None:
    engine, _monitor = small_pool
    caplog.set_level(logging.WARNING, logger="backend.db.pool_monitor")
    with holding_for("games.Games", "req-leaky"), engine.connect():
        deadline = time.monotonic() + 5
        while "leak threshold" not in caplog.text and time.monotonic() < deadline:
            time.sleep(0.05)  # the watcher thread checks a few times per threshold
    assert "over the 0.2s leak threshold (request req-leaky, games.Games" in caplog.text
    assert "connection returned to the pool after" in caplog.text
    assert caplog.text.count("leak threshold") == 1  # warned once, not at every check


def test_failed_connection_attempts_are_counted() -> None:
    engine = make_engine(settings_for("postgresql://nobody:pw@127.0.0.1:1/none"))
    monitor = pool_monitor(engine)
    assert monitor is not None
    with pytest.raises(sa_exc.OperationalError):
        engine.connect()
    assert monitor.snapshot()["counters"]["connect_errors"] == 1
    assert monitor.snapshot()["counters"]["opened"] == 0


def test_a_new_monitor_of_the_same_pool_counts_from_zero(
    small_pool: tuple[Engine, PoolMonitor], migrated_settings: Settings
) -> None:
    engine, monitor = small_pool

    def exported_checkouts() -> float | None:
        return REGISTRY.get_sample_value(
            "db_client_connection_checkouts_total", {"pool_name": APPLICATION_NAME}
        )

    with engine.connect():
        pass
    assert monitor.snapshot()["counters"]["checkouts"] == exported_checkouts() == 1
    newer = make_engine(settings_for(migrated_settings.database_url))
    try:
        newer_monitor = pool_monitor(newer)
        assert newer_monitor is not None
        assert newer_monitor.snapshot()["counters"]["checkouts"] == exported_checkouts() == 0
        with newer.connect():
            pass
        # The older monitor keeps its own count, out of /metrics, which shows the newer's.
        with engine.connect():
            pass
        assert monitor.snapshot()["counters"]["checkouts"] == 2
        assert newer_monitor.snapshot()["counters"]["checkouts"] == exported_checkouts() == 1
    finally:
        newer.dispose()


def test_monitoring_can_be_switched_off(migrated_settings: Settings) -> None:
    engine = make_engine(settings_for(migrated_settings.database_url, db_pool_monitoring=False))
    assert pool_monitor(engine) is None
    engine.dispose()


def published() -> tuple[float | None, float | None, float | None]:
    """The pool gauges as /metrics would show them: (used, idle, max)."""

    def sample(name: str, **labels: str) -> float | None:
        return REGISTRY.get_sample_value(name, {"pool_name": APPLICATION_NAME, **labels})

    return (
        sample("db_client_connection_count", state="used"),
        sample("db_client_connection_count", state="idle"),
        sample("db_client_connection_max"),
    )


def accounted(monitor: PoolMonitor) -> tuple[int, int]:
    """(used, idle) as /health/pool reports them, after checking that they are all the
    connections opened and not yet closed."""
    snapshot = monitor.snapshot()
    pool, counters = snapshot["pool"], snapshot["counters"]
    assert pool["checked_out"] + pool["idle"] == counters["opened"] - counters["closed"]
    assert (published()[0], published()[1]) == (pool["checked_out"], pool["idle"])
    return pool["checked_out"], pool["idle"]


def test_the_gauges_count_an_overflow_connection_closed_as_it_comes_back(
    small_pool: tuple[Engine, PoolMonitor],
) -> None:
    engine, monitor = small_pool
    assert published()[2] == 3
    with engine.connect(), engine.connect():
        with engine.connect():
            assert accounted(monitor) == (3, 0)
        # The pool had room for it: kept, idle.
        assert accounted(monitor) == (2, 1)
    # The third to come back finds the pool full and is closed.
    assert accounted(monitor) == (0, 2)
    assert monitor.snapshot()["pool"]["overflow"] == 0


def test_the_gauges_drop_an_invalidated_connection(
    small_pool: tuple[Engine, PoolMonitor],
) -> None:
    engine, monitor = small_pool
    with engine.connect(), engine.connect():
        pass
    assert accounted(monitor) == (0, 2)
    with engine.connect() as connection:
        connection.invalidate()
        # Closed, and its emptied record back in the pool, which QueuePool's checkedin()
        # counts as idle: it is not a connection.
        assert accounted(monitor) == (0, 1)
    assert accounted(monitor) == (0, 1)
    with engine.connect(), engine.connect():
        assert accounted(monitor) == (2, 0)
    assert accounted(monitor) == (0, 2)


def test_the_gauges_follow_a_connection_recycled_at_checkout(
    small_pool: tuple[Engine, PoolMonitor],
) -> None:
    engine, monitor = small_pool
    with engine.connect() as connection:
        # What pool_recycle and a pool-wide invalidation do: the connection is replaced
        # at its next checkout.
        connection.connection.invalidate(soft=True)
    assert accounted(monitor) == (0, 1)
    opened = monitor.snapshot()["counters"]["opened"]
    with engine.connect():
        assert accounted(monitor) == (1, 0)
    assert accounted(monitor) == (0, 1)
    assert monitor.snapshot()["counters"]["opened"] == opened + 1


def test_the_gauges_after_dispose_count_connections_still_held(
    small_pool: tuple[Engine, PoolMonitor],
) -> None:
    engine, monitor = small_pool
    with engine.connect(), engine.connect():
        pass
    held = engine.connect()
    assert accounted(monitor) == (1, 1)
    engine.dispose()
    # The idle one is closed; the held one stays open with its holder.
    assert accounted(monitor) == (1, 0)
    held.close()
    # The pool it came from is gone: it is closed rather than kept idle there.
    assert accounted(monitor) == (0, 0)
    with engine.connect():
        assert accounted(monitor) == (1, 0)
    assert accounted(monitor) == (0, 1)
    assert published()[2] == 3


def test_dispose_without_closing_forgets_the_connections_left_behind(
    small_pool: tuple[Engine, PoolMonitor],
) -> None:
    engine, monitor = small_pool
    left_behind = engine.pool
    with engine.connect(), engine.connect():
        pass
    assert accounted(monitor) == (0, 2)
    # As a forked worker does (gunicorn.conf.py's post_fork): those belong to the parent.
    engine.dispose(close=False)
    assert (monitor.snapshot()["pool"]["checked_out"], monitor.snapshot()["pool"]["idle"]) == (
        0, 0,
    )  # fmt: skip
    assert published() == (0, 0, 3)
    with engine.connect():
        assert monitor.snapshot()["pool"]["checked_out"] == 1
        assert published()[:2] == (1, 0)
    left_behind.dispose()

"""The pool's Prometheus metrics, named after OpenTelemetry's database client metrics.

Under gunicorn they live in prometheus-client's multiprocess mode: counters and histograms
add up over every worker that ever ran, gauges over the workers alive now.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from prometheus_client import Counter, Gauge, Histogram

# Upper bounds (seconds) of the histogram buckets, here and in /health/pool: from the
# sub-millisecond checkouts of an idle pool to the multi-second waits of an exhausted one.
WAIT_BUCKETS = (0.0005, 0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
USE_BUCKETS = (*WAIT_BUCKETS, 30.0, 60.0)
CREATE_BUCKETS = WAIT_BUCKETS
_POOL = ("pool_name",)

CONNECTION_COUNT = Gauge(
    "db_client_connection_count",
    "Connections in the pool, by state (idle or used).",
    [*_POOL, "state"],
    multiprocess_mode="livesum",
)
CONNECTION_MAX = Gauge(
    "db_client_connection_max",
    "Most connections the pool may hold (size plus overflow).",
    _POOL,
    multiprocess_mode="livesum",
)
PENDING_REQUESTS = Gauge(
    "db_client_connection_pending_requests",
    "Requests waiting for a connection right now.",
    _POOL,
    multiprocess_mode="livesum",
)
TIMEOUTS = Counter(
    "db_client_connection_timeouts",
    "Checkouts that gave up waiting for a connection.",
    _POOL,
)
WAIT_TIME = Histogram(
    "db_client_connection_wait_time_seconds",
    "Time to obtain a connection from the pool.",
    _POOL,
    buckets=WAIT_BUCKETS,
)
USE_TIME = Histogram(
    "db_client_connection_use_time_seconds",
    "Time between checking a connection out and returning it.",
    _POOL,
    buckets=USE_BUCKETS,
)
CREATE_TIME = Histogram(
    "db_client_connection_create_time_seconds",
    "Time to open a new connection to the database.",
    _POOL,
    buckets=CREATE_BUCKETS,
)
CHECKOUTS = Counter("db_client_connection_checkouts", "Connections handed out by the pool.", _POOL)
OPENED = Counter("db_client_connection_opened", "Connections opened to the database.", _POOL)
CLOSED = Counter("db_client_connection_closed", "Connections closed.", _POOL)
INVALIDATED = Counter(
    "db_client_connection_invalidated", "Connections dropped as broken (disconnects).", _POOL
)
CONNECT_ERRORS = Counter(
    "db_client_connection_errors", "Attempts to open a connection that failed.", _POOL
)


@dataclass(frozen=True)
class PoolMetrics:
    """The metric children of one pool."""

    used: Any
    idle: Any
    max_connections: Any
    pending: Any
    timeouts: Any
    wait_time: Any
    use_time: Any
    create_time: Any
    checkouts: Any
    opened: Any
    closed: Any
    invalidated: Any
    connect_errors: Any


def for_pool(name: str) -> PoolMetrics:
    return PoolMetrics(
        used=CONNECTION_COUNT.labels(name, "used"),
        idle=CONNECTION_COUNT.labels(name, "idle"),
        max_connections=CONNECTION_MAX.labels(name),
        pending=PENDING_REQUESTS.labels(name),
        timeouts=TIMEOUTS.labels(name),
        wait_time=WAIT_TIME.labels(name),
        use_time=USE_TIME.labels(name),
        create_time=CREATE_TIME.labels(name),
        checkouts=CHECKOUTS.labels(name),
        opened=OPENED.labels(name),
        closed=CLOSED.labels(name),
        invalidated=INVALIDATED.labels(name),
        connect_errors=CONNECT_ERRORS.labels(name),
    )

"""The pool's Prometheus metrics, named after OpenTelemetry's database client metrics.

Under gunicorn they live in prometheus-client's multiprocess mode: counters and histograms
add up over every worker that ever ran, gauges over the workers alive now.
"""

from __future__ import annotations

import math
import os
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


# What each monitor starts from zero (see for_pool): all but the gauges, which it sets.
_COUNTED = (
    TIMEOUTS,
    WAIT_TIME,
    USE_TIME,
    CREATE_TIME,
    CHECKOUTS,
    OPENED,
    CLOSED,
    INVALIDATED,
    CONNECT_ERRORS,
)


@dataclass(frozen=True)
class PoolMetrics:
    """The metric children of one pool. Its counts and latencies are kept here and nowhere
    else: /metrics exports these children, and /health/pool reads them back."""

    used: Gauge
    idle: Gauge
    max_connections: Gauge
    pending: Gauge
    timeouts: Counter
    wait_time: Histogram
    use_time: Histogram
    create_time: Histogram
    checkouts: Counter
    opened: Counter
    closed: Counter
    invalidated: Counter
    connect_errors: Counter

    def counters(self) -> dict[str, int]:
        """The counters, by their names in /health/pool."""
        return {
            "checkouts": _total(self.checkouts),
            "opened": _total(self.opened),
            "closed": _total(self.closed),
            "invalidated": _total(self.invalidated),
            "connect_errors": _total(self.connect_errors),
            "timeouts": _total(self.timeouts),
        }

    def histograms(self) -> dict[str, dict[str, Any]]:
        """The histograms, by their names in /health/pool: count, sum and cumulative buckets
        (less +Inf's, which is the count)."""
        return {
            "wait_time": _summary(self.wait_time),
            "use_time": _summary(self.use_time),
            "create_time": _summary(self.create_time),
        }


def for_pool(name: str) -> PoolMetrics:
    """The metric children of the pool `name`, its counters and histograms from zero.

    A monitor reports what its own pool did, as a process does: tests build many apps, and
    so many monitors of one pool name, in one process. So a new monitor replaces the
    children of its name with fresh ones, which Prometheus reads as a counter reset, as
    after a restart; an older monitor goes on counting into its own, now out of /metrics.
    In prometheus-client's multiprocess mode (gunicorn) the children are kept: a fresh one
    would read the old one's value back from this process's file. There each worker has
    one monitor, and a forked worker's counts start from zero in a file of its own.
    """
    if not _shared_between_processes():
        for metric in _COUNTED:
            metric.remove(name)
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


def _shared_between_processes() -> bool:
    # prometheus-client's own test, which remove() warns on.
    return "PROMETHEUS_MULTIPROC_DIR" in os.environ or "prometheus_multiproc_dir" in os.environ


def _total(counter: Counter) -> int:
    # collect(), public API, on the monitor's own child rather than on the parent filtered
    # by pool_name: an older monitor's children are no longer the parent's (see for_pool).
    (metric,) = counter.collect()
    return next(int(s.value) for s in metric.samples if s.name == f"{metric.name}_total")


def _summary(histogram: Histogram) -> dict[str, Any]:
    (metric,) = histogram.collect()
    summary: dict[str, Any] = {"count": 0, "sum_seconds": 0.0, "buckets": {}}
    for sample in metric.samples:
        if sample.name == f"{metric.name}_count":
            summary["count"] = int(sample.value)
        elif sample.name == f"{metric.name}_sum":
            summary["sum_seconds"] = round(sample.value, 6)
        elif sample.name == f"{metric.name}_bucket":
            bound = float(sample.labels["le"])
            if bound != math.inf:
                summary["buckets"][f"le_{bound:g}"] = int(sample.value)
    return summary

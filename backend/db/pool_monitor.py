"""Connection-pool instrumentation: live gauges, counters, latency histograms, the connections
held right now and by whom, and leak warnings. No Flask here: the web layer only says who
is holding (`begin_holding`, `end_holding`)."""

from __future__ import annotations

import logging
import os
import threading
import time
from collections import deque
from contextvars import ContextVar, Token
from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy import event
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import Engine
from sqlalchemy.pool import ConnectionPoolEntry, QueuePool

from backend.db import pool_metrics

logger = logging.getLogger(__name__)

# /health/pool: warn from this share of the pool in use, fail when a request has been
# waiting longer than this or a checkout timed out within the last minute.
WARN_UTILISATION = 0.8
FAIL_WAIT_SECONDS = 1.0
TIMEOUT_MEMORY_SECONDS = 60.0

# Who the current thread of work is: set by the web layer around each request.
_holder: ContextVar[tuple[str, str] | None] = ContextVar("connection_holder", default=None)


def begin_holding(endpoint: str, request_id: str) -> Token[tuple[str, str] | None]:
    """Attribute connections this thread checks out to this endpoint and request, until
    `end_holding` (the web layer calls both around each request)."""
    return _holder.set((endpoint, request_id))


def end_holding(token: Token[tuple[str, str] | None]) -> None:
    _holder.reset(token)


@dataclass(frozen=True)
class HeldConnection:
    """A connection checked out right now."""

    age_seconds: float
    endpoint: str | None
    request_id: str | None
    thread: str


@dataclass
class _Holding:
    since: float
    endpoint: str | None
    request_id: str | None
    thread: str
    reported: bool = False


class MonitoredQueuePool(QueuePool):
    """QueuePool that tells its monitor how long each checkout waited, when one gave up, and
    when a returned connection is back in the pool (or closed): what SQLAlchemy's pool
    events cannot see, as its checkin event fires before the pool takes the connection."""

    monitor: PoolMonitor | None = None
    _disposed = False
    # SQLAlchemy names a pool's logger after its class's module, which would put its
    # chatter (every invalidation, dispose and recreate, at INFO) under our "backend"
    # logger and its INFO level; it stays where a plain QueuePool logs, at WARNING.
    _sqla_logger_namespace = "sqlalchemy.pool.impl.QueuePool"

    def connect(self) -> Any:
        monitor = self.monitor
        if monitor is None:
            return super().connect()
        token = monitor.begin_wait()
        started = time.perf_counter()
        try:
            return super().connect()
        except sa_exc.TimeoutError:
            monitor.count_timeout()
            raise
        finally:
            monitor.end_wait(token, time.perf_counter() - started)

    def _do_return_conn(self, record: ConnectionPoolEntry) -> None:
        try:
            if self._disposed:
                # Nothing will check it out of a disposed pool again: close it now rather
                # than leave it open until the garbage collector finds the pool.
                record.close()
            else:
                super()._do_return_conn(record)
        finally:
            if self.monitor is not None:
                self.monitor.returned(record)

    def dispose(self) -> None:
        self._disposed = True
        super().dispose()

    def recreate(self) -> MonitoredQueuePool:
        # engine.dispose() swaps in a fresh pool; it keeps reporting to the same monitor.
        pool = super().recreate()
        assert isinstance(pool, MonitoredQueuePool)  # noqa: S101 - recreate uses __class__
        pool.monitor = self.monitor
        if self.monitor is not None and not self._disposed:
            # engine.dispose(close=False), as in a forked worker: this pool's connections
            # are left, open, to whoever else holds them, and are no longer ours to count.
            self.monitor.forget_connections()
        return pool


class PoolMonitor:
    """Everything about one engine's pool, for /health/pool and /metrics."""

    def __init__(self, name: str, *, leak_threshold_seconds: float) -> None:
        self.name = name
        self.leak_threshold_seconds = leak_threshold_seconds
        # Every count and latency is written under this lock, and snapshot() reads them under
        # it: its counters agree with its gauges (opened - closed is what is open).
        self._lock = threading.Lock()
        self._waiting: dict[int, float] = {}
        self._next_wait_token = 0
        # The one account of this process's connections that every gauge is read from:
        # the pool's own checkedout()/checkedin() are off by one inside its events, and
        # count a record whose connection was dropped as idle.
        self._open: set[ConnectionPoolEntry] = set()
        self._held: dict[ConnectionPoolEntry, _Holding] = {}
        self._published = (0, 0)
        self.size = self.max_overflow = 0
        self._recent_timeouts: deque[float] = deque()
        self._watcher: threading.Thread | None = None
        self._watcher_pid = 0
        # The one store of this pool's counts and latencies, read back by snapshot(): a new
        # monitor starts them from zero (see for_pool).
        self.metrics = pool_metrics.for_pool(name)

    # Wiring ----------------------------------------------------------------------------

    def attach(self, engine: Engine) -> None:
        """Start watching `engine`'s pool (a MonitoredQueuePool)."""
        if not isinstance(engine.pool, MonitoredQueuePool):
            raise TypeError("pool monitoring needs a MonitoredQueuePool")
        engine.pool.monitor = self
        self.size = engine.pool.size()
        self.max_overflow = engine.pool._max_overflow
        event.listen(engine, "do_connect", self._do_connect)
        # Registered after the engine's own connect listeners (the dialect's, SQLite's
        # pragmas): a connection counts as open once nothing can fail and close it unseen.
        event.listen(engine, "connect", self._on_connect)
        event.listen(engine, "checkout", self._on_checkout)
        event.listen(engine, "close", self._on_close)
        event.listen(engine, "close_detached", self._on_close_detached)
        event.listen(engine, "detach", self._on_detach)
        event.listen(engine, "invalidate", self._on_invalidate)
        with self._lock:
            self._publish_counts()

    # Called by MonitoredQueuePool ------------------------------------------------------

    def begin_wait(self) -> int:
        with self._lock:
            self._next_wait_token += 1
            token = self._next_wait_token
            self._waiting[token] = time.monotonic()
            self.metrics.pending.set(len(self._waiting))
        return token

    def end_wait(self, token: int, seconds: float) -> None:
        with self._lock:
            self._waiting.pop(token, None)
            self.metrics.pending.set(len(self._waiting))
            self.metrics.wait_time.observe(seconds)

    def returned(self, record: ConnectionPoolEntry) -> None:
        """`record` is back in the pool, or closed: it is no longer held."""
        with self._lock:
            holding = self._held.pop(record, None)
            if record.dbapi_connection is None:
                # Came back without a connection: invalidated while held, or detached.
                self._open.discard(record)
            self._publish_counts()
            if holding is not None:
                seconds = time.monotonic() - holding.since
                self.metrics.use_time.observe(seconds)
        if holding is not None and holding.reported:
            logger.warning(
                "connection returned to the pool after %.1fs (request %s, %s)",
                seconds,
                holding.request_id or "-",
                holding.endpoint or "outside a request",
            )

    def forget_connections(self) -> None:
        """Stop counting every connection seen so far: they were left to another process
        (engine.dispose(close=False) after a fork). Publishes this process's gauges at once,
        so a new worker counts towards /metrics before its first checkout."""
        with self._lock:
            self._open.clear()
            self._held.clear()
            self._publish_counts()

    def count_timeout(self) -> None:
        now = time.monotonic()
        with self._lock:
            self.metrics.timeouts.inc()
            self._recent_timeouts.append(now)

    # Pool and engine events ------------------------------------------------------------

    def _do_connect(
        self, dialect: Any, _record: Any, cargs: tuple[Any, ...], cparams: dict[str, Any]
    ) -> Any:
        # Connect here instead of letting the dialect do it, to time it and count failures.
        started = time.perf_counter()
        try:
            connection = dialect.connect(*cargs, **cparams)
        except Exception:
            with self._lock:
                self.metrics.connect_errors.inc()
            raise
        seconds = time.perf_counter() - started
        with self._lock:
            self.metrics.create_time.observe(seconds)
        return connection

    def _on_connect(self, _dbapi: Any, record: ConnectionPoolEntry) -> None:
        with self._lock:
            self.metrics.opened.inc()
            self._open.add(record)
            self._publish_counts()

    def _on_checkout(self, _dbapi: Any, record: ConnectionPoolEntry, _proxy: Any) -> None:
        holder = _holder.get()
        holding = _Holding(
            since=time.monotonic(),
            endpoint=holder[0] if holder else None,
            request_id=holder[1] if holder else None,
            thread=threading.current_thread().name,
        )
        with self._lock:
            self.metrics.checkouts.inc()
            self._held[record] = holding
            self._publish_counts()
        self._ensure_watcher()

    def _on_close(self, _dbapi: Any, record: ConnectionPoolEntry) -> None:
        # Also the overflow connection the pool closes as it comes back, an invalidated
        # one, one recycled (pool_recycle, a failed ping) and each closed by dispose().
        with self._lock:
            self._open.discard(record)
            self._publish_counts()
            self.metrics.closed.inc()

    def _on_close_detached(self, _dbapi: Any) -> None:
        with self._lock:
            self.metrics.closed.inc()

    def _on_detach(self, _dbapi: Any, record: ConnectionPoolEntry) -> None:
        # The connection leaves the pool for good, still open, in its holder's hands.
        with self._lock:
            self._open.discard(record)
            self._held.pop(record, None)
            self._publish_counts()

    def _on_invalidate(self, _dbapi: Any, _record: Any, _exception: Any) -> None:
        with self._lock:
            self.metrics.invalidated.inc()

    # Reading ---------------------------------------------------------------------------

    def held(self) -> list[HeldConnection]:
        now = time.monotonic()
        with self._lock:
            holdings = list(self._held.values())
        return sorted(
            (
                HeldConnection(round(now - h.since, 3), h.endpoint, h.request_id, h.thread)
                for h in holdings
            ),
            key=lambda held: -held.age_seconds,
        )

    def snapshot(self) -> dict[str, Any]:
        """This worker's pool: gauges, counters, histograms, held connections, and a status
        (pass, warn, fail) with the reasons for it."""
        now = time.monotonic()
        with self._lock:
            oldest_wait = now - min(self._waiting.values()) if self._waiting else 0.0
            while self._recent_timeouts and now - self._recent_timeouts[0] > TIMEOUT_MEMORY_SECONDS:
                self._recent_timeouts.popleft()
            recent_timeouts = len(self._recent_timeouts)
            used, idle = self._counts()
            gauges = {
                "size": self.size,
                "max_overflow": self.max_overflow,
                "checked_out": used,
                "idle": idle,
                "overflow": max(0, used + idle - self.size),
                "waiting": len(self._waiting),
                "oldest_wait_seconds": round(oldest_wait, 3),
            }
            counters = {**self.metrics.counters(), "timeouts_last_minute": recent_timeouts}
            histograms = self.metrics.histograms()
        status, reasons = self._status(gauges, self.capacity, oldest_wait, recent_timeouts)
        return {
            "status": status,
            "reasons": reasons,
            "pid": os.getpid(),
            "pool": gauges,
            "counters": counters,
            "histograms": histograms,
            "held": [asdict(held) for held in self.held()],
            "leak_threshold_seconds": self.leak_threshold_seconds,
        }

    @staticmethod
    def _status(
        gauges: dict[str, Any], capacity: int, oldest_wait: float, recent_timeouts: int
    ) -> tuple[str, list[str]]:
        failures, warnings = [], []
        if recent_timeouts:
            failures.append(f"{recent_timeouts} checkout(s) timed out in the last minute")
        if oldest_wait > FAIL_WAIT_SECONDS:
            failures.append(
                f"a request has waited {oldest_wait:.1f}s for a connection "
                f"(over {FAIL_WAIT_SECONDS:g}s)"
            )
        in_use = gauges["checked_out"]
        if capacity and in_use / capacity >= WARN_UTILISATION:
            warnings.append(
                f"{in_use} of {capacity} connections in use (from {WARN_UTILISATION:.0%} it warns)"
            )
        if failures:
            return "fail", failures + warnings
        return ("warn", warnings) if warnings else ("pass", [])

    # Internals -------------------------------------------------------------------------

    @property
    def capacity(self) -> int:
        """The most connections the pool may hold: its size plus its overflow."""
        return self.size + max(0, self.max_overflow)

    def _counts(self) -> tuple[int, int]:
        """Connections open now: (used, idle). Called with the lock held."""
        used = sum(1 for record in self._held if record in self._open)
        return used, len(self._open) - used

    def _publish_counts(self) -> None:
        """Write the gauges from the account just changed. Called with the lock held, so
        concurrent changes cannot publish out of order; whichever gauge falls is written
        first, so a scrape between the writes never sees more connections than there were
        before or after."""
        used, idle = self._counts()
        published_used, published_idle = self._published
        gauges = [(self.metrics.used, used - published_used, used)]
        gauges.append((self.metrics.idle, idle - published_idle, idle))
        for gauge, _change, value in sorted(gauges, key=lambda gauge: gauge[1]):
            gauge.set(value)
        self._published = (used, idle)
        # Each process writes its own capacity: a value written before a fork is the master's.
        self.metrics.max_connections.set(self.capacity)

    def _ensure_watcher(self) -> None:
        """Run the leak watcher in this process (a fork does not inherit the thread)."""
        if (
            self._watcher is not None
            and self._watcher_pid == os.getpid()
            and self._watcher.is_alive()
        ):
            return
        with self._lock:
            if (
                self._watcher is not None
                and self._watcher_pid == os.getpid()
                and self._watcher.is_alive()
            ):
                return
            self._watcher_pid = os.getpid()
            self._watcher = threading.Thread(
                target=self._watch_for_leaks, name=f"pool-leak-watcher-{self.name}", daemon=True
            )
            self._watcher.start()

    def _watch_for_leaks(self) -> None:
        interval = max(0.05, min(self.leak_threshold_seconds / 4, 5.0))
        while True:
            time.sleep(interval)
            self.report_leaks()

    def report_leaks(self) -> None:
        """Warn once about each connection held longer than the leak threshold."""
        now = time.monotonic()
        with self._lock:
            overdue = [
                holding
                for holding in self._held.values()
                if not holding.reported and now - holding.since > self.leak_threshold_seconds
            ]
            for holding in overdue:
                holding.reported = True
        for holding in overdue:
            logger.warning(
                "connection held for %.1fs, over the %gs leak threshold "
                "(request %s, %s, thread %s)",
                now - holding.since,
                self.leak_threshold_seconds,
                holding.request_id or "-",
                holding.endpoint or "outside a request",
                holding.thread,
            )

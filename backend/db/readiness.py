"""The readiness check: which migrations the database has, asked within a deadline, on a
connection of its own, one check at a time."""

from __future__ import annotations

import math
import threading
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import Connection

from backend.config import Settings
from backend.db.engine import make_engine
from backend.db.migrations import applied_revisions


class ReadinessProbe:
    """Answers within `timeout_seconds` even when the database hangs (a packet-dropping
    network, a lock on alembic_version, a stuck server).

    The question runs on a helper thread and an unpooled connection, so an unanswered
    probe never holds one of the requests' pooled connections; the server is told to give
    up on the statement after the deadline too. While one probe is still waiting, the next
    fails at once instead of starting another, so a hanging database costs at most one
    thread and one connection per worker.
    """

    def __init__(self, settings: Settings, timeout_seconds: float) -> None:
        self.timeout_seconds = timeout_seconds
        self._engine = make_engine(settings, purpose="probe", timeout_seconds=timeout_seconds)
        self._lock = threading.Lock()
        self._waiting: threading.Thread | None = None

    def applied_revisions(self) -> frozenset[str]:
        """The database's applied revisions; TimeoutError past the deadline, or the
        SQLAlchemy error that stopped the check."""
        outcome: dict[str, Any] = {}
        with self._lock:
            if self._waiting is not None and self._waiting.is_alive():
                raise TimeoutError("the previous readiness check is still waiting")
            helper = threading.Thread(
                target=self._check, args=(outcome,), name="readiness-check", daemon=True
            )
            self._waiting = helper
            helper.start()
        helper.join(self.timeout_seconds)
        if helper.is_alive():
            raise TimeoutError(f"the database did not answer within {self.timeout_seconds}s")
        if "error" in outcome:
            raise outcome["error"]
        revisions: frozenset[str] = outcome["revisions"]
        return revisions

    def dispose(self) -> None:
        self._engine.dispose()

    def _check(self, outcome: dict[str, Any]) -> None:
        try:
            with self._engine.connect() as connection:
                self._limit_statement_time(connection)
                outcome["revisions"] = applied_revisions(connection)
        except Exception as error:  # noqa: BLE001 - handed to the waiting thread, re-raised
            outcome["error"] = error

    def _limit_statement_time(self, connection: Connection) -> None:
        milliseconds = max(1, int(self.timeout_seconds * 1000))
        dialect = connection.dialect.name
        if dialect == "postgresql":
            connection.execute(text(f"SET statement_timeout = {milliseconds}"))
        elif dialect in ("mysql", "mariadb"):
            # max_statement_time bounds running; a wait for a table lock is bounded apart.
            seconds = max(1, math.ceil(self.timeout_seconds))
            connection.execute(text(f"SET SESSION max_statement_time = {milliseconds / 1000}"))
            connection.execute(text(f"SET SESSION lock_wait_timeout = {seconds}"))

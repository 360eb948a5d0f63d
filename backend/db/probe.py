"""Health probes: questions to the database asked within a deadline, on a connection of their
own, one at a time; never on the requests' pooled connections."""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy import text
from sqlalchemy.engine import Connection

from backend.config import Settings
from backend.db.engine import APPLICATION_NAME, make_engine
from backend.db.migrations import applied_revisions

T = TypeVar("T")


class DatabaseProbe:
    """Answers within `timeout_seconds` even when the database hangs (a packet-dropping
    network, a lock on alembic_version, a stuck server).

    Each question runs on a helper thread and an unpooled connection, so an unanswered
    probe never holds one of the requests' pooled connections; the server is told to give
    up on the statement after the deadline too. Probes take turns: one connection per
    worker at most (what the start-up connection budget counts), and while one that missed
    its deadline is still waiting, the next waits for it until its own deadline, then
    fails; a hanging database costs one thread and one connection per worker.
    """

    def __init__(self, settings: Settings, timeout_seconds: float) -> None:
        self.timeout_seconds = timeout_seconds
        self._engine = make_engine(settings, purpose="probe", timeout_seconds=timeout_seconds)
        # Held from the start of a question until its helper thread is done with it.
        self._turn = threading.Lock()

    @property
    def dialect_name(self) -> str:
        return self._engine.dialect.name

    def applied_revisions(self) -> frozenset[str]:
        """The database's applied migration revisions."""
        return self._ask(applied_revisions)

    def server_connections(self) -> dict[str, Any]:
        """PostgreSQL's view of this application's connections, by state, and its limits."""
        return self._ask(_server_connections)

    def _ask(self, question: Callable[[Connection], T]) -> T:
        """TimeoutError past the deadline, or the SQLAlchemy error that stopped the question."""
        deadline = time.monotonic() + self.timeout_seconds
        if not self._turn.acquire(timeout=self.timeout_seconds):
            raise TimeoutError("an earlier probe is still waiting for the database")
        outcome: dict[str, Any] = {}
        helper = threading.Thread(
            target=self._run, args=(question, outcome), name="database-probe", daemon=True
        )
        try:
            helper.start()
        except BaseException:
            self._turn.release()
            raise
        helper.join(max(0.0, deadline - time.monotonic()))
        if helper.is_alive():
            raise TimeoutError(f"the database did not answer within {self.timeout_seconds}s")
        if "error" in outcome:
            raise outcome["error"]
        answer: T = outcome["answer"]
        return answer

    def _run(self, question: Callable[[Connection], Any], outcome: dict[str, Any]) -> None:
        try:
            with self._engine.connect() as connection:
                self._limit_statement_time(connection)
                outcome["answer"] = question(connection)
        except Exception as error:  # noqa: BLE001 - handed to the waiting thread, re-raised
            outcome["error"] = error
        finally:
            self._turn.release()

    def _limit_statement_time(self, connection: Connection) -> None:
        dialect = connection.dialect.name
        if dialect == "postgresql":
            # SET LOCAL ends with the transaction: safe behind PgBouncer in transaction mode.
            milliseconds = max(1, int(self.timeout_seconds * 1000))
            connection.execute(text(f"SET LOCAL statement_timeout = {milliseconds}"))
        elif dialect in ("mysql", "mariadb"):
            # max_statement_time comes with the connection; a wait for a table lock is
            # bounded apart.
            seconds = max(1, math.ceil(self.timeout_seconds))
            connection.execute(text(f"SET SESSION lock_wait_timeout = {seconds}"))


def _server_connections(connection: Connection) -> dict[str, Any]:
    if connection.dialect.name != "postgresql":
        return {}
    states: dict[str, int] = dict(
        connection.execute(
            text(
                "SELECT coalesce(state, 'unknown'), count(*) FROM pg_stat_activity "
                "WHERE application_name = :name GROUP BY 1"
            ),
            {"name": APPLICATION_NAME},
        ).all()
    )
    limits = connection.execute(
        text(
            "SELECT current_setting('max_connections')::int, "
            "current_setting('superuser_reserved_connections')::int, "
            "(SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend')"
        )
    ).one()
    return {
        "application_name": APPLICATION_NAME,
        "connections": {
            "active": states.get("active", 0),
            "idle": states.get("idle", 0),
            "idle_in_transaction": states.get("idle in transaction", 0)
            + states.get("idle in transaction (aborted)", 0),
            "total": sum(states.values()),
        },
        "max_connections": limits[0],
        "superuser_reserved_connections": limits[1],
        "client_connections_all_applications": limits[2],
    }

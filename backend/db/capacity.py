"""Connection capacity: whether the pools of every worker fit in what PostgreSQL allows."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import text

from backend.config import Settings
from backend.db.engine import APPLICATION_NAME, make_engine

# Each worker's health probes may hold one connection outside its pool.
PROBE_CONNECTIONS_PER_WORKER = 1


class CapacityError(RuntimeError):
    """The configured pools would need more connections than the server has free."""


@dataclass(frozen=True)
class ConnectionBudget:
    workers: int
    per_worker: int
    max_connections: int
    reserved: int
    used_by_others: int

    @property
    def needed(self) -> int:
        return self.workers * self.per_worker

    @property
    def available(self) -> int:
        return self.max_connections - self.reserved - self.used_by_others

    @property
    def fits(self) -> bool:
        return self.needed <= self.available

    def explain(self) -> str:
        return (
            f"SERVER_WORKERS ({self.workers}) x (DB_POOL_SIZE + DB_MAX_OVERFLOW + "
            f"{PROBE_CONNECTIONS_PER_WORKER} probe) = {self.needed} connections, and PostgreSQL "
            f"has {self.available} free: max_connections {self.max_connections} - "
            f"{self.reserved} reserved - {self.used_by_others} open by other applications"
        )


def connection_budget(settings: Settings, workers: int) -> ConnectionBudget | None:
    """The budget on PostgreSQL, or None where there is nothing to check: other databases,
    and PgBouncer (which multiplexes; its own pool limits what reaches the server)."""
    if settings.database.get_backend_name() != "postgresql" or settings.db_pgbouncer:
        return None
    engine = make_engine(settings, purpose="probe", timeout_seconds=settings.db_connect_timeout)
    try:
        with engine.connect() as connection:
            row = connection.execute(
                text(
                    "SELECT current_setting('max_connections')::int, "
                    "current_setting('superuser_reserved_connections')::int "
                    "+ coalesce(current_setting('reserved_connections', true)::int, 0), "
                    "(SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend' "
                    "AND application_name NOT LIKE :ours AND pid <> pg_backend_pid())"
                ),
                {"ours": f"{APPLICATION_NAME}%"},
            ).one()
    finally:
        engine.dispose()
    per_worker = settings.db_pool_size + settings.db_max_overflow + PROBE_CONNECTIONS_PER_WORKER
    return ConnectionBudget(workers, per_worker, row[0], row[1], row[2])


def check_connection_budget(settings: Settings, workers: int) -> ConnectionBudget | None:
    """Raise CapacityError when the workers' pools would not fit; the budget otherwise."""
    budget = connection_budget(settings, workers)
    if budget is not None and not budget.fits:
        raise CapacityError(
            f"refusing to start: {budget.explain()}. Lower SERVER_WORKERS, DB_POOL_SIZE or "
            "DB_MAX_OVERFLOW, raise max_connections, or put PgBouncer in front "
            "(DB_PGBOUNCER=true)."
        )
    return budget

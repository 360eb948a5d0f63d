"""The start-up guard: the workers' pools must fit in the connections PostgreSQL has free."""

from __future__ import annotations

import signal
import subprocess
import time
from pathlib import Path

import pytest

from backend.db.capacity import CapacityError, check_connection_budget, connection_budget
from tests.conftest import settings_for
from tests.servers import free_port, start_gunicorn
from tests.throwaway_postgres import ThrowawayCluster


def test_the_budget_counts_every_workers_pool_and_probe(
    throwaway_postgres: ThrowawayCluster,
) -> None:
    settings = settings_for(throwaway_postgres.admin_url, db_pool_size=4, db_max_overflow=2)
    budget = connection_budget(settings, workers=3)
    assert budget is not None
    assert budget.needed == 3 * (4 + 2 + 1)
    assert budget.max_connections == throwaway_postgres.max_connections
    assert budget.reserved >= 3  # superuser_reserved_connections
    assert budget.fits


def test_a_budget_that_does_not_fit_is_refused_with_the_numbers(
    throwaway_postgres: ThrowawayCluster,
) -> None:
    settings = settings_for(throwaway_postgres.admin_url, db_pool_size=10, db_max_overflow=5)
    with pytest.raises(CapacityError) as caught:
        check_connection_budget(settings, workers=4)
    message = str(caught.value)
    assert "SERVER_WORKERS (4)" in message
    assert "= 64 connections" in message
    assert f"max_connections {throwaway_postgres.max_connections}" in message


def test_no_check_behind_pgbouncer_or_off_postgresql(throwaway_postgres: ThrowawayCluster) -> None:
    behind_pgbouncer = settings_for(throwaway_postgres.admin_url, db_pgbouncer=True)
    assert connection_budget(behind_pgbouncer, workers=1000) is None
    assert connection_budget(settings_for("sqlite:////tmp/none.db"), workers=1000) is None


@pytest.mark.parametrize(("workers", "starts"), [(2, True), (8, False)])
def test_gunicorn_refuses_to_start_when_the_pools_would_not_fit(
    throwaway_postgres: ThrowawayCluster, workers: int, starts: bool, tmp_path: Path
) -> None:
    log = tmp_path / "gunicorn.log"
    # gunicorn.conf.py makes its metrics directory here: a refused start must remove it too.
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    process = start_gunicorn(
        {
            "DATABASE_URL": throwaway_postgres.admin_url,
            "SERVER_BIND": f"127.0.0.1:{free_port()}",
            "SERVER_WORKERS": str(workers),
            "SERVER_THREADS": "2",
            "DB_POOL_SIZE": "3",
            "DB_MAX_OVERFLOW": "2",
            "TMPDIR": str(scratch),
        },
        log,
    )
    try:
        deadline = time.monotonic() + 30
        while process.poll() is None and "Booting worker" not in log.read_text():
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(0.1)
    finally:
        # A signal that lands while a worker is still booting (before it installs its own
        # handlers) leaves the master waiting out its whole graceful timeout: let it boot.
        if process.poll() is None:
            time.sleep(1)
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=15)
    text = log.read_text()
    if starts:
        assert "Booting worker" in text, text
        assert "connection budget: SERVER_WORKERS (2)" in text
    else:
        assert "Booting worker" not in text, text
        assert process.returncode != 0
        assert "refusing to start: SERVER_WORKERS (8) x" in text
    assert list(scratch.iterdir()) == []

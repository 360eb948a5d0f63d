"""gunicorn's settings, from the app's own (SERVER_BIND, SERVER_WORKERS, SERVER_THREADS)."""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any, NoReturn

# prometheus-client picks its multiprocess mode when first imported: before the app is.
# Workers write their metrics to files there; /metrics adds them up.
_own_metrics_directory = "PROMETHEUS_MULTIPROC_DIR" not in os.environ
if _own_metrics_directory:
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="gamenight-metrics-")
_metrics_directory = os.environ["PROMETHEUS_MULTIPROC_DIR"]

from prometheus_client import multiprocess  # noqa: E402

from backend.config import Settings, SettingsError  # noqa: E402
from backend.db.capacity import CapacityError, check_connection_budget  # noqa: E402
from backend.db.migrations import applied_revisions_at, not_migrated  # noqa: E402
from backend.state import app_state  # noqa: E402


def _refuse_to_start(reason: str) -> NoReturn:
    """Stop before any worker, leaving no metrics directory of ours behind."""
    if _own_metrics_directory:
        shutil.rmtree(_metrics_directory, ignore_errors=True)
    sys.exit(f"gamenight: {reason}")


try:
    _settings = Settings.from_env()
except SettingsError as error:
    _refuse_to_start(str(error))

bind = _settings.server_bind
workers = _settings.server_workers
threads = _settings.server_threads
worker_class = "gthread"
# Load the app once in the master: a bad configuration fails before any worker starts,
# and workers share its memory. Each worker then needs its own connections (post_fork).
preload_app = True
timeout = 30
graceful_timeout = 30
# gunicorn's runtime control socket lives at one path per user, so two instances (CI and a
# developer's, or two test runs) would fight over it; `--control-socket PATH` turns it on.
control_socket_disable = True
loglevel = _settings.log_level.lower()
accesslog = "-"
errorlog = "-"
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms request_id=%({x-request-id}o)s'


def on_starting(server: Any) -> None:
    """Before any worker: forget an earlier run's metrics, say so when the database is not
    migrated, and check the connection budget."""
    for leftover in Path(_metrics_directory).glob("*.db"):
        leftover.unlink()
    _warn_if_not_migrated(server)
    try:
        budget = check_connection_budget(_settings, workers)
    except CapacityError as error:
        _refuse_to_start(str(error))
    except Exception as error:  # noqa: BLE001 - an unreachable database must not stop a start
        server.log.warning("could not check the connection budget: %s", type(error).__name__)
        return
    if budget is not None:
        server.log.info("connection budget: %s", budget.explain())


def _warn_if_not_migrated(server: Any) -> None:
    # Only a warning: in a rolling deployment the code may start before its migration runs,
    # and /health/ready answers 503 until it has.
    try:
        applied = applied_revisions_at(_settings)
    except Exception as error:  # noqa: BLE001 - an unreachable database must not stop a start
        server.log.warning("could not read the applied migrations: %s", type(error).__name__)
        return
    heads = app_state(server.app.wsgi()).migration_heads
    advice = not_migrated(_settings.database_url_safe, applied, heads)
    if advice is not None:
        server.log.warning("%s", advice)


def post_fork(server: Any, worker: Any) -> None:
    """Drop pooled connections inherited from the master without closing them: the master's
    sockets must not be shared by several processes, and closing them here would close them
    for the master too. The fresh pool's monitor writes this worker's gauges at once (its
    capacity, nothing used or idle), so /metrics counts a new worker before its first request."""
    app_state(server.app.wsgi()).engine.dispose(close=False)


def on_exit(server: Any) -> None:
    if _own_metrics_directory:
        shutil.rmtree(_metrics_directory, ignore_errors=True)


def child_exit(server: Any, worker: Any) -> None:
    """A dead worker's gauges leave /metrics; its counters stay in the totals."""
    multiprocess.mark_process_dead(worker.pid)  # type: ignore[no-untyped-call]

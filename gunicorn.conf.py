"""gunicorn's settings, from the app's own (SERVER_BIND, SERVER_WORKERS, SERVER_THREADS)."""

from __future__ import annotations

import sys
from typing import Any

from backend.config import Settings, SettingsError
from backend.state import app_state

try:
    _settings = Settings.from_env()
except SettingsError as error:
    sys.exit(f"gamenight: {error}")

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


def post_fork(server: Any, worker: Any) -> None:
    """Drop pooled connections inherited from the master without closing them: the master's
    sockets must not be shared by several processes, and closing them here would close them
    for the master too."""
    app_state(server.app.wsgi()).engine.dispose(close=False)

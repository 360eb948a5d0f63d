"""Processes the tests start: a free local port, and gunicorn run as `make serve` runs it."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

from backend.config import PROJECT_ROOT


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def start_gunicorn(settings: dict[str, str], log_path: Path) -> subprocess.Popen[bytes]:
    """gunicorn with the project's gunicorn.conf.py and these settings (environment
    variables), logging to `log_path`; never a developer's .env."""
    environment = {**os.environ, "ENV_FILE": "", "APP_ENV": "test", **settings}
    with log_path.open("w") as log:
        return subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--config", "gunicorn.conf.py", "wsgi:app"],
            cwd=PROJECT_ROOT,
            env=environment,
            stdout=log,
            stderr=subprocess.STDOUT,
        )

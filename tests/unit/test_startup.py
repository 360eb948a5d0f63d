"""Start-up: nothing connects at import time, and gunicorn's config follows the settings."""

from __future__ import annotations

import os
import runpy
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from backend import create_app
from backend.config import PROJECT_ROOT, Settings
from backend.state import app_state

UNREACHABLE = "postgresql://nobody:pw@127.0.0.1:1/none"


def run_python(code: str, **environment: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "ENV_FILE": "", **environment}
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_importing_the_wsgi_module_connects_to_nothing() -> None:
    # The database does not exist: import would fail if anything connected.
    result = run_python(
        "import wsgi; from backend.state import app_state;"
        "print(app_state(wsgi.app).engine.pool.checkedout())",
        DATABASE_URL=UNREACHABLE,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "0"


def test_invalid_settings_stop_the_app_with_a_message_naming_them() -> None:
    result = run_python(
        "import wsgi", APP_ENV="production", DATABASE_URL="postgresql://app:hunter2@db/x"
    )
    assert result.returncode != 0
    assert "SECRET_KEY must be set in production" in result.stderr
    assert "hunter2" not in result.stderr


def load_gunicorn_config(
    monkeypatch: pytest.MonkeyPatch, metrics_directory: Path, **environment: str
) -> dict[str, Any]:
    monkeypatch.setenv("ENV_FILE", "")
    # The config points prometheus-client at a shared directory; keep that out of this process.
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(metrics_directory))
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(PROJECT_ROOT / "gunicorn.conf.py"))


def test_gunicorn_takes_bind_workers_and_threads_from_the_settings(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    config = load_gunicorn_config(
        monkeypatch, tmp_path, SERVER_BIND="0.0.0.0:9100", SERVER_WORKERS="3", SERVER_THREADS="5"
    )
    assert (config["bind"], config["workers"], config["threads"]) == ("0.0.0.0:9100", 3, 5)
    assert config["worker_class"] == "gthread"
    assert config["preload_app"] is True
    assert "%({x-request-id}o)s" in config["access_log_format"]


def test_gunicorn_refuses_to_start_on_invalid_settings(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    with pytest.raises(SystemExit) as caught:
        load_gunicorn_config(monkeypatch, tmp_path, SERVER_WORKERS="lots")
    assert "SERVER_WORKERS must be a whole number" in str(caught.value.code)


def test_post_fork_drops_inherited_connections_without_closing_them(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    config = load_gunicorn_config(monkeypatch, tmp_path)
    app = create_app(Settings(database_url=f"sqlite:///{tmp_path / 'fork.db'}"))
    engine = app_state(app).engine
    calls: list[dict[str, Any]] = []
    monkeypatch.setattr(engine, "dispose", lambda **kwargs: calls.append(kwargs))

    class Server:
        class app:  # noqa: N801 - gunicorn's attribute name
            @staticmethod
            def wsgi() -> Any:
                return app

    config["post_fork"](Server(), worker=None)
    assert calls == [{"close": False}]

"""Swagger UI in a real headless browser, with no internet: the games operations render."""

from __future__ import annotations

import shutil
import subprocess
import tempfile

import pytest

from tests.e2e.conftest import RunningServer

BROWSERS = ("chromium", "chromium-browser", "google-chrome")


def find_browser() -> str | None:
    return next((path for name in BROWSERS if (path := shutil.which(name))), None)


@pytest.mark.backends("sqlite")
def test_swagger_ui_renders_the_games_operations(gunicorn_server: RunningServer) -> None:
    browser = find_browser()
    if browser is None:
        pytest.skip("no Chromium on this machine (.ci/run installs Debian's chromium)")
    with tempfile.TemporaryDirectory() as profile:
        result = subprocess.run(
            [
                browser,
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
                f"--user-data-dir={profile}",
                # Let the page's scripts run and fetch the spec before the DOM is printed.
                "--virtual-time-budget=15000",
                "--dump-dom",
                f"{gunicorn_server.base_url}/api/docs",
            ],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
    dom = result.stdout
    assert result.returncode == 0, result.stderr[-2000:]
    # Swagger UI rendered one block per operation, from the app's own spec.
    assert dom.count('class="opblock ') >= 5, dom[-2000:]
    for path in ("/api/v1/games", "/api/v1/games/{game_id}"):
        assert f'data-path="{path}"' in dom
    assert 'opblock-summary-description">Add a game' in dom

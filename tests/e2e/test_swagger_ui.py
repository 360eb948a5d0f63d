"""Swagger UI in a real headless browser, with no internet: the games operations render,
and its Authorize button, given a token, lets Try it out make a change."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, Literal, TypeVar

import pytest
import requests
from selenium import webdriver
from selenium.common.exceptions import TimeoutException
from selenium.webdriver.chrome.options import Options as ChromeOptions
from selenium.webdriver.chrome.service import Service as ChromeService
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.wait import WebDriverWait
from sqlalchemy.orm import Session, sessionmaker

from backend.db.engine import make_engine
from backend.domain.accounts import Role
from backend.repositories.unit_of_work import make_session_factory
from tests.accounts import add_account
from tests.conftest import settings_for
from tests.e2e.conftest import RunningServer

T = TypeVar("T")

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


# Debian's packages (.ci/run installs both); named explicitly so that Selenium Manager never
# looks for, or downloads, a browser or driver of its own.
CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
# The whole walk through Swagger UI, from opening the page to reading the answer.
BROWSER_BUDGET_SECONDS = 60
GAMES_PATH = "/api/v1/games"


class SwaggerUi:
    """A page of Swagger UI in a real browser, every step waiting on an element (never a
    sleep) within one total budget."""

    def __init__(self, driver: WebDriver, budget_seconds: float) -> None:
        self.driver = driver
        self.deadline = time.monotonic() + budget_seconds

    def find(self, xpath: str) -> WebElement:
        return self._wait(ec.visibility_of_element_located((By.XPATH, xpath)), xpath)

    def click(self, xpath: str) -> None:
        self._wait(ec.element_to_be_clickable((By.XPATH, xpath)), xpath).click()

    def wait_gone(self, xpath: str) -> None:
        self._wait(ec.invisibility_of_element_located((By.XPATH, xpath)), f"no {xpath}")

    def _wait(self, condition: Callable[[WebDriver], Literal[False] | T], what: str) -> T:
        remaining = self.deadline - time.monotonic()
        try:
            return WebDriverWait(self.driver, max(remaining, 0.1)).until(condition)
        except TimeoutException:
            page = self.driver.find_element(By.TAG_NAME, "body").text
            pytest.fail(f"Swagger UI never showed {what}; the page reads:\n{page[-3000:]}")

    def authorize(self, token: str) -> None:
        self.click("//div[contains(@class, 'auth-wrapper')]//button[contains(@class, 'authorize')]")
        field = self.find("//input[@aria-label='auth-bearer-value']")
        field.send_keys(token)
        self.click(
            "//div[contains(@class, 'auth-btn-wrapper')]//button[normalize-space()='Authorize']"
        )
        # Swagger UI swaps Authorize for Logout once it holds the token.
        self.find("//div[contains(@class, 'auth-btn-wrapper')]//button[normalize-space()='Logout']")
        self.click("//div[contains(@class, 'auth-btn-wrapper')]//button[normalize-space()='Close']")
        self.wait_gone("//div[contains(@class, 'modal-ux')]")

    def execute(self, method: str, path: str, body: dict[str, Any]) -> tuple[str, str]:
        """Try the operation out with this JSON body; the status and body Swagger UI shows."""
        operation = (
            f"//div[contains(@class, 'opblock-{method}')]"
            f"[.//*[contains(@class, 'opblock-summary-path')][@data-path='{path}']]"
        )
        self.click(f"{operation}//button[contains(@class, 'opblock-summary-control')]")
        self.click(f"{operation}//button[contains(@class, 'try-out__btn')]")
        editor = self.find(f"{operation}//textarea[contains(@class, 'body-param__text')]")
        editor.send_keys(Keys.CONTROL, "a")
        editor.send_keys(Keys.DELETE)
        editor.send_keys(json.dumps(body))
        self.click(f"{operation}//button[contains(@class, 'execute')]")
        # The table's body: its header row has cells of the same classes.
        answer = f"{operation}//table[contains(@class, 'live-responses-table')]/tbody/tr"
        status = self.find(f"{answer}//td[contains(@class, 'response-col_status')]").text
        shown = self.find(f"{answer}//td[contains(@class, 'response-col_description')]//pre").text
        return status.strip(), shown


@pytest.fixture
def swagger_ui(gunicorn_server: RunningServer) -> Iterator[SwaggerUi]:
    """Swagger UI at /api/docs, opened in headless Chromium driven by chromedriver."""
    for path, package in ((CHROMIUM, "chromium"), (CHROMEDRIVER, "chromium-driver")):
        if not os.access(path, os.X_OK):
            pytest.skip(f"no {path}: install Debian's {package} package (.ci/run does)")
    options = ChromeOptions()
    options.binary_location = str(CHROMIUM)
    with tempfile.TemporaryDirectory() as profile:
        for argument in (
            "--headless=new",
            "--no-sandbox",  # Chromium's sandbox refuses to run as root, as CI does
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--window-size=1280,2000",
            f"--user-data-dir={profile}",
        ):
            options.add_argument(argument)
        driver = webdriver.Chrome(
            service=ChromeService(executable_path=str(CHROMEDRIVER)), options=options
        )
        try:
            driver.set_page_load_timeout(BROWSER_BUDGET_SECONDS)
            driver.get(f"{gunicorn_server.base_url}/api/docs")
            yield SwaggerUi(driver, BROWSER_BUDGET_SECONDS)
        finally:
            driver.quit()


@pytest.fixture(scope="module")
def server_session_factory(gunicorn_server: RunningServer) -> Iterator[sessionmaker[Session]]:
    """Sessions on the database the server under test reads."""
    engine = make_engine(settings_for(gunicorn_server.database_url))
    yield make_session_factory(engine)
    engine.dispose()


def new_game() -> dict[str, Any]:
    return {"title": f"Swagger UI game {uuid.uuid4().hex[:8]}", "min_players": 2, "max_players": 4}


def games_titled(server: RunningServer, title: str) -> list[dict[str, Any]]:
    answer = requests.get(f"{server.base_url}{GAMES_PATH}", params={"q": title}, timeout=10)
    assert answer.status_code == 200, answer.text
    return [game for game in answer.json() if game["title"] == title]


@pytest.mark.backends("sqlite")
def test_swagger_ui_authorized_with_a_token_adds_a_game(
    swagger_ui: SwaggerUi,
    gunicorn_server: RunningServer,
    server_session_factory: sessionmaker[Session],
) -> None:
    organizer = add_account(server_session_factory, Role.ORGANIZER)
    game = new_game()

    swagger_ui.authorize(organizer.token)
    status, shown = swagger_ui.execute("post", GAMES_PATH, game)

    assert status == "201", shown
    added = json.loads(shown)
    assert added["title"] == game["title"]
    # The game Swagger UI reports is really there, for anyone to read.
    answer = requests.get(f"{gunicorn_server.base_url}{GAMES_PATH}/{added['id']}", timeout=10)
    assert answer.status_code == 200, answer.text
    assert answer.json()["title"] == game["title"]
    assert answer.json()["created_by"] == organizer.actor


@pytest.mark.backends("sqlite")
def test_swagger_ui_without_authorizing_is_refused(
    swagger_ui: SwaggerUi, gunicorn_server: RunningServer
) -> None:
    game = new_game()

    status, shown = swagger_ui.execute("post", GAMES_PATH, game)

    assert status == "401", shown
    assert json.loads(shown)["code"] == 401
    assert games_titled(gunicorn_server, game["title"]) == []

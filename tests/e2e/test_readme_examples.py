"""The shell examples of README and the docs pages, run as written against a server started
the way `make run` starts it: a fresh one for each page.

They run in the project's directory with the server's settings in the environment, as a
reader's shell after `make run` would (so `make create-admin` works there as written); the
one thing a reader fills in, the demo organizer's password that `make run` printed, is
filled in from what seed-demo printed."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from backend.config import PROJECT_ROOT
from tests.conftest import STRICT
from tests.e2e.conftest import RunningServer, serving

README = PROJECT_ROOT / "README.md"
PAGES = [README, *sorted((PROJECT_ROOT / "docs").glob("*.md"))]
# The address the examples use: `make run`'s default SERVER_BIND.
README_BASE_URL = "http://127.0.0.1:8000"
# A page writes the status a command prints as a comment line below it; a ```sh block with
# such a line is an example to run.
EXPECTED_STATUS = re.compile(r"^# (HTTP/1\.1 \d{3}\b.*)$", re.MULTILINE)
# curl -i prints the status line first; a body without a final newline runs into it.
PRINTED_STATUS = re.compile(r"HTTP/1\.1 \d{3}\b[^\r\n]*")
SHELL_BLOCK = re.compile(r"^```sh\n(.*?)^```$", re.MULTILINE | re.DOTALL)
BLOCK_MARKER = "--- example block {} ---"
# Where a page asks the reader to paste the password `make run` printed.
DEMO_PASSWORD_PLACEHOLDER = "PASTE-THE-PRINTED-PASSWORD"
PRINTED_DEMO_PASSWORD = re.compile(r"organizer@example\.org with the password (\S+)")


@dataclass(frozen=True)
class MakeRunServer:
    """A server as `make run` leaves it, the environment its shell has, and the demo
    organizer's password as seed-demo printed it."""

    server: RunningServer
    environment: dict[str, str]
    demo_password: str


def shell_blocks(page: Path) -> list[str]:
    """Every ```sh block of the page, in order."""
    return SHELL_BLOCK.findall(page.read_text())


def examples(page: Path) -> list[str]:
    """The page's ```sh blocks that say what their commands answer, in order."""
    return [block for block in shell_blocks(page) if EXPECTED_STATUS.search(block)]


PAGES_WITH_EXAMPLES = [page for page in PAGES if examples(page)]


def page_id(page: Path) -> str:
    return str(page.relative_to(PROJECT_ROOT))


@contextmanager
def make_run_server(scratch: Path) -> Iterator[MakeRunServer]:
    """What `make run` does, on a fresh SQLite file: migrate, load the demo data, serve."""
    settings = {"ENV_FILE": "", "APP_ENV": "development"}
    settings["DATABASE_URL"] = f"sqlite:///{scratch / 'gamenight.db'}"
    environment = {**os.environ, **settings}
    printed = ""
    for command in (["alembic", "upgrade", "head"], ["flask", "--app", "wsgi", "seed-demo"]):
        printed = subprocess.run(
            [sys.executable, "-m", *command],
            cwd=PROJECT_ROOT,
            env=environment,
            check=True,
            capture_output=True,
            text=True,
            timeout=120,
        ).stdout
    password = PRINTED_DEMO_PASSWORD.search(printed)
    assert password is not None, f"seed-demo printed no demo organizer password:\n{printed}"
    with serving(settings, scratch / "gunicorn.log") as server:
        yield MakeRunServer(server, environment, password.group(1))


def test_readme_and_the_api_page_have_examples_with_statuses() -> None:
    assert examples(README)
    assert len(examples(PROJECT_ROOT / "docs" / "api.md")) >= 2
    for page in PAGES_WITH_EXAMPLES:
        assert all(README_BASE_URL in block for block in examples(page)), page_id(page)


@pytest.mark.parametrize("page", PAGES, ids=page_id)
def test_every_block_that_calls_the_api_is_an_example_that_runs(page: Path) -> None:
    """A block sending requests to the server must say what they answer, or no test runs it."""
    for block in shell_blocks(page):
        if "curl" in block and README_BASE_URL in block:
            assert EXPECTED_STATUS.search(block), f"{page_id(page)}:\n{block}"


@pytest.mark.parametrize("page", PAGES_WITH_EXAMPLES, ids=page_id)
def test_examples_work_verbatim(page: Path, tmp_path: Path) -> None:
    if shutil.which("curl") is None:
        message = "curl is not installed (apt-get install curl; .ci/run installs it)"
        if STRICT:
            pytest.fail(message)
        pytest.skip(message)
    blocks = examples(page)
    # One shell for all of a page's blocks, as a reader types them: later blocks use
    # earlier variables.
    script = ["set -euo pipefail"]
    for number, block in enumerate(blocks):
        script += [f"echo '{BLOCK_MARKER.format(number)}'", block]
    with make_run_server(tmp_path) as running:
        text = "\n".join(script).replace(README_BASE_URL, running.server.base_url)
        result = subprocess.run(
            ["bash", "-c", text.replace(DEMO_PASSWORD_PLACEHOLDER, running.demo_password)],
            cwd=PROJECT_ROOT,
            env=running.environment,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            timeout=180,
            check=False,
        )
    output = result.stdout
    assert result.returncode == 0, output[-3000:]
    printed = re.split(r"--- example block \d+ ---\n", output)[1:]
    assert len(printed) == len(blocks), output[-3000:]
    for block, block_output in zip(blocks, printed, strict=True):
        expected = EXPECTED_STATUS.findall(block)
        assert PRINTED_STATUS.findall(block_output) == expected, (
            f"{page_id(page)} example:\n{block}\nprinted:\n{block_output[-3000:]}"
        )

"""README's API examples, run as written against a server started the way `make run` starts it."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from backend.config import PROJECT_ROOT
from tests.conftest import STRICT
from tests.e2e.conftest import RunningServer, serving

README = PROJECT_ROOT / "README.md"
SECTION = "## The API"
# The address README's examples use: `make run`'s default SERVER_BIND.
README_BASE_URL = "http://127.0.0.1:8000"
# README writes the status a command prints as a comment line below it.
EXPECTED_STATUS = re.compile(r"^# (HTTP/1\.1 \d{3}\b.*)$", re.MULTILINE)
# curl -i prints the status line first; a body without a final newline runs into it.
PRINTED_STATUS = re.compile(r"HTTP/1\.1 \d{3}\b[^\r\n]*")
BLOCK_MARKER = "--- README example block {} ---"


def readme_examples() -> list[str]:
    """Every ```sh block of README's API section, in order."""
    text = README.read_text()
    start = text.index(f"\n{SECTION}\n")
    end = text.find("\n## ", start + len(SECTION) + 2)
    section = text[start : end if end != -1 else len(text)]
    return re.findall(r"^```sh\n(.*?)^```$", section, re.MULTILINE | re.DOTALL)


@pytest.fixture(scope="module")
def make_run_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    """What `make run` does, on a fresh SQLite file: migrate, load the demo games, serve."""
    scratch = tmp_path_factory.mktemp("make_run")
    settings = {"ENV_FILE": "", "APP_ENV": "development"}
    settings["DATABASE_URL"] = f"sqlite:///{scratch / 'gamenight.db'}"
    environment = {**os.environ, **settings}
    for command in (["alembic", "upgrade", "head"], ["flask", "--app", "wsgi", "seed-demo"]):
        subprocess.run(
            [sys.executable, "-m", *command],
            cwd=PROJECT_ROOT,
            env=environment,
            check=True,
            capture_output=True,
            timeout=120,
        )
    with serving(settings, scratch / "gunicorn.log") as server:
        yield server


def test_readme_has_api_examples_with_statuses() -> None:
    blocks = readme_examples()
    assert len(blocks) >= 2
    assert all(EXPECTED_STATUS.search(block) for block in blocks)
    assert all(README_BASE_URL in block for block in blocks)


def test_readme_api_examples_work_verbatim(make_run_server: RunningServer, tmp_path: Path) -> None:
    if shutil.which("curl") is None:
        message = "curl is not installed (apt-get install curl; .ci/run installs it)"
        if STRICT:
            pytest.fail(message)
        pytest.skip(message)
    blocks = readme_examples()
    # One shell for all of them, as a reader types them: later blocks use earlier variables.
    script = ["set -euo pipefail"]
    for number, block in enumerate(blocks):
        script += [f"echo '{BLOCK_MARKER.format(number)}'", block]
    result = subprocess.run(
        ["bash", "-c", "\n".join(script).replace(README_BASE_URL, make_run_server.base_url)],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=60,
        check=False,
    )
    output = result.stdout
    assert result.returncode == 0, output[-3000:]
    printed = re.split(r"--- README example block \d+ ---\n", output)[1:]
    assert len(printed) == len(blocks), output[-3000:]
    for block, block_output in zip(blocks, printed, strict=True):
        expected = EXPECTED_STATUS.findall(block)
        assert PRINTED_STATUS.findall(block_output) == expected, (
            f"README example:\n{block}\nprinted:\n{block_output[-3000:]}"
        )

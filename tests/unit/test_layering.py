"""The import contracts in pyproject.toml (docs/architecture.md's layers) hold, and catch breaks."""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest

from backend.config import PROJECT_ROOT

# import-linter's command line, run by this interpreter (the project's virtualenv).
LINT_IMPORTS = [
    sys.executable,
    "-c",
    "from importlinter.cli import lint_imports_command; lint_imports_command()",
    "--no-cache",
    "--no-logo",
]


LAYERS, NO_HTTP, PURE_DOMAIN = "layers", "no-http-below-api", "pure-domain"


def contracts() -> dict[str, Any]:
    """The [tool.importlinter] table of pyproject.toml."""
    pyproject = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text())
    table: dict[str, Any] = pyproject["tool"]["importlinter"]
    return table


CONTRACT_NAMES = {contract["id"]: contract["name"] for contract in contracts()["contracts"]}


def lint_imports(project: Path) -> subprocess.CompletedProcess[str]:
    """Check the `backend` package in `project` against the contracts of its pyproject.toml."""
    # Wide enough that no contract's name is wrapped in the report; `backend` is found in
    # `project` (the current directory), never elsewhere on a PYTHONPATH.
    environment = {**os.environ, "COLUMNS": "500", "PYTHONPATH": ""}
    return subprocess.run(
        LINT_IMPORTS,
        cwd=project,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_the_code_keeps_every_import_contract() -> None:
    result = lint_imports(PROJECT_ROOT)
    report = result.stdout + result.stderr
    assert result.returncode == 0, report
    for name in CONTRACT_NAMES.values():
        assert f"{name} KEPT" in report, report


def test_the_contracts_are_the_ones_the_architecture_describes() -> None:
    assert contracts()["root_package"] == "backend"
    assert set(CONTRACT_NAMES) == {LAYERS, NO_HTTP, PURE_DOMAIN}
    architecture = (PROJECT_ROOT / "docs" / "architecture.md").read_text()
    for contract in CONTRACT_NAMES:
        assert f"| `{contract}` |" in architecture, contract


# A small `backend` laid out like the real one, whose imports keep every contract: each
# layer imports the one below it, everyone may import the domain, only the API knows Flask.
CLEAN_PACKAGE = {
    "__init__.py": "from backend import api, cli\n",
    "config.py": "import sqlalchemy\n",
    "state.py": "import flask\nfrom backend import config\n",
    "cli.py": "import flask\nfrom backend import services, state\n",
    "api/__init__.py": "import flask\nimport marshmallow\nfrom backend import services, state\n",
    "services/__init__.py": "from backend import domain, repositories\n",
    "repositories/__init__.py": "import sqlalchemy\nfrom backend import domain, models\n",
    "models/__init__.py": "import sqlalchemy\nfrom backend import db, domain\n",
    "db/__init__.py": "import sqlalchemy\nfrom backend import config, domain\n",
    "domain/__init__.py": "",
    "domain/rules.py": "import dataclasses\n",
}

# One import against the layering: (file, the import added to it, the contracts it breaks).
# Chains count: an import that reaches a forbidden module through others breaks a contract too.
VIOLATIONS = [
    ("db/engine.py", "from backend.services import catalog\n", {LAYERS}),
    ("models/game.py", "import backend.repositories\n", {LAYERS}),
    # The API imports Flask, so reaching up to it also brings Flask below the API.
    ("repositories/games.py", "from backend.api import routes\n", {LAYERS, NO_HTTP}),
    # config is in no layer, but db (which imports it) would reach services through it.
    ("config.py", "from backend.services import catalog\n", {LAYERS}),
    ("cli.py", "from backend import api\n", {LAYERS}),
    ("api/routes.py", "from backend import cli\n", {LAYERS}),
    ("services/catalog.py", "from flask import g\n", {NO_HTTP}),
    ("models/game.py", "import marshmallow\n", {NO_HTTP}),
    ("db/errors.py", "from werkzeug.exceptions import NotFound\n", {NO_HTTP}),
    ("domain/rules.py", "import sqlalchemy\n", {PURE_DOMAIN}),
    ("domain/rules.py", "from backend.models import Base\n", {PURE_DOMAIN}),
    ("domain/rules.py", "from backend.config import Settings\n", {PURE_DOMAIN}),
    ("domain/rules.py", "from backend import state\n", {PURE_DOMAIN, NO_HTTP}),
]


def write_project(root: Path, package: dict[str, str]) -> Path:
    """A project in `root`: the package's files and a pyproject.toml with the real contracts."""
    configuration = (PROJECT_ROOT / "pyproject.toml").read_text()
    (root / "pyproject.toml").write_text(
        configuration[configuration.index("[tool.importlinter]") :]
    )
    for name, text in package.items():
        path = root / "backend" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


def test_a_package_that_keeps_the_layering_passes(tmp_path: Path) -> None:
    result = lint_imports(write_project(tmp_path, CLEAN_PACKAGE))
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize(
    ("module", "text", "broken"), VIOLATIONS, ids=[f"{m}: {t.strip()}" for m, t, _ in VIOLATIONS]
)
def test_an_import_against_the_layering_fails_naming_its_contract(
    tmp_path: Path, module: str, text: str, broken: set[str]
) -> None:
    package = dict(CLEAN_PACKAGE)
    package[module] = package.get(module, "") + text
    result = lint_imports(write_project(tmp_path, package))
    report = result.stdout + result.stderr
    assert result.returncode == 1, report
    for contract, name in CONTRACT_NAMES.items():
        assert f"{name} {'BROKEN' if contract in broken else 'KEPT'}" in report, report
    importer = "backend." + module.removesuffix(".py").replace("/", ".")
    assert importer in report, report

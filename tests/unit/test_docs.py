"""README and the docs pages against the code: every setting and make target documented,
every link leading somewhere in the repository, no file outside it named anywhere."""

from __future__ import annotations

import dataclasses
import math
import os
import re
from pathlib import Path

import pytest

from backend.config import PROJECT_ROOT, Settings
from backend.domain import swiss

README = PROJECT_ROOT / "README.md"
DOCS = PROJECT_ROOT / "docs"
PAGES = [README, *sorted(DOCS.glob("*.md"))]
LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")
HEADING = re.compile(r"^#{1,6} (.+)$", re.MULTILINE)
CODE_BLOCK = re.compile(r"^```.*?^```$", re.MULTILINE | re.DOTALL)
# Written in two pieces, so that this file does not name them itself.
OUTSIDE_THE_REPOSITORY = ["../" + "shared", "DESIGN" + ".md", "STYLE" + ".md"]
NOT_SOURCES = {
    ".git",
    ".venv",
    "instance",
    "__pycache__",
    ".mypy_cache",
    ".ruff_cache",
    ".pytest_cache",
    ".import_linter_cache",
}


def page_id(page: Path) -> str:
    return str(page.relative_to(PROJECT_ROOT))


def anchors(page: Path) -> set[str]:
    """The anchors GitHub gives the page's headings: lower case, punctuation dropped,
    spaces as hyphens."""
    text = CODE_BLOCK.sub("", page.read_text())
    return {
        re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")
        for heading in HEADING.findall(text)
    }


def test_every_setting_is_documented() -> None:
    configuration = (DOCS / "configuration.md").read_text()
    names = [field.name.upper() for field in dataclasses.fields(Settings)] + ["ENV_FILE"]
    missing = [name for name in names if f"`{name}`" not in configuration]
    assert not missing, f"docs/configuration.md does not document {missing}"


def test_every_make_target_is_in_the_readme() -> None:
    makefile = (PROJECT_ROOT / "Makefile").read_text()
    targets = re.findall(r"^([a-z-]+):.*## ", makefile, re.MULTILINE)
    assert "test" in targets
    readme = README.read_text()
    missing = [target for target in targets if f"`make {target}" not in readme]
    assert not missing, f"README does not list {missing}"


def test_the_readme_is_a_newcomers_page_that_links_every_docs_page() -> None:
    readme = README.read_text()
    assert len(readme.splitlines()) <= 200
    for page in PAGES[1:]:
        assert f"({page_id(page)})" in readme, page_id(page)


@pytest.mark.parametrize("page", PAGES, ids=page_id)
def test_every_link_leads_to_a_file_of_the_repository(page: Path) -> None:
    for target in LINK.findall(CODE_BLOCK.sub("", page.read_text())):
        if re.match(r"[a-z]+:", target):
            continue  # a web address
        path, _, anchor = target.partition("#")
        linked = (page.parent / path).resolve() if path else page
        assert linked.is_relative_to(PROJECT_ROOT), f"{page_id(page)}: {target}"
        assert linked.exists(), f"{page_id(page)}: {target}"
        if anchor:
            assert anchor in anchors(linked), f"{page_id(page)}: {target}"


def test_no_file_names_a_file_outside_the_repository() -> None:
    found = []
    for directory, subdirectories, files in os.walk(PROJECT_ROOT):
        subdirectories[:] = [name for name in subdirectories if name not in NOT_SOURCES]
        for name in files:
            path = Path(directory) / name
            try:
                text = path.read_text(encoding="utf-8")
            except (UnicodeDecodeError, OSError):
                continue  # not text
            found += [
                f"{path.relative_to(PROJECT_ROOT)}: {word}"
                for word in OUTSIDE_THE_REPOSITORY
                if word in text
            ]
    assert not found, found


def test_the_published_round_table_is_the_one_pairing_uses() -> None:
    """docs/tournaments.md's round table, row by row, against swiss.ROUND_TABLE and the
    rounds the code gives below it."""
    page = (DOCS / "tournaments.md").read_text()
    section = page.split("### How many Swiss rounds", 1)[1].split("\n### ", 1)[0]
    rows = [
        [cell.strip() for cell in line.strip("|").split("|")]
        for line in section.splitlines()
        if line.startswith("| ") and not line.startswith("| Players")
    ]
    smallest, *table = rows

    def players(text: str) -> tuple[int, int | None]:
        if text.endswith(" or more"):
            return int(text.removesuffix(" or more")), None
        fewest, most = text.split("\N{EN DASH}")
        return int(fewest), int(most)

    def cut(text: str) -> int | None:
        return None if text == "none" else int(text.removeprefix("top "))

    published = [(*players(row[0]), int(row[1]), cut(row[2])) for row in table]
    assert published == list(swiss.ROUND_TABLE)
    fewest, most = players(smallest[0])
    assert (fewest, most) == (swiss.SMALLEST_SWISS, swiss.ROUND_TABLE[0][0] - 1)
    assert smallest[1].startswith("⌈log₂ players⌉") and cut(smallest[2]) is None
    for count in range(fewest, (most or 0) + 1):
        assert swiss.swiss_rounds(count) == math.ceil(math.log2(count))
        assert swiss.recommended_cut(count) is None

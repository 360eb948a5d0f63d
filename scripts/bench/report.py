"""Writes one benchmark's section of docs/benchmarks.md, with the machine it ran on."""

from __future__ import annotations

import os
import platform
import re
import subprocess
from datetime import UTC, datetime
from pathlib import Path

BENCHMARKS_FILE = Path(__file__).resolve().parents[2] / "docs" / "benchmarks.md"
HEADER = """# Benchmarks

Every section below was written by the script it names, on the machine it describes.
Re-run a script to replace its section; numbers from different machines do not compare.
"""


def machine_description(database_version: str) -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = ""
    try:
        kib = int(Path("/proc/meminfo").read_text().split()[1])
        memory = f", {kib / 1024 / 1024:.0f} GiB RAM"
    except (OSError, ValueError, IndexError):
        pass
    return (
        f"{cpu}, {os.cpu_count()} cores{memory}; {platform.system()} {platform.release()}; "
        f"Python {platform.python_version()}; {database_version}"
    )


def git_revision() -> str:
    """The commit measured, and whether the tree held changes beyond it (other than this
    file's own figures), so a figure is never credited to a commit that lacks its code."""
    try:
        commit = _git("rev-parse", "--short", "HEAD")
        changed = [
            line
            for line in _git("status", "--porcelain", "--untracked-files=no").splitlines()
            if not line.endswith(BENCHMARKS_FILE.name)
        ]
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return f"{commit} with uncommitted changes" if changed else commit


def _git(*arguments: str) -> str:
    return subprocess.run(
        ["git", *arguments],
        capture_output=True,
        text=True,
        check=True,
        cwd=BENCHMARKS_FILE.parent,
    ).stdout.strip()


def write_section(name: str, body: str) -> None:
    """Replace (or add) the section `name` of docs/benchmarks.md."""
    BENCHMARKS_FILE.parent.mkdir(parents=True, exist_ok=True)
    text = BENCHMARKS_FILE.read_text() if BENCHMARKS_FILE.exists() else HEADER
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    section = (
        f"<!-- section: {name} -->\n{body.rstrip()}\n\n"
        f"_Written {stamp} at commit {git_revision()}._\n<!-- end: {name} -->\n"
    )
    pattern = re.compile(
        rf"<!-- section: {re.escape(name)} -->.*?<!-- end: {re.escape(name)} -->\n", re.S
    )
    text = (
        pattern.sub(lambda _: section, text)
        if pattern.search(text)
        else text.rstrip() + "\n\n" + section
    )
    BENCHMARKS_FILE.write_text(text)

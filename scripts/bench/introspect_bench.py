"""Benchmark: how long `make introspect` takes on a freshly migrated database of each
backend (`make bench-introspect`; the goal is well under 5 seconds).

Each run is the whole command as a deployment pipeline runs it, a new Python process
included: `python -m scripts.db_introspection --url ...`. Results go to docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from backend.config import PROJECT_ROOT, Settings
from scripts.bench.databases import DEFAULT_MARIADB, DEFAULT_POSTGRES, fresh_database, migrate
from scripts.bench.report import machine_description, write_section

GOAL_SECONDS = 5.0


def main() -> int:
    arguments = _arguments()
    rows, verdicts = [], []
    servers = {
        "SQLite": None,
        "PostgreSQL": arguments.postgres,
        "MariaDB": arguments.mariadb,
    }
    for backend, server in servers.items():
        with _migrated(server) as url:
            times = [_run(url) for _ in range(arguments.runs)]
        median, worst = statistics.median(times), max(times)
        rows.append(f"| {backend} | {median:.2f} | {worst:.2f} |")
        verdicts.append(worst < GOAL_SECONDS)
        print(f"{backend}: median {median:.2f} s, worst {worst:.2f} s", flush=True)
    body = f"""## Schema introspection: `make introspect` on a freshly migrated database

Command: `make bench-introspect` (`python -m scripts.bench.introspect_bench --runs
{arguments.runs}`). Machine: {machine_description("local database servers")}.
Each run is a new process, as a pipeline starts it: connect, compare the schema, read
alembic_version, and build a scratch SQLite database at head for the models-vs-migrations
check. Goal: well under {GOAL_SECONDS:g} s.

| database | median s | worst of {arguments.runs} s |
|---|---:|---:|
{chr(10).join(rows)}

- Every run under {GOAL_SECONDS:g} s: {"met" if all(verdicts) else "NOT met"}.
"""
    print(body)
    if arguments.write:
        write_section("introspect", body)
        print("written to docs/benchmarks.md")
    return 0


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument(
        "--postgres", default=os.environ.get("BENCH_POSTGRES_URL", DEFAULT_POSTGRES)
    )
    parser.add_argument("--mariadb", default=os.environ.get("BENCH_MARIADB_URL", DEFAULT_MARIADB))
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--no-write", dest="write", action="store_false")
    return parser.parse_args()


def _run(url: str) -> float:
    started = time.monotonic()
    finished = subprocess.run(
        [sys.executable, "-m", "scripts.db_introspection", "--url", url],
        cwd=PROJECT_ROOT,
        env={**os.environ, "ENV_FILE": ""},
        capture_output=True,
        text=True,
        check=False,
    )
    elapsed = time.monotonic() - started
    if finished.returncode != 0:
        raise SystemExit(f"introspection exited {finished.returncode}:\n{finished.stdout}")
    return elapsed


@contextmanager
def _migrated(server: str | None) -> Iterator[str]:
    """The URL of a fresh database at head: a SQLite file, or one on `server`."""
    if server is not None:
        with fresh_database(server, "introspect") as settings:
            yield settings.database_url
        return
    with tempfile.TemporaryDirectory() as scratch:
        settings = Settings(database_url=f"sqlite:///{Path(scratch) / 'introspect.db'}")
        migrate(settings)
        yield settings.database_url


if __name__ == "__main__":
    sys.exit(main())

"""Benchmark: the importer on the full shared catalog into PostgreSQL, beside a plain COPY of
the same validated rows into the same schema, in the same run (`make bench-import`).

Each round uses two fresh databases migrated to head, so both sides pay for the same
indexes, constraints and foreign keys. The importer is timed end to end (read, validate,
compare, write, audit, commit per batch); COPY is timed for its writes only, given rows
already read and validated (games, categories, tags and the links between them; no audit).
The median round is reported and written to docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any

import psycopg
from sqlalchemy import create_engine, func, select

from backend.config import Settings
from backend.db.bulk import copy_values
from backend.db.engine import make_engine
from backend.domain.labels import slugify
from backend.models import Base
from backend.repositories.unit_of_work import SqlAlchemyUnitOfWork, make_session_factory
from backend.services.bgg_export import GameRow, read_export
from backend.services.game_import import DEFAULT_BATCH_SIZE, IMPORTED_TABLES, import_games
from scripts.bench.databases import (
    catalog_on_postgresql_arguments,
    fresh_database,
    postgresql_version,
)
from scripts.bench.report import machine_description, write_section

TARGET_SECONDS = 15.0
TARGET_RATIO = 0.25
COUNTED_TABLES = [Base.metadata.tables[name] for name in IMPORTED_TABLES]


@dataclass(frozen=True)
class Round:
    importer_seconds: float
    copy_seconds: float


def main() -> int:
    arguments = _arguments()
    if not arguments.file.is_file():
        print(f"no data file at {arguments.file}; pass --file", file=sys.stderr)
        return 2
    rows = [row for row in read_export(arguments.file) if isinstance(row, GameRow)]
    rounds = []
    for number in range(1, arguments.rounds + 1):
        result = _round(arguments, rows)
        rounds.append(result)
        print(
            f"round {number}: importer {result.importer_seconds:.2f}s, "
            f"COPY {result.copy_seconds:.2f}s"
        )
    importer = statistics.median(r.importer_seconds for r in rounds)
    copy = statistics.median(r.copy_seconds for r in rounds)
    body = _report(
        arguments,
        len(rows),
        importer,
        copy,
        postgresql_version(Settings(database_url=arguments.server)),
    )
    print(body)
    if arguments.write:
        write_section("import", body)
        print("written to docs/benchmarks.md")
    return 0


def _arguments() -> argparse.Namespace:
    parser = catalog_on_postgresql_arguments(__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--batch-size", type=int, default=DEFAULT_BATCH_SIZE)
    parser.add_argument("--no-write", dest="write", action="store_false")
    return parser.parse_args()


def _round(arguments: argparse.Namespace, rows: list[GameRow]) -> Round:
    with fresh_database(arguments.server, "importer") as settings:
        engine = make_engine(settings)
        try:
            with tempfile.TemporaryDirectory() as scratch:
                started = time.perf_counter()
                summary = import_games(
                    partial(SqlAlchemyUnitOfWork, make_session_factory(engine)),
                    arguments.file,
                    rejects_path=Path(scratch) / "rejects.csv",
                    batch_size=arguments.batch_size,
                )
                importer_seconds = time.perf_counter() - started
        finally:
            engine.dispose()
        imported = _counts(settings)
    if summary.inserted != len(rows):
        raise SystemExit(f"the importer inserted {summary.inserted} of {len(rows)} rows")
    with fresh_database(arguments.server, "copy") as settings:
        tables = _copy_rows(rows)
        with psycopg.connect(_libpq_url(settings)) as connection:
            started = time.perf_counter()
            with connection.transaction():
                for table, table_rows in tables.items():
                    names = list(table_rows[0])
                    values = ([row[name] for name in names] for row in table_rows)
                    copy_values(connection, table, names, values)
            copy_seconds = time.perf_counter() - started
        copied = _counts(settings)
    if imported != copied:
        raise SystemExit(f"the two databases differ: importer {imported}, COPY {copied}")
    return Round(importer_seconds, copy_seconds)


def _copy_rows(rows: list[GameRow]) -> dict[str, list[dict[str, Any]]]:
    """The rows the importer writes, prepared as plain values (not timed)."""
    now = datetime.now(UTC)
    bookkeeping = {
        "created_at": now,
        "updated_at": now,
        "created_by": "bench",
        "updated_by": "bench",
        "change_reason": None,
        "version": 1,
    }
    tables: dict[str, list[dict[str, Any]]] = {
        "categories": [],
        "tags": [],
        "games": [],
        "game_categories": [],
        "game_tags": [],
    }
    label_ids: dict[str, dict[str, uuid.UUID]] = {"categories": {}, "tags": {}}
    for row in rows:
        game_id = uuid.uuid4()
        tables["games"].append({"id": game_id, **row.values, **bookkeeping})
        for kind, links, column in (
            ("categories", "game_categories", "category_id"),
            ("tags", "game_tags", "tag_id"),
        ):
            linked = set()
            for name in getattr(row, kind):
                slug = slugify(name)
                if slug not in label_ids[kind]:
                    label_ids[kind][slug] = uuid.uuid4()
                    tables[kind].append(
                        {"id": label_ids[kind][slug], "name": name, "slug": slug, **bookkeeping}
                    )
                linked.add(label_ids[kind][slug])
            tables[links] += [{"game_id": game_id, column: label} for label in linked]
    return tables


def _counts(settings: Settings) -> dict[str, int]:
    engine = create_engine(settings.database_url)
    try:
        with engine.connect() as connection:
            return {
                table.name: connection.scalar(select(func.count()).select_from(table)) or 0
                for table in COUNTED_TABLES
            }
    finally:
        engine.dispose()


def _libpq_url(settings: Settings) -> str:
    return settings.database.set(drivername="postgresql").render_as_string(hide_password=False)


def _report(
    arguments: argparse.Namespace, rows: int, importer: float, copy: float, database: str
) -> str:
    importer_rate, copy_rate = rows / importer, rows / copy
    ratio = importer_rate / copy_rate

    def verdict(ok: bool) -> str:
        return "met" if ok else "NOT met"

    return f"""## Import: the full catalog into PostgreSQL

Command: `make bench-import` (`python -m scripts.bench.import_bench --rounds {arguments.rounds}
--batch-size {arguments.batch_size}`), file `{arguments.file.name}`, {rows} valid rows.
Machine: {machine_description(database)}.
Median of {arguments.rounds} rounds; each round on two fresh databases migrated to head.

| what | seconds | game rows/s |
|---|---:|---:|
| importer, end to end (1) | {importer:.2f} | {importer_rate:,.0f} |
| plain COPY of the same validated rows (2) | {copy:.2f} | {copy_rate:,.0f} |

(1) read, validate, compare, write games, labels, links and audit rows, commit per batch,
refresh planner statistics. (2) games, labels and links, given rows already read and
validated; no audit rows.

- Whole file under {TARGET_SECONDS:.0f} s: {importer:.2f} s, {verdict(importer < TARGET_SECONDS)}.
- At least {TARGET_RATIO} of COPY's row rate: {ratio:.2f}, {verdict(ratio >= TARGET_RATIO)}.
"""


if __name__ == "__main__":
    sys.exit(main())

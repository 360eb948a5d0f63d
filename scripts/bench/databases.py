"""Fresh databases for the benchmarks: created on a server, migrated to head, dropped after."""

from __future__ import annotations

import argparse
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from backend.config import PROJECT_ROOT, AppEnv, Settings
from backend.db.migrations import alembic_config

# The real catalog export, which is not part of the repository (see tests/exports.py).
DEFAULT_FILE = Path(
    os.environ.get("CATALOG_EXPORT_FILE")
    or PROJECT_ROOT.parent / "shared" / "data" / "bgg_dataset.csv"
)
DEFAULT_POSTGRES = "postgresql://postgres@127.0.0.1:5432/postgres"
DEFAULT_MARIADB = "mariadb://root@127.0.0.1:3306/"


@contextmanager
def fresh_database(server: str, label: str) -> Iterator[Settings]:
    """A new database on the PostgreSQL or MariaDB server at `server`, at head; dropped
    afterwards. Created as the tests and README create one (utf8mb4 on MariaDB)."""
    admin_url = make_url(Settings(database_url=server).database_url)
    backend = admin_url.get_backend_name()
    name = f"gamenight_bench_{os.getpid()}_{label}"
    options = "CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci" if backend != "postgresql" else ""
    force = " WITH (FORCE)" if backend == "postgresql" else ""
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f"DROP DATABASE IF EXISTS {name}{force}"))
            connection.execute(text(f"CREATE DATABASE {name} {options}"))
        settings = Settings(
            app_env=AppEnv.TEST,
            database_url=admin_url.set(database=name).render_as_string(hide_password=False),
        )
        migrate(settings)
        yield settings
    finally:
        with admin.connect() as connection:
            connection.execute(text(f"DROP DATABASE IF EXISTS {name}{force}"))
        admin.dispose()


def migrate(settings: Settings) -> None:
    config = alembic_config(settings)
    config.attributes["configure_logger"] = False
    command.upgrade(config, "head")


def postgresql_version(settings: Settings) -> str:
    """ "PostgreSQL 15.20", say, for the report's machine line."""
    engine = create_engine(settings.database_url)
    try:
        with engine.connect() as connection:
            return f"PostgreSQL {str(connection.scalar(text('SHOW server_version'))).split()[0]}"
    finally:
        engine.dispose()


def catalog_on_postgresql_arguments(description: str | None) -> argparse.ArgumentParser:
    """A benchmark's parser with the two arguments the catalog benchmarks share: the
    export to load (--file) and the PostgreSQL server to create databases on (--server)."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--file", type=Path, default=DEFAULT_FILE)
    parser.add_argument(
        "--server",
        default=os.environ.get("BENCH_POSTGRES_URL", DEFAULT_POSTGRES),
        help="a PostgreSQL server where databases may be created (BENCH_POSTGRES_URL)",
    )
    return parser

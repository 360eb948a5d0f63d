"""Alembic seen from the app: where the migrations are, and whether a database is at head."""

from __future__ import annotations

import threading
from typing import Any

from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection, Engine

from backend.config import PROJECT_ROOT, Settings

ALEMBIC_INI = PROJECT_ROOT / "alembic.ini"


def alembic_config(settings: Settings | None = None) -> Config:
    """Alembic's config; `settings` (default: read from the environment) name the database."""
    config = Config(str(ALEMBIC_INI))
    if settings is not None:
        config.attributes["settings"] = settings
    return config


def head_revisions() -> frozenset[str]:
    """The revisions a fully migrated database is at, read from the migration scripts."""
    return frozenset(ScriptDirectory.from_config(alembic_config()).get_heads())


def applied_revisions(connection: Connection) -> frozenset[str]:
    """The revisions recorded in the database's alembic_version table (empty when none)."""
    return frozenset(MigrationContext.configure(connection).get_current_heads())


def applied_revisions_within(engine: Engine, seconds: float) -> frozenset[str]:
    """`applied_revisions` on a pooled connection, giving up after `seconds` (TimeoutError).

    A probe must get its answer quickly even when the database hangs (a network dropping
    packets, a stuck server); the abandoned helper thread ends by itself when the driver's
    connect timeout or the pool timeout runs out.
    """
    outcome: dict[str, Any] = {}

    def check() -> None:
        try:
            with engine.connect() as connection:
                outcome["revisions"] = applied_revisions(connection)
        except Exception as error:  # noqa: BLE001 - re-raised in the waiting thread
            outcome["error"] = error

    helper = threading.Thread(target=check, name="applied-revisions-check", daemon=True)
    helper.start()
    helper.join(seconds)
    if helper.is_alive():
        raise TimeoutError(f"the database did not answer within {seconds} seconds")
    if "error" in outcome:
        raise outcome["error"]
    revisions: frozenset[str] = outcome["revisions"]
    return revisions

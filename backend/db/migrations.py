"""Alembic seen from the app: where the migrations are, and whether a database is at head."""

from __future__ import annotations

from typing import Any

from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection

from backend.config import PROJECT_ROOT, Settings
from backend.db.engine import make_engine

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


def applied_revisions_at(settings: Settings) -> frozenset[str]:
    """applied_revisions on a connection of its own, for a check before the app serves."""
    engine = make_engine(settings, purpose="probe", timeout_seconds=settings.db_connect_timeout)
    try:
        with engine.connect() as connection:
            return applied_revisions(connection)
    finally:
        engine.dispose()


def not_migrated(database: str, applied: frozenset[str], heads: frozenset[str]) -> str | None:
    """What to tell someone about to use `database` when it is not at the migrations' head
    (`applied` as applied_revisions reads it); None when it is."""
    if applied == heads:
        return None
    at = ", ".join(sorted(applied)) or "no migration"
    expected = ", ".join(sorted(heads))
    return (
        f"the database at {database} is not migrated (at {at}, expected {expected}); "
        "run `make migrate` (alembic upgrade head) first"
    )


def only_this_dialects_objects(dialect_name: str) -> Any:
    """An include_object hook that leaves out what the models create only on other dialects
    (`Index(...).ddl_if(dialect="postgresql")`), which autogenerate does not know to skip."""

    def include_object(
        obj: Any, _name: str | None, type_: str, reflected: bool, _compare_to: Any
    ) -> bool:
        condition = getattr(obj, "_ddl_if", None)
        if reflected or condition is None or condition.dialect is None:
            return True
        dialects = (
            {condition.dialect} if isinstance(condition.dialect, str) else set(condition.dialect)
        )
        return dialect_name in dialects

    return include_object

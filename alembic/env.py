"""Alembic environment: the URL comes from the app's settings, the metadata from its models."""

from __future__ import annotations

from logging.config import fileConfig
from typing import Any

from alembic import context
from alembic.autogenerate.api import AutogenContext
from sqlalchemy.engine import Connection

from backend.config import Settings, settings_or_exit
from backend.db.engine import make_engine
from backend.db.migrations import only_this_dialects_objects
from backend.models import Base
from backend.models.base import UTCDateTime

config = context.config
# Callers that configured logging themselves (the test suite) pass configure_logger=False.
if config.config_file_name is not None and config.attributes.get("configure_logger", True):
    fileConfig(config.config_file_name, disable_existing_loggers=False)

target_metadata = Base.metadata


def _settings() -> Settings:
    settings: Settings | None = config.attributes.get("settings")
    return settings or settings_or_exit()


def render_item(type_: str, obj: Any, autogen_context: AutogenContext) -> str | bool:
    """Spell UTCDateTime out in migrations, so they never import application code."""
    if type_ == "type" and isinstance(obj, UTCDateTime):
        autogen_context.imports.add("from sqlalchemy.dialects import mysql")
        return 'sa.DateTime(timezone=True).with_variant(mysql.DATETIME(fsp=6), "mysql", "mariadb")'
    return False


def _configure_options(dialect_name: str) -> dict[str, Any]:
    return {
        "target_metadata": target_metadata,
        "render_item": render_item,
        "include_object": only_this_dialects_objects(dialect_name),
        "compare_type": True,
        "compare_server_default": True,
        # SQLite alters most things only by copying the table; batch mode does that for us.
        "render_as_batch": dialect_name == "sqlite",
    }


def run_migrations_offline() -> None:
    """Print the SQL instead of running it (`alembic upgrade head --sql`)."""
    settings = _settings()
    context.configure(
        url=settings.database_url,
        literal_binds=True,
        dialect_opts={"paramstyle": "named"},
        **_configure_options(settings.database.get_backend_name()),
    )
    with context.begin_transaction():
        context.run_migrations()


def _run_on(connection: Connection) -> None:
    context.configure(connection=connection, **_configure_options(connection.dialect.name))
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection: Connection | None = config.attributes.get("connection")
    if connection is not None:
        _run_on(connection)
        return
    engine = make_engine(_settings(), purpose="migrations")
    try:
        with engine.connect() as connection:
            _run_on(connection)
    finally:
        engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()

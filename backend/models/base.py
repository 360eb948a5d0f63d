"""Declarative base with a naming convention, portable column types and the shared mixins."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime, Integer, MetaData, String, Uuid, event
from sqlalchemy.dialects import mysql
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, declared_attr, mapped_column
from sqlalchemy.types import TypeDecorator, TypeEngine

# Deterministic names on every dialect: migrations, error translation and the drift check
# find constraints by these names.
NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_N_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# Column.info key of a column whose value is a secret or a hash of one: the audit trail
# records that it changed, never the value.
SECRET_INFO_KEY = "secret"  # noqa: S105 - a key's name, not a secret
ACTOR_MAX_LENGTH = 100
CHANGE_REASON_MAX_LENGTH = 500


def utc_now() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC instant on every dialect.

    PostgreSQL stores `timestamptz`; MariaDB and SQLite have no time zone type, so the value
    is stored as naive UTC (microseconds kept) and comes back aware.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name in ("mysql", "mariadb"):
            return dialect.type_descriptor(mysql.DATETIME(fsp=6))
        return dialect.type_descriptor(DateTime(timezone=True))

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("UTCDateTime needs a timezone-aware datetime")
        value = value.astimezone(UTC)
        return value if dialect.name == "postgresql" else value.replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: UTCDateTime(), uuid.UUID: Uuid()}


class UUIDPrimaryKey:
    """A random UUID key: safe to expose in URLs, and mergeable across databases.

    Assigned when the object is built (not at INSERT), so a new entity's id can be used,
    logged and audited before the flush.
    """

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4, sort_order=-100)


@event.listens_for(UUIDPrimaryKey, "init", propagate=True)
def _assign_id(target: UUIDPrimaryKey, _args: Any, kwargs: dict[str, Any]) -> None:
    kwargs.setdefault("id", uuid.uuid4())


class TimestampMixin:
    """When the row was created and last changed, in UTC, set by the application."""

    created_at: Mapped[datetime] = mapped_column(default=utc_now, sort_order=100)
    updated_at: Mapped[datetime] = mapped_column(default=utc_now, onupdate=utc_now, sort_order=101)


class AuditMixin:
    """Who created and last changed the row, and why.

    Filled by the Unit of Work's before_flush listener from its actor and the request's
    change reason; never from request bodies.
    """

    created_by: Mapped[str] = mapped_column(String(ACTOR_MAX_LENGTH), sort_order=102)
    updated_by: Mapped[str] = mapped_column(String(ACTOR_MAX_LENGTH), sort_order=103)
    change_reason: Mapped[str | None] = mapped_column(
        String(CHANGE_REASON_MAX_LENGTH), sort_order=104
    )


class PartOfParent:
    """A row that is part of another entity (a play's participant): the parent's audit row
    lists it among the parent's values, and its version covers it, so it has no audit row
    of its own."""


class VersionMixin:
    """A counter SQLAlchemy checks and bumps on every UPDATE and DELETE.

    A writer holding an old version updates no row and gets StaleDataError, which the API
    reports as 412; the version is also what the ETag is derived from.
    """

    version: Mapped[int] = mapped_column(Integer, sort_order=105)

    @declared_attr.directive
    def __mapper_args__(cls) -> dict[str, Any]:
        return {"version_id_col": cls.__table__.c.version}  # type: ignore[attr-defined]

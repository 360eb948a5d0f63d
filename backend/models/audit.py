"""The audit trail: who changed what and why, written by one before_flush listener."""

from __future__ import annotations

import enum
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, BigInteger, Enum, Index, Integer, String, inspect
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import (
    LoaderCallableStatus,
    Mapped,
    Mapper,
    Session,
    UOWTransaction,
    mapped_column,
)

from backend.models.base import (
    ACTOR_MAX_LENGTH,
    CHANGE_REASON_MAX_LENGTH,
    AuditMixin,
    Base,
    TimestampMixin,
    utc_now,
)

REQUEST_ID_MAX_LENGTH = 128
# Bookkeeping columns: recording them would repeat the audit row itself.
_NOT_AUDITED = frozenset(
    {"created_at", "updated_at", "created_by", "updated_by", "change_reason", "version"}
)
_JSON_NATIVE = frozenset({str, int, float, bool})
# Where a session carries the context of the work it does (see UnitOfWork).
AUDIT_CONTEXT_KEY = "audit_context"


class AuditAction(enum.StrEnum):
    INSERT = "insert"
    UPDATE = "update"
    DELETE = "delete"


@dataclass(frozen=True)
class AuditContext:
    """Who is acting, why, and in which request."""

    actor: str
    change_reason: str | None = None
    request_id: str | None = None


SYSTEM_CONTEXT = AuditContext(actor="system")


class AuditLog(Base):
    __tablename__ = "audit_log"

    # SQLite only auto-increments a column declared exactly INTEGER PRIMARY KEY.
    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer(), "sqlite"), primary_key=True
    )
    occurred_at: Mapped[datetime] = mapped_column(default=utc_now)
    actor: Mapped[str] = mapped_column(String(ACTOR_MAX_LENGTH))
    action: Mapped[AuditAction] = mapped_column(
        Enum(
            AuditAction,
            name="audit_action",
            native_enum=False,
            create_constraint=True,
            length=10,
            values_callable=lambda actions: [action.value for action in actions],
        )
    )
    entity_type: Mapped[str] = mapped_column(String(64))
    entity_id: Mapped[str] = mapped_column(String(64))
    # Column name -> [old, new]; an insert has no old values, a delete no new ones.
    changes: Mapped[dict[str, Any]] = mapped_column(JSON().with_variant(JSONB(), "postgresql"))
    change_reason: Mapped[str | None] = mapped_column(String(CHANGE_REASON_MAX_LENGTH))
    request_id: Mapped[str | None] = mapped_column(String(REQUEST_ID_MAX_LENGTH))

    __table_args__ = (
        Index(None, "entity_type", "entity_id"),
        Index(None, "occurred_at"),
    )


def record_changes(session: Session, _flush_context: UOWTransaction, _instances: Any) -> None:
    """before_flush: fill the audit columns and add one audit_log row per changed entity."""
    context = audit_context(session)
    entries: list[AuditLog] = []
    for entity in list(session.new):
        if isinstance(entity, AuditLog):
            continue
        if isinstance(entity, AuditMixin):
            entity.created_by = entity.updated_by = context.actor
            entity.change_reason = context.change_reason
        entries.append(_entry(entity, AuditAction.INSERT, _values(entity, new=True), context))
    for entity in list(session.dirty):
        changes = _changed_values(entity)
        if not changes:
            continue
        if isinstance(entity, AuditMixin):
            entity.updated_by = context.actor
            entity.change_reason = context.change_reason
        if isinstance(entity, TimestampMixin):
            # Also when only a collection changed: the row is then UPDATEd after all, so
            # its version (and ETag) moves with every change a client can see.
            entity.updated_at = utc_now()
        entries.append(_entry(entity, AuditAction.UPDATE, changes, context))
    for entity in list(session.deleted):
        entries.append(_entry(entity, AuditAction.DELETE, _values(entity, new=False), context))
    session.add_all(entries)


@dataclass(frozen=True)
class BulkUpdate:
    """One row of a set-based UPDATE: which row, at which version it was read, the values
    to write (the same keys for every row of one statement), and what changed (audited)."""

    id: uuid.UUID
    version: int
    values: Mapping[str, Any]
    changes: Mapping[str, Any]


def stamp_bulk_inserts(
    model: type[Any],
    rows: Sequence[Mapping[str, Any]],
    context: AuditContext,
    extra_changes: Sequence[Mapping[str, Any]] | None = None,
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Rows for a set-based INSERT with the bookkeeping the listener would have filled, and
    their audit_log rows: bulk statements bypass the ORM's flush, so they are stamped here.
    `extra_changes` adds, row by row, what the audit should record beyond the columns
    (the labels a bulk load links the row to, say)."""
    now = utc_now()
    has_id = "id" in model.__table__.c
    bookkeeping: dict[str, Any] = {}
    if issubclass(model, AuditMixin):
        bookkeeping = {
            "created_at": now,
            "updated_at": now,
            "created_by": context.actor,
            "updated_by": context.actor,
            "change_reason": context.change_reason,
            "version": 1,
        }
    prepared: list[dict[str, Any]] = []
    changes: list[tuple[Any, dict[str, Any]]] = []
    for index, row in enumerate(rows):
        values = {**row, **bookkeeping}
        if has_id and values.get("id") is None:
            values["id"] = uuid.uuid4()
        prepared.append(values)
        # Written out by hand: this loop runs once per row of a bulk load.
        inserted = {
            key: [None, value if value is None or type(value) in _JSON_NATIVE else _jsonable(value)]
            for key, value in values.items()
            if key not in _NOT_AUDITED
        }
        if extra_changes is not None:
            inserted.update(extra_changes[index])
        changes.append((values["id"], inserted))
    return prepared, bulk_audit_entries(model, AuditAction.INSERT, changes, context, now)


def stamp_bulk_updates(
    model: type[Any], updates: Sequence[BulkUpdate], context: AuditContext
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Parameters for a set-based, version-checked UPDATE, and its audit_log rows."""
    now = utc_now()
    parameters = [
        {
            **update.values,
            "_id": update.id,
            "_version": update.version,
            "updated_at": now,
            "updated_by": context.actor,
            "change_reason": context.change_reason,
        }
        for update in updates
    ]
    changes = [
        (
            update.id,
            {key: [_jsonable(part) for part in pair] for key, pair in update.changes.items()},
        )
        for update in updates
    ]
    return parameters, bulk_audit_entries(model, AuditAction.UPDATE, changes, context, now)


def bulk_audit_entries(
    model: type[Any],
    action: AuditAction,
    changes: Sequence[tuple[Any, Mapping[str, Any]]],
    context: AuditContext,
    occurred_at: datetime,
) -> list[dict[str, Any]]:
    """audit_log rows for changes already in JSON's terms (entity id -> field -> [old, new])."""
    return [
        {
            "occurred_at": occurred_at,
            "actor": context.actor,
            "action": action,
            "entity_type": model.__table__.name,
            "entity_id": str(entity_id),
            "changes": entity_changes,
            "change_reason": context.change_reason,
            "request_id": context.request_id,
        }
        for entity_id, entity_changes in changes
    ]


def audit_context(session: Session) -> AuditContext:
    context: AuditContext = session.info.get(AUDIT_CONTEXT_KEY, SYSTEM_CONTEXT)
    return context


def _entry(
    entity: Any, action: AuditAction, changes: dict[str, Any], context: AuditContext
) -> AuditLog:
    identity = inspect(entity).mapper.primary_key_from_instance(entity)
    return AuditLog(
        actor=context.actor,
        action=action,
        entity_type=entity.__table__.name,
        entity_id=",".join(str(part) for part in identity),
        changes=changes,
        change_reason=context.change_reason,
        request_id=context.request_id,
    )


def _stored_keys(mapper: Mapper[Any]) -> list[str]:
    """The audited attributes kept in the entity's own table (not computed ones)."""
    return [
        attribute.key
        for attribute in mapper.column_attrs
        if attribute.key not in _NOT_AUDITED
        and any(
            getattr(column, "table", None) is mapper.local_table for column in attribute.columns
        )
    ]


def _collections(mapper: Mapper[Any]) -> list[str]:
    return [relationship.key for relationship in mapper.relationships if relationship.uselist]


def _names(related: Iterable[Any]) -> list[str]:
    return sorted(getattr(item, "name", None) or str(inspect(item).identity) for item in related)


def _values(entity: Any, *, new: bool) -> dict[str, Any]:
    state = inspect(entity)
    values = {}
    for key in _stored_keys(state.mapper):
        value = _jsonable(state.attrs[key].value)
        values[key] = [None, value] if new else [value, None]
    for key in _collections(state.mapper):
        loaded = state.attrs[key].loaded_value
        if loaded is LoaderCallableStatus.NO_VALUE:
            continue  # never loaded, so nothing is known to record
        names = _names(loaded)
        values[key] = [None, names] if new else [names, None]
    return values


def _changed_values(entity: Any) -> dict[str, Any]:
    state = inspect(entity)
    changes: dict[str, Any] = {}
    for key in _stored_keys(state.mapper):
        history = state.attrs[key].history
        if not history.added:
            continue
        old = history.deleted[0] if history.deleted else None
        new = history.added[0]
        if old != new:
            changes[key] = [_jsonable(old), _jsonable(new)]
    for key in _collections(state.mapper):
        history = state.attrs[key].history
        old = _names([*history.unchanged, *history.deleted])
        new = _names([*history.unchanged, *history.added])
        if old != new:
            changes[key] = [old, new]
    return changes


def _jsonable(value: Any) -> Any:
    if value is None or type(value) in _JSON_NATIVE:
        return value
    if isinstance(value, uuid.UUID | Decimal):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return value.value
    return value

"""The one audit writer: bookkeeping columns and audit_log rows, for flushes and bulk writes."""

from __future__ import annotations

import enum
import functools
import uuid
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Table, inspect
from sqlalchemy.orm import LoaderCallableStatus, Mapper, Session, UOWTransaction

from backend.domain.principal import SYSTEM
from backend.domain.versions import BulkUpdate
from backend.models.audit import AuditAction, AuditContext, AuditLog
from backend.models.base import (
    SECRET_INFO_KEY,
    AuditMixin,
    PartOfParent,
    TimestampMixin,
    VersionMixin,
    utc_now,
)

# Where a session carries the context of the work it does (see SqlAlchemyUnitOfWork).
AUDIT_CONTEXT_KEY = "audit_context"
SYSTEM_CONTEXT = AuditContext(actor=SYSTEM.name)
# The columns `bookkeeping` fills: recording them would repeat the audit row itself.
NOT_AUDITED = frozenset(
    {"created_at", "updated_at", "created_by", "updated_by", "change_reason", "version"}
)
_JSON_NATIVE = frozenset({str, int, float, bool})
# What the audit records of a secret column's value (a password's or a token's hash).
REDACTED = "[redacted]"


def audit_context(session: Session) -> AuditContext:
    context: AuditContext = session.info.get(AUDIT_CONTEXT_KEY, SYSTEM_CONTEXT)
    return context


def bookkeeping(
    model: type[Any], context: AuditContext, now: datetime, *, new: bool
) -> dict[str, Any]:
    """The bookkeeping columns a write of a `model` row fills, and with what: the time, the
    actor and reason of the work, and version 1 for a new row. Later versions are bumped by
    the UPDATE itself (SQLAlchemy's version counter, or update_many's statement)."""
    values: dict[str, Any] = {}
    if issubclass(model, TimestampMixin):
        if new:
            values["created_at"] = now
        values["updated_at"] = now
    if issubclass(model, AuditMixin):
        if new:
            values["created_by"] = context.actor
        values["updated_by"] = context.actor
        values["change_reason"] = context.change_reason
    if new and issubclass(model, VersionMixin):
        values["version"] = 1
    return values


def jsonable(value: Any) -> Any:
    """A value as the audit's JSON holds it: ids and decimals as text, dates and times in
    ISO 8601, enums by their value; JSON's own types (lists of names too) as they are."""
    if value is None or type(value) in _JSON_NATIVE:
        return value
    if isinstance(value, uuid.UUID | Decimal):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return value.value
    return value


def inserted(values: Mapping[str, Any]) -> dict[str, Any]:
    """An insert's changes: each audited column as [None, new]."""
    return {key: [None, jsonable(value)] for key, value in values.items() if key not in NOT_AUDITED}


def deleted(values: Mapping[str, Any]) -> dict[str, Any]:
    """A delete's changes: each audited column as [old, None]."""
    return {key: [jsonable(value), None] for key, value in values.items() if key not in NOT_AUDITED}


def updated(pairs: Mapping[str, Sequence[Any]]) -> dict[str, Any]:
    """An update's changes, from column -> (old, new) for what differs: [old, new]."""
    return {key: [jsonable(old), jsonable(new)] for key, (old, new) in pairs.items()}


def audit_row(
    action: AuditAction,
    entity_type: str,
    entity_id: Any,
    changes: dict[str, Any],
    context: AuditContext,
    occurred_at: datetime,
) -> dict[str, Any]:
    """The values of one audit_log row, whichever path writes it. `entity_id` is the row's
    key; a tuple is a composite key, recorded as its parts joined by commas."""
    return {
        "occurred_at": occurred_at,
        "actor": context.actor,
        "action": action,
        "entity_type": entity_type,
        "entity_id": (
            ",".join(str(part) for part in entity_id)
            if isinstance(entity_id, tuple)
            else str(entity_id)
        ),
        "changes": changes,
        "change_reason": context.change_reason,
        "request_id": context.request_id,
    }


@functools.cache
def _secret_columns(table: Table) -> frozenset[str]:
    return frozenset(column.key for column in table.c if column.info.get(SECRET_INFO_KEY))


def redacted(table: Table, changes: dict[str, Any]) -> dict[str, Any]:
    """The changes with each secret column's known values replaced by REDACTED: the trail
    shows that a password changed, and when, without a hash to attack offline."""
    for key in _secret_columns(table) & changes.keys():
        changes[key] = [None if value is None else REDACTED for value in changes[key]]
    return changes


def record_changes(session: Session, _flush_context: UOWTransaction, _instances: Any) -> None:
    """before_flush: fill the bookkeeping columns and add one audit_log row per changed entity."""
    context = audit_context(session)
    now = utc_now()
    rows: list[dict[str, Any]] = []

    def row_of(entity: Any, action: AuditAction, changes: dict[str, Any]) -> dict[str, Any]:
        identity = tuple(inspect(entity).mapper.primary_key_from_instance(entity))
        table = entity.__table__
        return audit_row(action, table.name, identity, redacted(table, changes), context, now)

    for entity in list(session.new):
        if isinstance(entity, AuditLog | PartOfParent):
            continue
        _stamp(entity, bookkeeping(type(entity), context, now, new=True))
        changes = inserted(_current_values(entity))
        rows.append(row_of(entity, AuditAction.INSERT, changes))
    for entity in list(session.dirty):
        if isinstance(entity, PartOfParent):
            continue
        changes = updated(_changed_pairs(entity))
        if not changes:
            continue
        # Also when only a collection changed: the row is then UPDATEd after all, so its
        # version (and ETag) moves with every change a client can see.
        _stamp(entity, bookkeeping(type(entity), context, now, new=False))
        rows.append(row_of(entity, AuditAction.UPDATE, changes))
    for entity in list(session.deleted):
        if isinstance(entity, PartOfParent):
            continue
        changes = deleted(_current_values(entity))
        rows.append(row_of(entity, AuditAction.DELETE, changes))
    session.add_all([AuditLog(**row) for row in rows])


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
    stamp = bookkeeping(model, context, now, new=True)
    entity_type = model.__table__.name
    has_id = "id" in model.__table__.c
    prepared: list[dict[str, Any]] = []
    entries: list[dict[str, Any]] = []
    for index, row in enumerate(rows):
        values = dict(row)
        if has_id and values.get("id") is None:
            values["id"] = uuid.uuid4()
        changes = redacted(model.__table__, inserted(values))
        # Stamped after the changes are taken: they would only be filtered out again.
        values.update(stamp)
        prepared.append(values)
        if extra_changes is not None:
            changes.update(extra_changes[index])
        entries.append(
            audit_row(AuditAction.INSERT, entity_type, values["id"], changes, context, now)
        )
    return prepared, entries


def stamp_bulk_updates(
    model: type[Any], updates: Sequence[BulkUpdate], context: AuditContext
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Parameters for a set-based, version-checked UPDATE (the row's key and read version
    as `_id` and `_version`), and its audit_log rows."""
    now = utc_now()
    stamp = bookkeeping(model, context, now, new=False)
    entity_type = model.__table__.name
    parameters = [
        {**update.values, **stamp, "_id": update.id, "_version": update.version}
        for update in updates
    ]
    entries = [
        audit_row(
            AuditAction.UPDATE,
            entity_type,
            update.id,
            redacted(model.__table__, updated(update.changes)),
            context,
            now,
        )
        for update in updates
    ]
    return parameters, entries


def _stamp(entity: Any, values: Mapping[str, Any]) -> None:
    for name, value in values.items():
        setattr(entity, name, value)


# A mapper's audited attributes never change once it is configured: worked out once each.
@functools.cache
def _stored_keys(mapper: Mapper[Any]) -> tuple[str, ...]:
    """The audited attributes kept in the entity's own table (not computed ones)."""
    return tuple(
        attribute.key
        for attribute in mapper.column_attrs
        if attribute.key not in NOT_AUDITED
        and any(
            getattr(column, "table", None) is mapper.local_table for column in attribute.columns
        )
    )


@functools.cache
def _collections(mapper: Mapper[Any]) -> tuple[str, ...]:
    return tuple(relationship.key for relationship in mapper.relationships if relationship.uselist)


def _names(related: Iterable[Any]) -> list[str]:
    """A collection as the audit row keeps it: each item's name (a label's), else its key
    as the audit trail writes keys (a refused game's id)."""
    return sorted(getattr(item, "name", None) or _key_text(item) for item in related)


def _key_text(entity: Any) -> str:
    key = inspect(entity).mapper.primary_key_from_instance(entity)
    return ",".join(str(part) for part in key)


def _current_values(entity: Any) -> dict[str, Any]:
    """The entity's audited columns, and the names in each collection known to be loaded."""
    state = inspect(entity)
    values = {key: state.attrs[key].value for key in _stored_keys(state.mapper)}
    for key in _collections(state.mapper):
        loaded = state.attrs[key].loaded_value
        if loaded is LoaderCallableStatus.NO_VALUE:
            continue  # never loaded, so nothing is known to record
        values[key] = _names(loaded)
    return values


def _changed_pairs(entity: Any) -> dict[str, tuple[Any, Any]]:
    """(old, new) for each audited column and collection the flush will change."""
    state = inspect(entity)
    pairs: dict[str, tuple[Any, Any]] = {}
    for key in _stored_keys(state.mapper):
        history = state.attrs[key].history
        if not history.added:
            continue
        old = history.deleted[0] if history.deleted else None
        new = history.added[0]
        if old != new:
            pairs[key] = (old, new)
    for key in _collections(state.mapper):
        history = state.attrs[key].history
        old_names = _names([*history.unchanged, *history.deleted])
        new_names = _names([*history.unchanged, *history.added])
        if old_names != new_names:
            pairs[key] = (old_names, new_names)
    return pairs

"""Repository[ModelT]: what every aggregate's repository can do. It never commits."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, ClassVar, Generic, NamedTuple, TypeVar

from sqlalchemy import ColumnElement, Select, bindparam, func, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError
from sqlalchemy.orm.interfaces import ORMOption

from backend.db.bulk import insert_rows
from backend.db.errors import raising_domain_errors
from backend.domain.errors import NotFoundError
from backend.domain.versions import BulkUpdate
from backend.models import AuditLog, Base
from backend.repositories.audit import audit_context, stamp_bulk_inserts, stamp_bulk_updates

ModelT = TypeVar("ModelT", bound=Base)
ItemT = TypeVar("ItemT")


class Page(NamedTuple, Generic[ItemT]):
    """One page of a list, with the number of items on every page together."""

    items: list[ItemT]
    total: int


class Repository(Generic[ModelT]):
    """Generic data access for one aggregate, on the Unit of Work's session."""

    model: ClassVar[type[Any]]
    # How an entity is named in messages ("game 3f2a... does not exist").
    entity_name: ClassVar[str]
    # The only attributes `update` may set: a whitelist, so no request can touch audit columns.
    updatable: ClassVar[frozenset[str]] = frozenset()
    # A total order, so pages never overlap or skip rows; the key breaks ties.
    default_order: ClassVar[Sequence[Any]] = ()

    def __init__(self, session: Session) -> None:
        self.session = session

    def select(self) -> Select[ModelT]:
        return select(self.model)

    def get(self, identifier: Any, *, options: Sequence[ORMOption] = ()) -> ModelT | None:
        entity: ModelT | None = self.session.get(self.model, identifier, options=options)
        return entity

    def get_or_raise(self, identifier: Any, *, options: Sequence[ORMOption] = ()) -> ModelT:
        entity = self.get(identifier, options=options)
        if entity is None:
            raise NotFoundError(self.entity_name, identifier)
        return entity

    def get_for_update(self, identifier: Any) -> ModelT:
        """Read and row-lock the entity until the Unit of Work ends (SELECT ... FOR UPDATE):
        for a row that concurrent requests change together (a tournament whose
        registrations are numbered in turn)."""
        entity = self.session.scalar(
            self.select().where(self.model.id == identifier).with_for_update()
        )
        if entity is None:
            raise NotFoundError(self.entity_name, identifier)
        return entity

    def list(
        self,
        *,
        where: Iterable[ColumnElement[bool]] = (),
        order_by: Sequence[Any] = (),
        page: int = 1,
        page_size: int = 20,
        options: Sequence[ORMOption] = (),
    ) -> Page[ModelT]:
        """One page of the entities matching `where`: a COUNT, then the page itself."""
        conditions = list(where)
        total = self.count(*conditions)
        offset = (page - 1) * page_size
        if offset >= total:
            # Past the end: nothing to fetch, and no absurd OFFSET ever reaches the database.
            return Page([], total)
        statement = (
            self.select()
            .where(*conditions)
            .order_by(*(order_by or self.default_order))
            .offset(offset)
            .limit(page_size)
            .options(*options)
        )
        return Page(list(self.session.scalars(statement)), total)

    @property
    def dialect_name(self) -> str:
        return self.session.get_bind().dialect.name

    def count(self, *where: ColumnElement[bool]) -> int:
        statement = select(func.count()).select_from(self.model).where(*where)
        return self.session.scalar(statement) or 0

    def add(self, entity: ModelT) -> ModelT:
        self.session.add(entity)
        return entity

    def insert_many(
        self,
        rows: Sequence[Mapping[str, Any]],
        *,
        audit_extras: Sequence[Mapping[str, Any]] | None = None,
    ) -> Sequence[Any]:
        """Insert plain rows set-based (one executemany each for rows and audit entries),
        bypassing the identity map; returns the new keys in order. For bulk loads."""
        if not rows:
            return []
        context = audit_context(self.session)
        prepared, entries = stamp_bulk_inserts(self.model, rows, context, audit_extras)
        with raising_domain_errors(Base.metadata):
            connection = self.session.connection()
            insert_rows(connection, self.model.__table__, prepared)
            insert_rows(connection, AuditLog.__table__, entries)
        return [row["id"] for row in prepared]

    def update_many(self, updates: Sequence[BulkUpdate]) -> None:
        """UPDATE many rows set-based (one executemany), each only while it is still at the
        version it was read at (StaleObjectError otherwise), bumping it; audited."""
        if not updates:
            return
        table = self.model.__table__
        stamped, entries = stamp_bulk_updates(self.model, updates, audit_context(self.session))
        # Bind names must differ from column names in an UPDATE's SET clause.
        parameters = [{f"p_{name}": value for name, value in row.items()} for row in stamped]
        assignments: dict[str, Any] = {
            name: bindparam(f"p_{name}") for name in stamped[0] if not name.startswith("_")
        }
        statement = (
            update(table)
            .where(table.c.id == bindparam("p__id"), table.c.version == bindparam("p__version"))
            .values(**assignments, version=table.c.version + 1)
        )
        with raising_domain_errors(Base.metadata):
            result = self.session.connection().execute(statement, parameters)
            if result.rowcount != len(parameters):
                # Someone changed some of these rows after they were read.
                raise StaleDataError(
                    f"{len(parameters) - result.rowcount} of {len(parameters)} rows changed "
                    "since they were read"
                )
            insert_rows(self.session.connection(), AuditLog.__table__, entries)

    def update(self, entity: ModelT, changes: Mapping[str, Any]) -> ModelT:
        forbidden = set(changes) - self.updatable
        if forbidden:
            names = ", ".join(sorted(forbidden))
            raise ValueError(f"{names}: not in {type(self).__name__}.updatable")
        for name, value in changes.items():
            setattr(entity, name, value)
        return entity

    def delete(self, entity: ModelT) -> None:
        self.session.delete(entity)

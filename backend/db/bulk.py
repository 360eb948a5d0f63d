"""Set-based statements for bulk loads: COPY on PostgreSQL, multi-row INSERT elsewhere, and
membership tests that stay one parameter however many values they hold."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from typing import Any

import psycopg
from psycopg import sql
from sqlalchemy import ARRAY, ColumnElement, FromClause, Table, any_, bindparam, insert
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import Connection


def insert_rows(
    connection: Connection, table: FromClause, rows: Sequence[Mapping[str, Any]]
) -> None:
    """INSERT the rows (all with the same keys) in the connection's transaction.

    PostgreSQL gets them through COPY, several times faster than even multi-row INSERTs;
    the other dialects get SQLAlchemy's batched multi-row INSERT. Values go through each
    column type's own bind processing either way, so both paths store the same thing.
    """
    if not rows:
        return
    if not isinstance(table, Table):
        raise TypeError(f"a bulk insert needs a table, not {table!r}")
    if connection.dialect.name == "postgresql":
        _copy(connection, table, rows)
    else:
        connection.execute(insert(table), list(rows))


def is_one_of(
    column: ColumnElement[Any], values: Collection[Any], dialect_name: str
) -> ColumnElement[bool]:
    """`column IN (values)`; on PostgreSQL `column = ANY(:array)`, one parameter instead of
    thousands for the driver to splice into the statement."""
    if dialect_name == "postgresql":
        array = bindparam(None, list(values), type_=ARRAY(column.type))
        return column == any_(array)
    return column.in_(list(values))


def is_one_of_parameter(
    column: ColumnElement[Any], name: str, dialect_name: str
) -> ColumnElement[bool]:
    """`column IN :name`, for a statement built once and run with many lists of values;
    on PostgreSQL `column = ANY(:name)`, so its text (and prepared plan) never changes."""
    if dialect_name == "postgresql":
        return column == any_(bindparam(name, type_=ARRAY(column.type)))
    return column.in_(bindparam(name, expanding=True))


def _copy(connection: Connection, table: Table, rows: Sequence[Mapping[str, Any]]) -> None:
    names = list(rows[0])
    dialect = connection.dialect
    processors = [
        table.c[name].type.dialect_impl(dialect).bind_processor(dialect) for name in names
    ]
    raw = connection.connection.dbapi_connection
    if not isinstance(raw, psycopg.Connection):
        raise TypeError("COPY needs a live psycopg connection")
    values = (
        [
            process(row[name]) if process is not None else row[name]
            for name, process in zip(names, processors, strict=True)
        ]
        for row in rows
    )
    try:
        copy_values(raw, table.name, names, values)
    except psycopg.Error as error:
        # Raised by the driver itself, not through SQLAlchemy: wrap it the way SQLAlchemy
        # would (IntegrityError, OperationalError, ...) so it is translated like any other.
        raise sa_exc.DBAPIError.instance(
            f"COPY {table.name}", None, error, psycopg.Error, dialect=dialect
        ) from error


def copy_values(
    connection: psycopg.Connection[Any],
    table: str,
    names: Sequence[str],
    values: Iterable[Sequence[Any]],
) -> None:
    """COPY rows of plain values (in `names` order) into `table`, in the open transaction."""
    statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
        sql.Identifier(table), sql.SQL(", ").join(sql.Identifier(name) for name in names)
    )
    with connection.cursor() as cursor, cursor.copy(statement) as copy:
        for row in values:
            copy.write_row(row)

"""Turns driver errors into domain errors, recognising constraints by name on every dialect."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Literal

from sqlalchemy import CheckConstraint, ForeignKeyConstraint, MetaData, UniqueConstraint
from sqlalchemy import exc as sa_exc
from sqlalchemy.orm import exc as orm_exc

from backend.domain.errors import (
    BrokenReferenceError,
    DatabaseUnavailable,
    DomainError,
    DomainRuleError,
    DuplicateError,
    StaleObjectError,
)

ViolationKind = Literal["unique", "check", "foreign_key", "not_null"]

# PostgreSQL SQLSTATE codes of integrity violations.
_POSTGRES_STATES: dict[str, ViolationKind] = {
    "23505": "unique",
    "23514": "check",
    "23503": "foreign_key",
    "23502": "not_null",
}
# MariaDB error numbers; a failed CHECK (4025) arrives as an OperationalError from PyMySQL.
_MARIADB_ERRORS: dict[int, ViolationKind] = {
    1062: "unique",
    4025: "check",
    1451: "foreign_key",
    1452: "foreign_key",
    1048: "not_null",
}
_SQLITE_ERRORS: dict[str, ViolationKind] = {
    "SQLITE_CONSTRAINT_UNIQUE": "unique",
    "SQLITE_CONSTRAINT_PRIMARYKEY": "unique",
    "SQLITE_CONSTRAINT_CHECK": "check",
    "SQLITE_CONSTRAINT_FOREIGNKEY": "foreign_key",
    "SQLITE_CONSTRAINT_NOTNULL": "not_null",
}
_MARIADB_TRANSIENT = frozenset(
    {
        1040,  # too many connections
        1053,  # server shutdown in progress
        1205,  # lock wait timeout
        1213,  # deadlock
        1927,  # connection killed
        1969,  # statement over max_statement_time (PostgreSQL's statement_timeout is a 503 too)
        2002,  # cannot connect through the socket
        2003,  # cannot connect to the server
        2006,  # server has gone away
        2013,  # lost connection during query
        4031,  # disconnected by the server for inactivity
    }
)
_SQLITE_TRANSIENT = ("SQLITE_BUSY", "SQLITE_LOCKED", "SQLITE_CANTOPEN", "SQLITE_IOERR")
_MARIADB_CONSTRAINT_NAME = re.compile(r"for key '(?:[^'.]+\.)?([^']+)'|CONSTRAINT `([^`]+)`")
_SQLITE_CONSTRAINT_DETAIL = re.compile(r"constraint failed: (.+)$")


@dataclass(frozen=True)
class Violation:
    """A broken integrity rule as the driver reported it."""

    kind: ViolationKind
    table: str | None = None
    name: str | None = None
    columns: tuple[str, ...] = ()


def translate_database_error(error: BaseException, metadata: MetaData) -> DomainError | None:
    """The domain error `error` stands for, or None when it is a bug to report as such."""
    if isinstance(error, DomainError):
        return error
    if isinstance(error, orm_exc.StaleDataError):
        return StaleObjectError("the entity was changed or deleted by someone else; read it again")
    if isinstance(error, sa_exc.TimeoutError):
        return DatabaseUnavailable("no database connection became free in time; try again")
    if not isinstance(error, sa_exc.DBAPIError):
        return None
    violation = find_violation(error)
    if violation is not None:
        return _violation_error(violation, metadata)
    if isinstance(error, sa_exc.DataError):
        return DomainRuleError("a value is out of range or of the wrong kind for the database")
    if is_transient(error):
        return DatabaseUnavailable("the database is unavailable right now; try again")
    return None


def is_transient(error: sa_exc.DBAPIError) -> bool:
    """Whether the error is a passing condition worth retrying (a disconnect, a refused or
    exhausted connection, a lock timeout, a deadlock) rather than a bug in the statement."""
    if error.connection_invalidated:
        return True
    original = error.orig
    module = type(original).__module__
    if module.startswith("psycopg"):
        # psycopg keeps OperationalError for connection, cancellation, lock and
        # serialization failures; mistakes in SQL are ProgrammingErrors.
        return isinstance(error, sa_exc.OperationalError | sa_exc.InterfaceError)
    if module.startswith("pymysql"):
        # PyMySQL files any unlisted server error >= 1000 under OperationalError, so the
        # error number decides.
        code = _mariadb_error_number(original)
        return code in _MARIADB_TRANSIENT or isinstance(error, sa_exc.InterfaceError)
    if module.startswith("sqlite3"):
        name: str = getattr(original, "sqlite_errorname", "")
        return name.startswith(_SQLITE_TRANSIENT)
    return False


@contextmanager
def raising_domain_errors(metadata: MetaData) -> Iterator[None]:
    """Re-raise database errors inside the block as the domain errors they stand for."""
    try:
        yield
    except sa_exc.SQLAlchemyError as error:
        domain_error = translate_database_error(error, metadata)
        if domain_error is None:
            raise
        raise domain_error from error


def find_violation(error: sa_exc.DBAPIError) -> Violation | None:
    """Read which rule was broken from the driver's own error, whatever the dialect."""
    original = error.orig
    module = type(original).__module__
    if module.startswith("psycopg"):
        kind = _POSTGRES_STATES.get(getattr(original, "sqlstate", None) or "")
        if kind is None:
            return None
        diagnostics = original.diag  # type: ignore[union-attr]
        columns = (diagnostics.column_name,) if diagnostics.column_name else ()
        return Violation(kind, diagnostics.table_name, diagnostics.constraint_name, columns)
    if module.startswith("pymysql"):
        code = _mariadb_error_number(original)
        kind = _MARIADB_ERRORS.get(code) if code is not None else None
        if kind is None:
            return None
        match = _MARIADB_CONSTRAINT_NAME.search(str(original))
        name = (match.group(1) or match.group(2)) if match else None
        return Violation(kind, name=name)
    if module.startswith("sqlite3"):
        errorname = getattr(original, "sqlite_errorname", "")
        if errorname == "SQLITE_CONSTRAINT_TRIGGER" and "FOREIGN KEY" in str(original):
            # SQLite reports an ON DELETE RESTRICT as a trigger's failure, not a foreign key's.
            errorname = "SQLITE_CONSTRAINT_FOREIGNKEY"
        kind = _SQLITE_ERRORS.get(errorname)
        if kind is None:
            return None
        # SQLite names a CHECK by its constraint name, other rules by their columns.
        detail = _SQLITE_CONSTRAINT_DETAIL.search(str(original))
        target = detail.group(1).strip() if detail else ""
        if kind == "check":
            return Violation(kind, name=target or None)
        qualified = [part.strip().split(".", 1) for part in target.split(",") if "." in part]
        if not qualified:
            return Violation(kind)
        return Violation(kind, qualified[0][0], columns=tuple(column for _, column in qualified))
    return None


def _mariadb_error_number(original: BaseException | None) -> int | None:
    code = original.args[0] if original is not None and original.args else None
    return code if isinstance(code, int) else None


def _violation_error(violation: Violation, metadata: MetaData) -> DomainError:
    constraint = _find_constraint(violation, metadata)
    info = constraint.info if constraint is not None else {}
    columns = violation.columns or (
        tuple(constraint.columns.keys()) if constraint is not None else ()
    )
    field = info.get("field") or (columns[0] if len(columns) == 1 else None)
    if violation.kind == "unique":
        message = info.get("message") or f"{' and '.join(columns) or 'a value'} is already taken"
        return DuplicateError(message, fields={field: ["already taken"]} if field else None)
    if violation.kind == "check":
        detail = info.get("message", "Breaks a rule of the data.")
        message = f"{field}: {detail}" if field else detail
        return DomainRuleError(message, fields={field: [detail]} if field else None)
    if violation.kind == "foreign_key":
        return BrokenReferenceError(
            "the change refers to a missing entity, or removes one that is still referred to"
        )
    return DomainRuleError(
        f"{field or 'a required value'} is missing",
        fields={field: ["missing"]} if field else None,
    )


def _find_constraint(
    violation: Violation, metadata: MetaData
) -> UniqueConstraint | CheckConstraint | ForeignKeyConstraint | None:
    for table in metadata.tables.values():
        if violation.table and table.name != violation.table:
            continue
        for constraint in table.constraints:
            if not isinstance(
                constraint, UniqueConstraint | CheckConstraint | ForeignKeyConstraint
            ):
                continue
            if violation.name and constraint.name == violation.name:
                return constraint
            if (
                not violation.name
                and violation.kind == "unique"
                and isinstance(constraint, UniqueConstraint)
                and tuple(constraint.columns.keys()) == violation.columns
            ):
                return constraint
    return None

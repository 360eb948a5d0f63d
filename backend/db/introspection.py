"""Schema drift: the models' metadata against a live database, beyond `alembic check`.

Alembic's comparison (`compare_metadata`, types and server defaults included) finds missing
and extra tables, columns, indexes, unique constraints and foreign keys, and changed types,
nullability and defaults. This adds what it is blind to: primary keys, autoincrement
(sequences), CHECK constraints, and the values enum-like columns allow. What a database
cannot show is listed as a limitation, never skipped in silence.
"""

from __future__ import annotations

import math
import re
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util import CommandError
from alembic.util.sqla_compat import _get_constraint_final_name
from sqlalchemy import (
    JSON,
    CheckConstraint,
    Column,
    Enum,
    ForeignKeyConstraint,
    Index,
    Integer,
    MetaData,
    Table,
    UniqueConstraint,
    create_engine,
    event,
    inspect,
)
from sqlalchemy.dialects import mysql, postgresql, sqlite
from sqlalchemy.engine import URL, Connection, Dialect, Engine, Inspector
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.pool import NullPool

from backend.config import Settings
from backend.db.engine import make_engine
from backend.db.migrations import alembic_config, only_this_dialects_objects

Kind = Literal[
    "table",
    "column",
    "type",
    "nullable",
    "server_default",
    "primary_key",
    "autoincrement",
    "index",
    "unique",
    "foreign_key",
    "check",
    "enum_values",
    "comment",
    "other",
]
# error: the application can fail or store what the models forbid. warning: it works, but
# the database is not what the models describe (an extra index, a different default).
Severity = Literal["error", "warning"]
ABSENT = "absent"
VERSION_TABLE = "alembic_version"
# Constraint names are worked out per dialect (the naming convention, length limits).
_DIALECTS: dict[str, Dialect] = {
    "postgresql": postgresql.dialect(),  # type: ignore[no-untyped-call]
    "mysql": mysql.dialect(),
    "mariadb": mysql.dialect(is_mariadb=True),
    "sqlite": sqlite.dialect(),
}


@dataclass(frozen=True)
class Finding:
    """One difference: what the models say and what the database says about one object."""

    kind: Kind
    table: str | None
    name: str
    models: str
    database: str
    severity: Severity

    def describe(self) -> str:
        return f"{self.kind} {self.name}: models {self.models}; database {self.database}"


@dataclass(frozen=True)
class Limitation:
    """Something this database does not let us compare."""

    kind: Kind
    detail: str


@dataclass(frozen=True)
class MigrationStatus:
    """Where the database stands against the migration scripts."""

    heads: tuple[str, ...]
    # None: the database has no alembic_version table (never migrated).
    applied: tuple[str, ...] | None
    # Revisions at head the database has not run, oldest first, as "id: message".
    pending: tuple[str, ...]
    # Revisions the database records that no script knows (a branch, a rolled-back deploy).
    unknown: tuple[str, ...]

    @property
    def at_head(self) -> bool:
        return self.applied is not None and not self.pending and not self.unknown


@dataclass
class Report:
    """Everything `make introspect` tells: drift, migrations, and what could not be seen."""

    dialect: str
    findings: list[Finding]
    migrations: MigrationStatus
    # Model changes no migration makes: the models against a scratch database at head.
    unmigrated: list[Finding]
    limitations: list[Limitation] = field(default_factory=list)

    @property
    def in_sync(self) -> bool:
        return not self.findings and not self.unmigrated and self.migrations.at_head

    def as_dict(self) -> dict[str, Any]:
        return {
            "dialect": self.dialect,
            "in_sync": self.in_sync,
            "findings": [asdict(finding) for finding in self.findings],
            "migrations": {**asdict(self.migrations), "at_head": self.migrations.at_head},
            "unmigrated_model_changes": [asdict(finding) for finding in self.unmigrated],
            "limitations": [asdict(limitation) for limitation in self.limitations],
        }


def introspect(connection: Connection, metadata: MetaData) -> Report:
    """Compare `metadata` with the database behind `connection`, which is only read."""
    findings, limitations = compare_schema(connection, metadata)
    return Report(
        dialect=connection.dialect.name,
        findings=findings,
        migrations=migration_status(connection),
        unmigrated=unmigrated_model_changes(metadata),
        limitations=limitations,
    )


def compare_schema(
    connection: Connection, metadata: MetaData
) -> tuple[list[Finding], list[Limitation]]:
    """The differences between `metadata` and the live schema, and what could not be seen."""
    dialect = connection.dialect.name
    context = MigrationContext.configure(
        connection,
        opts={
            "compare_type": True,
            "compare_server_default": True,
            "include_object": only_this_dialects_objects(dialect),
            "include_name": _not_the_version_table,
        },
    )
    findings = _from_alembic(compare_metadata(context, metadata), connection.dialect)
    inspector = inspect(connection)
    live_tables = set(inspector.get_table_names())
    for table in metadata.sorted_tables:
        if table.name in live_tables:
            findings += _primary_key(inspector, table, dialect)
            findings += _autoincrement(inspector, table, dialect)
            findings += _checks(inspector, table, dialect)
            findings += _native_enums(inspector, table, dialect)
            findings += _unnamed_uniques(connection, inspector, table)
            if dialect == "postgresql":
                findings += _index_methods(inspector, table, dialect)
    return findings, limitations_of(dialect)


def limitations_of(dialect: str) -> list[Limitation]:
    limitations = [
        Limitation(
            "check",
            "CHECK expressions are compared after normalising how the database rewrites them "
            "(case, quoting, casts, parentheses, BETWEEN); a change of grouping alone is not "
            "told apart, and an enum-like column's CHECK is compared by the values it allows",
        ),
        Limitation(
            "other",
            "models against migrations is checked on a scratch SQLite database: what a "
            "migration does on PostgreSQL or MariaDB only (the trigram index, JSONB, "
            "collations) is compared with the live database alone",
        ),
    ]
    if dialect in ("mysql", "mariadb"):
        limitations += [
            Limitation("primary_key", "primary key names: MariaDB names every one PRIMARY"),
            Limitation(
                "unique",
                "a UNIQUE constraint is a unique index on MariaDB: one the models lack is "
                "reported as an extra unique index",
            ),
            Limitation("enum_values", "native ENUM columns are compared as column types"),
        ]
    if dialect == "sqlite":
        limitations += [
            Limitation(
                "type",
                "SQLite keeps a column's declared type but not its rules: a length or "
                "precision is compared as declared, never enforced",
            ),
        ]
    return limitations


def migration_status(connection: Connection) -> MigrationStatus:
    """The database's alembic_version against the scripts' heads (read only)."""
    script = ScriptDirectory.from_config(alembic_config())
    heads = tuple(sorted(script.get_heads()))
    if VERSION_TABLE not in inspect(connection).get_table_names():
        pending = tuple(_describe(revision) for revision in _oldest_first(script, ()))
        return MigrationStatus(heads, None, pending, ())
    applied = tuple(sorted(MigrationContext.configure(connection).get_current_heads()))
    unknown = tuple(revision for revision in applied if not _known(script, revision))
    known = tuple(revision for revision in applied if revision not in unknown)
    pending = tuple(_describe(revision) for revision in _oldest_first(script, known))
    return MigrationStatus(heads, applied, pending, unknown)


def unmigrated_model_changes(metadata: MetaData) -> list[Finding]:
    """Model changes no migration makes: the models against a scratch SQLite database the
    migrations built (in a temporary file; the checked database is not touched)."""
    with tempfile.TemporaryDirectory(prefix="gamenight-introspect-") as scratch:
        settings = Settings(database_url=f"sqlite:///{Path(scratch) / 'head.db'}")
        config = alembic_config(settings)
        config.attributes["configure_logger"] = False
        command.upgrade(config, "heads")
        engine = make_engine(settings, purpose="migrations")
        try:
            with engine.connect() as connection:
                findings, _limitations = compare_schema(connection, metadata)
        finally:
            engine.dispose()
    return findings


# --- alembic's findings -------------------------------------------------------------


def _not_the_version_table(name: str | None, type_: str, _parent: Any) -> bool:
    return not (type_ == "table" and name == VERSION_TABLE)


def _from_alembic(diffs: Iterable[Any], dialect: Dialect) -> list[Finding]:
    added: dict[tuple[str, str | None, str], Finding] = {}
    removed: dict[tuple[str, str | None, str], Finding] = {}
    unnamed: list[Finding] = []
    findings: list[Finding] = []
    for diff in _flattened(diffs):
        operation = diff[0]
        if operation in ("add_table", "remove_table"):
            table: Table = diff[1]
            present = f"table with columns {', '.join(table.c.keys())}"
            findings.append(_presence("table", table.name, table.name, operation, present))
        elif operation in ("add_column", "remove_column"):
            _schema, table_name, column = diff[1:4]
            findings.append(_column_presence(table_name, column, operation, dialect))
        elif operation in ("add_index", "remove_index"):
            index: Index = diff[1]
            # A missing index slows reads, an extra one writes; a unique one changes what
            # can be stored.
            found = _presence(
                "index", _table_name(index), str(index.name), operation, _index(index), "warning"
            )
            if index.unique:
                found = _as_error(found)
            _pend(added if operation.startswith("add") else removed, unnamed, found)
        elif operation in ("add_constraint", "remove_constraint") and isinstance(
            diff[1], UniqueConstraint
        ):
            unique: UniqueConstraint = diff[1]
            what = _unique(unique)
            found = _as_error(
                _presence("unique", _table_name(unique), str(unique.name), operation, what)
            )
            _pend(added if operation.startswith("add") else removed, unnamed, found)
        elif operation in ("add_fk", "remove_fk"):
            foreign_key: ForeignKeyConstraint = diff[1]
            what = _foreign_key(foreign_key)
            name = str(foreign_key.name)
            found = _as_error(
                _presence("foreign_key", _table_name(foreign_key), name, operation, what)
            )
            _pend(added if operation.startswith("add") else removed, unnamed, found)
        elif operation in ("modify_type", "modify_nullable", "modify_default"):
            findings.append(_column_change(diff, dialect))
        elif operation.endswith("comment"):
            findings.append(_comment(diff))
        else:
            findings.append(Finding("other", None, operation, "", repr(diff), "error"))
    # A table missing or extra takes its indexes with it: one finding says it all.
    whole_tables = {finding.table for finding in findings if finding.kind == "table"}
    for pending in (added, removed):
        for key in [key for key, found in pending.items() if found.table in whole_tables]:
            del pending[key]
    # An object alembic saw missing and extra under one name has changed.
    for key in added.keys() & removed.keys():
        wanted, found = added.pop(key), removed.pop(key)
        severity: Severity = "error" if "error" in (wanted.severity, found.severity) else "warning"
        findings.append(
            Finding(wanted.kind, wanted.table, wanted.name, wanted.models, found.database, severity)
        )
    return findings + list(added.values()) + list(removed.values()) + unnamed


def _pend(
    pending: dict[tuple[str, str | None, str], Finding], unnamed: list[Finding], found: Finding
) -> None:
    """Hold a named object's finding to pair it with its namesake; never pair unnamed ones."""
    if found.name in ("None", ""):
        unnamed.append(replace(found, name=f"(unnamed on {found.table})"))
    else:
        pending[found.kind, found.table, found.name] = found


def _flattened(diffs: Iterable[Any]) -> Iterator[tuple[Any, ...]]:
    for diff in diffs:
        if isinstance(diff, list):  # alembic groups the changes of one column
            yield from diff
        else:
            yield diff


def _presence(
    kind: Kind,
    table: str | None,
    name: str,
    operation: str,
    what: str,
    missing: Severity = "error",
) -> Finding:
    """An object the models have and the database lacks (add_*), or the other way round."""
    if operation.startswith("add"):
        return Finding(kind, table, name, what, ABSENT, missing)
    return Finding(kind, table, name, ABSENT, what, "warning")


def _as_error(finding: Finding) -> Finding:
    return Finding(
        finding.kind, finding.table, finding.name, finding.models, finding.database, "error"
    )


def _column_presence(
    table_name: str, column: Column[Any], operation: str, dialect: Dialect
) -> Finding:
    described = f"{_type(column.type, dialect)} {_nullable(column.nullable)}"
    name = f"{table_name}.{column.name}"
    if operation == "add_column":
        return Finding("column", table_name, name, described, ABSENT, "error")
    # An extra column the application never fills breaks its inserts unless it may be
    # left out.
    harmless = (
        column.nullable
        or column.server_default is not None
        or column.computed is not None
        or column.autoincrement is True
    )
    return Finding(
        "column", table_name, name, ABSENT, described, "warning" if harmless else "error"
    )


def _column_change(diff: tuple[Any, ...], dialect: Dialect) -> Finding:
    operation, _schema, table_name, column_name, _existing, database, models = diff
    name = f"{table_name}.{column_name}"
    if operation == "modify_type":
        wanted, found = _type(models, dialect), _type(database, dialect)
        return Finding("type", table_name, name, wanted, found, "error")
    if operation == "modify_nullable":
        return Finding(
            "nullable", table_name, name, _nullable(models), _nullable(database), "error"
        )
    return Finding(
        "server_default", table_name, name, _default(models), _default(database), "warning"
    )


def _comment(diff: tuple[Any, ...]) -> Finding:
    """("add_table_comment", table, comment in the database), ("remove_table_comment",
    table), or ("modify_comment", schema, table, column, existing, database, models)."""
    if isinstance(diff[1], Table):
        table: Table = diff[1]
        in_database = diff[2] if diff[0] == "add_table_comment" else "a comment"
        return Finding(
            "comment",
            table.name,
            table.name,
            table.comment or ABSENT,
            str(in_database or ABSENT),
            "warning",
        )
    _schema, table_name, column_name = diff[1:4]
    return Finding(
        "comment",
        table_name,
        f"{table_name}.{column_name}",
        str(diff[-1] or ABSENT),
        str(diff[-2] or ABSENT),
        "warning",
    )


def _table_name(item: Index | UniqueConstraint | ForeignKeyConstraint) -> str | None:
    table = item.table
    return table.name if isinstance(table, Table) else None


def _type(type_: Any, dialect: Dialect) -> str:
    try:
        return str(type_.compile(dialect=dialect))
    except SQLAlchemyError:
        return repr(type_)


def _nullable(nullable: bool | None) -> str:
    return "NULL" if nullable else "NOT NULL"


def _default(default: Any) -> str:
    if default is None:
        return "no default"
    text = getattr(default, "arg", default)
    return f"DEFAULT {getattr(text, 'text', text)}"


def _index(index: Index) -> str:
    names = [str(getattr(expression, "name", expression)) for expression in index.expressions]
    return f"{'UNIQUE ' if index.unique else ''}INDEX ({', '.join(names)})"


def _unique(unique: UniqueConstraint) -> str:
    return f"UNIQUE ({', '.join(column.name for column in unique.columns)})"


def _foreign_key(foreign_key: ForeignKeyConstraint) -> str:
    targets = [element.target_fullname.rsplit(".", 1) for element in foreign_key.elements]
    table = targets[0][0] if targets else "?"
    referred = ", ".join(column for _table, column in targets)
    text = f"({', '.join(foreign_key.column_keys)}) -> {table}({referred})"
    if foreign_key.ondelete:
        text += f" ON DELETE {foreign_key.ondelete.upper()}"
    if foreign_key.onupdate:
        text += f" ON UPDATE {foreign_key.onupdate.upper()}"
    return text


# --- what alembic does not compare ------------------------------------------------------


def _primary_key(inspector: Inspector, table: Table, dialect: str) -> list[Finding]:
    live = inspector.get_pk_constraint(table.name)
    wanted_columns = [column.name for column in table.primary_key.columns]
    live_columns = list(live.get("constrained_columns") or [])
    wanted_name = _final_name(table.primary_key, dialect)
    names_differ = (
        dialect not in ("mysql", "mariadb")
        and wanted_name is not None
        and live.get("name") is not None
        and live["name"] != wanted_name
    )
    if wanted_columns == live_columns and not names_differ:
        return []
    return [
        Finding(
            "primary_key",
            table.name,
            wanted_name or f"{table.name} primary key",
            _key_description(wanted_name, wanted_columns),
            _key_description(live.get("name"), live_columns),
            "error",
        )
    ]


def _index_methods(inspector: Inspector, table: Table, dialect: str) -> list[Finding]:
    """PostgreSQL's access method, operator classes and partial WHERE of each index, which
    alembic does not compare: a GIN trigram index rebuilt as a B-tree still has its name
    and columns, and every ILIKE search turns into a full scan."""
    live = {index["name"]: index for index in inspector.get_indexes(table.name)}
    include = only_this_dialects_objects(dialect)
    findings = []
    for index in table.indexes:
        found = live.get(str(index.name))
        if found is None or not include(index, index.name, "index", False, None):
            continue
        options = index.dialect_options["postgresql"]
        wanted = _method(options.get("using"), options.get("ops"), options.get("where"))
        reflected = found.get("dialect_options", {})
        actual = _method(
            reflected.get("postgresql_using"),
            reflected.get("postgresql_ops"),
            reflected.get("postgresql_where"),
        )
        if canonical_sql(wanted) != canonical_sql(actual):
            findings.append(
                Finding("index", table.name, str(index.name), wanted, actual, "warning")
            )
    return findings


def _method(using: Any, ops: Any, where: Any) -> str:
    text = f"USING {str(using or 'btree').lower()}"
    if ops:
        text += " (" + ", ".join(f"{column} {ops[column]}" for column in sorted(ops)) + ")"
    if where is not None:
        text += f" WHERE {where}"
    return text


def _unnamed_uniques(connection: Connection, inspector: Inspector, table: Table) -> list[Finding]:
    """UNIQUE constraints without a name, which alembic leaves out: SQLite keeps a `col
    UNIQUE` written inline without one (and SQLAlchemy's reflection does not see it)."""
    wanted = {
        tuple(column.name for column in constraint.columns)
        for constraint in table.constraints
        if isinstance(constraint, UniqueConstraint)
    } | {
        tuple(str(getattr(expression, "name", expression)) for expression in index.expressions)
        for index in table.indexes
        if index.unique
    }
    named = {
        tuple(found["column_names"])
        for found in inspector.get_unique_constraints(table.name)
        if found.get("name")
    }
    if connection.dialect.name == "sqlite":
        live = _sqlite_unique_columns(connection, table.name)
    else:
        live = [
            tuple(found["column_names"])
            for found in inspector.get_unique_constraints(table.name)
            if not found.get("name")
        ]
    return [
        Finding(
            "unique",
            table.name,
            f"(unnamed on {table.name})",
            ABSENT,
            f"UNIQUE ({', '.join(columns)})",
            "error",
        )
        for columns in live
        if columns not in wanted and columns not in named
    ]


def _sqlite_unique_columns(connection: Connection, table: str) -> list[tuple[str, ...]]:
    """The columns of each UNIQUE constraint SQLite enforces on `table`, named or not."""
    quoted = table.replace('"', '""')
    uniques = []
    for row in connection.exec_driver_sql(f'PRAGMA index_list("{quoted}")').all():
        name, origin = row[1], row[3]
        if origin == "u":
            index = str(name).replace('"', '""')
            info = connection.exec_driver_sql(f'PRAGMA index_info("{index}")').all()
            uniques.append(tuple(str(column[2]) for column in sorted(info)))
    return uniques


def _key_description(name: str | None, columns: Sequence[str]) -> str:
    return f"{name or '(unnamed)'} ({', '.join(columns)})" if columns else ABSENT


def _autoincrement(inspector: Inspector, table: Table, dialect: str) -> list[Finding]:
    column = table.autoincrement_column
    if column is None:
        return []
    live = next(
        (found for found in inspector.get_columns(table.name) if found["name"] == column.name),
        None,
    )
    if live is None:
        return []  # a missing column is alembic's finding
    if dialect == "sqlite":
        # Only a column declared exactly INTEGER PRIMARY KEY is the rowid, which counts.
        counts = isinstance(live["type"], Integer) and str(live["type"]).upper() == "INTEGER"
        counts = counts and [column.name] == inspector.get_pk_constraint(table.name).get(
            "constrained_columns"
        )
        database = (
            "INTEGER PRIMARY KEY (the rowid)" if counts else f"{live['type']} (not the rowid)"
        )
    elif dialect == "postgresql":
        default = str(live.get("default") or "")
        sequence = re.search(r"nextval\('([^']+)'", default)
        identity = live.get("identity") is not None
        counts = identity or (
            sequence is not None
            and sequence.group(1).split(".")[-1].strip('"') in inspector.get_sequence_names()
        )
        if identity:
            database = "an identity column"
        elif sequence:
            database = f"DEFAULT {default}" + ("" if counts else " (the sequence is missing)")
        else:
            database = "no sequence and no identity"
    else:
        counts = bool(live.get("autoincrement"))
        database = "AUTO_INCREMENT" if counts else "no AUTO_INCREMENT"
    if counts:
        return []
    return [
        Finding(
            "autoincrement",
            table.name,
            f"{table.name}.{column.name}",
            "numbered by the database",
            database,
            "error",
        )
    ]


def _checks(inspector: Inspector, table: Table, dialect: str) -> list[Finding]:
    wanted = {
        name: constraint
        for constraint in table.constraints
        if isinstance(constraint, CheckConstraint)
        and _applies_to(constraint, dialect)
        and (name := _final_name(constraint, dialect)) is not None
    }
    live = {
        (found["name"] or f"(unnamed: {found['sqltext']})"): str(found["sqltext"])
        for found in inspector.get_check_constraints(table.name)
        if not _implied_by_type(found, table, dialect)
    }
    findings: list[Finding] = []
    for name, constraint in wanted.items():
        expected = str(constraint.sqltext)
        enum = _enum_of(constraint, table)
        if name not in live:
            findings.append(Finding("check", table.name, name, expected, ABSENT, "error"))
        elif enum is not None:
            allowed = sorted(enum.enums)
            found = sorted(_literals(live[name]))
            if allowed != found:
                findings.append(
                    Finding(
                        "enum_values",
                        table.name,
                        name,
                        ", ".join(allowed),
                        ", ".join(found),
                        "error",
                    )
                )
        elif canonical_sql(expected) != canonical_sql(live[name]):
            findings.append(Finding("check", table.name, name, expected, live[name], "error"))
    for name, sqltext in live.items():
        if name not in wanted:
            # A rule the models do not know can refuse rows the application writes.
            findings.append(Finding("check", table.name, name, ABSENT, sqltext, "error"))
    return findings


def _native_enums(inspector: Inspector, table: Table, dialect: str) -> list[Finding]:
    if dialect != "postgresql":
        return []
    wanted = {
        column.type.name: column
        for column in table.columns
        if isinstance(column.type, Enum) and column.type.native_enum and column.type.name
    }
    if not wanted:
        return []
    live = {enum["name"]: enum["labels"] for enum in inspector.get_enums()}  # type: ignore[attr-defined]
    findings = []
    for name, column in wanted.items():
        enum_type: Enum = column.type  # type: ignore[assignment]
        labels = live.get(name)
        if labels is None:
            continue  # the column's type differs: alembic's finding
        if list(enum_type.enums) != list(labels):
            findings.append(
                Finding(
                    "enum_values",
                    table.name,
                    f"{table.name}.{column.name} ({name})",
                    ", ".join(enum_type.enums),
                    ", ".join(labels),
                    "error",
                )
            )
    return findings


def _applies_to(constraint: CheckConstraint, dialect: str) -> bool:
    return bool(only_this_dialects_objects(dialect)(constraint, None, "check", False, None))


def _final_name(constraint: Any, dialect: str) -> str | None:
    """The name the database knows a constraint by, after the naming convention."""
    name = _get_constraint_final_name(constraint, _DIALECTS[dialect])
    return str(name) if name is not None else None


def _enum_of(constraint: CheckConstraint, table: Table) -> Enum | None:
    """The non-native Enum whose allowed values this CHECK constraint spells out."""
    for column in table.columns:
        enum = column.type
        if (
            isinstance(enum, Enum)
            and not enum.native_enum
            and enum.create_constraint
            and constraint.name is not None
            and str(constraint.name).endswith(str(enum.name))
        ):
            return enum
    return None


def _implied_by_type(found: Any, table: Table, dialect: str) -> bool:
    """MariaDB stores JSON as LONGTEXT with an automatic CHECK (json_valid(column))."""
    if dialect not in ("mysql", "mariadb"):
        return False
    column = table.c.get(str(found.get("name")))
    return (
        column is not None
        and isinstance(column.type, JSON)
        and canonical_sql(str(found["sqltext"])) == f"json_valid {column.name}"
    )


def _literals(sqltext: str) -> list[str]:
    return [literal.replace("''", "'") for literal in re.findall(r"'((?:[^']|'')*)'", sqltext)]


_CAST = re.compile(
    r"::\s*(?:character varying|double precision|timestamp(?: with(?:out)? time zone)?"
    r"|[a-z_][a-z0-9_]*)(?:\s*\(\d+(?:,\s*\d+)?\))?(?:\[\])?"
)
# PostgreSQL writes a negative bound as a cast string: '-5000'::integer.
_QUOTED_NUMBER = re.compile(
    r"'(-?\d+(?:\.\d+)?)'::(?:integer|bigint|smallint|numeric|real|double precision)",
    re.IGNORECASE,
)
_BETWEEN = re.compile(r"(\w+) between (\S+) and (\S+)")
_NUMBER = re.compile(r"(?<![\w.])\d+(?:\.\d+)?(?![\w.])")


def canonical_sql(sqltext: str) -> str:
    """A CHECK expression in one spelling whichever database wrote it back: PostgreSQL adds
    casts and parentheses and rewrites BETWEEN and TRIM; MariaDB adds backquotes. String
    literals keep their case: 'Open' and 'open' differ."""
    parts = re.split(r"('(?:[^']|'')*')", sqltext)
    text = "".join(part if part.startswith("'") else part.lower() for part in parts)
    text = text.replace("`", "").replace('"', "")
    text = _QUOTED_NUMBER.sub(r"\1", text)
    text = _CAST.sub("", text)
    text = re.sub(r"trim\(both from ", "trim(", text).replace("!=", "<>")
    text = re.sub(r"[()]", " ", text)
    text = " ".join(text.split())
    text = _BETWEEN.sub(r"\1 >= \2 and \1 <= \3", text)
    return _NUMBER.sub(lambda number: repr(float(number.group())), text)


# --- migrations -------------------------------------------------------------------------


def _known(script: ScriptDirectory, revision: str) -> bool:
    try:
        return script.get_revision(revision) is not None
    except CommandError:
        return False


def _oldest_first(script: ScriptDirectory, applied: Sequence[str]) -> list[Any]:
    done: set[str] = set()
    for revision in applied:
        done.update(found.revision for found in script.iterate_revisions(revision, "base"))
    everything = list(script.walk_revisions("base", "heads"))
    return [revision for revision in reversed(everything) if revision.revision not in done]


def _describe(revision: Any) -> str:
    return f"{revision.revision}: {(revision.doc or '').strip()}"


# --- a read-only connection -------------------------------------------------------------


class CannotCheck(Exception):
    """The database cannot be checked (unreachable, refused, not there): one-line reason."""


def read_only_engine(url: URL, timeout_seconds: float) -> Engine:
    """An engine that can only read, and gives up on connecting or on a statement after
    `timeout_seconds`. SQLite files are opened read-only (a missing file is not created)."""
    seconds = max(1, math.ceil(timeout_seconds))
    backend = url.get_backend_name()
    if backend == "sqlite":
        path = Path(url.database or "")
        if not path.is_file():
            raise CannotCheck(f"no SQLite database at {path}")
        engine = create_engine(
            f"sqlite:///file:{path.resolve()}?mode=ro&uri=true",
            poolclass=NullPool,
            connect_args={"timeout": seconds},
        )
        session = ["PRAGMA query_only = ON"]
    elif backend == "postgresql":
        engine = create_engine(
            url,
            poolclass=NullPool,
            connect_args={"connect_timeout": seconds, "application_name": "gamenight-introspect"},
        )
        session = []

        # Per transaction, not as startup options: PgBouncer refuses those, and a session
        # setting would stay on a server connection it hands to someone else.
        @event.listens_for(engine, "begin")
        def _read_only_transaction(connection: Connection) -> None:
            connection.exec_driver_sql("SET TRANSACTION READ ONLY")
            connection.exec_driver_sql(f"SET LOCAL statement_timeout = {seconds * 1000}")

    elif backend in ("mysql", "mariadb"):
        engine = create_engine(
            url,
            poolclass=NullPool,
            connect_args={
                "connect_timeout": seconds,
                "read_timeout": seconds,
                "init_command": f"SET SESSION max_statement_time = {seconds}",
            },
        )
        session = ["SET SESSION TRANSACTION READ ONLY"]
    else:
        raise CannotCheck(f"unsupported database backend {backend!r}")

    @event.listens_for(engine, "connect")
    def _read_only(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        for statement in session:
            cursor.execute(statement)
        cursor.close()

    return engine

"""Schema drift on real databases: none on a freshly migrated one, and each kind of drift,
applied with raw DDL, reported with its kind and object."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest
from sqlalchemy import Column, Enum, Integer, MetaData, String, Table, inspect, text
from sqlalchemy.engine import Connection, Engine

from backend.config import Settings
from backend.db.engine import make_engine
from backend.db.introspection import (
    ABSENT,
    Finding,
    compare_schema,
    introspect,
    migration_status,
    unmigrated_model_changes,
)
from backend.models import Base
from tests.conftest import migrate

Statements = list[str]


@dataclass(frozen=True)
class Drift:
    """A hand-made change to a migrated database, per dialect, and what must be reported."""

    id: str
    postgresql: Statements
    mariadb: Statements
    # SQLite alters a table by rebuilding it: (table, text in its CREATE TABLE, replacement;
    # an empty one removes that clause and its comma), or statements where SQLite has DDL.
    sqlite: Statements | tuple[str, str, str]
    kind: str
    name: str
    severity: str = "error"
    # Nothing outside this table may be reported (defaults to the object's own table).
    table: str = ""


def _fk_on_delete(action: str) -> Statements:
    return [
        "ALTER TABLE game_tags DROP CONSTRAINT fk_game_tags_game_id_games",
        "ALTER TABLE game_tags ADD CONSTRAINT fk_game_tags_game_id_games FOREIGN KEY (game_id) "
        f"REFERENCES games (id) ON DELETE {action}",
    ]


def _replace_check(name: str, table: str, expression: str, drop: str) -> Statements:
    return [
        f"ALTER TABLE {table} DROP {drop} {name}",
        f"ALTER TABLE {table} ADD CONSTRAINT {name} CHECK ({expression})",
    ]


DRIFTS = [
    Drift(
        "missing table",
        ["DROP TABLE game_tags"],
        ["DROP TABLE game_tags"],
        ["DROP TABLE game_tags"],
        "table",
        "game_tags",
    ),
    Drift(
        "extra table",
        ["CREATE TABLE hotfix_notes (id INTEGER PRIMARY KEY)"],
        ["CREATE TABLE hotfix_notes (id INTEGER PRIMARY KEY)"],
        ["CREATE TABLE hotfix_notes (id INTEGER PRIMARY KEY)"],
        "table",
        "hotfix_notes",
        "warning",
    ),
    Drift(
        "missing column",
        ["ALTER TABLE games DROP COLUMN description"],
        ["ALTER TABLE games DROP COLUMN description"],
        ["ALTER TABLE games DROP COLUMN description"],
        "column",
        "games.description",
    ),
    Drift(
        "extra column",
        ["ALTER TABLE games ADD COLUMN shelf VARCHAR(20)"],
        ["ALTER TABLE games ADD COLUMN shelf VARCHAR(20)"],
        ["ALTER TABLE games ADD COLUMN shelf VARCHAR(20)"],
        "column",
        "games.shelf",
        "warning",
    ),
    Drift(
        "extra column the application cannot fill",
        ["ALTER TABLE games ADD COLUMN shelf VARCHAR(20) NOT NULL"],
        ["ALTER TABLE games ADD COLUMN shelf VARCHAR(20) NOT NULL"],
        ("games", "version INTEGER NOT NULL,", "version INTEGER NOT NULL, shelf TEXT NOT NULL,"),
        "column",
        "games.shelf",
    ),
    Drift(
        "column type",
        ["ALTER TABLE games ALTER COLUMN title TYPE VARCHAR(300)"],
        ["ALTER TABLE games MODIFY title VARCHAR(300) NOT NULL"],
        ("games", "title VARCHAR(200) NOT NULL", "title VARCHAR(300) NOT NULL"),
        "type",
        "games.title",
    ),
    Drift(
        "nullability",
        ["ALTER TABLE games ALTER COLUMN title DROP NOT NULL"],
        ["ALTER TABLE games MODIFY title VARCHAR(200) NULL"],
        ("games", "title VARCHAR(200) NOT NULL", "title VARCHAR(200)"),
        "nullable",
        "games.title",
    ),
    Drift(
        "server default",
        ["ALTER TABLE games ALTER COLUMN min_age SET DEFAULT 8"],
        ["ALTER TABLE games ALTER COLUMN min_age SET DEFAULT 8"],
        ("games", "min_age SMALLINT,", "min_age SMALLINT DEFAULT 8,"),
        "server_default",
        "games.min_age",
        "warning",
    ),
    Drift(
        "primary key",
        ["ALTER TABLE game_tags DROP CONSTRAINT pk_game_tags"],
        [
            # The foreign key on game_id needs an index that starts with it.
            "CREATE INDEX ix_keep_game_id ON game_tags (game_id)",
            "ALTER TABLE game_tags DROP PRIMARY KEY",
        ],
        ("game_tags", "PRIMARY KEY (game_id, tag_id)", "PRIMARY KEY (tag_id, game_id)"),
        "primary_key",
        "pk_game_tags",
    ),
    Drift(
        "autoincrement",
        ["ALTER TABLE audit_log ALTER COLUMN id DROP DEFAULT"],
        ["ALTER TABLE audit_log MODIFY id BIGINT NOT NULL"],
        ("audit_log", "id INTEGER NOT NULL", "id BIGINT NOT NULL"),
        "autoincrement",
        "audit_log.id",
    ),
    Drift(
        "sequence dropped",
        ["ALTER TABLE audit_log ALTER COLUMN id DROP DEFAULT", "DROP SEQUENCE audit_log_id_seq"],
        ["ALTER TABLE audit_log MODIFY id BIGINT NOT NULL"],
        ("audit_log", "id INTEGER NOT NULL", "id BIGINT NOT NULL"),
        "autoincrement",
        "audit_log.id",
    ),
    Drift(
        "missing index",
        ["DROP INDEX ix_games_year_published"],
        ["DROP INDEX ix_games_year_published ON games"],
        ["DROP INDEX ix_games_year_published"],
        "index",
        "ix_games_year_published",
        "warning",
    ),
    Drift(
        "extra index",
        ["CREATE INDEX ix_games_min_age ON games (min_age)"],
        ["CREATE INDEX ix_games_min_age ON games (min_age)"],
        ["CREATE INDEX ix_games_min_age ON games (min_age)"],
        "index",
        "ix_games_min_age",
        "warning",
    ),
    Drift(
        "index columns",
        [
            "DROP INDEX ix_games_complexity",
            "CREATE INDEX ix_games_complexity ON games (complexity, title)",
        ],
        [
            "DROP INDEX ix_games_complexity ON games",
            "CREATE INDEX ix_games_complexity ON games (complexity, title)",
        ],
        [
            "DROP INDEX ix_games_complexity",
            "CREATE INDEX ix_games_complexity ON games (complexity, title)",
        ],
        "index",
        "ix_games_complexity",
        "warning",
    ),
    Drift(
        "index uniqueness",
        [
            "DROP INDEX ix_games_year_published",
            "CREATE UNIQUE INDEX ix_games_year_published ON games (year_published)",
        ],
        [
            "DROP INDEX ix_games_year_published ON games",
            "CREATE UNIQUE INDEX ix_games_year_published ON games (year_published)",
        ],
        [
            "DROP INDEX ix_games_year_published",
            "CREATE UNIQUE INDEX ix_games_year_published ON games (year_published)",
        ],
        "index",
        "ix_games_year_published",
    ),
    Drift(
        "missing unique constraint",
        ["ALTER TABLE categories DROP CONSTRAINT uq_categories_slug"],
        ["ALTER TABLE categories DROP INDEX uq_categories_slug"],
        ("categories", "CONSTRAINT uq_categories_slug UNIQUE (slug)", ""),
        "unique",
        "uq_categories_slug",
    ),
    Drift(
        "missing foreign key",
        ["ALTER TABLE game_tags DROP CONSTRAINT fk_game_tags_tag_id_tags"],
        ["ALTER TABLE game_tags DROP FOREIGN KEY fk_game_tags_tag_id_tags"],
        (
            "game_tags",
            "CONSTRAINT fk_game_tags_tag_id_tags FOREIGN KEY(tag_id) REFERENCES tags (id) "
            "ON DELETE RESTRICT",
            "",
        ),
        "foreign_key",
        "fk_game_tags_tag_id_tags",
    ),
    Drift(
        "foreign key ON DELETE",
        _fk_on_delete("RESTRICT"),
        [
            "ALTER TABLE game_tags DROP FOREIGN KEY fk_game_tags_game_id_games",
            "ALTER TABLE game_tags ADD CONSTRAINT fk_game_tags_game_id_games "
            "FOREIGN KEY (game_id) REFERENCES games (id) ON DELETE RESTRICT",
        ],
        ("game_tags", "REFERENCES games (id) ON DELETE CASCADE", "REFERENCES games (id)"),
        "foreign_key",
        "fk_game_tags_game_id_games",
    ),
    Drift(
        "missing check",
        ["ALTER TABLE games DROP CONSTRAINT ck_games_year_published_range"],
        ["ALTER TABLE games DROP CONSTRAINT ck_games_year_published_range"],
        (
            "games",
            "CONSTRAINT ck_games_year_published_range CHECK (year_published BETWEEN -5000 AND "
            "2100)",
            "",
        ),
        "check",
        "ck_games_year_published_range",
    ),
    Drift(
        "extra check",
        ["ALTER TABLE games ADD CONSTRAINT ck_games_hotfix CHECK (min_age < 50)"],
        ["ALTER TABLE games ADD CONSTRAINT ck_games_hotfix CHECK (min_age < 50)"],
        (
            "games",
            "CONSTRAINT pk_games",
            "CONSTRAINT ck_games_hotfix CHECK (min_age < 50), CONSTRAINT pk_games",
        ),
        "check",
        "ck_games_hotfix",
    ),
    Drift(
        "check expression",
        _replace_check(
            "ck_games_year_published_range",
            "games",
            "year_published BETWEEN -5000 AND 2200",
            "CONSTRAINT",
        ),
        _replace_check(
            "ck_games_year_published_range",
            "games",
            "year_published BETWEEN -5000 AND 2200",
            "CONSTRAINT",
        ),
        ("games", "BETWEEN -5000 AND 2100", "BETWEEN -5000 AND 2200"),
        "check",
        "ck_games_year_published_range",
    ),
    Drift(
        "extra unique constraint",
        ["ALTER TABLE games ADD CONSTRAINT uq_games_title UNIQUE (title)"],
        ["ALTER TABLE games ADD CONSTRAINT uq_games_title UNIQUE (title)"],
        (
            "games",
            "CONSTRAINT uq_games_bgg_id",
            "CONSTRAINT uq_games_title UNIQUE (title), CONSTRAINT uq_games_bgg_id",
        ),
        "unique",
        "uq_games_title",
        table="games",
    ),
    Drift(
        "unique constraint columns",
        [
            "ALTER TABLE categories DROP CONSTRAINT uq_categories_slug",
            "ALTER TABLE categories ADD CONSTRAINT uq_categories_slug UNIQUE (slug, name)",
        ],
        [
            "ALTER TABLE categories DROP INDEX uq_categories_slug",
            "ALTER TABLE categories ADD CONSTRAINT uq_categories_slug UNIQUE (slug, name)",
        ],
        (
            "categories",
            "uq_categories_slug UNIQUE (slug)",
            "uq_categories_slug UNIQUE (slug, name)",
        ),
        "unique",
        "uq_categories_slug",
        table="categories",
    ),
    Drift(
        "unnamed unique constraint",
        ["ALTER TABLE games ADD UNIQUE (title)"],
        ["ALTER TABLE games ADD UNIQUE (title)"],
        ("games", "title VARCHAR(200) NOT NULL", "title VARCHAR(200) NOT NULL UNIQUE"),
        "unique",
        "",  # named by the database on PostgreSQL and MariaDB, unnamed on SQLite
        table="games",
    ),
    Drift(
        "foreign key target",
        [
            "ALTER TABLE game_tags DROP CONSTRAINT fk_game_tags_tag_id_tags",
            "ALTER TABLE game_tags ADD CONSTRAINT fk_game_tags_tag_id_tags FOREIGN KEY (tag_id) "
            "REFERENCES categories (id) ON DELETE RESTRICT",
        ],
        [
            "ALTER TABLE game_tags DROP FOREIGN KEY fk_game_tags_tag_id_tags",
            "ALTER TABLE game_tags ADD CONSTRAINT fk_game_tags_tag_id_tags FOREIGN KEY (tag_id) "
            "REFERENCES categories (id) ON DELETE RESTRICT",
        ],
        ("game_tags", "REFERENCES tags (id)", "REFERENCES categories (id)"),
        "foreign_key",
        "fk_game_tags_tag_id_tags",
        table="game_tags",
    ),
    Drift(
        "extra foreign key",
        [
            "ALTER TABLE game_tags ADD CONSTRAINT fk_game_tags_extra FOREIGN KEY (tag_id) "
            "REFERENCES categories (id)",
        ],
        [
            "ALTER TABLE game_tags ADD CONSTRAINT fk_game_tags_extra FOREIGN KEY (tag_id) "
            "REFERENCES categories (id)",
        ],
        (
            "game_tags",
            "REFERENCES tags (id) ON DELETE RESTRICT",
            "REFERENCES tags (id) ON DELETE RESTRICT, "
            "CONSTRAINT fk_game_tags_extra FOREIGN KEY(tag_id) REFERENCES categories (id)",
        ),
        "foreign_key",
        "fk_game_tags_extra",
        table="game_tags",
    ),
    Drift(
        "primary key columns",
        [
            "ALTER TABLE game_tags DROP CONSTRAINT pk_game_tags",
            "ALTER TABLE game_tags ADD CONSTRAINT pk_game_tags PRIMARY KEY (tag_id, game_id)",
        ],
        [
            "CREATE INDEX ix_keep_game_id ON game_tags (game_id)",
            "ALTER TABLE game_tags DROP PRIMARY KEY, ADD PRIMARY KEY (tag_id, game_id)",
        ],
        ("game_tags", "PRIMARY KEY (game_id, tag_id)", "PRIMARY KEY (tag_id, game_id)"),
        "primary_key",
        "pk_game_tags",
        table="game_tags",
    ),
    Drift(
        "enum values",
        _replace_check(
            "ck_audit_log_audit_action", "audit_log", "action IN ('insert', 'update')", "CONSTRAINT"
        ),
        _replace_check(
            "ck_audit_log_audit_action", "audit_log", "action IN ('insert', 'update')", "CONSTRAINT"
        ),
        ("audit_log", "'update', 'delete'", "'update'"),
        "enum_values",
        "ck_audit_log_audit_action",
    ),
]


@pytest.fixture
def migrated_database(fresh_settings: Callable[[str], Settings]) -> Iterator[Engine]:
    """A database of its own, migrated to head: each test changes its schema."""
    settings = fresh_settings("drift")
    migrate(settings)
    engine = make_engine(settings, purpose="migrations")
    yield engine
    engine.dispose()


def _findings(engine: Engine) -> list[Finding]:
    with engine.connect() as connection:
        findings, _limitations = compare_schema(connection, Base.metadata)
    return findings


def test_a_freshly_migrated_database_is_in_sync(migrated_database: Engine) -> None:
    with migrated_database.connect() as connection:
        report = introspect(connection, Base.metadata)
    assert report.findings == []
    assert report.unmigrated == []
    assert report.migrations.at_head
    assert report.in_sync


@pytest.mark.parametrize("drift", DRIFTS, ids=[drift.id for drift in DRIFTS])
def test_each_drift_is_reported_with_its_kind_and_object(
    migrated_database: Engine, drift: Drift
) -> None:
    dialect = migrated_database.dialect.name
    statements = getattr(drift, "mariadb" if dialect in ("mysql", "mariadb") else dialect)
    with migrated_database.connect() as connection:
        if isinstance(statements, tuple):
            _rebuild_sqlite_table(connection, *statements)
        else:
            for statement in statements:
                connection.execute(text(statement))
        connection.commit()
    findings = _findings(migrated_database)
    kinds = {drift.kind}
    if drift.kind == "unique" and dialect == "mariadb":
        kinds.add("index")  # a UNIQUE constraint is a unique index there (a named limitation)
    matching = [
        finding
        for finding in findings
        if finding.kind in kinds
        and (finding.name == drift.name or not drift.name)
        and (finding.kind == drift.kind or "UNIQUE" in finding.models + finding.database)
    ]
    assert matching, findings
    assert matching[0].severity == drift.severity
    assert matching[0].models != matching[0].database
    # Nothing else cries wolf: every finding is about the table the drift touched.
    touched = drift.table or matching[0].table
    assert {finding.table for finding in findings} == {touched}, findings


def test_a_missing_object_says_which_side_lacks_it(migrated_database: Engine) -> None:
    with migrated_database.connect() as connection:
        connection.execute(text("CREATE TABLE hotfix_notes (id INTEGER PRIMARY KEY)"))
        connection.execute(text("DROP TABLE game_tags"))
        connection.commit()
    by_name = {finding.name: finding for finding in _findings(migrated_database)}
    assert by_name["hotfix_notes"].models == ABSENT
    assert by_name["game_tags"].database == ABSENT


@pytest.mark.backends("postgresql")
def test_postgresql_native_enum_values_are_compared(migrated_database: Engine) -> None:
    with migrated_database.connect() as connection:
        connection.execute(text("CREATE TYPE shelf_state AS ENUM ('open', 'closed')"))
        connection.execute(text("CREATE TABLE shelves (id INTEGER PRIMARY KEY, state shelf_state)"))
        connection.commit()
    metadata = MetaData()
    Table(
        "shelves",
        metadata,
        Column("id", Integer, primary_key=True, autoincrement=False),
        Column("state", Enum("open", "closed", "reserved", name="shelf_state")),
    )
    with migrated_database.connect() as connection:
        findings, _limitations = compare_schema(connection, metadata)
    enum_findings = [finding for finding in findings if finding.kind == "enum_values"]
    assert [(finding.models, finding.database) for finding in enum_findings] == [
        ("open, closed, reserved", "open, closed")
    ]


def test_unapplied_and_unknown_migrations_are_reported(
    fresh_settings: Callable[[str], Settings],
) -> None:
    settings = fresh_settings("partial")
    engine = make_engine(settings, purpose="migrations")
    try:
        with engine.connect() as connection:
            never = migration_status(connection)
        assert never.applied is None
        assert len(never.pending) >= 2
        first = never.pending[0].split(":")[0]
        from alembic import command

        from backend.db.migrations import alembic_config

        config = alembic_config(settings)
        config.attributes["configure_logger"] = False
        command.upgrade(config, first)
        with engine.connect() as connection:
            partial = migration_status(connection)
            assert partial.applied == (first,)
            assert partial.pending == never.pending[1:]
            assert not partial.at_head
            connection.execute(text("UPDATE alembic_version SET version_num = 'feedbeef0000'"))
            connection.commit()
            unknown = migration_status(connection)
        assert unknown.unknown == ("feedbeef0000",)
        assert not unknown.at_head
    finally:
        engine.dispose()


@pytest.mark.backends("sqlite")
def test_a_model_change_without_a_migration_is_reported() -> None:
    metadata = MetaData(naming_convention=Base.metadata.naming_convention)
    for table in Base.metadata.sorted_tables:
        copied = {index.name: index for index in table.to_metadata(metadata).indexes}
        for index in table.indexes:
            # to_metadata() leaves ddl_if behind: the PostgreSQL-only index would follow.
            copied[index.name]._ddl_if = index._ddl_if
    metadata.tables["games"].append_column(Column("shelf", String(20)))
    findings = unmigrated_model_changes(metadata)
    assert [(finding.kind, finding.name, finding.database) for finding in findings] == [
        ("column", "games.shelf", ABSENT)
    ]
    assert unmigrated_model_changes(Base.metadata) == []


def _rebuild_sqlite_table(connection: Connection, table: str, old: str, new: str) -> None:
    """Change a SQLite table the way SQLite documents: a new table from the edited CREATE
    TABLE, the rows copied, the old one dropped, the new one renamed, indexes recreated."""
    create = connection.exec_driver_sql(
        "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", (table,)
    ).scalar_one()
    indexes = (
        connection.exec_driver_sql(
            "SELECT sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? "
            "AND sql IS NOT NULL",
            (table,),
        )
        .scalars()
        .all()
    )
    assert old in create, create
    if new:
        edited = create.replace(old, new)
    else:  # the clause goes, with the comma before it (or after it, if it comes first)
        edited = re.sub(rf",\s*{re.escape(old)}|{re.escape(old)}\s*,", "", create, count=1)
    edited = re.sub(
        rf'^(CREATE TABLE(?: IF NOT EXISTS)?\s+)"?{table}"?', rf'\1"{table}__drift"', edited
    )
    connection.commit()
    connection.exec_driver_sql("PRAGMA foreign_keys = OFF")
    connection.exec_driver_sql(edited)
    columns = [row[1] for row in connection.exec_driver_sql(f'PRAGMA table_info("{table}")')]
    kept = [row[1] for row in connection.exec_driver_sql(f'PRAGMA table_info("{table}__drift")')]
    shared = ", ".join(column for column in columns if column in kept)
    connection.exec_driver_sql(
        f'INSERT INTO "{table}__drift" ({shared}) SELECT {shared} FROM "{table}"'  # noqa: S608
    )
    connection.exec_driver_sql(f'DROP TABLE "{table}"')
    connection.exec_driver_sql(f'ALTER TABLE "{table}__drift" RENAME TO "{table}"')
    for index in indexes:
        connection.exec_driver_sql(index)
    connection.commit()
    connection.exec_driver_sql("PRAGMA foreign_keys = ON")


@pytest.mark.backends("postgresql", "sqlite")
def test_a_renamed_primary_key_is_reported(migrated_database: Engine) -> None:
    with migrated_database.connect() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(text("ALTER TABLE games RENAME CONSTRAINT pk_games TO games_pkey"))
        else:
            _rebuild_sqlite_table(
                connection, "games", "CONSTRAINT pk_games PRIMARY", "CONSTRAINT games_pkey PRIMARY"
            )
        connection.commit()
    found = [finding for finding in _findings(migrated_database) if finding.kind == "primary_key"]
    assert [(finding.models, finding.database) for finding in found] == [
        ("pk_games (id)", "games_pkey (id)")
    ]


@pytest.mark.backends("mariadb")
def test_on_mariadb_primary_key_names_cannot_be_compared(migrated_database: Engine) -> None:
    with migrated_database.connect() as connection:
        # MariaDB calls every primary key PRIMARY; SQLAlchemy reflects no name at all.
        assert inspect(connection).get_pk_constraint("games")["name"] is None
        report = introspect(connection, Base.metadata)
    assert report.in_sync
    assert "primary_key" in {limitation.kind for limitation in report.limitations}


@pytest.mark.backends("postgresql")
def test_an_index_rebuilt_with_another_method_is_reported(migrated_database: Engine) -> None:
    with migrated_database.connect() as connection:
        connection.execute(text("DROP INDEX ix_games_title_trigram"))
        connection.execute(text("CREATE INDEX ix_games_title_trigram ON games (title)"))
        connection.commit()
    found = [finding for finding in _findings(migrated_database) if finding.kind == "index"]
    assert [(finding.name, finding.models, finding.database) for finding in found] == [
        ("ix_games_title_trigram", "USING gin (title gin_trgm_ops)", "USING btree")
    ]


@pytest.mark.backends("mariadb")
def test_extra_indexes_of_one_name_on_two_tables_are_two_findings(
    migrated_database: Engine,
) -> None:
    with migrated_database.connect() as connection:
        connection.execute(text("CREATE INDEX ix_hotfix ON games (min_age)"))
        connection.execute(text("CREATE INDEX ix_hotfix ON tags (name)"))
        connection.commit()
    found = sorted(
        (finding.table, finding.name, finding.database) for finding in _findings(migrated_database)
    )
    assert found == [
        ("games", "ix_hotfix", "INDEX (min_age)"),
        ("tags", "ix_hotfix", "INDEX (name)"),
    ]

"""Housekeeping after a bulk load: fresh planner statistics, so new indexes get used."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import text
from sqlalchemy.engine import Connection


def refresh_statistics(connection: Connection, tables: Sequence[str]) -> None:
    """Let the planner see a bulk load at once instead of at autovacuum's next visit.

    On PostgreSQL this also merges GIN indexes' pending lists (a bulk load leaves trigram
    entries there, and until they are merged the planner prices the index too high to
    use); on MariaDB and SQLite it refreshes the index statistics.
    """
    names = ", ".join(tables)  # our own table names, never user input
    dialect = connection.dialect.name
    if dialect == "postgresql":
        connection.execute(
            text(
                "SELECT gin_clean_pending_list(i.indexrelid) FROM pg_index i "
                "JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_am a ON a.oid = c.relam "
                "WHERE a.amname = 'gin' AND i.indrelid = ANY(CAST(:tables AS regclass[]))"
            ),
            {"tables": list(tables)},
        )
        connection.execute(text(f"ANALYZE {names}"))
    elif dialect in ("mysql", "mariadb"):
        connection.execute(text(f"ANALYZE TABLE {names}"))
    else:
        connection.execute(text("ANALYZE"))

"""Label names and slugs compared byte for byte on MariaDB, as on PostgreSQL and SQLite.

MariaDB's default collation is accent- and case-insensitive: it took "Cafe" for a
duplicate of "Café" and refused it, where the other databases store both.

Revision ID: 5b1e0c7d9a31
Revises: c9d72741201a
Create Date: 2026-11-22 01:15:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

revision: str = "5b1e0c7d9a31"
down_revision: str | None = "c9d72741201a"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS = [(table, column) for table in ("categories", "tags") for column in ("name", "slug")]


def upgrade() -> None:
    if op.get_bind().dialect.name not in ("mysql", "mariadb"):
        return
    for table, column in COLUMNS:
        op.alter_column(
            table,
            column,
            type_=mysql.VARCHAR(100, charset="utf8mb4", collation="utf8mb4_bin"),
            existing_type=sa.String(100),
            existing_nullable=False,
        )


def downgrade() -> None:
    # Fails while two labels of a kind differ only in case or accents ("Café" and "Cafe"):
    # the old collation counts them as one name. MariaDB's DDL is not transactional, so a
    # failure on tags leaves categories downgraded; `upgrade head` puts both back.
    if op.get_bind().dialect.name not in ("mysql", "mariadb"):
        return
    for table, column in COLUMNS:
        op.alter_column(
            table,
            column,
            type_=sa.String(100),
            existing_type=mysql.VARCHAR(100, collation="utf8mb4_bin"),
            existing_nullable=False,
        )

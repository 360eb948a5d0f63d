"""Sign-in throttles: recent failed sign-ins per email, shared by every worker and host.

Revision ID: 278d1489dd75
Revises: 6e1136ea1287
Create Date: 2026-11-29 08:48:08+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql, postgresql

revision: str = "278d1489dd75"
down_revision: str | None = "6e1136ea1287"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UTC_DATETIME = sa.DateTime(timezone=True).with_variant(mysql.DATETIME(fsp=6), "mysql", "mariadb")
# Byte for byte on MariaDB, as users.email_key: its default collation is accent-insensitive.
EXACT_EMAIL = sa.String(254).with_variant(
    mysql.VARCHAR(254, charset="utf8mb4", collation="utf8mb4_bin"), "mysql", "mariadb"
)


def upgrade() -> None:
    op.create_table(
        "sign_in_throttles",
        sa.Column("email_key", EXACT_EMAIL, nullable=False),
        sa.Column(
            "recent_failures",
            sa.JSON().with_variant(postgresql.JSONB(), "postgresql"),
            nullable=False,
        ),
        sa.Column("last_failed_at", UTC_DATETIME, nullable=False),
        sa.PrimaryKeyConstraint("email_key", name=op.f("pk_sign_in_throttles")),
    )
    op.create_index(
        op.f("ix_sign_in_throttles_last_failed_at"), "sign_in_throttles", ["last_failed_at"]
    )


def downgrade() -> None:
    op.drop_table("sign_in_throttles")

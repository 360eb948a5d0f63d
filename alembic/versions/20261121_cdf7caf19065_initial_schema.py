"""Initial schema: the games catalog and the audit log.

Revision ID: cdf7caf19065
Revises:
Create Date: 2026-11-21 23:48:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql, postgresql

revision: str = "cdf7caf19065"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# backend.models.base.UTCDateTime as each dialect stores it; spelled out so this migration
# never changes when application code does.
UTC_DATETIME = sa.DateTime(timezone=True).with_variant(mysql.DATETIME(fsp=6), "mysql", "mariadb")


def upgrade() -> None:
    op.create_table(
        "games",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("year_published", sa.Integer(), nullable=True),
        sa.Column("min_players", sa.SmallInteger(), nullable=False),
        sa.Column("max_players", sa.SmallInteger(), nullable=False),
        sa.Column("min_play_minutes", sa.Integer(), nullable=True),
        sa.Column("max_play_minutes", sa.Integer(), nullable=True),
        sa.Column("min_age", sa.SmallInteger(), nullable=True),
        sa.Column("complexity", sa.Double(), nullable=True),
        sa.Column("average_rating", sa.Double(), nullable=True),
        sa.Column("bgg_id", sa.Integer(), nullable=True),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("created_at", UTC_DATETIME, nullable=False),
        sa.Column("updated_at", UTC_DATETIME, nullable=False),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.Column("updated_by", sa.String(length=100), nullable=False),
        sa.Column("change_reason", sa.String(length=500), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_games")),
        sa.UniqueConstraint("bgg_id", name=op.f("uq_games_bgg_id")),
        sa.CheckConstraint("TRIM(title) <> ''", name=op.f("ck_games_title_not_blank")),
        sa.CheckConstraint(
            "year_published BETWEEN -5000 AND 2100", name=op.f("ck_games_year_published_range")
        ),
        sa.CheckConstraint(
            "min_players BETWEEN 1 AND 999", name=op.f("ck_games_min_players_range")
        ),
        sa.CheckConstraint(
            "max_players BETWEEN 1 AND 999", name=op.f("ck_games_max_players_range")
        ),
        sa.CheckConstraint(
            "min_players <= max_players", name=op.f("ck_games_min_players_le_max_players")
        ),
        sa.CheckConstraint(
            "min_play_minutes BETWEEN 1 AND 100000", name=op.f("ck_games_min_play_minutes_range")
        ),
        sa.CheckConstraint(
            "max_play_minutes BETWEEN 1 AND 100000", name=op.f("ck_games_max_play_minutes_range")
        ),
        sa.CheckConstraint(
            "min_play_minutes <= max_play_minutes",
            name=op.f("ck_games_min_play_minutes_le_max_play_minutes"),
        ),
        sa.CheckConstraint("min_age BETWEEN 1 AND 99", name=op.f("ck_games_min_age_range")),
        sa.CheckConstraint(
            "complexity BETWEEN 1.0 AND 5.0", name=op.f("ck_games_complexity_range")
        ),
        sa.CheckConstraint(
            "average_rating BETWEEN 1.0 AND 10.0", name=op.f("ck_games_average_rating_range")
        ),
        sa.CheckConstraint("bgg_id BETWEEN 1 AND 2147483647", name=op.f("ck_games_bgg_id_range")),
    )
    op.create_index(op.f("ix_games_title"), "games", ["title"])

    op.create_table(
        "audit_log",
        # SQLite auto-increments only a column declared exactly INTEGER PRIMARY KEY.
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("occurred_at", UTC_DATETIME, nullable=False),
        sa.Column("actor", sa.String(length=100), nullable=False),
        sa.Column(
            "action",
            sa.Enum(
                "insert",
                "update",
                "delete",
                name="audit_action",
                native_enum=False,
                create_constraint=True,
                length=10,
            ),
            nullable=False,
        ),
        sa.Column("entity_type", sa.String(length=64), nullable=False),
        sa.Column("entity_id", sa.String(length=64), nullable=False),
        sa.Column(
            "changes", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=False
        ),
        sa.Column("change_reason", sa.String(length=500), nullable=True),
        sa.Column("request_id", sa.String(length=128), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_log")),
    )
    op.create_index(
        op.f("ix_audit_log_entity_type_entity_id"), "audit_log", ["entity_type", "entity_id"]
    )
    op.create_index(op.f("ix_audit_log_occurred_at"), "audit_log", ["occurred_at"])


def downgrade() -> None:
    op.drop_table("audit_log")
    op.drop_table("games")

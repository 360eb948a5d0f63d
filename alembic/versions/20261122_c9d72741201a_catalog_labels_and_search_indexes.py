"""Catalog: categories and tags, unknown player counts, and indexes for search and filters.

Revision ID: c9d72741201a
Revises: cdf7caf19065
Create Date: 2026-11-22 00:08:53+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

revision: str = "c9d72741201a"
down_revision: str | None = "cdf7caf19065"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UTC_DATETIME = sa.DateTime(timezone=True).with_variant(mysql.DATETIME(fsp=6), "mysql", "mariadb")


def _create_label_table(name: str) -> None:
    op.create_table(
        name,
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("slug", sa.String(length=100), nullable=False),
        sa.Column("created_at", UTC_DATETIME, nullable=False),
        sa.Column("updated_at", UTC_DATETIME, nullable=False),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.Column("updated_by", sa.String(length=100), nullable=False),
        sa.Column("change_reason", sa.String(length=500), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{name}")),
        sa.UniqueConstraint("name", name=op.f(f"uq_{name}_name")),
        sa.UniqueConstraint("slug", name=op.f(f"uq_{name}_slug")),
        sa.CheckConstraint("TRIM(name) <> ''", name=op.f(f"ck_{name}_name_not_blank")),
        sa.CheckConstraint("TRIM(slug) <> ''", name=op.f(f"ck_{name}_slug_not_blank")),
    )


def _create_link_table(name: str, label_table: str, label_column: str) -> None:
    op.create_table(
        name,
        sa.Column("game_id", sa.Uuid(), nullable=False),
        sa.Column(label_column, sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["game_id"], ["games.id"], name=op.f(f"fk_{name}_game_id_games"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            [label_column],
            [f"{label_table}.id"],
            name=op.f(f"fk_{name}_{label_column}_{label_table}"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("game_id", label_column, name=op.f(f"pk_{name}")),
    )
    op.create_index(op.f(f"ix_{name}_{label_column}_game_id"), name, [label_column, "game_id"])


def upgrade() -> None:
    _create_label_table("categories")
    _create_label_table("tags")
    _create_link_table("game_categories", "categories", "category_id")
    _create_link_table("game_tags", "tags", "tag_id")

    with op.batch_alter_table("games") as batch_op:
        # An export's 0 players means "unknown": stored as NULL instead of refused.
        batch_op.alter_column("min_players", existing_type=sa.SmallInteger(), nullable=True)
        batch_op.alter_column("max_players", existing_type=sa.SmallInteger(), nullable=True)
    if op.get_bind().dialect.name in ("mysql", "mariadb"):
        # TEXT holds 65,535 bytes, too few for a 20,000-character description in utf8mb4.
        op.alter_column("games", "description", type_=mysql.MEDIUMTEXT(), existing_type=sa.Text())
    op.drop_index(op.f("ix_games_title"), table_name="games")
    op.create_index(op.f("ix_games_title_id"), "games", ["title", "id"])
    op.create_index(op.f("ix_games_year_published"), "games", ["year_published"])
    op.create_index(op.f("ix_games_complexity"), "games", ["complexity"])
    op.create_index(op.f("ix_games_average_rating"), "games", ["average_rating"])
    op.create_index(op.f("ix_games_max_play_minutes"), "games", ["max_play_minutes"])
    op.create_index(
        op.f("ix_games_max_players_min_players"), "games", ["max_players", "min_players"]
    )

    if op.get_bind().dialect.name == "postgresql":
        # Serves case-insensitive substring search (ILIKE '%...%'). pg_trgm is a trusted
        # extension: a database owner may create it without superuser rights.
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        op.create_index(
            "ix_games_title_trigram",
            "games",
            ["title"],
            postgresql_using="gin",
            postgresql_ops={"title": "gin_trgm_ops"},
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.drop_index("ix_games_title_trigram", table_name="games")
    op.drop_index(op.f("ix_games_max_players_min_players"), table_name="games")
    op.drop_index(op.f("ix_games_max_play_minutes"), table_name="games")
    op.drop_index(op.f("ix_games_average_rating"), table_name="games")
    op.drop_index(op.f("ix_games_complexity"), table_name="games")
    op.drop_index(op.f("ix_games_year_published"), table_name="games")
    op.drop_index(op.f("ix_games_title_id"), table_name="games")
    op.create_index(op.f("ix_games_title"), "games", ["title"])
    if op.get_bind().dialect.name in ("mysql", "mariadb"):
        op.alter_column("games", "description", type_=sa.Text(), existing_type=mysql.MEDIUMTEXT())
    # Fails while a game has an unknown player count: there is no value to restore.
    with op.batch_alter_table("games") as batch_op:
        batch_op.alter_column("max_players", existing_type=sa.SmallInteger(), nullable=False)
        batch_op.alter_column("min_players", existing_type=sa.SmallInteger(), nullable=False)

    op.drop_table("game_tags")
    op.drop_table("game_categories")
    op.drop_table("tags")
    op.drop_table("categories")

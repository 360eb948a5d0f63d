"""Players (optionally linked to an account, one player per account) and their
preferences: ranges, favourite categories and tags, and refused games.

Revision ID: 3cb8f1f8a0f2
Revises: 278d1489dd75
Create Date: 2026-11-29 09:27:40+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

revision: str = "3cb8f1f8a0f2"
down_revision: str | None = "278d1489dd75"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UTC_DATETIME = sa.DateTime(timezone=True).with_variant(mysql.DATETIME(fsp=6), "mysql", "mariadb")
# Byte for byte on MariaDB, as the models' exact_string.
EXACT_DISCORD_ID = sa.String(20).with_variant(
    mysql.VARCHAR(20, charset="utf8mb4", collation="utf8mb4_bin"), "mysql", "mariadb"
)
# (table, target table, target column) of the preferences' lists.
PREFERENCE_LINKS = (
    ("player_favourite_categories", "categories", "category_id"),
    ("player_favourite_tags", "tags", "tag_id"),
    ("player_refused_games", "games", "game_id"),
)
# Each range of the preferences, with its bounds, as PREFERENCE_RULES says.
PREFERENCE_RANGES = (
    ("play_minutes", "1", "100000"),
    ("complexity", "1.0", "5.0"),
    ("group_size", "1", "999"),
)


def _audit_columns() -> list[sa.Column]:
    return [
        sa.Column("created_at", UTC_DATETIME, nullable=False),
        sa.Column("updated_at", UTC_DATETIME, nullable=False),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.Column("updated_by", sa.String(length=100), nullable=False),
        sa.Column("change_reason", sa.String(length=500), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
    ]


def _preference_checks() -> list[sa.CheckConstraint]:
    """Each bound within its range, and min <= max of each pair."""
    checks = []
    for name, low, high in PREFERENCE_RANGES:
        lower, upper = f"min_{name}", f"max_{name}"
        checks += [
            sa.CheckConstraint(
                f"{bound} BETWEEN {low} AND {high}",
                name=op.f(f"ck_player_preferences_{bound}_range"),
            )
            for bound in (lower, upper)
        ]
        checks.append(
            sa.CheckConstraint(
                f"{lower} <= {upper}", name=op.f(f"ck_player_preferences_{lower}_le_{upper}")
            )
        )
    return checks


def upgrade() -> None:
    op.create_table(
        "players",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("display_name", sa.String(length=100), nullable=False),
        sa.Column("discord_id", EXACT_DISCORD_ID, nullable=True),
        sa.Column("user_id", sa.Uuid(), nullable=True),
        *_audit_columns(),
        sa.CheckConstraint(
            "TRIM(display_name) <> ''", name=op.f("ck_players_display_name_not_blank")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_players_user_id_users"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_players")),
        sa.UniqueConstraint("discord_id", name=op.f("uq_players_discord_id")),
        sa.UniqueConstraint("user_id", name=op.f("uq_players_user_id")),
    )
    op.create_index(op.f("ix_players_display_name_id"), "players", ["display_name", "id"])

    op.create_table(
        "player_preferences",
        sa.Column("player_id", sa.Uuid(), nullable=False),
        sa.Column("min_play_minutes", sa.Integer(), nullable=True),
        sa.Column("max_play_minutes", sa.Integer(), nullable=True),
        sa.Column("min_complexity", sa.Double(), nullable=True),
        sa.Column("max_complexity", sa.Double(), nullable=True),
        sa.Column("min_group_size", sa.SmallInteger(), nullable=True),
        sa.Column("max_group_size", sa.SmallInteger(), nullable=True),
        *_audit_columns(),
        *_preference_checks(),
        sa.ForeignKeyConstraint(
            ["player_id"],
            ["players.id"],
            name=op.f("fk_player_preferences_player_id_players"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("player_id", name=op.f("pk_player_preferences")),
    )

    for table, target, column in PREFERENCE_LINKS:
        op.create_table(
            table,
            sa.Column("player_id", sa.Uuid(), nullable=False),
            sa.Column(column, sa.Uuid(), nullable=False),
            sa.ForeignKeyConstraint(
                ["player_id"],
                ["player_preferences.player_id"],
                name=op.f(f"fk_{table}_player_id_player_preferences"),
                ondelete="CASCADE",
            ),
            sa.ForeignKeyConstraint(
                [column],
                [f"{target}.id"],
                name=op.f(f"fk_{table}_{column}_{target}"),
                ondelete="CASCADE",
            ),
            sa.PrimaryKeyConstraint("player_id", column, name=op.f(f"pk_{table}")),
        )
        # The key serves "a player's list"; this serves the cascade from the target.
        op.create_index(op.f(f"ix_{table}_{column}_player_id"), table, [column, "player_id"])


def downgrade() -> None:
    # Dropping a table drops its indexes: MariaDB refuses to drop one a foreign key needs.
    for table, _target, _column in reversed(PREFERENCE_LINKS):
        op.drop_table(table)
    op.drop_table("player_preferences")
    op.drop_table("players")

"""The shelf (the club's copies of games, the games each player owns) and plays with
their participants.

Revision ID: 686beedd1bfb
Revises: 3cb8f1f8a0f2
Create Date: 2026-11-29 11:53:41+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

revision: str = "686beedd1bfb"
down_revision: str | None = "3cb8f1f8a0f2"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UTC_DATETIME = sa.DateTime(timezone=True).with_variant(mysql.DATETIME(fsp=6), "mysql", "mariadb")


def _audit_columns() -> list[sa.Column]:
    return [
        sa.Column("created_at", UTC_DATETIME, nullable=False),
        sa.Column("updated_at", UTC_DATETIME, nullable=False),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.Column("updated_by", sa.String(length=100), nullable=False),
        sa.Column("change_reason", sa.String(length=500), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
    ]


def upgrade() -> None:
    op.create_table(
        "game_copies",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("game_id", sa.Uuid(), nullable=False),
        sa.Column("note", sa.String(length=200), nullable=True),
        *_audit_columns(),
        sa.CheckConstraint("TRIM(note) <> ''", name=op.f("ck_game_copies_note_not_blank")),
        sa.ForeignKeyConstraint(
            ["game_id"], ["games.id"], name=op.f("fk_game_copies_game_id_games"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_game_copies")),
    )
    op.create_index(op.f("ix_game_copies_game_id"), "game_copies", ["game_id"])

    op.create_table(
        "collection_items",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("player_id", sa.Uuid(), nullable=False),
        sa.Column("game_id", sa.Uuid(), nullable=False),
        *_audit_columns(),
        sa.ForeignKeyConstraint(
            ["game_id"],
            ["games.id"],
            name=op.f("fk_collection_items_game_id_games"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["player_id"],
            ["players.id"],
            name=op.f("fk_collection_items_player_id_players"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_collection_items")),
        sa.UniqueConstraint(
            "player_id", "game_id", name=op.f("uq_collection_items_player_id_game_id")
        ),
    )
    op.create_index(
        op.f("ix_collection_items_game_id_player_id"), "collection_items", ["game_id", "player_id"]
    )

    op.create_table(
        "plays",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("game_id", sa.Uuid(), nullable=False),
        sa.Column("played_at", UTC_DATETIME, nullable=False),
        sa.Column("duration_minutes", sa.Integer(), nullable=True),
        sa.Column("note", sa.String(length=500), nullable=True),
        *_audit_columns(),
        sa.CheckConstraint("TRIM(note) <> ''", name=op.f("ck_plays_note_not_blank")),
        sa.CheckConstraint(
            "duration_minutes BETWEEN 1 AND 100000", name=op.f("ck_plays_duration_minutes_range")
        ),
        sa.ForeignKeyConstraint(
            ["game_id"], ["games.id"], name=op.f("fk_plays_game_id_games"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plays")),
    )
    op.create_index(op.f("ix_plays_played_at_id"), "plays", ["played_at", "id"])
    op.create_index(op.f("ix_plays_game_id_played_at"), "plays", ["game_id", "played_at"])

    op.create_table(
        "play_participants",
        sa.Column("play_id", sa.Uuid(), nullable=False),
        sa.Column("player_id", sa.Uuid(), nullable=False),
        sa.Column("score", sa.Integer(), nullable=True),
        sa.Column("is_winner", sa.Boolean(), nullable=False),
        sa.Column("rating", sa.SmallInteger(), nullable=True),
        sa.CheckConstraint(
            "score BETWEEN -1000000000 AND 1000000000",
            name=op.f("ck_play_participants_score_range"),
        ),
        sa.CheckConstraint(
            "rating BETWEEN 1 AND 10", name=op.f("ck_play_participants_rating_range")
        ),
        sa.ForeignKeyConstraint(
            ["play_id"],
            ["plays.id"],
            name=op.f("fk_play_participants_play_id_plays"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["player_id"],
            ["players.id"],
            name=op.f("fk_play_participants_player_id_players"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("play_id", "player_id", name=op.f("pk_play_participants")),
    )
    op.create_index(
        op.f("ix_play_participants_player_id_play_id"),
        "play_participants",
        ["player_id", "play_id"],
    )


def downgrade() -> None:
    # Dropping a table drops its indexes: MariaDB refuses to drop one a foreign key needs.
    op.drop_table("play_participants")
    op.drop_table("plays")
    op.drop_table("collection_items")
    op.drop_table("game_copies")

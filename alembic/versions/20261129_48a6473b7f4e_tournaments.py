"""Tournaments: venues, tournaments, registrations (numbered per tournament), rounds and
their matches.

Revision ID: 48a6473b7f4e
Revises: 686beedd1bfb
Create Date: 2026-11-29 14:58:19+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

revision: str = "48a6473b7f4e"
down_revision: str | None = "686beedd1bfb"
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
        "venues",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("address", sa.String(length=500), nullable=False),
        sa.Column("capacity", sa.Integer(), nullable=False),
        sa.Column("time_zone", sa.String(length=64), nullable=False),
        *_audit_columns(),
        sa.CheckConstraint("TRIM(address) <> ''", name=op.f("ck_venues_address_not_blank")),
        sa.CheckConstraint("TRIM(name) <> ''", name=op.f("ck_venues_name_not_blank")),
        sa.CheckConstraint("capacity BETWEEN 1 AND 100000", name=op.f("ck_venues_capacity_range")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_venues")),
    )
    op.create_index(op.f("ix_venues_name_id"), "venues", ["name", "id"])
    op.create_table(
        "tournaments",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("game_id", sa.Uuid(), nullable=False),
        sa.Column("format_name", sa.String(length=100), nullable=False),
        sa.Column("venue_id", sa.Uuid(), nullable=False),
        sa.Column("organizer_id", sa.Uuid(), nullable=False),
        sa.Column("capacity", sa.Integer(), nullable=False),
        sa.Column(
            "starts_at",
            UTC_DATETIME,
            nullable=False,
        ),
        sa.Column(
            "visibility",
            sa.Enum(
                "public",
                "members",
                name="tournament_visibility",
                native_enum=False,
                create_constraint=True,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column(
            "status",
            sa.Enum(
                "draft",
                "registration_open",
                "in_progress",
                "completed",
                "cancelled",
                name="tournament_status",
                native_enum=False,
                create_constraint=True,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column(
            "registration_opened_at",
            UTC_DATETIME,
            nullable=True,
        ),
        sa.Column(
            "started_at",
            UTC_DATETIME,
            nullable=True,
        ),
        sa.Column(
            "completed_at",
            UTC_DATETIME,
            nullable=True,
        ),
        sa.Column(
            "cancelled_at",
            UTC_DATETIME,
            nullable=True,
        ),
        sa.Column("last_sequence", sa.Integer(), nullable=False),
        sa.Column("top_cut_size", sa.SmallInteger(), nullable=True),
        sa.Column("swiss_rounds", sa.SmallInteger(), nullable=True),
        *_audit_columns(),
        sa.CheckConstraint(
            "TRIM(format_name) <> ''", name=op.f("ck_tournaments_format_name_not_blank")
        ),
        sa.CheckConstraint("TRIM(name) <> ''", name=op.f("ck_tournaments_name_not_blank")),
        sa.CheckConstraint(
            "capacity BETWEEN 2 AND 4096", name=op.f("ck_tournaments_capacity_range")
        ),
        sa.CheckConstraint(
            "last_sequence >= 0", name=op.f("ck_tournaments_last_sequence_not_negative")
        ),
        sa.CheckConstraint(
            "swiss_rounds BETWEEN 1 AND 20", name=op.f("ck_tournaments_swiss_rounds_range")
        ),
        sa.CheckConstraint(
            "top_cut_size BETWEEN 0 AND 16", name=op.f("ck_tournaments_top_cut_size_range")
        ),
        sa.ForeignKeyConstraint(
            ["game_id"],
            ["games.id"],
            name=op.f("fk_tournaments_game_id_games"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["organizer_id"],
            ["users.id"],
            name=op.f("fk_tournaments_organizer_id_users"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["venue_id"],
            ["venues.id"],
            name=op.f("fk_tournaments_venue_id_venues"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tournaments")),
    )
    op.create_index(op.f("ix_tournaments_game_id"), "tournaments", ["game_id"])
    op.create_index(op.f("ix_tournaments_organizer_id"), "tournaments", ["organizer_id"])
    op.create_index(op.f("ix_tournaments_starts_at_id"), "tournaments", ["starts_at", "id"])
    op.create_index(op.f("ix_tournaments_venue_id"), "tournaments", ["venue_id"])
    op.create_table(
        "registrations",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("tournament_id", sa.Uuid(), nullable=False),
        sa.Column("player_id", sa.Uuid(), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "registered",
                "waitlisted",
                "dropped",
                name="registration_status",
                native_enum=False,
                create_constraint=True,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column(
            "checked_in_at",
            UTC_DATETIME,
            nullable=True,
        ),
        sa.Column(
            "promoted_at",
            UTC_DATETIME,
            nullable=True,
        ),
        sa.Column(
            "dropped_at",
            UTC_DATETIME,
            nullable=True,
        ),
        sa.Column("dropped_after_round", sa.SmallInteger(), nullable=True),
        *_audit_columns(),
        sa.CheckConstraint(
            "dropped_after_round >= 0",
            name=op.f("ck_registrations_dropped_after_round_not_negative"),
        ),
        sa.CheckConstraint("sequence >= 1", name=op.f("ck_registrations_sequence_positive")),
        sa.ForeignKeyConstraint(
            ["player_id"],
            ["players.id"],
            name=op.f("fk_registrations_player_id_players"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["tournament_id"],
            ["tournaments.id"],
            name=op.f("fk_registrations_tournament_id_tournaments"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_registrations")),
        sa.UniqueConstraint(
            "tournament_id", "player_id", name=op.f("uq_registrations_tournament_id_player_id")
        ),
        sa.UniqueConstraint(
            "tournament_id", "sequence", name=op.f("uq_registrations_tournament_id_sequence")
        ),
    )
    op.create_index(op.f("ix_registrations_player_id"), "registrations", ["player_id"])
    op.create_table(
        "rounds",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("tournament_id", sa.Uuid(), nullable=False),
        sa.Column("number", sa.SmallInteger(), nullable=False),
        sa.Column(
            "stage",
            sa.Enum(
                "swiss",
                "top_cut",
                name="round_stage",
                native_enum=False,
                create_constraint=True,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("rematches_allowed", sa.Boolean(), nullable=False),
        *_audit_columns(),
        sa.CheckConstraint("number >= 1", name=op.f("ck_rounds_number_positive")),
        sa.ForeignKeyConstraint(
            ["tournament_id"],
            ["tournaments.id"],
            name=op.f("fk_rounds_tournament_id_tournaments"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rounds")),
        sa.UniqueConstraint("tournament_id", "number", name=op.f("uq_rounds_tournament_id_number")),
    )
    op.create_table(
        "matches",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("round_id", sa.Uuid(), nullable=False),
        sa.Column("table_number", sa.SmallInteger(), nullable=False),
        sa.Column("player_a_id", sa.Uuid(), nullable=False),
        sa.Column("player_b_id", sa.Uuid(), nullable=True),
        sa.Column("player_a_wins", sa.SmallInteger(), nullable=True),
        sa.Column("player_b_wins", sa.SmallInteger(), nullable=True),
        sa.Column("draws", sa.SmallInteger(), nullable=True),
        sa.Column(
            "status",
            sa.Enum(
                "pending",
                "reported",
                "confirmed",
                name="match_status",
                native_enum=False,
                create_constraint=True,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("reported_by", sa.String(length=100), nullable=True),
        sa.Column(
            "reported_at",
            UTC_DATETIME,
            nullable=True,
        ),
        sa.Column("confirmed_by", sa.String(length=100), nullable=True),
        sa.Column(
            "confirmed_at",
            UTC_DATETIME,
            nullable=True,
        ),
        sa.Column("play_id", sa.Uuid(), nullable=True),
        *_audit_columns(),
        sa.CheckConstraint("draws BETWEEN 0 AND 9", name=op.f("ck_matches_draws_range")),
        sa.CheckConstraint(
            "player_a_wins BETWEEN 0 AND 9", name=op.f("ck_matches_player_a_wins_range")
        ),
        sa.CheckConstraint(
            "player_b_id IS NULL OR player_b_id <> player_a_id", name=op.f("ck_matches_two_players")
        ),
        sa.CheckConstraint(
            "player_b_wins BETWEEN 0 AND 9", name=op.f("ck_matches_player_b_wins_range")
        ),
        sa.CheckConstraint("table_number >= 1", name=op.f("ck_matches_table_number_positive")),
        sa.ForeignKeyConstraint(
            ["play_id"], ["plays.id"], name=op.f("fk_matches_play_id_plays"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["player_a_id"],
            ["players.id"],
            name=op.f("fk_matches_player_a_id_players"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["player_b_id"],
            ["players.id"],
            name=op.f("fk_matches_player_b_id_players"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["round_id"], ["rounds.id"], name=op.f("fk_matches_round_id_rounds"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_matches")),
        sa.UniqueConstraint("play_id", name=op.f("uq_matches_play_id")),
        sa.UniqueConstraint(
            "round_id", "table_number", name=op.f("uq_matches_round_id_table_number")
        ),
    )
    op.create_index(op.f("ix_matches_player_a_id"), "matches", ["player_a_id"])
    op.create_index(op.f("ix_matches_player_b_id"), "matches", ["player_b_id"])


def downgrade() -> None:
    # Dropping a table drops its indexes: MariaDB refuses to drop one a foreign key needs.
    op.drop_table("matches")
    op.drop_table("rounds")
    op.drop_table("registrations")
    op.drop_table("tournaments")
    op.drop_table("venues")

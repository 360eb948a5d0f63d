"""Tournaments: the venues they are held at, the tournaments, their registrations, and
their rounds of matches. Standings are never stored: they are derived from confirmed
match results whenever they are read."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from backend.domain.tournaments import (
    FORMAT_NAME_MAX_LENGTH,
    MATCH_RESULT_RULES,
    TIME_ZONE_MAX_LENGTH,
    TOURNAMENT_NAME_MAX_LENGTH,
    TOURNAMENT_RULES,
    VENUE_ADDRESS_MAX_LENGTH,
    VENUE_NAME_MAX_LENGTH,
    VENUE_RULES,
    MatchStatus,
    RegistrationStatus,
    RoundStage,
    TournamentStatus,
    Visibility,
)
from backend.models.base import (
    ACTOR_MAX_LENGTH,
    AuditMixin,
    Base,
    TimestampMixin,
    UUIDPrimaryKey,
    VersionMixin,
)
from backend.models.checks import check_constraints
from backend.models.columns import string_enum


class Venue(UUIDPrimaryKey, TimestampMixin, AuditMixin, VersionMixin, Base):
    """A place tournaments are held at, with the time zone its start times are read in."""

    __tablename__ = "venues"

    name: Mapped[str] = mapped_column(String(VENUE_NAME_MAX_LENGTH))
    address: Mapped[str] = mapped_column(String(VENUE_ADDRESS_MAX_LENGTH))
    capacity: Mapped[int] = mapped_column(Integer)
    # An IANA name ("Europe/Paris"), checked by the service against the zone database.
    time_zone: Mapped[str] = mapped_column(String(TIME_ZONE_MAX_LENGTH))

    __table_args__ = (
        # Lists by name; the id makes the order total.
        Index(None, "name", "id"),
        *check_constraints(VENUE_RULES),
    )

    def __repr__(self) -> str:
        return f"Venue(id={self.id!s})"


class Tournament(UUIDPrimaryKey, TimestampMixin, AuditMixin, VersionMixin, Base):
    """One event of a game in a format, at a venue, run by its organizer through the
    lifecycle draft -> registration_open -> in_progress -> completed (or cancelled)."""

    __tablename__ = "tournaments"

    name: Mapped[str] = mapped_column(String(TOURNAMENT_NAME_MAX_LENGTH))
    # RESTRICT: a game, venue or organizer with tournaments stays while they do.
    game_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("games.id", ondelete="RESTRICT"))
    format_name: Mapped[str] = mapped_column(String(FORMAT_NAME_MAX_LENGTH))
    venue_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("venues.id", ondelete="RESTRICT"))
    organizer_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    capacity: Mapped[int] = mapped_column(Integer)
    starts_at: Mapped[datetime]
    visibility: Mapped[Visibility] = mapped_column(
        string_enum(Visibility, "tournament_visibility", 20), default=Visibility.PUBLIC
    )
    status: Mapped[TournamentStatus] = mapped_column(
        string_enum(TournamentStatus, "tournament_status", 20), default=TournamentStatus.DRAFT
    )
    # When the tournament entered each state after its draft (created_at is the draft's).
    registration_opened_at: Mapped[datetime | None]
    started_at: Mapped[datetime | None]
    completed_at: Mapped[datetime | None]
    cancelled_at: Mapped[datetime | None]
    # The last registration sequence number given: sign-ups lock this row, take the next
    # number and store it, so concurrent sign-ups get 1, 2, 3 ... without a gap or a twin.
    last_sequence: Mapped[int] = mapped_column(Integer, default=0)
    # The top cut's size (0: none; 2, 4, 8 or 16), or None for the round table's
    # recommendation; the Swiss rounds, fixed from the player count at the first pairing.
    top_cut_size: Mapped[int | None] = mapped_column(SmallInteger)
    swiss_rounds: Mapped[int | None] = mapped_column(SmallInteger)

    __table_args__ = (
        # Lists by start time; the id makes the order total.
        Index(None, "starts_at", "id"),
        Index(None, "organizer_id"),
        Index(None, "venue_id"),
        Index(None, "game_id"),
        CheckConstraint("last_sequence >= 0", name="last_sequence_not_negative"),
        *check_constraints(TOURNAMENT_RULES),
    )

    def __repr__(self) -> str:
        return f"Tournament(id={self.id!s}, status={self.status!s})"


class Registration(UUIDPrimaryKey, TimestampMixin, AuditMixin, VersionMixin, Base):
    """A player's place in a tournament: registered, waitlisted or dropped, numbered in
    the order of sign-up within the tournament."""

    __tablename__ = "registrations"

    # CASCADE backs up the service, which removes a tournament's registrations itself
    # (audited) first.
    tournament_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("tournaments.id", ondelete="CASCADE")
    )
    # RESTRICT: a player with registrations is not removed while they remain.
    player_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("players.id", ondelete="RESTRICT"))
    sequence: Mapped[int] = mapped_column(Integer)
    status: Mapped[RegistrationStatus] = mapped_column(
        string_enum(RegistrationStatus, "registration_status", 20)
    )
    checked_in_at: Mapped[datetime | None]
    promoted_at: Mapped[datetime | None]
    dropped_at: Mapped[datetime | None]
    # For a drop after the start: the rounds the player finished, which stay in the
    # standings (backend.domain.standings' Entrant.dropped_after_round).
    dropped_after_round: Mapped[int | None] = mapped_column(SmallInteger)

    __table_args__ = (
        UniqueConstraint(
            "tournament_id",
            "player_id",
            info={"field": "player_id", "message": "This player is registered already."},
        ),
        # A backstop: the tournament's row lock and counter give each number once.
        UniqueConstraint(
            "tournament_id",
            "sequence",
            info={"field": "sequence", "message": "This sequence number is taken."},
        ),
        Index(None, "player_id"),
        CheckConstraint("sequence >= 1", name="sequence_positive"),
        CheckConstraint("dropped_after_round >= 0", name="dropped_after_round_not_negative"),
    )

    def __repr__(self) -> str:
        return f"Registration(id={self.id!s}, sequence={self.sequence})"


class Round(UUIDPrimaryKey, TimestampMixin, AuditMixin, VersionMixin, Base):
    """One round of a tournament, Swiss or top cut, with its matches."""

    __tablename__ = "rounds"

    tournament_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("tournaments.id", ondelete="CASCADE")
    )
    number: Mapped[int] = mapped_column(SmallInteger)
    stage: Mapped[RoundStage] = mapped_column(string_enum(RoundStage, "round_stage", 20))
    # Whether the organizer allowed the fewest rematches when no pairing without one existed.
    rematches_allowed: Mapped[bool] = mapped_column(Boolean, default=False)

    matches: Mapped[list[Match]] = relationship(
        back_populates="round", cascade="all, delete-orphan", lazy="raise"
    )

    __table_args__ = (
        UniqueConstraint(
            "tournament_id",
            "number",
            info={"field": "number", "message": "This round is paired already."},
        ),
        CheckConstraint("number >= 1", name="number_positive"),
    )

    def __repr__(self) -> str:
        return f"Round(id={self.id!s}, number={self.number})"


class Match(UUIDPrimaryKey, TimestampMixin, AuditMixin, VersionMixin, Base):
    """Two players at a table in a round (or one player's bye), and their result: games
    won by each side and drawn games, reported, then confirmed."""

    __tablename__ = "matches"

    round_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("rounds.id", ondelete="CASCADE"))
    table_number: Mapped[int] = mapped_column(SmallInteger)
    player_a_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("players.id", ondelete="RESTRICT"))
    # None: player A's bye, confirmed as a 2-0 win when the round is paired.
    player_b_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("players.id", ondelete="RESTRICT")
    )
    player_a_wins: Mapped[int | None] = mapped_column(SmallInteger)
    player_b_wins: Mapped[int | None] = mapped_column(SmallInteger)
    draws: Mapped[int | None] = mapped_column(SmallInteger)
    status: Mapped[MatchStatus] = mapped_column(
        string_enum(MatchStatus, "match_status", 20), default=MatchStatus.PENDING
    )
    # Who reported and who confirmed the result, as the audit trail names actors.
    reported_by: Mapped[str | None] = mapped_column(String(ACTOR_MAX_LENGTH))
    reported_at: Mapped[datetime | None]
    confirmed_by: Mapped[str | None] = mapped_column(String(ACTOR_MAX_LENGTH))
    confirmed_at: Mapped[datetime | None]
    # The play a confirmed result recorded in the players' history; SET NULL: removing
    # that play leaves the result standing.
    play_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("plays.id", ondelete="SET NULL"))

    round: Mapped[Round] = relationship(back_populates="matches", lazy="raise")

    __table_args__ = (
        UniqueConstraint(
            "round_id",
            "table_number",
            info={"field": "table_number", "message": "This table is taken in this round."},
        ),
        UniqueConstraint(
            "play_id", info={"field": "play_id", "message": "This play records another match."}
        ),
        # A player's matches, for their opponents and their history.
        Index(None, "player_a_id"),
        Index(None, "player_b_id"),
        CheckConstraint("table_number >= 1", name="table_number_positive"),
        CheckConstraint("player_b_id IS NULL OR player_b_id <> player_a_id", name="two_players"),
        *check_constraints(MATCH_RESULT_RULES),
    )

    def __repr__(self) -> str:
        return f"Match(id={self.id!s}, table={self.table_number})"

"""Plays: a game played at the club, when and for how long, and who took part."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, SmallInteger, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from backend.domain.plays import PARTICIPANT_RULES, PLAY_NOTE_MAX_LENGTH, PLAY_RULES
from backend.models.base import (
    AuditMixin,
    Base,
    PartOfParent,
    TimestampMixin,
    UUIDPrimaryKey,
    VersionMixin,
)
from backend.models.checks import check_constraints


class Play(UUIDPrimaryKey, TimestampMixin, AuditMixin, VersionMixin, Base):
    """One game played once, with its participants (stored and changed as one)."""

    __tablename__ = "plays"

    # RESTRICT: a game or a player with plays is not removed while the plays remain.
    game_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("games.id", ondelete="RESTRICT"))
    played_at: Mapped[datetime]
    duration_minutes: Mapped[int | None] = mapped_column(Integer)
    note: Mapped[str | None] = mapped_column(String(PLAY_NOTE_MAX_LENGTH))

    # lazy="raise": reads choose their own loading; the service loads them to change them.
    participants: Mapped[list[PlayParticipant]] = relationship(
        back_populates="play", cascade="all, delete-orphan", lazy="raise"
    )

    __table_args__ = (
        # Lists newest first, whole or of one game; the id makes the order total.
        Index(None, "played_at", "id"),
        Index(None, "game_id", "played_at"),
        *check_constraints(PLAY_RULES),
    )

    def __repr__(self) -> str:
        return f"Play(id={self.id!s})"


class PlayParticipant(PartOfParent, Base):
    """One player's part in a play: their score, whether they won, and how they rated it.
    Part of its play: the play's version, audit columns and audit rows cover it."""

    __tablename__ = "play_participants"

    play_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("plays.id", ondelete="CASCADE"), primary_key=True
    )
    player_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("players.id", ondelete="RESTRICT"), primary_key=True
    )
    score: Mapped[int | None] = mapped_column(Integer)
    is_winner: Mapped[bool] = mapped_column(Boolean, default=False)
    rating: Mapped[int | None] = mapped_column(SmallInteger)

    play: Mapped[Play] = relationship(back_populates="participants", lazy="raise")

    __table_args__ = (
        # The key serves "a play's participants"; this serves a player's plays, stats and
        # the concierge's "what has this group played".
        Index(None, "player_id", "play_id"),
        *check_constraints(PARTICIPANT_RULES),
    )

    @property
    def name(self) -> str:
        """How the audit trail lists the participant in its play's record: the player and
        what they scored, won and rated, so a change of any of them shows in the play's."""
        outcome = "won" if self.is_winner else "did not win"
        return f"{self.player_id}: score {self.score}, {outcome}, rating {self.rating}"

    def __repr__(self) -> str:
        return f"PlayParticipant(play_id={self.play_id!s}, player_id={self.player_id!s})"

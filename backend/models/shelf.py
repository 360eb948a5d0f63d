"""The shelf: the club's copies of games, and the games each player owns."""

from __future__ import annotations

import uuid

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from backend.domain.shelf import COPY_NOTE_MAX_LENGTH, COPY_RULES
from backend.models.base import AuditMixin, Base, TimestampMixin, UUIDPrimaryKey, VersionMixin
from backend.models.checks import check_constraints


class GameCopy(UUIDPrimaryKey, TimestampMixin, AuditMixin, VersionMixin, Base):
    """One physical copy of a game that the club owns, with a note on its state."""

    __tablename__ = "game_copies"

    # CASCADE backs up the service, which removes a game's copies itself (audited) first.
    game_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("games.id", ondelete="CASCADE"))
    note: Mapped[str | None] = mapped_column(String(COPY_NOTE_MAX_LENGTH))

    __table_args__ = (
        # A game's copies, and "does the club own one" for the concierge.
        Index(None, "game_id"),
        *check_constraints(COPY_RULES),
    )

    def __repr__(self) -> str:
        return f"GameCopy(id={self.id!s})"


class CollectionItem(UUIDPrimaryKey, TimestampMixin, AuditMixin, VersionMixin, Base):
    """A game that a player owns (and may bring to a game night)."""

    __tablename__ = "collection_items"

    # CASCADE backs up the services, which remove these themselves (audited) first.
    player_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("players.id", ondelete="CASCADE"))
    game_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("games.id", ondelete="CASCADE"))

    __table_args__ = (
        UniqueConstraint(
            "player_id", "game_id", info={"message": "The player already owns this game."}
        ),
        # The unique key serves "a player's collection"; this serves "who owns this game".
        Index(None, "game_id", "player_id"),
    )

    def __repr__(self) -> str:
        return f"CollectionItem(id={self.id!s})"

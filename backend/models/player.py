"""The club's players: who takes part in game nights, and what each likes to play."""

from __future__ import annotations

import uuid

from sqlalchemy import (
    Column,
    Double,
    ForeignKey,
    Index,
    SmallInteger,
    String,
    Table,
    UniqueConstraint,
    Uuid,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from backend.domain.players import (
    DISCORD_ID_MAX_LENGTH,
    DISPLAY_NAME_MAX_LENGTH,
    PLAYER_RULES,
    PREFERENCE_RULES,
)
from backend.models.base import AuditMixin, Base, TimestampMixin, UUIDPrimaryKey, VersionMixin
from backend.models.checks import check_constraints
from backend.models.columns import exact_string
from backend.models.game import Game
from backend.models.labels import Category, Tag


def _preference_links(table_name: str, target_table: str, target_column: str) -> Table:
    # CASCADE both ways: removing preferences removes their lists, and a game or label that
    # is removed is no longer anyone's favourite or refusal (it cannot be played anyway).
    return Table(
        table_name,
        Base.metadata,
        Column(
            "player_id",
            Uuid,
            ForeignKey("player_preferences.player_id", ondelete="CASCADE"),
            primary_key=True,
        ),
        Column(
            target_column,
            Uuid,
            ForeignKey(f"{target_table}.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        # The primary key serves "a player's list"; this serves the cascade from the target.
        Index(None, target_column, "player_id"),
    )


player_favourite_categories = _preference_links(
    "player_favourite_categories", "categories", "category_id"
)
player_favourite_tags = _preference_links("player_favourite_tags", "tags", "tag_id")
player_refused_games = _preference_links("player_refused_games", "games", "game_id")


class Player(UUIDPrimaryKey, TimestampMixin, AuditMixin, VersionMixin, Base):
    """A person who plays at the club, with or without an account (a member owns the
    player linked to their account; one player per account)."""

    __tablename__ = "players"

    display_name: Mapped[str] = mapped_column(String(DISPLAY_NAME_MAX_LENGTH))
    # Digits only, compared exactly: MariaDB's collation has nothing to fold in them, but a
    # unique key on an exact column says what is meant.
    discord_id: Mapped[str | None] = mapped_column(exact_string(DISCORD_ID_MAX_LENGTH))
    # RESTRICT: an account is deactivated, not removed, so its player keeps its owner.
    user_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))

    # lazy="raise": only removing a player loads them (to remove them first, audited).
    preferences: Mapped[PlayerPreferences | None] = relationship(
        back_populates="player", cascade="all, delete-orphan", lazy="raise"
    )

    __table_args__ = (
        UniqueConstraint(
            "discord_id", info={"message": "Another player already has this Discord id."}
        ),
        UniqueConstraint("user_id", info={"message": "This account already has a player."}),
        # Listing by name pages through this index; the id makes the order total.
        Index(None, "display_name", "id"),
        *check_constraints(PLAYER_RULES),
    )

    def __repr__(self) -> str:
        return f"Player(id={self.id!s})"


class PlayerPreferences(TimestampMixin, AuditMixin, VersionMixin, Base):
    """What one player likes: every range and list is optional (null or empty: no
    preference). Replaced as a whole by each PUT."""

    __tablename__ = "player_preferences"

    player_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("players.id", ondelete="CASCADE"), primary_key=True
    )
    min_play_minutes: Mapped[int | None]
    max_play_minutes: Mapped[int | None]
    min_complexity: Mapped[float | None] = mapped_column(Double)
    max_complexity: Mapped[float | None] = mapped_column(Double)
    min_group_size: Mapped[int | None] = mapped_column(SmallInteger)
    max_group_size: Mapped[int | None] = mapped_column(SmallInteger)

    player: Mapped[Player] = relationship(back_populates="preferences", lazy="raise")
    # passive_deletes: the database's CASCADE removes the lists with the preferences.
    favourite_categories: Mapped[list[Category]] = relationship(
        secondary=player_favourite_categories,
        order_by=Category.name,
        lazy="raise",
        passive_deletes=True,
    )
    favourite_tags: Mapped[list[Tag]] = relationship(
        secondary=player_favourite_tags, order_by=Tag.name, lazy="raise", passive_deletes=True
    )
    refused_games: Mapped[list[Game]] = relationship(
        secondary=player_refused_games, order_by=Game.title, lazy="raise", passive_deletes=True
    )

    __table_args__ = (*check_constraints(PREFERENCE_RULES),)

    def __repr__(self) -> str:
        return f"PlayerPreferences(player_id={self.player_id!s})"

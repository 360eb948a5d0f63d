"""PlayerRepository and PlayerPreferencesRepository: the club's players and what they like."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Any, TypedDict, cast
from uuid import UUID

from sqlalchemy import ColumnElement, Integer, bindparam, func, select
from sqlalchemy.orm import selectinload

from backend.domain.errors import NotFoundError
from backend.models import Play, Player, PlayerPreferences, PlayParticipant
from backend.repositories.base import Page, Repository

_PLAYERS = Player.__table__
_PLAYER_COLUMNS = tuple(_PLAYERS.c)
_PARTICIPANTS = PlayParticipant.__table__
_PLAYS = Play.__table__
# Each player's play count and last play: a grouped subquery joined to the page, so one
# statement still reads a page (or one player) whatever its size.
_PLAYS_BY_PLAYER = (
    select(
        _PARTICIPANTS.c.player_id,
        func.count().label("play_count"),
        func.max(_PLAYS.c.played_at).label("last_played_at"),
    )
    .join(_PLAYS, _PLAYS.c.id == _PARTICIPANTS.c.play_id)
    .group_by(_PARTICIPANTS.c.player_id)
    .subquery("plays_by_player")
)
_PLAYER_VIEW = select(
    *_PLAYER_COLUMNS,
    func.coalesce(_PLAYS_BY_PLAYER.c.play_count, 0).label("play_count"),
    _PLAYS_BY_PLAYER.c.last_played_at,
).select_from(_PLAYERS.outerjoin(_PLAYS_BY_PLAYER, _PLAYS_BY_PLAYER.c.player_id == _PLAYERS.c.id))
_LIKE_ESCAPE = "/"


class PlayerView(TypedDict):
    """A player as clients read it: its columns, and how much and lately it played."""

    id: UUID
    display_name: str
    discord_id: str | None
    user_id: UUID | None
    created_at: datetime
    updated_at: datetime
    created_by: str
    updated_by: str
    change_reason: str | None
    version: int
    play_count: int
    last_played_at: datetime | None


class PlayerRepository(Repository[Player]):
    model = Player
    entity_name = "player"
    updatable = frozenset({"display_name", "discord_id", "user_id"})
    default_order = (Player.display_name, Player.id)

    def get_with_preferences(self, player_id: Any) -> Player:
        """The player with its preferences (None if it has none) loaded; NotFoundError."""
        return self.get_or_raise(player_id, options=(selectinload(Player.preferences),))

    def of_user(self, user_id: UUID) -> Player | None:
        """The player linked to this account, if any."""
        return self.session.scalar(select(Player).where(Player.user_id == user_id))

    def with_ids(self, player_ids: Collection[UUID]) -> list[Player]:
        """The players with these ids that exist, in one statement; the caller names the
        missing ones."""
        if not player_ids:
            return []
        return list(self.session.scalars(select(Player).where(Player.id.in_(set(player_ids)))))

    def with_discord_id(self, discord_id: str) -> Player | None:
        return self.session.scalar(select(Player).where(Player.discord_id == discord_id))

    # Reads for display return plain rows, as the games' do.

    def view(self, player_id: UUID) -> PlayerView:
        """The player as clients read it, in one statement; NotFoundError if none."""
        row = self.session.execute(_PLAYER_VIEW.where(_PLAYERS.c.id == player_id)).first()
        if row is None:
            raise NotFoundError(self.entity_name, player_id)
        return cast(PlayerView, dict(row._mapping))

    def page(self, *, name_contains: str | None, page: int, page_size: int) -> Page[PlayerView]:
        """One page of the players by name, those whose name contains `name_contains`
        (case-insensitive) when given, with their play counts: two statements (count,
        page) whatever the page size."""
        conditions: list[ColumnElement[bool]] = []
        if name_contains:
            pattern = "%" + _escape_like(name_contains) + "%"
            conditions.append(_PLAYERS.c.display_name.ilike(pattern, escape=_LIKE_ESCAPE))
        connection = self.session.connection()
        total = connection.scalar(select(func.count()).select_from(_PLAYERS).where(*conditions))
        total = total or 0
        offset = (page - 1) * page_size
        if offset >= total:
            return Page([], total)
        statement = (
            _PLAYER_VIEW.where(*conditions)
            .order_by(_PLAYERS.c.display_name, _PLAYERS.c.id)
            .offset(bindparam("offset", type_=Integer))
            .limit(bindparam("limit", type_=Integer))
        )
        rows = connection.execute(statement, {"offset": offset, "limit": page_size})
        return Page([cast(PlayerView, dict(row._mapping)) for row in rows], total)


class PlayerPreferencesRepository(Repository[PlayerPreferences]):
    model = PlayerPreferences
    entity_name = "preferences"
    updatable = frozenset(
        {
            "min_play_minutes",
            "max_play_minutes",
            "min_complexity",
            "max_complexity",
            "min_group_size",
            "max_group_size",
            "favourite_categories",
            "favourite_tags",
            "refused_games",
        }
    )
    default_order = (PlayerPreferences.player_id,)

    def of_player(self, player_id: UUID) -> PlayerPreferences | None:
        """The player's preferences with their lists (four statements), or None."""
        statement = (
            select(PlayerPreferences)
            .where(PlayerPreferences.player_id == player_id)
            .options(
                selectinload(PlayerPreferences.favourite_categories),
                selectinload(PlayerPreferences.favourite_tags),
                selectinload(PlayerPreferences.refused_games),
            )
            # Always a query, so the lists get loaded even for preferences already held.
            .execution_options(populate_existing=True)
        )
        return self.session.scalar(statement)


def _escape_like(text: str) -> str:
    return (
        text.replace(_LIKE_ESCAPE, _LIKE_ESCAPE * 2)
        .replace("%", _LIKE_ESCAPE + "%")
        .replace("_", _LIKE_ESCAPE + "_")
    )

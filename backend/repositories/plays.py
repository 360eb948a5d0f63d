"""PlayRepository: the plays recorded at the club, who took part, and what they add up to."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any, TypedDict
from uuid import UUID

from sqlalchemy import ColumnElement, Connection, Integer, Select, bindparam, case, func, select
from sqlalchemy.orm import selectinload

from backend.db.bulk import is_one_of_parameter
from backend.domain.errors import NotFoundError
from backend.domain.moments import clamped_to_years_kept
from backend.models import Category, Game, Play, Player, PlayParticipant, game_categories
from backend.repositories.base import Page, Repository

_PLAYS = Play.__table__
_PARTICIPANTS = PlayParticipant.__table__
_GAMES = Game.__table__
_PLAYERS = Player.__table__
_CATEGORIES = Category.__table__
_PLAY_COLUMNS = tuple(column for column in _PLAYS.c if column.name != "game_id")
# How many games and categories a player's statistics list.
TOP = 5


class GameSummaryView(TypedDict):
    id: UUID
    title: str


class ParticipantView(TypedDict):
    player_id: UUID
    display_name: str
    score: int | None
    is_winner: bool
    rating: int | None


class PlayView(TypedDict):
    """A play as clients read it: its columns, its game, and its participants by name."""

    id: UUID
    game: GameSummaryView
    played_at: datetime
    duration_minutes: int | None
    note: str | None
    participants: list[ParticipantView]
    created_at: datetime
    updated_at: datetime
    created_by: str
    updated_by: str
    change_reason: str | None
    version: int


class GamePlaysView(TypedDict):
    game_id: UUID
    title: str
    plays: int


class CategoryPlaysView(TypedDict):
    slug: str
    name: str
    plays: int


class PlayerStatsView(TypedDict):
    """What a player's plays add up to."""

    player_id: UUID
    plays: int
    wins: int
    win_rate: float | None
    last_played_at: datetime | None
    most_played_games: list[GamePlaysView]
    favourite_categories: list[CategoryPlaysView]


@dataclass(frozen=True)
class PlayFilters:
    """What a play must match to be listed; None means "any". The period is
    [played_from, played_until)."""

    player_id: UUID | None = None
    game_id: UUID | None = None
    played_from: datetime | None = None
    played_until: datetime | None = None


class PlayRepository(Repository[Play]):
    model = Play
    entity_name = "play"
    updatable = frozenset({"played_at", "duration_minutes", "note"})
    # Newest first; the id makes the order total.
    default_order = (Play.played_at.desc(), Play.id.desc())

    def get_with_participants(self, play_id: Any) -> Play:
        """The play with its participants loaded (two statements); NotFoundError if none.
        Always a query, so the participants get loaded even for a play already held."""
        statement = (
            select(Play)
            .where(Play.id == play_id)
            .options(selectinload(Play.participants))
            .execution_options(populate_existing=True)
        )
        play = self.session.scalar(statement)
        if play is None:
            raise NotFoundError(self.entity_name, play_id)
        return play

    def count_of_game(self, game_id: UUID) -> int:
        """How many plays of this game are recorded."""
        return self.count(Play.game_id == game_id)

    def count_of_player(self, player_id: UUID) -> int:
        """How many plays this player took part in."""
        statement = select(func.count()).where(_PARTICIPANTS.c.player_id == player_id)
        return self.session.scalar(statement) or 0

    # Reads for display return plain rows, as the games' and players' do.

    def view(self, play_id: UUID) -> PlayView:
        """The play as clients read it, in two statements (the play with its game, then its
        participants); NotFoundError if none."""
        connection = self.session.connection()
        row = connection.execute(_PLAY_WITH_GAME.where(_PLAYS.c.id == play_id)).first()
        if row is None:
            raise NotFoundError(self.entity_name, play_id)
        play = _play_view(row)
        play["participants"] = _participants_of(connection, [play_id])[play_id]
        return play

    def page(self, filters: PlayFilters, *, page: int, page_size: int) -> Page[PlayView]:
        """One page of the plays matching every filter, newest first, with their games and
        participants: three statements (count, page, participants) whatever the page size."""
        connection = self.session.connection()
        conditions = _conditions(filters)
        total = connection.scalar(select(func.count()).select_from(_PLAYS).where(*conditions))
        total = total or 0
        offset = (page - 1) * page_size
        if offset >= total:
            return Page([], total)
        statement = (
            _PLAY_WITH_GAME.where(*conditions)
            .order_by(_PLAYS.c.played_at.desc(), _PLAYS.c.id.desc())
            .offset(bindparam("offset", type_=Integer))
            .limit(bindparam("limit", type_=Integer))
        )
        rows = connection.execute(statement, {"offset": offset, "limit": page_size})
        plays = [_play_view(row) for row in rows]
        participants = _participants_of(connection, [play["id"] for play in plays])
        for play in plays:
            play["participants"] = participants[play["id"]]
        return Page(plays, total)

    def stats_of(self, player_id: UUID) -> PlayerStatsView:
        """What the player's plays add up to, counted by the database: three statements
        (totals, games, categories); NotFoundError for an unknown player."""
        connection = self.session.connection()
        totals = connection.execute(_PLAYER_TOTALS, {"player_id": player_id}).first()
        if totals is None:
            raise NotFoundError("player", player_id)
        plays, wins = totals.plays, totals.wins or 0
        games = connection.execute(_MOST_PLAYED_GAMES, {"player_id": player_id, "top": TOP})
        categories = connection.execute(_FAVOURITE_CATEGORIES, {"player_id": player_id, "top": TOP})
        return {
            "player_id": player_id,
            "plays": plays,
            "wins": wins,
            "win_rate": wins / plays if plays else None,
            "last_played_at": totals.last_played_at,
            "most_played_games": [
                {"game_id": row.game_id, "title": row.title, "plays": row.plays} for row in games
            ],
            "favourite_categories": [
                {"slug": row.slug, "name": row.name, "plays": row.plays} for row in categories
            ],
        }


def _conditions(filters: PlayFilters) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if filters.player_id is not None:
        conditions.append(
            _PLAYS.c.id.in_(
                select(_PARTICIPANTS.c.play_id).where(
                    _PARTICIPANTS.c.player_id == filters.player_id
                )
            )
        )
    if filters.game_id is not None:
        conditions.append(_PLAYS.c.game_id == filters.game_id)
    if filters.played_from is not None:
        conditions.append(_PLAYS.c.played_at >= clamped_to_years_kept(filters.played_from))
    if filters.played_until is not None:
        conditions.append(_PLAYS.c.played_at < clamped_to_years_kept(filters.played_until))
    return conditions


def _participants_of(
    connection: Connection, play_ids: Sequence[UUID]
) -> dict[UUID, list[ParticipantView]]:
    """Each play's participants, by display name: one statement for all of them."""
    found: dict[UUID, list[ParticipantView]] = {play_id: [] for play_id in play_ids}
    statement = _participants_statement(connection.dialect.name)
    for row in connection.execute(statement, {"play_ids": list(play_ids)}):
        found[row.play_id].append(
            {
                "player_id": row.player_id,
                "display_name": row.display_name,
                "score": row.score,
                "is_winner": bool(row.is_winner),
                "rating": row.rating,
            }
        )
    return found


@cache
def _participants_statement(dialect_name: str) -> Select[Any]:
    """The participants of the plays in :play_ids, by display name."""
    return (
        select(
            _PARTICIPANTS.c.play_id,
            _PARTICIPANTS.c.player_id,
            _PLAYERS.c.display_name,
            _PARTICIPANTS.c.score,
            _PARTICIPANTS.c.is_winner,
            _PARTICIPANTS.c.rating,
        )
        .join(_PLAYERS, _PLAYERS.c.id == _PARTICIPANTS.c.player_id)
        .where(is_one_of_parameter(_PARTICIPANTS.c.play_id, "play_ids", dialect_name))
        .order_by(_PLAYERS.c.display_name, _PARTICIPANTS.c.player_id)
    )


def _play_view(row: Any) -> PlayView:
    """A play from a row of its columns with its game's id and title; participants after."""
    values = dict(row._mapping)
    game = {"id": values.pop("game_id"), "title": values.pop("game_title")}
    return {**values, "game": game, "participants": []}  # type: ignore[typeddict-item]


# Reads built once: SQLAlchemy then finds their compiled SQL without rebuilding their
# cache key on every request.
_PLAY_WITH_GAME = select(
    *_PLAY_COLUMNS, _GAMES.c.id.label("game_id"), _GAMES.c.title.label("game_title")
).select_from(_PLAYS.join(_GAMES, _GAMES.c.id == _PLAYS.c.game_id))

_MINE = _PARTICIPANTS.c.player_id == bindparam("player_id")
_PLAYER_TOTALS = (
    select(
        func.count(_PARTICIPANTS.c.play_id).label("plays"),
        func.sum(case((_PARTICIPANTS.c.is_winner, 1), else_=0)).label("wins"),
        func.max(_PLAYS.c.played_at).label("last_played_at"),
    )
    .select_from(
        _PLAYERS.outerjoin(
            _PARTICIPANTS.join(_PLAYS, _PLAYS.c.id == _PARTICIPANTS.c.play_id),
            _PARTICIPANTS.c.player_id == _PLAYERS.c.id,
        )
    )
    .where(_PLAYERS.c.id == bindparam("player_id"))
    .group_by(_PLAYERS.c.id)
)
# Ties: the more plays first, then by title, then by id, so the order is total.
_GAME_PLAYS = func.count().label("plays")
_MOST_PLAYED_GAMES = (
    select(_GAMES.c.id.label("game_id"), _GAMES.c.title, _GAME_PLAYS)
    .select_from(
        _PARTICIPANTS.join(_PLAYS, _PLAYS.c.id == _PARTICIPANTS.c.play_id).join(
            _GAMES, _GAMES.c.id == _PLAYS.c.game_id
        )
    )
    .where(_MINE)
    .group_by(_GAMES.c.id, _GAMES.c.title)
    .order_by(_GAME_PLAYS.desc(), _GAMES.c.title, _GAMES.c.id)
    .limit(bindparam("top", type_=Integer))
)
# A play counts once for each category of its game. Ties: by name, then slug.
_CATEGORY_PLAYS = func.count().label("plays")
_FAVOURITE_CATEGORIES = (
    select(_CATEGORIES.c.slug, _CATEGORIES.c.name, _CATEGORY_PLAYS)
    .select_from(
        _PARTICIPANTS.join(_PLAYS, _PLAYS.c.id == _PARTICIPANTS.c.play_id)
        .join(game_categories, game_categories.c.game_id == _PLAYS.c.game_id)
        .join(_CATEGORIES, _CATEGORIES.c.id == game_categories.c.category_id)
    )
    .where(_MINE)
    .group_by(_CATEGORIES.c.id, _CATEGORIES.c.slug, _CATEGORIES.c.name)
    .order_by(_CATEGORY_PLAYS.desc(), _CATEGORIES.c.name, _CATEGORIES.c.slug)
    .limit(bindparam("top", type_=Integer))
)

"""Rows for the concierge's tests, put in the tables directly: games with labels, players
with preferences, the shelf and plays."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import insert
from sqlalchemy.orm import Session, sessionmaker

from backend.models import (
    CollectionItem,
    GameCopy,
    Play,
    Player,
    PlayerPreferences,
    PlayParticipant,
    game_categories,
    game_tags,
    player_favourite_categories,
    player_favourite_tags,
    player_refused_games,
)
from backend.repositories.unit_of_work import SqlAlchemyUnitOfWork
from tests.factories import game_fields


class World:
    """Builds a small world in one Unit of Work; `commit()` saves it."""

    def __init__(self, session_factory: sessionmaker[Session]) -> None:
        self.uow = SqlAlchemyUnitOfWork(session_factory).__enter__()

    @property
    def session(self) -> Session:
        return self.uow.session

    def game(
        self,
        title: str,
        *,
        categories: Iterable[str] = (),
        tags: Iterable[str] = (),
        **fields: Any,
    ) -> uuid.UUID:
        """A game (the factory's defaults: 2 to 4 players, 30 to 60 minutes)."""
        (game_id,) = self.uow.games.insert_many([game_fields(title=title, **fields)])
        self.labels(game_id, categories=categories, tags=tags)
        return uuid.UUID(str(game_id))

    def labels(
        self, game_id: uuid.UUID, *, categories: Iterable[str] = (), tags: Iterable[str] = ()
    ) -> None:
        for table, repository, column, names in (
            (game_categories, self.uow.categories, "category_id", list(categories)),
            (game_tags, self.uow.tags, "tag_id", list(tags)),
        ):
            if names:
                ids = repository.ids_by_slug(names)
                self.session.execute(
                    insert(table), [{"game_id": game_id, column: label} for label in ids.values()]
                )

    def player(
        self,
        name: str,
        *,
        favourite_categories: Iterable[str] = (),
        favourite_tags: Iterable[str] = (),
        refused: Iterable[uuid.UUID] = (),
        **ranges: Any,
    ) -> uuid.UUID:
        """A player, with preferences when any are given."""
        player = self.uow.players.add(Player(display_name=name))
        categories, tags, refused = list(favourite_categories), list(favourite_tags), list(refused)
        if ranges or categories or tags or refused:
            self.uow.player_preferences.add(PlayerPreferences(player_id=player.id, **ranges))
            self.session.flush()
            for table, column, ids in (
                (
                    player_favourite_categories,
                    "category_id",
                    list(self.uow.categories.ids_by_slug(categories).values()),
                ),
                (player_favourite_tags, "tag_id", list(self.uow.tags.ids_by_slug(tags).values())),
                (player_refused_games, "game_id", refused),
            ):
                if ids:
                    self.session.execute(
                        insert(table), [{"player_id": player.id, column: item} for item in ids]
                    )
        self.session.flush()
        return player.id

    def club_copy(self, game_id: uuid.UUID) -> None:
        self.session.add(GameCopy(game_id=game_id))

    def owns(self, player_id: uuid.UUID, game_id: uuid.UUID) -> None:
        self.session.add(CollectionItem(player_id=player_id, game_id=game_id))

    def play(
        self,
        game_id: uuid.UUID,
        at: datetime,
        ratings: Mapping[uuid.UUID, int | None],
    ) -> None:
        """A play of the game at `at` by these players, each with their rating (or none)."""
        play = Play(game_id=game_id, played_at=at)
        play.participants = [
            PlayParticipant(player_id=player_id, rating=rating)
            for player_id, rating in ratings.items()
        ]
        self.session.add(play)

    def commit(self) -> None:
        """Save the world and let its connection go."""
        self.uow.commit()
        self.close()

    def close(self) -> None:
        """Let the connection go, rolling back what was not saved (idempotent)."""
        self.uow.__exit__(None, None, None)

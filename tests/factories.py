"""Small builders of valid test data; each test overrides only what it is about."""

from __future__ import annotations

from itertools import count
from typing import Any

from sqlalchemy import select

from backend.models import Game
from backend.repositories.unit_of_work import SqlAlchemyUnitOfWork

_numbers = count(1)


def game_fields(**overrides: Any) -> dict[str, Any]:
    number = next(_numbers)
    fields: dict[str, Any] = {
        "title": f"Test Game {number:05d}",
        "year_published": 2001,
        "min_players": 2,
        "max_players": 4,
        "min_play_minutes": 30,
        "max_play_minutes": 60,
        "min_age": 10,
        "complexity": 2.5,
        "average_rating": 7.2,
        "bgg_id": None,
        "description": "A game made up for a test.",
    }
    fields.update(overrides)
    return fields


def make_game(**overrides: Any) -> Game:
    return Game(**game_fields(**overrides))


def game_titled(uow: SqlAlchemyUnitOfWork, title: str) -> Game | None:
    """The first game with exactly this title, or None (titles are not unique)."""
    return uow.session.scalar(select(Game).where(Game.title == title).order_by(Game.id))


def game_with_bgg_id(uow: SqlAlchemyUnitOfWork, bgg_id: int) -> Game | None:
    return uow.session.scalar(select(Game).where(Game.bgg_id == bgg_id))

"""Small builders of valid test data; each test overrides only what it is about."""

from __future__ import annotations

from itertools import count
from typing import Any

from backend.models import Game

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

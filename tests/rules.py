"""One violation per row rule of a game: each must be refused by the API schema and, when the
schema is bypassed, by the database's CHECK constraint of that name."""

from __future__ import annotations

from typing import Any

# constraint name -> (a change breaking it on a valid 2-4 player, 30-60 minute game, field blamed)
GAME_RULE_VIOLATIONS: dict[str, tuple[dict[str, Any], str]] = {
    "ck_games_title_not_blank": ({"title": "   "}, "title"),
    "ck_games_year_published_range": ({"year_published": 2101}, "year_published"),
    "ck_games_min_players_range": ({"min_players": 0}, "min_players"),
    "ck_games_max_players_range": ({"max_players": 1000}, "max_players"),
    "ck_games_min_players_le_max_players": ({"min_players": 5}, "max_players"),
    "ck_games_min_play_minutes_range": ({"min_play_minutes": 0}, "min_play_minutes"),
    "ck_games_max_play_minutes_range": ({"max_play_minutes": 100_001}, "max_play_minutes"),
    "ck_games_min_play_minutes_le_max_play_minutes": ({"min_play_minutes": 61}, "max_play_minutes"),
    "ck_games_min_age_range": ({"min_age": 100}, "min_age"),
    "ck_games_complexity_range": ({"complexity": 0.99}, "complexity"),
    "ck_games_average_rating_range": ({"average_rating": 10.01}, "average_rating"),
    "ck_games_bgg_id_range": ({"bgg_id": 0}, "bgg_id"),
}

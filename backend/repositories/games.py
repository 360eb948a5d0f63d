"""GameRepository: the catalog's queries, in the domain's words."""

from __future__ import annotations

from sqlalchemy import select

from backend.models import Game
from backend.repositories.base import Repository


class GameRepository(Repository[Game]):
    model = Game
    entity_name = "game"
    updatable = frozenset(
        {
            "title",
            "year_published",
            "min_players",
            "max_players",
            "min_play_minutes",
            "max_play_minutes",
            "min_age",
            "complexity",
            "average_rating",
            "bgg_id",
            "description",
        }
    )
    default_order = (Game.title, Game.id)

    def find_by_title(self, title: str) -> Game | None:
        """The first game with exactly this title, or None; titles are not unique."""
        return self.session.scalar(select(Game).where(Game.title == title).order_by(Game.id))

    def get_by_bgg_id(self, bgg_id: int) -> Game | None:
        return self.session.scalar(select(Game).where(Game.bgg_id == bgg_id))

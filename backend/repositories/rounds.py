"""The rounds' and matches' queries."""

from __future__ import annotations

from typing import ClassVar

from backend.models import Match, Round
from backend.repositories.base import Repository


class RoundRepository(Repository[Round]):
    model = Round
    entity_name = "round"
    default_order = (Round.tournament_id, Round.number)


class MatchRepository(Repository[Match]):
    model = Match
    entity_name = "match"
    updatable: ClassVar[frozenset[str]] = frozenset(
        {
            "player_a_wins",
            "player_b_wins",
            "draws",
            "status",
            "reported_by",
            "reported_at",
            "confirmed_by",
            "confirmed_at",
            "play_id",
        }
    )
    default_order = (Match.round_id, Match.table_number)

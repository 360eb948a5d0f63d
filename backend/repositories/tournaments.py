"""The tournaments' queries."""

from __future__ import annotations

from typing import ClassVar

from backend.models import Tournament
from backend.repositories.base import Repository


class TournamentRepository(Repository[Tournament]):
    model = Tournament
    entity_name = "tournament"
    updatable: ClassVar[frozenset[str]] = frozenset(
        {
            "name",
            "game_id",
            "format_name",
            "venue_id",
            "capacity",
            "starts_at",
            "visibility",
            "top_cut_size",
            # Set by the service only: the lifecycle, the sign-up counter, the round count.
            "status",
            "registration_opened_at",
            "started_at",
            "completed_at",
            "cancelled_at",
            "last_sequence",
            "swiss_rounds",
        }
    )
    default_order = (Tournament.starts_at, Tournament.id)

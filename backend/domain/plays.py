"""What makes a recorded play and its participants valid."""

from __future__ import annotations

from collections.abc import Sequence

from backend.domain.moments import MOMENT_MESSAGE, moment_problem
from backend.domain.rules import Range, RowRules

PLAY_NOTE_MAX_LENGTH = 500
# A play has at least one participant; more than this is a typing accident, not a game.
MAX_PARTICIPANTS = 100

PLAY_RULES = RowRules(
    ranges={"duration_minutes": Range(1, 100_000)},
    not_blank=("note",),
    max_lengths={"note": PLAY_NOTE_MAX_LENGTH},
)

PARTICIPANT_RULES = RowRules(
    ranges={
        "score": Range(-1_000_000_000, 1_000_000_000),
        "rating": Range(1, 10),
    },
)

# When a play can have happened: a moment of the years the system keeps.
PLAYED_AT_MESSAGE = MOMENT_MESSAGE
played_at_problem = moment_problem


def duplicate_players(player_ids: Sequence[object]) -> list[int]:
    """The positions of participants naming a player named before them."""
    seen: set[object] = set()
    repeated = []
    for position, player_id in enumerate(player_ids):
        if player_id in seen:
            repeated.append(position)
        seen.add(player_id)
    return repeated

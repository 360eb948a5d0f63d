"""What makes a recorded play and its participants valid."""

from __future__ import annotations

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

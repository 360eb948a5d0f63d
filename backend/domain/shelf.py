"""What makes a club copy of a game and a player's collection valid."""

from __future__ import annotations

from backend.domain.rules import RowRules

COPY_NOTE_MAX_LENGTH = 200

# A copy's note says what is special about it ("missing 2 meeples"); none is fine, blank is not.
COPY_RULES = RowRules(
    not_blank=("note",),
    max_lengths={"note": COPY_NOTE_MAX_LENGTH},
)

"""What makes a recorded play and its participants valid."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

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

# When a play can have happened: every database stores these instants (MariaDB's DATETIME
# starts at year 1000), and converting them to UTC never leaves Python's calendar.
PLAYED_AT_YEARS = Range(1900, 9000)
PLAYED_AT_MESSAGE = (
    f"Must be a time with its UTC offset, in the years {PLAYED_AT_YEARS.low} to "
    f"{PLAYED_AT_YEARS.high}."
)


def played_at_problem(played_at: datetime) -> str | None:
    """Why a play's time is refused (no UTC offset, or out of the years kept), or None."""
    if played_at.tzinfo is None or played_at.utcoffset() is None:
        return PLAYED_AT_MESSAGE
    if not PLAYED_AT_YEARS.low <= played_at.year <= PLAYED_AT_YEARS.high:
        return PLAYED_AT_MESSAGE
    return None


def clamped_to_years_kept(moment: datetime) -> datetime:
    """A bound of a period of plays, moved into the years a play can have happened: no
    play is outside them, so the period selects the same plays, and the bound converts to
    UTC (year 1 or 9999 may not) and fits every database. A year to spare each side: a
    play's local year is within them, its UTC instant up to a day beyond."""
    if moment.year < PLAYED_AT_YEARS.low:
        return datetime(PLAYED_AT_YEARS.low - 1, 1, 1, tzinfo=UTC)
    if moment.year > PLAYED_AT_YEARS.high:
        return datetime(PLAYED_AT_YEARS.high + 1, 12, 31, tzinfo=UTC)
    return moment


def duplicate_players(player_ids: Sequence[object]) -> list[int]:
    """The positions of participants naming a player named before them."""
    seen: set[object] = set()
    repeated = []
    for position, player_id in enumerate(player_ids):
        if player_id in seen:
            repeated.append(position)
        seen.add(player_id)
    return repeated

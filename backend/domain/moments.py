"""The instants the system keeps: the years every database stores, and how a bound of a
period outside them is moved into them."""

from __future__ import annotations

from datetime import UTC, datetime

from backend.domain.rules import Range

# Every database stores these instants (MariaDB's DATETIME starts at year 1000), and
# converting them to UTC never leaves Python's calendar (year 1 or 9999 with an offset may).
YEARS_KEPT = Range(1900, 9000)
MOMENT_MESSAGE = (
    f"Must be a time with its UTC offset, in the years {YEARS_KEPT.low} to {YEARS_KEPT.high}."
)


def moment_problem(moment: datetime) -> str | None:
    """Why a moment a client gives (a play's, a tournament's start) is refused: no UTC
    offset, or outside the years kept; None when it is fine."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        return MOMENT_MESSAGE
    if not YEARS_KEPT.low <= moment.year <= YEARS_KEPT.high:
        return MOMENT_MESSAGE
    return None


def clamped_to_years_kept(moment: datetime) -> datetime:
    """A bound of a period, moved into the years kept: nothing stored is outside them, so
    the period selects the same rows, and the bound converts to UTC and fits every
    database. A year to spare each side: a local year within them may be a UTC instant up
    to a day beyond."""
    if moment.year < YEARS_KEPT.low:
        return datetime(YEARS_KEPT.low - 1, 1, 1, tzinfo=UTC)
    if moment.year > YEARS_KEPT.high:
        return datetime(YEARS_KEPT.high + 1, 12, 31, tzinfo=UTC)
    return moment

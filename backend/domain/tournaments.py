"""Tournaments' pure rules: venues' and tournaments' fields, the lifecycle, who manages a
tournament, registrations' places, and what a match result may be."""

from __future__ import annotations

import enum
from functools import cache
from uuid import UUID
from zoneinfo import available_timezones

from backend.domain.accounts import Role
from backend.domain.errors import ConflictError, PermissionDenied
from backend.domain.moments import MOMENT_MESSAGE, moment_problem
from backend.domain.principal import Principal
from backend.domain.rules import Range, RowRules
from backend.domain.swiss import CUT_SIZES

VENUE_NAME_MAX_LENGTH = 200
VENUE_ADDRESS_MAX_LENGTH = 500
TIME_ZONE_MAX_LENGTH = 64
TOURNAMENT_NAME_MAX_LENGTH = 200
FORMAT_NAME_MAX_LENGTH = 100
# The largest event the round table covers comfortably; a typing accident beyond.
MAX_TOURNAMENT_CAPACITY = 4096
MAX_VENUE_CAPACITY = 100_000

VENUE_RULES = RowRules(
    ranges={"capacity": Range(1, MAX_VENUE_CAPACITY)},
    not_blank=("name", "address"),
    max_lengths={
        "name": VENUE_NAME_MAX_LENGTH,
        "address": VENUE_ADDRESS_MAX_LENGTH,
        "time_zone": TIME_ZONE_MAX_LENGTH,
    },
)

# The sizes of top cut supported (0: none); the database's CHECK keeps the range, the
# service the exact sizes.
TOP_CUT_SIZES = (0, *CUT_SIZES)

TOURNAMENT_RULES = RowRules(
    ranges={
        # Two players make the smallest event that can be paired.
        "capacity": Range(2, MAX_TOURNAMENT_CAPACITY),
        "top_cut_size": Range(0, max(CUT_SIZES)),
        "swiss_rounds": Range(1, 20),
    },
    not_blank=("name", "format_name"),
    max_lengths={"name": TOURNAMENT_NAME_MAX_LENGTH, "format_name": FORMAT_NAME_MAX_LENGTH},
)

TIME_ZONE_MESSAGE = "Must be an IANA time zone name, such as Europe/Paris or America/New_York."
# When a tournament may start: a moment of the years the system keeps.
STARTS_AT_MESSAGE = MOMENT_MESSAGE
starts_at_problem = moment_problem


@cache
def _time_zones() -> frozenset[str]:
    return frozenset(available_timezones())


def top_cut_problem(size: int) -> str | None:
    """Why a top cut size is refused, or None."""
    if size in TOP_CUT_SIZES:
        return None
    return "Must be 0 (no top cut), 2, 4, 8 or 16."


def time_zone_problem(name: str) -> str | None:
    """Why a venue's time zone is refused (not an IANA name), or None."""
    return None if name in _time_zones() else TIME_ZONE_MESSAGE


class Visibility(enum.StrEnum):
    """Who sees a tournament once it leaves its draft (a draft: its organizer and admins)."""

    PUBLIC = "public"  # anyone, signed in or not
    MEMBERS = "members"  # signed-in users


class TournamentStatus(enum.StrEnum):
    DRAFT = "draft"
    REGISTRATION_OPEN = "registration_open"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


# The lifecycle: draft -> registration_open -> in_progress -> completed, and cancelled from
# any state but completed. Nothing leaves completed or cancelled.
TRANSITIONS: dict[TournamentStatus, frozenset[TournamentStatus]] = {
    TournamentStatus.DRAFT: frozenset(
        {TournamentStatus.REGISTRATION_OPEN, TournamentStatus.CANCELLED}
    ),
    TournamentStatus.REGISTRATION_OPEN: frozenset(
        {TournamentStatus.IN_PROGRESS, TournamentStatus.CANCELLED}
    ),
    TournamentStatus.IN_PROGRESS: frozenset(
        {TournamentStatus.COMPLETED, TournamentStatus.CANCELLED}
    ),
    TournamentStatus.COMPLETED: frozenset(),
    TournamentStatus.CANCELLED: frozenset(),
}

# The column that keeps when a tournament entered each state (draft: created_at).
TRANSITION_TIMESTAMPS: dict[TournamentStatus, str] = {
    TournamentStatus.REGISTRATION_OPEN: "registration_opened_at",
    TournamentStatus.IN_PROGRESS: "started_at",
    TournamentStatus.COMPLETED: "completed_at",
    TournamentStatus.CANCELLED: "cancelled_at",
}


class TransitionRefused(ConflictError):
    """A lifecycle step the tournament's state does not allow (409)."""


def check_transition(current: TournamentStatus, wanted: TournamentStatus) -> None:
    """TransitionRefused unless the lifecycle allows going from `current` to `wanted`."""
    allowed = TRANSITIONS[current]
    if wanted in allowed:
        return
    if allowed:
        options = " or ".join(sorted(allowed))
        raise TransitionRefused(
            f"A tournament in {current} cannot become {wanted}; it can become {options}."
        )
    raise TransitionRefused(f"A tournament in {current} cannot become {wanted}; it is final.")


NOT_THE_ORGANIZER = "Organizers manage only their own tournaments; admins manage any."


def may_manage(principal: Principal, organizer_id: UUID) -> bool:
    """Whether the principal manages a tournament organized by `organizer_id`: its
    organizer, any admin, and operators' commands."""
    if principal.is_system or principal.role is Role.ADMIN:
        return True
    return principal.role is Role.ORGANIZER and principal.user_id == organizer_id


def require_manager(principal: Principal, organizer_id: UUID) -> None:
    """PermissionDenied unless the principal manages this tournament."""
    if not may_manage(principal, organizer_id):
        raise PermissionDenied(NOT_THE_ORGANIZER)


def may_see(
    principal: Principal, organizer_id: UUID, status: TournamentStatus, visibility: Visibility
) -> bool:
    """Whether the principal sees a tournament: a draft only its managers; a members-only
    one signed-in users; a public one anyone."""
    if status is TournamentStatus.DRAFT:
        return may_manage(principal, organizer_id)
    if visibility is Visibility.MEMBERS:
        return principal.is_system or principal.user_id is not None
    return True


class RegistrationStatus(enum.StrEnum):
    """Where a registration stands. A dropped registration keeps its sequence number;
    one dropped after the start keeps its rounds in the standings."""

    REGISTERED = "registered"
    WAITLISTED = "waitlisted"
    DROPPED = "dropped"


def is_entrant(
    status: RegistrationStatus, checked_in: bool, dropped_after_round: int | None
) -> bool:
    """Whether a registration is in the tournament's Swiss stage and its standings: a
    registered player who checked in, or one who dropped after the start (their rounds
    stay). Waitlisted players, no-shows and drops before the start are not."""
    if status is RegistrationStatus.REGISTERED:
        return checked_in
    return status is RegistrationStatus.DROPPED and dropped_after_round is not None


def is_paired(status: RegistrationStatus, checked_in: bool) -> bool:
    """Whether a registration is paired in the next round: registered and checked in
    (a drop after the start keeps its standing but is paired no more)."""
    return status is RegistrationStatus.REGISTERED and checked_in


def place_for(registered_count: int, capacity: int) -> RegistrationStatus:
    """Where a new sign-up goes: registered while places remain, waitlisted beyond."""
    return (
        RegistrationStatus.REGISTERED
        if registered_count < capacity
        else RegistrationStatus.WAITLISTED
    )


class RoundStage(enum.StrEnum):
    SWISS = "swiss"
    TOP_CUT = "top_cut"


class MatchStatus(enum.StrEnum):
    """A match's result: none yet, reported by a player (waiting for the other side or the
    organizer to confirm it), or confirmed (standings and plays count only these)."""

    PENDING = "pending"
    REPORTED = "reported"
    CONFIRMED = "confirmed"


# Games won by each side and drawn games; generous enough for any best-of-N format.
MAX_GAMES = 9
MATCH_RESULT_RULES = RowRules(
    ranges={
        "player_a_wins": Range(0, MAX_GAMES),
        "player_b_wins": Range(0, MAX_GAMES),
        "draws": Range(0, MAX_GAMES),
    },
)
ELIMINATION_DRAW_MESSAGE = "A top cut match needs a winner: one side must win more games."


def result_problem(player_a_wins: int, player_b_wins: int, *, elimination: bool) -> str | None:
    """Why a result is refused beyond its bounds (an elimination match with no winner)."""
    if elimination and player_a_wins == player_b_wins:
        return ELIMINATION_DRAW_MESSAGE
    return None

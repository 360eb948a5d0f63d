"""Tournaments' one way in: venues, tournaments and their lifecycle.

Anyone reads public tournaments, signed-in users members-only ones, and a draft only its
organizer and admins. Organizers create tournaments and manage only their own; admins
manage any (backend.domain.tournaments' `may_manage`).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, cast
from uuid import UUID

from backend.domain.accounts import Role
from backend.domain.errors import (
    BrokenReferenceError,
    ConflictError,
    DomainRuleError,
    NotFoundError,
    PermissionDenied,
)
from backend.domain.permissions import Permission, require
from backend.domain.principal import Principal
from backend.domain.rules import raise_violations
from backend.domain.tournaments import (
    TOURNAMENT_RULES,
    TRANSITION_TIMESTAMPS,
    RegistrationStatus,
    TournamentStatus,
    Visibility,
    check_transition,
    may_see,
    require_manager,
    starts_at_problem,
    top_cut_problem,
)
from backend.domain.versions import ExpectedVersion, VersionTag
from backend.models import Tournament
from backend.repositories.base import Page
from backend.repositories.rounds import RoundView
from backend.repositories.tournaments import Audience, TournamentFilters, TournamentView
from backend.services.unit_of_work import UnitOfWork


def visible_tournament(
    uow: UnitOfWork, principal: Principal, tournament_id: UUID, *, lock: bool = False
) -> Tournament:
    """The tournament if the principal may see it; NotFoundError otherwise, so a draft or
    a members-only tournament is not told apart from one that does not exist. `lock`
    row-locks it until the Unit of Work ends, for changes that must take turns (read
    locked first: a row read before the lock would keep its older values)."""
    if lock:
        tournament = uow.tournaments.get_for_update(tournament_id)
    else:
        tournament = uow.tournaments.get_or_raise(tournament_id)
    if not may_see(principal, tournament.organizer_id, tournament.status, tournament.visibility):
        raise NotFoundError("tournament", tournament_id)
    return tournament


def managed_tournament(
    uow: UnitOfWork, principal: Principal, tournament_id: UUID, *, lock: bool = False
) -> Tournament:
    """The tournament if the principal manages it (PermissionDenied if they only see it,
    NotFoundError if not even that); `lock` as for `visible_tournament`."""
    tournament = visible_tournament(uow, principal, tournament_id, lock=lock)
    require_manager(principal, tournament.organizer_id)
    return tournament


class TournamentDetail(TournamentView):
    """A tournament as its own read gives it: with its checked-in count and its rounds,
    each with its matches."""

    checked_in_count: int
    rounds: list[RoundView]


# Its fields change only before it starts: from then on players and pairings count on them.
EDITABLE_STATES = frozenset({TournamentStatus.DRAFT, TournamentStatus.REGISTRATION_OPEN})
# Two players make the smallest event that can be paired.
MIN_ENTRANTS = 2
NOT_AN_ORGANIZER = "Must be a user whose role is organizer or admin."


def tournament_version(detail: TournamentDetail) -> VersionTag:
    """A tournament's tag as its detail reads: its own version, and a digest of what the
    detail carries beyond its row (its counts, its rounds' and matches' ids and versions),
    which change without touching the tournament; so a 304 is never stale, and a change
    sent with it goes ahead only on what its sender saw."""
    beyond = {
        "counts": [
            detail["registered_count"],
            detail["waitlisted_count"],
            detail["checked_in_count"],
        ],
        "rounds": [
            [
                str(round_["id"]),
                round_["version"],
                *([str(match["id"]), match["version"]] for match in round_["matches"]),
            ]
            for round_ in detail["rounds"]
        ],
    }
    digest = hashlib.sha256(json.dumps(beyond, sort_keys=True).encode()).hexdigest()[:16]
    return VersionTag(f"{detail['version']}.{digest}")


def audience_of(principal: Principal) -> Audience:
    """Who the principal is to a list of tournaments, as `may_see` decides one by one."""
    everything = principal.is_system or principal.role is Role.ADMIN
    return Audience(
        everything=everything,
        signed_in=principal.user_id is not None,
        organizer_id=principal.user_id if principal.role is Role.ORGANIZER else None,
    )


def tournaments_page(
    uow: UnitOfWork,
    principal: Principal,
    filters: TournamentFilters,
    *,
    page: int,
    page_size: int,
) -> Page[TournamentView]:
    """One page of the tournaments the principal sees matching every filter, by start."""
    return uow.tournaments.page(filters, audience_of(principal), page=page, page_size=page_size)


def tournament_detail(
    uow: UnitOfWork, principal: Principal, tournament_id: UUID
) -> TournamentDetail:
    """A tournament the principal sees, with its counts and its rounds of matches;
    NotFoundError for one they may not see. A constant number of statements."""
    return _detail(uow, visible_tournament(uow, principal, tournament_id))


def create_tournament(
    uow: UnitOfWork, principal: Principal, fields: Mapping[str, Any]
) -> TournamentDetail:
    """Create a draft tournament and commit. Its organizer is the caller, or for an admin
    (or an operator) the organizer or admin named by `organizer_id`."""
    require(principal, Permission.MANAGE_TOURNAMENTS)
    values = dict(fields)
    organizer_id = _organizer_for(uow, principal, values.pop("organizer_id", None))
    _check_values(uow, values, None)
    tournament = uow.tournaments.add(
        Tournament(
            **{"visibility": Visibility.PUBLIC, "top_cut_size": None, **values},
            organizer_id=organizer_id,
            status=TournamentStatus.DRAFT,
            last_sequence=0,
        )
    )
    uow.commit()
    return _detail(uow, tournament)


def change_tournament(
    uow: UnitOfWork,
    principal: Principal,
    tournament_id: UUID,
    changes: Mapping[str, Any],
    *,
    expected_version: ExpectedVersion | None,
) -> TournamentDetail:
    """Change a tournament's fields (before it starts) and move it through its lifecycle
    (`status`), stamping when it entered its new state; its organizer or an admin. The
    row is locked, so sign-ups and this change take turns over its counts."""
    require(principal, Permission.MANAGE_TOURNAMENTS)
    tournament = managed_tournament(uow, principal, tournament_id, lock=True)
    if expected_version is not None:
        current = tournament_version(_detail(uow, tournament))
        expected_version.check("tournament", tournament_id, current)
    values = dict(changes)
    wanted = values.pop("status", None)
    if values:
        if tournament.status not in EDITABLE_STATES:
            names = ", ".join(sorted(values))
            raise ConflictError(
                f"A tournament in {tournament.status} keeps its fields ({names}); only its "
                "status can change."
            )
        _check_values(uow, values, tournament)
        if "capacity" in values:
            registered = uow.tournaments.registration_counts(tournament.id)["registered_count"]
            if values["capacity"] < registered:
                message = f"{registered} players are registered; the capacity cannot be lower."
                raise ConflictError(f"capacity: {message}", fields={"capacity": [message]})
    if wanted is not None:
        values.update(_transition(uow, tournament, TournamentStatus(wanted)))
    uow.tournaments.update(tournament, values)
    if "capacity" in values and tournament.status is TournamentStatus.REGISTRATION_OPEN:
        _promote_into_free_places(uow, tournament)
    uow.commit()
    return _detail(uow, tournament)


def _promote_into_free_places(uow: UnitOfWork, tournament: Tournament) -> None:
    """A raised capacity frees places: the waitlisted take them in order of sign-up, in the
    change's commit, under the tournament's lock (as a drop's promotion)."""
    moment = datetime.now(UTC)
    free = tournament.capacity - uow.registrations.count_registered(tournament.id)
    for _ in range(free):
        waiting = uow.registrations.first_waitlisted(tournament.id)
        if waiting is None:
            return
        uow.registrations.update(
            waiting, {"status": RegistrationStatus.REGISTERED, "promoted_at": moment}
        )


def remove_tournament(
    uow: UnitOfWork,
    principal: Principal,
    tournament_id: UUID,
    *,
    expected_version: ExpectedVersion | None,
) -> None:
    """Remove a draft (its organizer or an admin); one past its draft is cancelled
    instead, so its players and results keep their history."""
    require(principal, Permission.MANAGE_TOURNAMENTS)
    tournament = managed_tournament(uow, principal, tournament_id, lock=True)
    if expected_version is not None:
        current = tournament_version(_detail(uow, tournament))
        expected_version.check("tournament", tournament_id, current)
    if tournament.status is not TournamentStatus.DRAFT:
        raise ConflictError(
            f"Only a draft can be removed; this tournament is {tournament.status}: cancel it "
            "instead (status: cancelled)."
        )
    uow.tournaments.delete(tournament)
    uow.commit()


def _transition(
    uow: UnitOfWork, tournament: Tournament, wanted: TournamentStatus
) -> dict[str, Any]:
    """The values that move the tournament to `wanted`, once the lifecycle allows it."""
    check_transition(tournament.status, wanted)
    if wanted is TournamentStatus.IN_PROGRESS:
        entrants = uow.tournaments.registration_counts(tournament.id)["checked_in_count"]
        if entrants < MIN_ENTRANTS:
            raise ConflictError(
                f"A tournament starts with at least {MIN_ENTRANTS} registered players who "
                f"checked in; it has {entrants}."
            )
    return {"status": wanted, TRANSITION_TIMESTAMPS[wanted]: datetime.now(UTC)}


def _organizer_for(uow: UnitOfWork, principal: Principal, organizer_id: UUID | None) -> UUID:
    """Who organizes a new tournament: the caller, unless an admin or operator names
    another organizer (or admin)."""
    if organizer_id is None or organizer_id == principal.user_id:
        if principal.user_id is None:
            message = "An operator names the tournament's organizer."
            raise DomainRuleError(f"organizer_id: {message}", fields={"organizer_id": [message]})
        return principal.user_id
    if not (principal.is_system or principal.role is Role.ADMIN):
        raise PermissionDenied("Organizers organize their own tournaments; admins name another.")
    user = uow.users.get(organizer_id)
    if user is None:
        message = f"There is no user {organizer_id}."
        raise BrokenReferenceError(f"organizer_id: {message}", fields={"organizer_id": [message]})
    if Role(user.role) not in (Role.ORGANIZER, Role.ADMIN):
        raise DomainRuleError(
            f"organizer_id: {NOT_AN_ORGANIZER}", fields={"organizer_id": [NOT_AN_ORGANIZER]}
        )
    return organizer_id


def _check_values(uow: UnitOfWork, values: dict[str, Any], stored: Tournament | None) -> None:
    """The fields' rules, then their references: an unknown game or venue is
    BrokenReferenceError naming the field; a capacity over the venue's (the one it will
    be held at), or a top cut over the capacity, DomainRuleError. `stored`: the tournament
    changed, None for a new one."""
    raise_violations(TOURNAMENT_RULES.violations(values))
    problems = {
        "starts_at": values.get("starts_at") and starts_at_problem(values["starts_at"]),
        "top_cut_size": values.get("top_cut_size") is not None
        and top_cut_problem(values["top_cut_size"]),
    }
    for name, problem in problems.items():
        if problem:
            raise DomainRuleError(f"{name}: {problem}", fields={name: [problem]})
    if "game_id" in values and not uow.games.with_ids([values["game_id"]]):
        message = f"There is no game {values['game_id']}."
        raise BrokenReferenceError(f"game_id: {message}", fields={"game_id": [message]})
    venue = None
    if "venue_id" in values:
        venue = uow.venues.get(values["venue_id"])
        if venue is None:
            message = f"There is no venue {values['venue_id']}."
            raise BrokenReferenceError(f"venue_id: {message}", fields={"venue_id": [message]})
    elif stored is not None and "capacity" in values:
        venue = uow.venues.get_or_raise(stored.venue_id)
    capacity = values.get("capacity", None if stored is None else stored.capacity)
    if venue is not None and capacity is not None and capacity > venue.capacity:
        message = f"Must not exceed the venue's capacity ({venue.capacity})."
        raise DomainRuleError(f"capacity: {message}", fields={"capacity": [message]})
    # A cut larger than the field could never be played, and top_cut_size is fixed once the
    # tournament starts: the event would end its Swiss rounds with a cut it cannot pair.
    cut = values.get("top_cut_size", None if stored is None else stored.top_cut_size)
    if cut and capacity is not None and cut > capacity:
        name = "top_cut_size" if "top_cut_size" in values else "capacity"
        message = f"A top {cut} needs at least {cut} places; the capacity is {capacity}."
        raise DomainRuleError(f"{name}: {message}", fields={name: [message]})


def _detail(uow: UnitOfWork, tournament: Tournament) -> TournamentDetail:
    """The tournament's columns with its counts and rounds: three statements beyond the
    tournament (two without rounds), however many rounds and matches it has."""
    columns = {
        name: getattr(tournament, name)
        for name in TournamentView.__annotations__
        if name not in ("registered_count", "waitlisted_count")
    }
    counts = uow.tournaments.registration_counts(tournament.id)
    rounds = uow.rounds.views_of_tournament(tournament.id)
    return cast(TournamentDetail, {**columns, **counts, "rounds": rounds})

"""Registrations' one way in: signing players up for a tournament, checking them in,
dropping them, and reading who signed up.

Sign-ups are numbered 1, 2, 3 ... in the order they commit: each locks the tournament's
row, takes its `last_sequence` + 1 and stores it back, so concurrent sign-ups take turns
and no number is given twice or skipped. The first `capacity` of them are registered, the
rest waitlisted; a registered player dropping before the start hands their place to the
waitlisted one who signed up first, in the same commit, under the same lock.

A member signs up, checks in and drops the player linked to their account; the
tournament's organizer and admins (`may_manage`) any player. Who may read the
registrations is who may see the tournament (`visible_tournament`).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from backend.domain.errors import (
    BrokenReferenceError,
    ConflictError,
    DuplicateError,
    PermissionDenied,
)
from backend.domain.permissions import Permission, require
from backend.domain.principal import Principal
from backend.domain.tournaments import (
    RegistrationStatus,
    TournamentStatus,
    is_paired,
    may_manage,
    place_for,
)
from backend.domain.versions import ExpectedVersion, VersionTag, version_tag
from backend.models import Registration, Tournament
from backend.repositories.base import Page
from backend.repositories.registrations import RegistrationView
from backend.services.tournaments import visible_tournament
from backend.services.unit_of_work import UnitOfWork

NOT_YOUR_PLAYER = (
    "A member signs up, checks in and drops only the player linked to their account; "
    "the tournament's organizer and admins any player."
)


def registration_version(registration: RegistrationView | Registration) -> VersionTag:
    """A registration's tag: its version."""
    if isinstance(registration, dict):
        return version_tag(registration["version"])
    return version_tag(registration.version)


def registrations_page(
    uow: UnitOfWork,
    principal: Principal,
    tournament_id: UUID,
    *,
    status: RegistrationStatus | None,
    page: int,
    page_size: int,
) -> Page[RegistrationView]:
    """One page of the tournament's registrations in sign-up order, with their players'
    names; NotFoundError for a tournament the principal may not see."""
    visible_tournament(uow, principal, tournament_id)
    return uow.registrations.page(tournament_id, status=status, page=page, page_size=page_size)


def registration_of(
    uow: UnitOfWork, principal: Principal, tournament_id: UUID, registration_id: UUID
) -> RegistrationView:
    """One of the tournament's registrations; NotFoundError if the principal may not see
    the tournament or it has no such registration."""
    visible_tournament(uow, principal, tournament_id)
    return uow.registrations.view(tournament_id, registration_id)


def register(
    uow: UnitOfWork,
    principal: Principal,
    tournament_id: UUID,
    player_id: UUID,
) -> RegistrationView:
    """Sign the player up and commit: registered while places remain, waitlisted beyond,
    numbered after every earlier sign-up. ConflictError unless registration is open,
    DuplicateError if the player signed up already (dropped too: a drop is final),
    BrokenReferenceError for an unknown player."""
    require(principal, Permission.SIGNED_IN)
    # The lock first, so what is read next is as the sign-ups before this one left it.
    tournament = visible_tournament(uow, principal, tournament_id, lock=True)
    if not uow.players.with_ids([player_id]):
        message = f"There is no player {player_id}."
        raise BrokenReferenceError(message, fields={"player_id": [message]})
    _refuse_unless_own_or_managed(uow, principal, tournament, player_id)
    if tournament.status is not TournamentStatus.REGISTRATION_OPEN:
        raise ConflictError(
            f"Registration is not open: the tournament is {tournament.status}.",
        )
    earlier = uow.registrations.of_player(tournament_id, player_id)
    if earlier is not None:
        # The unique key on (tournament, player) backs this up.
        message = f"This player signed up already (number {earlier.sequence}, {earlier.status})."
        raise DuplicateError(message, fields={"player_id": [message]})
    sequence = tournament.last_sequence + 1
    uow.tournaments.update(tournament, {"last_sequence": sequence})
    status = place_for(uow.registrations.count_registered(tournament_id), tournament.capacity)
    registration = uow.registrations.add(
        Registration(
            tournament_id=tournament_id,
            player_id=player_id,
            sequence=sequence,
            status=status,
        )
    )
    uow.commit()
    return uow.registrations.view(tournament_id, registration.id)


def change_registration(
    uow: UnitOfWork,
    principal: Principal,
    tournament_id: UUID,
    registration_id: UUID,
    changes: Mapping[str, Any],
    *,
    expected_version: ExpectedVersion | None,
    now: datetime | None = None,
) -> RegistrationView:
    """Check a registered player in or out (`checked_in`), or drop them (`status`:
    dropped), and commit; the player themself or a manager of the tournament. A drop
    before the start promotes the first waitlisted player; one after it keeps the rounds
    played in the standings. ConflictError when the tournament's or the registration's
    state does not allow the change."""
    require(principal, Permission.SIGNED_IN)
    moment = now or datetime.now(UTC)
    # Under the tournament's lock, as sign-ups: a promotion must not race one.
    tournament = visible_tournament(uow, principal, tournament_id, lock=True)
    registration = uow.registrations.in_tournament(tournament_id, registration_id, lock=True)
    _refuse_unless_own_or_managed(uow, principal, tournament, registration.player_id)
    if expected_version is not None:
        expected_version.check("registration", registration_id, registration_version(registration))
    if "checked_in" in changes:
        _check_in(uow, tournament, registration, bool(changes["checked_in"]), moment)
    wanted = changes.get("status")
    if wanted is not None and wanted is not registration.status:
        if wanted is not RegistrationStatus.DROPPED:
            raise ConflictError(_refused_status(registration.status, wanted))
        _drop(uow, tournament, registration, moment)
    uow.commit()
    return uow.registrations.view(tournament_id, registration.id)


def _refuse_unless_own_or_managed(
    uow: UnitOfWork, principal: Principal, tournament: Tournament, player_id: UUID
) -> None:
    if may_manage(principal, tournament.organizer_id):
        return
    own = None if principal.user_id is None else uow.players.of_user(principal.user_id)
    if own is None or own.id != player_id:
        raise PermissionDenied(NOT_YOUR_PLAYER)


def _check_in(
    uow: UnitOfWork,
    tournament: Tournament,
    registration: Registration,
    checked_in: bool,
    moment: datetime,
) -> None:
    """Check-in is open while registration is, and once started until round 1 is paired;
    only a registered player holds a place to check in to."""
    open_now = tournament.status is TournamentStatus.REGISTRATION_OPEN or (
        tournament.status is TournamentStatus.IN_PROGRESS
        and uow.rounds.count_of_tournament(tournament.id) == 0
    )
    if not open_now:
        paired = tournament.status is TournamentStatus.IN_PROGRESS
        raise ConflictError(
            f"Check-in is closed: the tournament is {tournament.status}"
            + (" and round 1 is paired." if paired else ".")
        )
    if registration.status is not RegistrationStatus.REGISTERED:
        raise ConflictError(
            f"Only a registered player checks in; this registration is {registration.status}."
        )
    if checked_in == (registration.checked_in_at is not None):
        return
    uow.registrations.update(registration, {"checked_in_at": moment if checked_in else None})


def _drop(
    uow: UnitOfWork, tournament: Tournament, registration: Registration, moment: datetime
) -> None:
    held_a_place = registration.status is RegistrationStatus.REGISTERED
    changes: dict[str, Any] = {"status": RegistrationStatus.DROPPED, "dropped_at": moment}
    if tournament.status is TournamentStatus.IN_PROGRESS:
        # Only a player being paired has rounds to keep: a no-show or a waitlisted player
        # dropping now stays out of the standings (backend.domain.tournaments' is_entrant).
        # Nor does one dropping before round 1 is paired: there is nothing to keep.
        if is_paired(registration.status, registration.checked_in_at is not None):
            rounds_paired = uow.rounds.count_of_tournament(tournament.id)
            if rounds_paired:
                changes["dropped_after_round"] = rounds_paired
    elif tournament.status is not TournamentStatus.REGISTRATION_OPEN:
        raise ConflictError(f"No drop in a tournament that is {tournament.status}.")
    uow.registrations.update(registration, changes)
    if held_a_place and tournament.status is TournamentStatus.REGISTRATION_OPEN:
        _promote_first_waitlisted(uow, tournament.id, moment)


def _promote_first_waitlisted(uow: UnitOfWork, tournament_id: UUID, moment: datetime) -> None:
    waiting = uow.registrations.first_waitlisted(tournament_id)
    if waiting is not None:
        uow.registrations.update(
            waiting, {"status": RegistrationStatus.REGISTERED, "promoted_at": moment}
        )


def _refused_status(current: RegistrationStatus, wanted: RegistrationStatus) -> str:
    if current is RegistrationStatus.DROPPED:
        return f"A drop is final: this registration cannot become {wanted} again."
    return (
        f"A registration becomes {wanted} only by its place in the sign-up order; "
        "the one change asked for is status dropped."
    )

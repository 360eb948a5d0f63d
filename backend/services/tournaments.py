"""Tournaments' one way in: venues, tournaments and their lifecycle.

Anyone reads public tournaments, signed-in users members-only ones, and a draft only its
organizer and admins. Organizers create tournaments and manage only their own; admins
manage any (backend.domain.tournaments' `may_manage`).
"""

from __future__ import annotations

from uuid import UUID

from backend.domain.errors import NotFoundError
from backend.domain.principal import Principal
from backend.domain.tournaments import may_see, require_manager
from backend.models import Tournament
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

"""The concierge: which games of the club fit a group tonight, best first, and why.

Signed-in users only (it reads the members' tastes and history), and read-only. The
database applies the cheap filters and gathers the history (backend/repositories/
concierge.py), backend/domain/concierge.py ranks; when nothing passes the database's
filters, one more statement counts which of them left nothing, so the explanation is the
one the ranking would give fed every game. At most five statements whatever the group's
and the catalog's size.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from uuid import UUID

from backend.domain.concierge import Request, Suggestions, explain_empty, suggest
from backend.domain.permissions import Permission, require
from backend.domain.principal import Principal
from backend.services.unit_of_work import UnitOfWork


def suggestions(
    uow: UnitOfWork,
    principal: Principal,
    *,
    player_ids: Sequence[UUID],
    minutes: int,
    category: str | None = None,
    available_only: bool = True,
    exclude_played_within_days: int | None = None,
    limit: int = 10,
    now: datetime | None = None,
) -> Suggestions:
    """The games that fit the whole group, best first; NotFoundError naming unknown
    players, DomainRuleError for a request the ranking refuses (no player, a repeated one)."""
    require(principal, Permission.SIGNED_IN)
    request = Request(
        group=uow.concierge.tastes(player_ids),
        minutes=minutes,
        now=now or datetime.now(UTC),
        category=category,
        available_only=available_only,
        exclude_played_within_days=exclude_played_within_days,
        limit=limit,
    )
    candidates = uow.concierge.candidates(request)
    if candidates:
        return suggest(request, candidates)
    return Suggestions((), explain_empty(request, uow.concierge.survivors(request)))

"""Venues' one way in: anyone reads them; organizers and admins add, change and remove them.

A change or removal takes the version the caller last read (`expected_version`, from
If-Match over HTTP), as the catalog's do; None skips that check (operators' commands).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from uuid import UUID

from backend.domain.errors import BrokenReferenceError, DomainRuleError
from backend.domain.permissions import Permission, require
from backend.domain.principal import Principal
from backend.domain.rules import raise_violations
from backend.domain.tournaments import VENUE_RULES, time_zone_problem
from backend.domain.versions import ExpectedVersion, VersionTag, version_tag
from backend.models import Venue
from backend.repositories.base import Page
from backend.services.unit_of_work import UnitOfWork


def venue_version(venue: Venue) -> VersionTag:
    return version_tag(venue.version)


def venues_page(uow: UnitOfWork, *, page: int, page_size: int) -> Page[Venue]:
    """One page of the venues, by name (anyone)."""
    return uow.venues.page(page=page, page_size=page_size)


def venue_of(uow: UnitOfWork, venue_id: UUID) -> Venue:
    """One venue (anyone); NotFoundError if none."""
    return uow.venues.get_or_raise(venue_id)


def add_venue(uow: UnitOfWork, principal: Principal, fields: Mapping[str, Any]) -> Venue:
    """Add a venue and commit (organizers and admins)."""
    require(principal, Permission.MANAGE_TOURNAMENTS)
    values = dict(fields)
    _check_venue_values(values)
    venue = uow.venues.add(Venue(**values))
    uow.commit()
    return venue


def change_venue(
    uow: UnitOfWork,
    principal: Principal,
    venue_id: UUID,
    changes: Mapping[str, Any],
    *,
    expected_version: ExpectedVersion | None,
) -> Venue:
    """Change some of a venue's fields and commit (organizers and admins)."""
    require(principal, Permission.MANAGE_TOURNAMENTS)
    venue = _venue_at(uow, venue_id, expected_version)
    values = dict(changes)
    _check_venue_values(values)
    uow.venues.update(venue, values)
    uow.commit()
    return venue


def remove_venue(
    uow: UnitOfWork,
    principal: Principal,
    venue_id: UUID,
    *,
    expected_version: ExpectedVersion | None,
) -> None:
    """Remove a venue no tournament is held at; one with tournaments is refused, naming
    how many (the database's RESTRICT refuses it too, in a race)."""
    require(principal, Permission.MANAGE_TOURNAMENTS)
    venue = _venue_at(uow, venue_id, expected_version)
    held = uow.tournaments.count_at_venue(venue_id)
    if held:
        raise BrokenReferenceError(
            f"venue {venue_id} has {held} tournaments; move them to another venue or "
            "remove them first"
        )
    uow.venues.delete(venue)
    uow.commit()


def _check_venue_values(values: Mapping[str, Any]) -> None:
    raise_violations(VENUE_RULES.violations(values))
    if "time_zone" in values:
        problem = time_zone_problem(values["time_zone"])
        if problem is not None:
            raise DomainRuleError(f"time_zone: {problem}", fields={"time_zone": [problem]})


def _venue_at(uow: UnitOfWork, venue_id: UUID, expected_version: ExpectedVersion | None) -> Venue:
    venue = uow.venues.get_or_raise(venue_id)
    if expected_version is not None:
        expected_version.check("venue", venue_id, venue_version(venue))
    return venue

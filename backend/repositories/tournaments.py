"""The tournaments' queries."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar, TypedDict
from uuid import UUID

from sqlalchemy import ColumnElement, Integer, Select, and_, bindparam, case, func, or_, select

from backend.domain.moments import clamped_to_years_kept
from backend.domain.tournaments import (
    RegistrationStatus,
    TournamentStatus,
    Visibility,
)
from backend.models import Registration, Tournament
from backend.repositories.base import Page, Repository

_TOURNAMENTS = Tournament.__table__
_REGISTRATIONS = Registration.__table__


class RegistrationCounts(TypedDict):
    """How a tournament's registrations stand: registered (checked in or not), waitlisted,
    and registered and checked in (the entrants a start would pair)."""

    registered_count: int
    waitlisted_count: int
    checked_in_count: int


class TournamentView(TypedDict):
    """A tournament as clients read it in a list: its columns and its registrations' counts."""

    id: UUID
    name: str
    game_id: UUID
    format_name: str
    venue_id: UUID
    organizer_id: UUID
    capacity: int
    starts_at: datetime
    visibility: Visibility
    status: TournamentStatus
    registration_opened_at: datetime | None
    started_at: datetime | None
    completed_at: datetime | None
    cancelled_at: datetime | None
    top_cut_size: int | None
    swiss_rounds: int | None
    registered_count: int
    waitlisted_count: int
    created_at: datetime
    updated_at: datetime
    created_by: str
    updated_by: str
    change_reason: str | None
    version: int


@dataclass(frozen=True)
class Audience:
    """Whose list it is, as the SQL filter needs it (backend.domain.tournaments' `may_see`
    in rows): `everything` for admins and operators; `signed_in` adds members-only
    tournaments; `organizer_id` adds that organizer's own drafts."""

    everything: bool = False
    signed_in: bool = False
    organizer_id: UUID | None = None


@dataclass(frozen=True)
class TournamentFilters:
    """What a listed tournament must match; None means "any". The period is
    [starts_from, starts_until)."""

    status: TournamentStatus | None = None
    game_id: UUID | None = None
    venue_id: UUID | None = None
    starts_from: datetime | None = None
    starts_until: datetime | None = None


class TournamentRepository(Repository[Tournament]):
    model = Tournament
    entity_name = "tournament"
    updatable: ClassVar[frozenset[str]] = frozenset(
        {
            "name",
            "game_id",
            "format_name",
            "venue_id",
            "capacity",
            "starts_at",
            "visibility",
            "top_cut_size",
            # Set by the service only: the lifecycle, the sign-up counter, the round count.
            "status",
            "registration_opened_at",
            "started_at",
            "completed_at",
            "cancelled_at",
            "last_sequence",
            "swiss_rounds",
        }
    )
    default_order = (Tournament.starts_at, Tournament.id)

    def count_at_venue(self, venue_id: UUID) -> int:
        """How many tournaments are held at this venue, whatever their state."""
        return self.count(Tournament.venue_id == venue_id)

    def count_of_game(self, game_id: UUID) -> int:
        """How many tournaments play this game, whatever their state."""
        return self.count(Tournament.game_id == game_id)

    def registration_counts(self, tournament_id: UUID) -> RegistrationCounts:
        """The tournament's registered, waitlisted and checked-in counts: one statement."""
        row = self.session.execute(_COUNTS, {"tournament_id": tournament_id}).one()
        return {
            # MariaDB sums to a Decimal.
            "registered_count": int(row.registered_count),
            "waitlisted_count": int(row.waitlisted_count),
            "checked_in_count": int(row.checked_in_count),
        }

    def page(
        self,
        filters: TournamentFilters,
        audience: Audience,
        *,
        page: int,
        page_size: int,
    ) -> Page[TournamentView]:
        """One page of the tournaments this audience sees that match every filter, by
        start time, each with its counts: two statements (count, page) whatever the size."""
        conditions = [*_audience_conditions(audience), *_filter_conditions(filters)]
        connection = self.session.connection()
        total = connection.scalar(select(func.count()).select_from(_TOURNAMENTS).where(*conditions))
        total = total or 0
        offset = (page - 1) * page_size
        if offset >= total:
            return Page([], total)
        statement = (
            _WITH_COUNTS.where(*conditions)
            .order_by(_TOURNAMENTS.c.starts_at, _TOURNAMENTS.c.id)
            .offset(bindparam("offset", type_=Integer))
            .limit(bindparam("limit", type_=Integer))
        )
        rows = connection.execute(statement, {"offset": offset, "limit": page_size})
        return Page([_view(row) for row in rows], total)


def _view(row: Any) -> TournamentView:
    values = dict(row._mapping)
    values["registered_count"] = values["registered_count"] or 0
    values["waitlisted_count"] = values["waitlisted_count"] or 0
    values["status"] = TournamentStatus(values["status"])
    values["visibility"] = Visibility(values["visibility"])
    values.pop("last_sequence", None)
    return values  # type: ignore[return-value]


def _audience_conditions(audience: Audience) -> list[ColumnElement[bool]]:
    """`may_see` as SQL: a draft only its organizer (and admins); members-only ones
    signed-in users; public ones anyone."""
    if audience.everything:
        return []
    not_draft = _TOURNAMENTS.c.status != TournamentStatus.DRAFT.value
    if audience.signed_in:
        seen: ColumnElement[bool] = not_draft
    else:
        seen = and_(not_draft, _TOURNAMENTS.c.visibility == Visibility.PUBLIC.value)
    if audience.organizer_id is not None:
        own_draft = and_(
            _TOURNAMENTS.c.status == TournamentStatus.DRAFT.value,
            _TOURNAMENTS.c.organizer_id == audience.organizer_id,
        )
        seen = or_(seen, own_draft)
    return [seen]


def _filter_conditions(filters: TournamentFilters) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if filters.status is not None:
        conditions.append(_TOURNAMENTS.c.status == filters.status.value)
    if filters.game_id is not None:
        conditions.append(_TOURNAMENTS.c.game_id == filters.game_id)
    if filters.venue_id is not None:
        conditions.append(_TOURNAMENTS.c.venue_id == filters.venue_id)
    if filters.starts_from is not None:
        conditions.append(_TOURNAMENTS.c.starts_at >= clamped_to_years_kept(filters.starts_from))
    if filters.starts_until is not None:
        conditions.append(_TOURNAMENTS.c.starts_at < clamped_to_years_kept(filters.starts_until))
    return conditions


def _count_of(*conditions: ColumnElement[bool]) -> Any:
    """A correlated count of the listed tournament's registrations matching `conditions`."""
    return (
        select(func.count())
        .select_from(_REGISTRATIONS)
        .where(_REGISTRATIONS.c.tournament_id == _TOURNAMENTS.c.id, *conditions)
        .correlate(_TOURNAMENTS)
        .scalar_subquery()
    )


_REGISTERED = _REGISTRATIONS.c.status == RegistrationStatus.REGISTERED.value
_WAITLISTED = _REGISTRATIONS.c.status == RegistrationStatus.WAITLISTED.value
# Built once: SQLAlchemy then finds their compiled SQL without rebuilding the cache key.
_WITH_COUNTS: Select[Any] = select(
    *_TOURNAMENTS.c,
    _count_of(_REGISTERED).label("registered_count"),
    _count_of(_WAITLISTED).label("waitlisted_count"),
)


def _tally(condition: ColumnElement[bool]) -> Any:
    """How many rows meet `condition` (FILTER is not MariaDB's: a sum of cases is everyone's)."""
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


_COUNTS: Select[Any] = select(
    _tally(_REGISTERED).label("registered_count"),
    _tally(_WAITLISTED).label("waitlisted_count"),
    _tally(and_(_REGISTERED, _REGISTRATIONS.c.checked_in_at.is_not(None))).label(
        "checked_in_count"
    ),
).where(_REGISTRATIONS.c.tournament_id == bindparam("tournament_id"))

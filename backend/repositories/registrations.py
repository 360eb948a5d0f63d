"""The registrations' queries: who signed up for which tournament, in what order."""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar, TypedDict, cast
from uuid import UUID

from sqlalchemy import ColumnElement, Integer, bindparam, func, select

from backend.domain.errors import NotFoundError
from backend.domain.tournaments import RegistrationStatus
from backend.models import Player, Registration
from backend.repositories.base import Page, Repository

_REGISTRATIONS = Registration.__table__
_PLAYERS = Player.__table__


class RegistrationView(TypedDict):
    """A registration as clients read it: its columns and its player's name."""

    id: UUID
    tournament_id: UUID
    player_id: UUID
    display_name: str
    sequence: int
    status: RegistrationStatus
    checked_in_at: datetime | None
    promoted_at: datetime | None
    dropped_at: datetime | None
    dropped_after_round: int | None
    created_at: datetime
    updated_at: datetime
    created_by: str
    updated_by: str
    change_reason: str | None
    version: int


class RegistrationRepository(Repository[Registration]):
    model = Registration
    entity_name = "registration"
    updatable: ClassVar[frozenset[str]] = frozenset(
        {"status", "checked_in_at", "promoted_at", "dropped_at", "dropped_after_round"}
    )
    default_order = (Registration.tournament_id, Registration.sequence)

    # The writes' reads below are locking reads, taken after the tournament's row lock:
    # on MariaDB (REPEATABLE READ) a plain read would see the transaction's snapshot,
    # which an earlier read (the bearer token's) may have taken before the sign-ups that
    # committed while this one waited for the lock.

    def in_tournament(
        self, tournament_id: UUID, registration_id: UUID, *, lock: bool = False
    ) -> Registration:
        """The tournament's registration with this id; NotFoundError if it has none.
        `lock` row-locks it until the Unit of Work ends, and reads it as last committed."""
        statement = select(Registration).where(
            Registration.id == registration_id, Registration.tournament_id == tournament_id
        )
        if lock:
            statement = statement.with_for_update().execution_options(populate_existing=True)
        registration = self.session.scalar(statement)
        if registration is None:
            raise NotFoundError(self.entity_name, registration_id)
        return registration

    def of_player(self, tournament_id: UUID, player_id: UUID) -> Registration | None:
        """The player's registration in the tournament, whatever its status, if any."""
        return self.session.scalar(
            select(Registration)
            .where(Registration.tournament_id == tournament_id, Registration.player_id == player_id)
            .with_for_update()
        )

    def count_of_player(self, player_id: UUID) -> int:
        """How many tournaments the player signed up for, dropped or not."""
        return self.count(Registration.player_id == player_id)

    def count_registered(self, tournament_id: UUID) -> int:
        """How many of the tournament's registrations hold a place (status registered):
        their ids, row-locked, as a locking read is the one that sees the latest commits
        on every database (at most the tournament's capacity of them)."""
        ids = self.session.scalars(
            select(Registration.id)
            .where(
                Registration.tournament_id == tournament_id,
                Registration.status == RegistrationStatus.REGISTERED,
            )
            .with_for_update()
        )
        return len(ids.all())

    def first_waitlisted(self, tournament_id: UUID) -> Registration | None:
        """The tournament's waitlisted registration that signed up first, row-locked."""
        return self.session.scalar(
            select(Registration)
            .where(
                Registration.tournament_id == tournament_id,
                Registration.status == RegistrationStatus.WAITLISTED,
            )
            .order_by(Registration.sequence)
            .limit(1)
            .with_for_update()
            .execution_options(populate_existing=True)
        )

    # Reads for display return plain rows, as the plays' do.

    def view(self, tournament_id: UUID, registration_id: UUID) -> RegistrationView:
        """The tournament's registration with its player's name, in one statement;
        NotFoundError if the tournament has no such registration."""
        statement = _WITH_PLAYER.where(
            _REGISTRATIONS.c.id == registration_id,
            _REGISTRATIONS.c.tournament_id == tournament_id,
        )
        row = self.session.connection().execute(statement).first()
        if row is None:
            raise NotFoundError(self.entity_name, registration_id)
        return _registration_view(row)

    def page(
        self,
        tournament_id: UUID,
        *,
        status: RegistrationStatus | None,
        page: int,
        page_size: int,
    ) -> Page[RegistrationView]:
        """One page of the tournament's registrations in sign-up order, each with its
        player's name: two statements (count, page) whatever the page size."""
        connection = self.session.connection()
        conditions: list[ColumnElement[bool]] = [_REGISTRATIONS.c.tournament_id == tournament_id]
        if status is not None:
            conditions.append(_REGISTRATIONS.c.status == status)
        total = connection.scalar(
            select(func.count()).select_from(_REGISTRATIONS).where(*conditions)
        )
        total = total or 0
        offset = (page - 1) * page_size
        if offset >= total:
            return Page([], total)
        statement = (
            _WITH_PLAYER.where(*conditions)
            .order_by(_REGISTRATIONS.c.sequence)
            .offset(bindparam("offset", type_=Integer))
            .limit(bindparam("limit", type_=Integer))
        )
        rows = connection.execute(statement, {"offset": offset, "limit": page_size})
        return Page([_registration_view(row) for row in rows], total)


def _registration_view(row: Any) -> RegistrationView:
    return cast(RegistrationView, dict(row._mapping))


# Built once, so SQLAlchemy finds its compiled SQL without rebuilding its cache key.
_WITH_PLAYER = select(*_REGISTRATIONS.c, _PLAYERS.c.display_name).select_from(
    _REGISTRATIONS.join(_PLAYERS, _PLAYERS.c.id == _REGISTRATIONS.c.player_id)
)

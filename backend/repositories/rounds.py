"""The rounds' and matches' queries."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar, TypedDict, cast
from uuid import UUID

from sqlalchemy import ColumnElement, Integer, bindparam, func, or_, select
from sqlalchemy.orm import contains_eager

from backend.domain.errors import NotFoundError
from backend.domain.tournaments import MatchStatus, RegistrationStatus, RoundStage
from backend.models import Match, Player, Registration, Round
from backend.repositories.base import Page, Repository

_ROUNDS = Round.__table__
_MATCHES = Match.__table__
_REGISTRATIONS = Registration.__table__
_PLAYERS = Player.__table__


class MatchView(TypedDict):
    """A match as clients read it: the players at its table (no player B: A's bye) and
    its result, once reported."""

    id: UUID
    round_id: UUID
    round_number: int
    table_number: int
    player_a_id: UUID
    player_b_id: UUID | None
    player_a_wins: int | None
    player_b_wins: int | None
    draws: int | None
    status: MatchStatus
    reported_by: str | None
    reported_at: datetime | None
    confirmed_by: str | None
    confirmed_at: datetime | None
    play_id: UUID | None
    created_at: datetime
    updated_at: datetime
    created_by: str
    updated_by: str
    change_reason: str | None
    version: int


class RoundView(TypedDict):
    """A round as clients read it, with its matches by table."""

    id: UUID
    tournament_id: UUID
    number: int
    stage: RoundStage
    rematches_allowed: bool
    matches: list[MatchView]
    created_at: datetime
    updated_at: datetime
    created_by: str
    updated_by: str
    change_reason: str | None
    version: int


@dataclass(frozen=True)
class EntrantRow:
    """A registration as the pairing and the standings read it, with its player's name."""

    player_id: UUID
    display_name: str
    status: RegistrationStatus
    checked_in: bool
    dropped_after_round: int | None


@dataclass(frozen=True)
class MatchFilters:
    """Which of a tournament's matches to list: of one round, of one player (None: all)."""

    round_number: int | None = None
    player_id: UUID | None = None


def _match_view(row: Any, round_number: int) -> MatchView:
    return MatchView(**{**row._asdict(), "round_number": round_number})  # type: ignore[typeddict-item]


class RoundRepository(Repository[Round]):
    model = Round
    entity_name = "round"
    default_order = (Round.tournament_id, Round.number)

    def count_of_tournament(self, tournament_id: UUID) -> int:
        """How many rounds of the tournament are paired, as last committed: a locking
        (shared) read of their ids, since on MariaDB (REPEATABLE READ) a plain count would
        see the transaction's snapshot, which may predate a round paired while a check-in
        or a drop waited for the tournament's lock. A tournament has a few dozen rounds
        at most."""
        ids = self.session.scalars(
            select(Round.id).where(Round.tournament_id == tournament_id).with_for_update(read=True)
        )
        return len(ids.all())

    def views_of_tournament(
        self, tournament_id: UUID, *, number: int | None = None
    ) -> list[RoundView]:
        """The tournament's rounds in order (only round `number`, when given), each with its
        matches by table: two statements, however many rounds and matches there are."""
        which = [_ROUNDS.c.tournament_id == tournament_id]
        if number is not None:
            which.append(_ROUNDS.c.number == number)
        rounds = self.session.execute(
            select(_ROUNDS).where(*which).order_by(_ROUNDS.c.number)
        ).all()
        if not rounds:
            return []
        matches = self.session.execute(
            select(_MATCHES)
            .join(_ROUNDS, _ROUNDS.c.id == _MATCHES.c.round_id)
            .where(*which)
            .order_by(_ROUNDS.c.number, _MATCHES.c.table_number)
        ).all()
        views: dict[UUID, RoundView] = {
            row.id: RoundView(**{**row._asdict(), "matches": []})  # type: ignore[typeddict-item]
            for row in rounds
        }
        for match in matches:
            view = views[match.round_id]
            view["matches"].append(_match_view(match, view["number"]))
        return list(views.values())

    def entrants(self, tournament_id: UUID) -> list[EntrantRow]:
        """The tournament's registrations but the waitlisted, with their players' names, in
        order of sign-up: one statement."""
        rows = self.session.execute(
            select(
                _REGISTRATIONS.c.player_id,
                _PLAYERS.c.display_name,
                _REGISTRATIONS.c.status,
                _REGISTRATIONS.c.checked_in_at.is_not(None).label("checked_in"),
                _REGISTRATIONS.c.dropped_after_round,
            )
            .join(_PLAYERS, _PLAYERS.c.id == _REGISTRATIONS.c.player_id)
            .where(
                _REGISTRATIONS.c.tournament_id == tournament_id,
                _REGISTRATIONS.c.status != RegistrationStatus.WAITLISTED,
            )
            .order_by(_REGISTRATIONS.c.sequence)
        ).all()
        return [
            EntrantRow(
                player_id=row.player_id,
                display_name=row.display_name,
                status=RegistrationStatus(row.status),
                checked_in=bool(row.checked_in),
                dropped_after_round=row.dropped_after_round,
            )
            for row in rows
        ]


def _of_tournament(tournament_id: UUID, filters: MatchFilters) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = [_ROUNDS.c.tournament_id == tournament_id]
    if filters.round_number is not None:
        conditions.append(_ROUNDS.c.number == filters.round_number)
    if filters.player_id is not None:
        conditions.append(
            or_(
                _MATCHES.c.player_a_id == filters.player_id,
                _MATCHES.c.player_b_id == filters.player_id,
            )
        )
    return conditions


_MATCH_WITH_ROUND = select(_MATCHES, _ROUNDS.c.number.label("round_number")).join(
    _ROUNDS, _ROUNDS.c.id == _MATCHES.c.round_id
)


def _view_of_row(row: Any) -> MatchView:
    return cast(MatchView, row._asdict())


class MatchRepository(Repository[Match]):
    model = Match
    entity_name = "match"
    updatable: ClassVar[frozenset[str]] = frozenset(
        {
            "player_a_wins",
            "player_b_wins",
            "draws",
            "status",
            "reported_by",
            "reported_at",
            "confirmed_by",
            "confirmed_at",
            "play_id",
        }
    )
    default_order = (Match.round_id, Match.table_number)

    def of_tournament(self, tournament_id: UUID) -> list[MatchView]:
        """Every match of the tournament by round and table: one statement."""
        rows = self.session.execute(
            _MATCH_WITH_ROUND.where(_ROUNDS.c.tournament_id == tournament_id).order_by(
                _ROUNDS.c.number, _MATCHES.c.table_number
            )
        ).all()
        return [_view_of_row(row) for row in rows]

    def page_of_tournament(
        self, tournament_id: UUID, filters: MatchFilters, *, page: int, page_size: int
    ) -> Page[MatchView]:
        """One page of the tournament's matches passing the filters, by round and table:
        two statements (count, page)."""
        conditions = _of_tournament(tournament_id, filters)
        total = self.session.scalar(
            select(func.count())
            .select_from(_MATCHES.join(_ROUNDS, _ROUNDS.c.id == _MATCHES.c.round_id))
            .where(*conditions)
        )
        total = total or 0
        offset = (page - 1) * page_size
        if offset >= total:
            return Page([], total)
        rows = self.session.execute(
            _MATCH_WITH_ROUND.where(*conditions)
            .order_by(_ROUNDS.c.number, _MATCHES.c.table_number)
            .offset(bindparam("offset", type_=Integer))
            .limit(bindparam("limit", type_=Integer)),
            {"offset": offset, "limit": page_size},
        ).all()
        return Page([_view_of_row(row) for row in rows], total)

    def view(self, tournament_id: UUID, match_id: UUID) -> MatchView:
        """The match as clients read it; NotFoundError unless it is one of the tournament's."""
        row = self.session.execute(
            _MATCH_WITH_ROUND.where(
                _ROUNDS.c.tournament_id == tournament_id, _MATCHES.c.id == match_id
            )
        ).first()
        if row is None:
            raise NotFoundError(self.entity_name, match_id)
        return _view_of_row(row)

    def in_tournament(self, tournament_id: UUID, match_id: UUID) -> Match:
        """The match with its round loaded; NotFoundError unless it is the tournament's."""
        match = self.session.scalar(
            select(Match)
            .join(Match.round)
            .options(contains_eager(Match.round))
            .where(Round.tournament_id == tournament_id, Match.id == match_id)
        )
        if match is None:
            raise NotFoundError(self.entity_name, match_id)
        return match

"""The rounds' and matches' queries."""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar, TypedDict
from uuid import UUID

from sqlalchemy import select

from backend.domain.tournaments import MatchStatus, RoundStage
from backend.models import Match, Round
from backend.repositories.base import Repository

_ROUNDS = Round.__table__
_MATCHES = Match.__table__


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

    def views_of_tournament(self, tournament_id: UUID) -> list[RoundView]:
        """The tournament's rounds in order, each with its matches by table: two
        statements, however many rounds and matches there are."""
        rounds = self.session.execute(
            select(_ROUNDS)
            .where(_ROUNDS.c.tournament_id == tournament_id)
            .order_by(_ROUNDS.c.number)
        ).all()
        if not rounds:
            return []
        matches = self.session.execute(
            select(_MATCHES)
            .join(_ROUNDS, _ROUNDS.c.id == _MATCHES.c.round_id)
            .where(_ROUNDS.c.tournament_id == tournament_id)
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

"""Tournaments and players made straight through the Unit of Work, in whatever state a
test needs (the tournaments' own endpoints are not what these tests are about)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy.orm import Session, sessionmaker

from backend.domain.tournaments import RoundStage, TournamentStatus, Visibility
from backend.models import Player, Round, Tournament, Venue
from backend.repositories.unit_of_work import SqlAlchemyUnitOfWork
from tests.factories import make_game

Factory = sessionmaker[Session]


def add_tournament(
    session_factory: Factory,
    organizer_id: uuid.UUID,
    *,
    status: TournamentStatus = TournamentStatus.REGISTRATION_OPEN,
    capacity: int = 16,
    visibility: Visibility = Visibility.PUBLIC,
) -> uuid.UUID:
    """A tournament of a new game at a new venue, in `status`; its id."""
    with SqlAlchemyUnitOfWork(session_factory, actor="tests") as uow:
        game = uow.games.add(make_game())
        venue = uow.venues.add(
            Venue(
                name="The Back Room",
                address="1 Dice Street",
                capacity=100,
                time_zone="Europe/Paris",
            )
        )
        uow.session.flush()
        tournament = uow.tournaments.add(
            Tournament(
                name=f"Open {uuid.uuid4().hex[:6]}",
                game_id=game.id,
                format_name="Standard",
                venue_id=venue.id,
                organizer_id=organizer_id,
                capacity=capacity,
                starts_at=datetime(2026, 12, 12, 10, tzinfo=UTC),
                visibility=visibility,
                status=status,
            )
        )
        uow.commit()
        return tournament.id


def set_status(
    session_factory: Factory, tournament_id: uuid.UUID, status: TournamentStatus
) -> None:
    """Move the tournament to `status`, as its lifecycle would."""
    with SqlAlchemyUnitOfWork(session_factory, actor="tests") as uow:
        uow.tournaments.update(uow.tournaments.get_or_raise(tournament_id), {"status": status})
        uow.commit()


def add_round(session_factory: Factory, tournament_id: uuid.UUID, number: int = 1) -> None:
    """A paired round of the tournament (without matches: only its count matters here)."""
    with SqlAlchemyUnitOfWork(session_factory, actor="tests") as uow:
        uow.rounds.add(Round(tournament_id=tournament_id, number=number, stage=RoundStage.SWISS))
        uow.commit()


def add_players(
    session_factory: Factory, count: int, *, user_id: uuid.UUID | None = None
) -> list[uuid.UUID]:
    """`count` new players (the first linked to `user_id`, if given); their ids."""
    with SqlAlchemyUnitOfWork(session_factory, actor="tests") as uow:
        players = [
            uow.players.add(
                Player(
                    display_name=f"Player {number:03d} {uuid.uuid4().hex[:4]}",
                    user_id=user_id if number == 0 else None,
                )
            )
            for number in range(count)
        ]
        uow.commit()
        return [player.id for player in players]

"""Tournaments, players, registrations, rounds and matches written straight through a Unit
of Work, in whatever state a test needs (the endpoints that make them are not what these
tests are about)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy.orm import Session, sessionmaker

from backend.domain.tournaments import (
    MatchStatus,
    RegistrationStatus,
    RoundStage,
    TournamentStatus,
    Visibility,
)
from backend.models import Match, Player, Registration, Round, Tournament, Venue
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


def register(
    session_factory: sessionmaker[Session],
    tournament_id: str,
    statuses: list[tuple[RegistrationStatus, bool]],
) -> list[uuid.UUID]:
    """New players registered in this order, each (status, checked in); their ids."""
    tournament = uuid.UUID(tournament_id)
    with SqlAlchemyUnitOfWork(session_factory) as uow:
        session = uow.session
        taken = len(session.query(Registration).filter_by(tournament_id=tournament).all())
        players = [Player(display_name=f"Player {uuid.uuid4().hex[:6]}") for _ in statuses]
        session.add_all(players)
        session.flush()
        for number, (player, (status, checked_in)) in enumerate(
            zip(players, statuses, strict=True), start=taken + 1
        ):
            session.add(
                Registration(
                    tournament_id=tournament,
                    player_id=player.id,
                    sequence=number,
                    status=status,
                    checked_in_at=datetime.now(UTC) if checked_in else None,
                )
            )
        uow.commit()
        return [player.id for player in players]


def pair_rounds(
    session_factory: sessionmaker[Session], tournament_id: str, rounds: int, players: int
) -> None:
    """`rounds` Swiss rounds of `players` new players each, paired in table order."""
    with SqlAlchemyUnitOfWork(session_factory) as uow:
        session = uow.session
        people = [Player(display_name=f"Seat {n}") for n in range(players)]
        session.add_all(people)
        session.flush()
        for number in range(1, rounds + 1):
            session.add(
                Round(
                    tournament_id=uuid.UUID(tournament_id),
                    number=number,
                    stage=RoundStage.SWISS,
                    matches=[
                        Match(
                            table_number=table + 1,
                            player_a_id=people[2 * table].id,
                            player_b_id=people[2 * table + 1].id,
                            status=MatchStatus.PENDING,
                        )
                        for table in range(players // 2)
                    ],
                )
            )
        uow.commit()

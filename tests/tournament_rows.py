"""Rows the tournament tests need from other people's APIs (registrations, rounds and
matches), written straight through a Unit of Work."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy.orm import Session, sessionmaker

from backend.domain.tournaments import MatchStatus, RegistrationStatus, RoundStage
from backend.models import Match, Player, Registration, Round
from backend.repositories.unit_of_work import SqlAlchemyUnitOfWork


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

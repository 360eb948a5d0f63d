"""Tournaments made straight through a Unit of Work (the tournaments' and registrations'
endpoints are built elsewhere): a venue, a tournament in progress, checked-in players."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy.orm import Session, sessionmaker

from backend.domain.tournaments import RegistrationStatus, TournamentStatus, Visibility
from backend.models import Player, Registration, Tournament, Venue
from backend.repositories.unit_of_work import SqlAlchemyUnitOfWork
from backend.services.unit_of_work import UnitOfWork
from tests.factories import make_game

STARTS_AT = datetime(2026, 11, 28, 10, 0, tzinfo=UTC)


@dataclass(frozen=True)
class Event:
    tournament_id: uuid.UUID
    game_id: uuid.UUID
    # In order of sign-up.
    player_ids: list[uuid.UUID]


def build_event(
    uow: UnitOfWork,
    organizer_id: uuid.UUID,
    players: int | Sequence[uuid.UUID | None] = 8,
    *,
    status: TournamentStatus = TournamentStatus.IN_PROGRESS,
    top_cut_size: int | None = None,
    visibility: Visibility = Visibility.PUBLIC,
    existing_players: Sequence[uuid.UUID] = (),
) -> Event:
    """A tournament of a new game at a new venue, with its players registered and checked
    in; `players` is a count, or the user each player is linked to (None: nobody's), and
    `existing_players` sign up first."""
    users = [None] * players if isinstance(players, int) else list(players)
    game = uow.games.add(make_game())
    venue = uow.venues.add(
        Venue(name="The Club", address="1 Main Street", capacity=200, time_zone="Europe/Paris")
    )
    # Committed in steps: rows without relationships between them are not ordered by
    # their foreign keys within one flush.
    uow.commit()
    tournament = uow.tournaments.add(
        Tournament(
            name="Club Championship",
            game_id=game.id,
            format_name="Standard",
            venue_id=venue.id,
            organizer_id=organizer_id,
            capacity=max(len(users) + len(existing_players), 2),
            starts_at=STARTS_AT,
            visibility=visibility,
            status=status,
            started_at=STARTS_AT if status is TournamentStatus.IN_PROGRESS else None,
            last_sequence=len(users) + len(existing_players),
            top_cut_size=top_cut_size,
        )
    )
    players_added = [
        uow.players.add(
            Player(display_name=f"Player {sequence:03d} {uuid.uuid4().hex[:6]}", user_id=user_id)
        )
        for sequence, user_id in enumerate(users, start=1)
    ]
    uow.commit()
    player_ids = [*existing_players, *(player.id for player in players_added)]
    for sequence, player_id in enumerate(player_ids, start=1):
        uow.registrations.add(
            Registration(
                tournament_id=tournament.id,
                player_id=player_id,
                sequence=sequence,
                status=RegistrationStatus.REGISTERED,
                checked_in_at=STARTS_AT,
            )
        )
    uow.commit()
    return Event(tournament.id, game.id, player_ids)


def stored_event(
    session_factory: sessionmaker[Session],
    organizer_id: uuid.UUID,
    players: int | Sequence[uuid.UUID | None] = 8,
    **options: object,
) -> Event:
    """build_event in a database, as the organizer."""
    with SqlAlchemyUnitOfWork(session_factory, actor=f"user:{organizer_id}") as uow:
        return build_event(uow, organizer_id, players, **options)  # type: ignore[arg-type]

"""The shelf on every database: which games a group can play (the club's copy, or a copy one
of its members owns), a copy's note refused blank by the database too, and a player owning
a game once."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from backend.domain.errors import DomainRuleError, DuplicateError
from backend.models import CollectionItem, Game, GameCopy, Player
from backend.repositories.shelf import available_to
from backend.repositories.unit_of_work import SqlAlchemyUnitOfWork
from tests.factories import make_game

pytestmark = pytest.mark.usefixtures("clean_database")


def available(session_factory: sessionmaker[Session], group: list[uuid.UUID]) -> set[uuid.UUID]:
    with SqlAlchemyUnitOfWork(session_factory) as uow:
        return set(uow.session.scalars(select(Game.id).where(available_to(group))))


def test_a_game_is_available_to_a_group_when_the_club_or_a_member_owns_a_copy(
    session_factory: sessionmaker[Session],
) -> None:
    with SqlAlchemyUnitOfWork(session_factory) as uow:
        club, ours, eves, nobodys = (
            uow.games.add(make_game(title=title)) for title in ("Club", "Ana's", "Eve's", "None")
        )
        ana, bo, eve = (uow.players.add(Player(display_name=name)) for name in ("Ana", "Bo", "Eve"))
        uow.session.flush()
        uow.game_copies.add(GameCopy(game_id=club.id, note="sleeved"))
        for owner, game in ((ana, ours), (eve, eves), (eve, club)):
            uow.collection_items.add(CollectionItem(player_id=owner.id, game_id=game.id))
        uow.commit()

    # The club's copy, and a member's copy: available. A non-member's copy only: not.
    assert available(session_factory, [ana.id, bo.id]) == {club.id, ours.id}
    assert available(session_factory, [eve.id]) == {club.id, eves.id}
    assert available(session_factory, []) == {club.id}
    assert nobodys.id not in available(session_factory, [ana.id, bo.id, eve.id])


def test_the_database_refuses_a_blank_note(session_factory: sessionmaker[Session]) -> None:
    with SqlAlchemyUnitOfWork(session_factory) as uow:
        game = uow.games.add(make_game())
        uow.commit()
        game_id = game.id
    with SqlAlchemyUnitOfWork(session_factory) as uow:
        uow.game_copies.add(GameCopy(game_id=game_id, note="   "))
        with pytest.raises(DomainRuleError) as refused:
            uow.commit()
    assert "note" in refused.value.fields


def test_a_player_owns_a_game_once(session_factory: sessionmaker[Session]) -> None:
    with SqlAlchemyUnitOfWork(session_factory) as uow:
        game = uow.games.add(make_game())
        player = uow.players.add(Player(display_name="Ana"))
        uow.session.flush()
        uow.collection_items.add(CollectionItem(player_id=player.id, game_id=game.id))
        uow.commit()
        ids = (player.id, game.id)
    with SqlAlchemyUnitOfWork(session_factory) as uow:
        uow.collection_items.add(CollectionItem(player_id=ids[0], game_id=ids[1]))
        with pytest.raises(DuplicateError, match="already owns"):
            uow.commit()

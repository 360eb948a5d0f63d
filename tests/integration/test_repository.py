"""Repository[ModelT] on a real database: pages, counts, whitelisted updates, row locks."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session, sessionmaker

from backend.models import Game
from backend.repositories.unit_of_work import SqlAlchemyUnitOfWork
from tests.conftest import recorded_statements
from tests.factories import make_game

pytestmark = pytest.mark.usefixtures("clean_database")
Factory = sessionmaker[Session]


@pytest.fixture
def five_games(session_factory: Factory) -> list[str]:
    titles = ["Echo", "alpha", "Delta", "Bravo", "Charlie"]
    with SqlAlchemyUnitOfWork(session_factory) as uow:
        for title in titles:
            uow.games.add(make_game(title=title))
        uow.commit()
    return titles


def test_list_pages_through_every_game_once_in_title_order(
    session_factory: Factory, five_games: list[str]
) -> None:
    with SqlAlchemyUnitOfWork(session_factory) as uow:
        pages = [uow.games.list(page=number, page_size=2) for number in (1, 2, 3)]
        seen = [game.title for page in pages for game in page.items]
    assert [page.total for page in pages] == [5, 5, 5]
    assert sorted(seen) == sorted(five_games)
    assert [len(page.items) for page in pages] == [2, 2, 1]


def test_a_page_past_the_end_is_empty_and_costs_only_the_count(
    session_factory: Factory, five_games: list[str]
) -> None:
    with SqlAlchemyUnitOfWork(session_factory) as uow, recorded_statements() as statements:
        page = uow.games.list(page=10**30, page_size=100)
    assert page.items == []
    assert page.total == 5
    assert len(statements) == 1


def test_list_filters_and_counts_with_the_same_conditions(
    session_factory: Factory, five_games: list[str]
) -> None:
    with SqlAlchemyUnitOfWork(session_factory) as uow:
        page = uow.games.list(where=[Game.title.in_(["Bravo", "Delta"])])
        assert page.total == 2
        assert uow.games.count(Game.title == "Echo") == 1
        assert uow.games.count(Game.title == "Zulu") == 0


def test_update_refuses_attributes_outside_the_whitelist(session_factory: Factory) -> None:
    with SqlAlchemyUnitOfWork(session_factory) as uow:
        game = uow.games.add(make_game())
        with pytest.raises(ValueError, match=r"^created_by, version: not in "):
            uow.games.update(game, {"title": "ok", "created_by": "mallory", "version": 9})
        assert game.title != "ok"  # nothing was applied


def test_get_for_update_reads_the_row_with_a_lock(session_factory: Factory) -> None:
    with SqlAlchemyUnitOfWork(session_factory) as uow:
        game_id = uow.games.add(make_game(title="Locked")).id
        uow.commit()
    with SqlAlchemyUnitOfWork(session_factory) as uow, recorded_statements() as statements:
        assert uow.games.get_for_update(game_id).title == "Locked"
    if uow.session.bind.dialect.name != "sqlite":  # type: ignore[union-attr]
        assert "FOR UPDATE" in statements[-1]

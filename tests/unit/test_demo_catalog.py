"""The demo catalog: loads once into an empty catalog, and every game obeys the API's rules."""

from __future__ import annotations

import pytest

from backend.api.games.schemas import GameCreate
from backend.domain.principal import SYSTEM
from backend.models import Game
from backend.services.demo_catalog import DEMO_GAMES, seed_demo_catalog
from tests.fakes import FakeUnitOfWork


def test_an_empty_catalog_gets_the_demo_games_in_one_commit() -> None:
    uow = FakeUnitOfWork()
    added = seed_demo_catalog(uow, SYSTEM)
    assert added == len(DEMO_GAMES) >= 30
    assert {game.title for game in uow.games.games} >= {"Catan", "Carcassonne", "Wingspan"}
    assert uow.commits == 1
    catan = next(game for game in uow.games.games if game.title == "Catan")
    assert [category.name for category in catan.categories] == ["Family Games", "Strategy Games"]
    assert "Trading" in [tag.name for tag in catan.tags]
    # One label object per name, shared by every game that carries it.
    assert len({category.name for category in uow.categories.labels}) == len(uow.categories.labels)


def test_a_catalog_with_games_is_left_alone() -> None:
    uow = FakeUnitOfWork([Game(title="Our own game", min_players=2, max_players=2)])
    assert seed_demo_catalog(uow, SYSTEM) == 0
    assert len(uow.games.games) == 1
    assert uow.commits == 0


@pytest.mark.parametrize("demo", DEMO_GAMES, ids=lambda demo: demo.title)
def test_every_demo_game_passes_the_api_validation(demo: object) -> None:
    fields = demo._asdict()  # type: ignore[attr-defined]
    fields["categories"], fields["tags"] = list(fields["categories"]), list(fields["tags"])
    assert GameCreate().validate(fields) == {}
    assert fields["categories"] and fields["tags"]


def test_demo_games_have_distinct_titles_and_bgg_ids() -> None:
    assert len({demo.title for demo in DEMO_GAMES}) == len(DEMO_GAMES)
    assert len({demo.bgg_id for demo in DEMO_GAMES}) == len(DEMO_GAMES)

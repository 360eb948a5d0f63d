"""Reads cost a constant number of SQL statements, whatever the page size."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import insert
from sqlalchemy.orm import Session, sessionmaker

from backend.models import game_categories, game_tags
from backend.repositories.unit_of_work import SqlAlchemyUnitOfWork
from backend.state import app_state
from tests.api.helpers import GAMES
from tests.conftest import recorded_statements
from tests.factories import game_fields


@pytest.fixture
def catalog(client: FlaskClient, session_factory: sessionmaker[Session]) -> list[str]:
    """120 games, each with two categories and three tags."""
    with SqlAlchemyUnitOfWork(session_factory) as uow:
        ids = uow.games.insert_many([game_fields() for _ in range(120)])
        categories = list(uow.categories.ids_by_slug(["Strategy", "Family"]).values())
        tags = list(uow.tags.ids_by_slug(["Dice", "Cards", "Tiles"]).values())
        uow.session.execute(
            insert(game_categories),
            [{"game_id": game, "category_id": label} for game in ids for label in categories],
        )
        uow.session.execute(
            insert(game_tags),
            [{"game_id": game, "tag_id": label} for game in ids for label in tags],
        )
        uow.commit()
    return [str(game_id) for game_id in ids]


def test_get_one_game_with_its_labels_costs_at_most_two_statements(
    client: FlaskClient, catalog: list[str]
) -> None:
    with recorded_statements() as statements:
        response = client.get(f"{GAMES}/{catalog[0]}")
    assert response.status_code == 200
    assert len(response.json["categories"]) == 2
    assert len(response.json["tags"]) == 3
    assert len(statements) <= 2, statements


@pytest.mark.parametrize("page_size", [1, 20, 100])
def test_a_page_of_games_with_labels_costs_at_most_four_statements(
    client: FlaskClient, catalog: list[str], page_size: int
) -> None:
    with recorded_statements() as statements:
        response = client.get(GAMES, query_string={"page_size": page_size})
    assert response.status_code == 200
    assert len(response.json) == page_size
    assert all(len(game["tags"]) == 3 for game in response.json)
    assert len(statements) <= 4, statements


@pytest.mark.parametrize("page_size", [1, 20, 100])
def test_a_filtered_page_costs_no_more(
    client: FlaskClient, catalog: list[str], page_size: int
) -> None:
    query = {
        "page_size": page_size,
        "players": 3,
        "category": "strategy",
        "tag": ["Dice", "tiles"],
        "max_minutes": 90,
        "sort": "-rating",
    }
    with recorded_statements() as statements:
        response = client.get(GAMES, query_string=query)
    assert response.status_code == 200
    assert len(response.json) == page_size
    assert len(statements) <= 4, statements


def test_liveness_costs_no_statement_and_no_connection(app: Flask, client: FlaskClient) -> None:
    pool = app_state(app).engine.pool
    before = pool.checkedout()  # type: ignore[attr-defined]
    with recorded_statements() as statements:
        assert client.get("/health/live").status_code == 200
    assert statements == []
    assert pool.checkedout() == before  # type: ignore[attr-defined]

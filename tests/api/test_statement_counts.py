"""Reads cost a constant number of SQL statements, whatever the page size."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient
from sqlalchemy.orm import Session, sessionmaker

from backend.repositories.unit_of_work import UnitOfWork
from tests.api.helpers import GAMES
from tests.conftest import recorded_statements
from tests.factories import game_fields


@pytest.fixture
def catalog(client: FlaskClient, session_factory: sessionmaker[Session]) -> list[str]:
    with UnitOfWork(session_factory) as uow:
        ids = uow.games.insert_many([game_fields() for _ in range(120)])
        uow.commit()
    return [str(game_id) for game_id in ids]


def test_get_one_game_costs_at_most_two_statements(client: FlaskClient, catalog: list[str]) -> None:
    with recorded_statements() as statements:
        response = client.get(f"{GAMES}/{catalog[0]}")
    assert response.status_code == 200
    assert len(statements) <= 2, statements


@pytest.mark.parametrize("page_size", [1, 20, 100])
def test_a_page_of_games_costs_at_most_two_statements(
    client: FlaskClient, catalog: list[str], page_size: int
) -> None:
    with recorded_statements() as statements:
        response = client.get(GAMES, query_string={"page_size": page_size})
    assert response.status_code == 200
    assert len(response.json) == page_size
    assert len(statements) <= 2, statements


def test_liveness_costs_no_statement_and_no_connection(client: FlaskClient, app) -> None:  # type: ignore[no-untyped-def]
    from backend.state import app_state

    pool = app_state(app).engine.pool
    before = pool.checkedout()  # type: ignore[attr-defined]
    with recorded_statements() as statements:
        assert client.get("/health/live").status_code == 200
    assert statements == []
    assert pool.checkedout() == before  # type: ignore[attr-defined]

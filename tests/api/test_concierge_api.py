"""The concierge endpoint: signed-in users only, its arguments' 422s, unknown players 404,
an empty answer with its explanation, a full answer's shape (what a request costs:
tests/api/test_statement_counts.py)."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session, sessionmaker

from backend.domain.accounts import Role
from tests.conftest import AccountMaker
from tests.shelf_and_plays import World

SUGGESTIONS = "/api/v1/concierge/suggestions"


@pytest.fixture
def member_client(app: Flask, accounts: AccountMaker) -> FlaskClient:
    client = app.test_client()
    client.environ_base["HTTP_AUTHORIZATION"] = accounts(Role.MEMBER).headers["Authorization"]
    return client


@pytest.fixture
def group(session_factory: sessionmaker[Session], clean_database: None) -> list[uuid.UUID]:
    """Ana and Ben, and a shelf of three games: two they can play in an hour."""
    world = World(session_factory)
    ana = world.player(
        "Ana", favourite_categories=["Party"], min_complexity=1.0, max_complexity=2.0
    )
    ben = world.player("Ben", favourite_categories=["Party"])
    party = world.game("Party Time", categories=["Party"], complexity=1.5, average_rating=8.0)
    heavy = world.game("Heavy", complexity=4.5, average_rating=6.0)
    long = world.game("Long", max_play_minutes=240)
    for game_id in (party, heavy, long):
        world.club_copy(game_id)
    world.commit()
    return [ana, ben]


def players(ids: list[uuid.UUID]) -> str:
    return ",".join(str(player_id) for player_id in ids)


def test_a_full_answer(member_client: FlaskClient, group: list[uuid.UUID]) -> None:
    response = member_client.get(
        SUGGESTIONS, query_string={"players": players(group), "minutes": 60}
    )
    assert response.status_code == 200, response.json
    answer = response.json
    assert answer["explanation"] is None
    assert [item["title"] for item in answer["items"]] == ["Party Time", "Heavy"]
    first = answer["items"][0]
    assert set(first) == {"game_id", "title", "score", "reasons"}
    assert 0 <= answer["items"][1]["score"] < first["score"] <= 100
    assert "fits both of you" in first["reasons"]
    assert "shared favourite: Party" in first["reasons"]
    assert "much heavier than Ana likes" in answer["items"][1]["reasons"]


def test_the_limit_and_the_category(member_client: FlaskClient, group: list[uuid.UUID]) -> None:
    query: dict[str, Any] = {"players": players(group), "minutes": 300, "limit": 1}
    limited = member_client.get(SUGGESTIONS, query_string=query)
    assert [item["title"] for item in limited.json["items"]] == ["Party Time"]
    party = member_client.get(
        SUGGESTIONS, query_string={"players": players(group), "minutes": 300, "category": "Party"}
    )
    assert [item["title"] for item in party.json["items"]] == ["Party Time"]


def test_an_empty_answer_says_which_condition_emptied_it(
    member_client: FlaskClient, group: list[uuid.UUID]
) -> None:
    too_short = member_client.get(
        SUGGESTIONS, query_string={"players": players(group), "minutes": 10}
    )
    assert too_short.status_code == 200
    assert too_short.json == {
        "items": [],
        "explanation": "nothing for 2 players fits in 10 minutes",
    }
    unknown_category = member_client.get(
        SUGGESTIONS,
        query_string={"players": players(group), "minutes": 60, "category": "Nothing Like It"},
    )
    assert unknown_category.json["explanation"] == (
        'nothing that fits is in the category "nothing-like-it"'
    )
    # Nothing to make a slug of: the explanation names what was sent, not "".
    no_slug = member_client.get(
        SUGGESTIONS, query_string={"players": players(group), "minutes": 60, "category": "!!!"}
    )
    assert no_slug.status_code == 200
    assert no_slug.json == {
        "items": [],
        "explanation": 'nothing that fits is in the category "!!!"',
    }


def test_unknown_players_are_404_naming_them(
    member_client: FlaskClient, group: list[uuid.UUID]
) -> None:
    nobody = uuid.uuid4()
    response = member_client.get(
        SUGGESTIONS, query_string={"players": players([*group, nobody]), "minutes": 60}
    )
    assert response.status_code == 404, response.json
    assert str(nobody) in response.json["message"]


def test_anonymous_callers_are_refused(app: Flask, group: list[uuid.UUID]) -> None:
    response = app.test_client().get(
        SUGGESTIONS, query_string={"players": players(group), "minutes": 60}
    )
    assert response.status_code == 401


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"players": "not-a-uuid"}, "players"),
        ({"players": ""}, "players"),
        ({"players": "DUPLICATE"}, "players"),
        ({"players": ",".join(str(uuid.uuid4()) for _ in range(21))}, "players"),
        ({"minutes": 0}, "minutes"),
        ({"minutes": "soon"}, "minutes"),
        ({"limit": 51}, "limit"),
        ({"exclude_played_within_days": -1}, "exclude_played_within_days"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_bad_arguments_are_422_naming_the_field(
    member_client: FlaskClient, group: list[uuid.UUID], change: dict[str, Any], field: str
) -> None:
    query: dict[str, Any] = {"players": players(group), "minutes": 60, **change}
    if query["players"] == "DUPLICATE":
        query["players"] = players([group[0], group[0]])
    response = member_client.get(SUGGESTIONS, query_string=query)
    assert response.status_code == 422, response.json
    assert field in response.json["errors"]["query"]


def test_minutes_are_required(member_client: FlaskClient, group: list[uuid.UUID]) -> None:
    response = member_client.get(SUGGESTIONS, query_string={"players": players(group)})
    assert response.status_code == 422
    assert "minutes" in response.json["errors"]["query"]

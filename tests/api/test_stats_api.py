"""A player's statistics from hand-built plays whose totals are known exactly: plays,
wins, win rate, most played games and favourite categories in their documented order,
last played; on every configured database."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from backend.domain.accounts import Role
from tests.accounts import Account
from tests.api.helpers import create_game, create_label
from tests.conftest import AccountMaker

PLAYS = "/api/v1/plays"
PLAYERS = "/api/v1/players"


@pytest.fixture
def member(accounts: AccountMaker) -> Account:
    return accounts(Role.MEMBER)


def add_player(client: FlaskClient, name: str) -> str:
    response = client.post(PLAYERS, json={"display_name": name})
    assert response.status_code == 201, response.json
    player_id: str = response.json["id"]
    return player_id


def play(client: FlaskClient, game: str, when: str, *participants: tuple[str, bool]) -> None:
    body = {
        "game_id": game,
        "played_at": when,
        "participants": [{"player_id": player, "is_winner": won} for player, won in participants],
    }
    response = client.post(PLAYS, json=body)
    assert response.status_code == 201, response.json


def stats(app: Flask, reader: Account, player_id: str) -> dict[str, Any]:
    response = app.test_client().get(f"{PLAYERS}/{player_id}/stats", headers=reader.headers)
    assert response.status_code == 200, response.json
    found: dict[str, Any] = response.json
    return found


def test_a_players_stats_add_up_their_plays(
    app: Flask, client: FlaskClient, member: Account
) -> None:
    ana, bo = add_player(client, "Ana"), add_player(client, "Bo")
    for name in ("Abstract", "Economic", "Family", "Farming", "Party", "Space"):
        create_label(client, "categories", name)
    # Titles and categories chosen so that every tie is broken by the documented order.
    games = {
        title: create_game(client, title=title, categories=categories)[0]["id"]
        for title, categories in (
            ("Azul", ["Abstract", "Family"]),
            ("Brass", ["Economic"]),
            ("Catan", ["Family", "Economic"]),
            ("Dixit", ["Party"]),
            ("Eclipse", ["Space"]),
            ("Fields", ["Farming"]),
            ("Go", []),
        )
    }
    plays_of_ana = [
        ("Catan", "2026-01-01T20:00:00Z", True),
        ("Catan", "2026-01-02T20:00:00Z", False),
        ("Catan", "2026-01-03T20:00:00Z", True),
        ("Brass", "2026-01-04T20:00:00Z", False),
        ("Brass", "2026-01-05T20:00:00Z", True),
        ("Azul", "2026-01-06T20:00:00Z", False),
        ("Azul", "2026-01-07T20:00:00Z", False),
        ("Go", "2026-01-08T20:00:00Z", False),
        ("Fields", "2026-01-09T20:00:00Z", False),
        ("Eclipse", "2026-01-10T20:00:00Z", False),
        ("Dixit", "2026-03-01T18:30:00+01:00", True),
    ]
    for title, when, won in plays_of_ana:
        play(client, games[title], when, (ana, won), (bo, not won))
    play(client, games["Go"], "2026-06-01T20:00:00Z", (bo, True))

    found = stats(app, member, ana)

    assert found["player_id"] == ana
    assert (found["plays"], found["wins"]) == (11, 4)
    assert found["win_rate"] == pytest.approx(4 / 11)
    assert found["last_played_at"] == "2026-03-01T17:30:00+00:00"
    # Most plays first; Azul and Brass tie at 2 (by title), then five games at 1 (by title).
    assert [(g["title"], g["plays"]) for g in found["most_played_games"]] == [
        ("Catan", 3),
        ("Azul", 2),
        ("Brass", 2),
        ("Dixit", 1),
        ("Eclipse", 1),
    ]
    assert found["most_played_games"][0]["game_id"] == games["Catan"]
    # A play counts for each category of its game: Economic 3 + 2, Family 3 + 2, Abstract 2,
    # then Farming, Party and Space at 1 each, by name.
    assert [(c["name"], c["plays"]) for c in found["favourite_categories"]] == [
        ("Economic", 5),
        ("Family", 5),
        ("Abstract", 2),
        ("Farming", 1),
        ("Party", 1),
    ]
    assert found["favourite_categories"][0]["slug"] == "economic"
    other = stats(app, member, bo)
    assert (other["plays"], other["wins"]) == (12, 8)
    assert other["win_rate"] == pytest.approx(8 / 12)


def test_a_player_without_plays_has_no_win_rate(
    app: Flask, client: FlaskClient, member: Account
) -> None:
    found = stats(app, member, add_player(client, "New"))
    assert found == {
        "player_id": found["player_id"],
        "plays": 0,
        "wins": 0,
        "win_rate": None,
        "last_played_at": None,
        "most_played_games": [],
        "favourite_categories": [],
    }


def test_an_unknown_players_stats_are_404(app: Flask, member: Account) -> None:
    response = app.test_client().get(
        f"{PLAYERS}/00000000-0000-4000-8000-000000000000/stats", headers=member.headers
    )
    assert response.status_code == 404

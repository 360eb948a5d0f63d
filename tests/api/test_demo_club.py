"""seed-demo's demo club: players with tastes, a shelf and plays, made once, through the
services, so that a fresh `make run` has a club the concierge can answer for."""

from __future__ import annotations

from collections import Counter

from flask import Flask
from flask.testing import FlaskClient

from backend.services.demo_club import DEMO_PLAYERS, DEMO_PLAYS, DEMO_SHELF

PLAYERS = "/api/v1/players"


def players_by_name(client: FlaskClient) -> dict[str, dict[str, object]]:
    response = client.get(PLAYERS, query_string={"page_size": 100})
    assert response.status_code == 200, response.json
    return {player["display_name"]: player for player in response.json}


def test_seed_demo_makes_the_demo_club_once(app: Flask, client: FlaskClient) -> None:
    first = app.test_cli_runner().invoke(args=["seed-demo"])
    assert first.exit_code == 0, first.output
    assert f"demo club (development only): {len(DEMO_PLAYERS)} players" in first.output

    players = players_by_name(client)
    assert set(players) == {demo.name for demo in DEMO_PLAYERS}
    plays_of = Counter(name for play in DEMO_PLAYS for name, *_ in play.participants)
    for name, player in players.items():
        assert player["play_count"] == plays_of[name], name
        assert player["created_by"] == "seed-demo"
    assert client.get("/api/v1/plays").headers["X-Pagination"]
    listed = client.get("/api/v1/plays", query_string={"page_size": 100}).json
    assert len(listed) == len(DEMO_PLAYS)

    # Tastes, collections and the shelf, as the demo data says.
    dev = players["Dev"]["id"]
    preferences = client.get(f"{PLAYERS}/{dev}/preferences").json
    assert (preferences["min_complexity"], preferences["max_complexity"]) == (3.0, 4.5)
    assert [game["title"] for game in preferences["refused_games"]] == ["Dixit"]
    owned = client.get(f"{PLAYERS}/{dev}/collection").json
    assert sorted(item["title"] for item in owned) == sorted(DEMO_PLAYERS[3].owns)
    codenames = next(
        game
        for game in client.get("/api/v1/games", query_string={"q": "Codenames"}).json
        if game["title"] == "Codenames"
    )
    copies = client.get(f"/api/v1/games/{codenames['id']}/copies").json
    assert sorted(str(copy["note"]) for copy in copies) == sorted(
        str(note) for note in DEMO_SHELF["Codenames"]
    )

    # The concierge has something to say for the demo group, from the demo's own plays.
    group = ",".join(str(players[name]["id"]) for name in ("Ana", "Ben", "Chloé", "Emma"))
    answer = client.get(
        "/api/v1/concierge/suggestions", query_string={"players": group, "minutes": 90}
    ).json
    assert answer["explanation"] is None and len(answer["items"]) >= 3
    reasons = [reason for item in answer["items"] for reason in item["reasons"]]
    assert any("rated it 8 or more" in reason for reason in reasons), reasons
    assert any("played it" in reason for reason in reasons), reasons

    second = app.test_cli_runner().invoke(args=["seed-demo"])
    assert second.exit_code == 0, second.output
    assert "no demo club added" in second.output
    assert len(players_by_name(client)) == len(DEMO_PLAYERS)
    assert len(client.get("/api/v1/plays", query_string={"page_size": 100}).json) == len(DEMO_PLAYS)


def test_a_club_with_players_gets_no_demo_club(app: Flask, client: FlaskClient) -> None:
    assert client.post(PLAYERS, json={"display_name": "Our own"}).status_code == 201

    result = app.test_cli_runner().invoke(args=["seed-demo"])

    assert result.exit_code == 0, result.output
    assert "no demo club added" in result.output
    assert list(players_by_name(client)) == ["Our own"]

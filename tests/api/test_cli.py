"""The flask CLI commands, run through Flask's CLI runner on every database."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient

from backend.services.demo_catalog import DEMO_GAMES
from tests.api.helpers import GAMES, game_count


def test_seed_demo_fills_an_empty_catalog_once(app: Flask, client: FlaskClient) -> None:
    runner = app.test_cli_runner()
    first = runner.invoke(args=["seed-demo"])
    assert first.exit_code == 0, first.output
    assert f"Added {len(DEMO_GAMES)} demo games." in first.output
    assert game_count(client) == len(DEMO_GAMES)

    second = runner.invoke(args=["seed-demo"])
    assert second.exit_code == 0
    assert "already has" in second.output
    assert game_count(client) == len(DEMO_GAMES)

    catan = client.get(GAMES, query_string={"page_size": 100}).json
    seeded = next(game for game in catan if game["title"] == "Catan")
    assert (seeded["bgg_id"], seeded["min_players"], seeded["created_by"]) == (13, 3, "seed-demo")

"""Helpers for API tests: create games and labels through the API and read back what it
stored."""

from __future__ import annotations

import json
from typing import Any

from flask.testing import FlaskClient

from tests.factories import game_fields

GAMES = "/api/v1/games"


def create_game(client: FlaskClient, **overrides: Any) -> tuple[dict[str, Any], str]:
    """POST a valid game; returns its JSON and ETag."""
    response = client.post(GAMES, json=game_fields(**overrides))
    assert response.status_code == 201, response.json
    return response.json, response.headers["ETag"]  # type: ignore[return-value]


def create_label(client: FlaskClient, kind: str, name: str) -> tuple[dict[str, Any], str]:
    """POST a category or tag (`kind` is "categories" or "tags"); returns its JSON and ETag."""
    response = client.post(f"/api/v1/{kind}", json={"name": name})
    assert response.status_code == 201, response.json
    return response.json, response.headers["ETag"]  # type: ignore[return-value]


def game_count(client: FlaskClient) -> int:
    response = client.get(GAMES, query_string={"page_size": 1})
    assert response.status_code == 200
    total: int = json.loads(response.headers["X-Pagination"])["total"]
    return total

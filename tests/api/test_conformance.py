"""Answers the fuzzer rarely or never provokes, each checked against the spec as schemathesis
checks every answer: a documented status code, content type, headers and body."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
import schemathesis
from flask import Flask
from flask.testing import FlaskClient
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from backend import create_app
from backend.api import MAX_REQUEST_BYTES
from backend.config import Settings
from backend.state import app_state
from tests.api.helpers import GAMES, create_game, create_label
from tests.conftest import settings_for
from tests.factories import game_fields

CHECKS = [
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
UNREACHABLE = "postgresql://nobody:pw@127.0.0.1:1/none"
GAME = f"{GAMES}/{{game_id}}"
Conforms = Callable[[Any, str, str, int], Any]


@pytest.fixture(scope="module")
def documented(app: Flask) -> Any:
    return schemathesis.openapi.from_wsgi("/api/openapi.json", app)


@pytest.fixture
def conforms(documented: Any) -> Conforms:
    def check(response: Any, method: str, path: str, status: int) -> Any:
        assert response.status_code == status, response.data
        documented[path][method].Case().validate_response(response, checks=CHECKS)
        return response

    return check


@contextmanager
def app_on(settings: Settings) -> Iterator[FlaskClient]:
    app = create_app(settings)
    try:
        yield app.test_client()
    finally:
        app_state(app).engine.dispose()


def test_a_game_with_only_a_title_conforms_with_its_unknowns_null(
    client: FlaskClient, conforms: Conforms
) -> None:
    created = conforms(client.post(GAMES, json={"title": "Bare"}), "POST", GAMES, 201)
    game = created.json
    assert game["min_players"] is None
    assert game["change_reason"] is None
    url = created.headers["Location"]
    conforms(client.get(url), "GET", GAME, 200)
    conforms(client.get(GAMES), "GET", GAMES, 200)


def test_conditional_answers_conform(client: FlaskClient, conforms: Conforms) -> None:
    game, etag = create_game(client)
    url = f"{GAMES}/{game['id']}"
    conforms(client.get(url, headers={"If-None-Match": f"W/{etag}"}), "GET", GAME, 304)
    for if_match, status in [(None, 428), ("*", 428), ('"stale"', 412), ("stale", 400)]:
        headers = {"If-Match": if_match} if if_match else {}
        conforms(client.patch(url, json={}, headers=headers), "PATCH", GAME, status)
        conforms(client.delete(url, headers=headers), "DELETE", GAME, status)


def test_refused_bodies_conform(client: FlaskClient, conforms: Conforms) -> None:
    def post(**kwargs: Any) -> Any:
        return client.post(GAMES, **kwargs)

    conforms(post(data=b"{", content_type="application/json"), "POST", GAMES, 400)
    conforms(post(data=b"x", content_type="text/plain"), "POST", GAMES, 415)
    latin1 = "application/json; charset=latin-1"
    conforms(post(data=b'{"title": "x"}', content_type=latin1), "POST", GAMES, 415)
    too_big = b"x" * (MAX_REQUEST_BYTES + 1)
    conforms(post(data=too_big, content_type="application/json"), "POST", GAMES, 413)
    conforms(post(json={"title": "x", "colour": "red"}), "POST", GAMES, 422)
    create_game(client, bgg_id=7)
    conforms(post(json=game_fields(bgg_id=7)), "POST", GAMES, 409)
    conforms(post(json=game_fields(tags=["Nowhere"])), "POST", GAMES, 409)
    missing = f"{GAMES}/00000000-0000-4000-8000-000000000000"
    conforms(client.get(missing), "GET", GAME, 404)


def test_a_label_in_use_refused_removal_conforms(client: FlaskClient, conforms: Conforms) -> None:
    tag, etag = create_label(client, "tags", "Dice")
    create_game(client, tags=["Dice"])
    response = client.delete(f"/api/v1/tags/{tag['id']}", headers={"If-Match": etag})
    conforms(response, "DELETE", "/api/v1/tags/{label_id}", 409)


def test_health_answers_conform(client: FlaskClient, conforms: Conforms) -> None:
    conforms(client.get("/health/live"), "GET", "/health/live", 200)
    conforms(client.get("/health/ready"), "GET", "/health/ready", 200)
    conforms(client.get("/health/pool"), "GET", "/health/pool", 200)


def test_answers_with_the_database_unreachable_conform(conforms: Conforms) -> None:
    with app_on(settings_for(UNREACHABLE)) as unreachable:
        conforms(unreachable.get("/health/ready"), "GET", "/health/ready", 503)
        conforms(unreachable.get("/health/pool"), "GET", "/health/pool", 200)
        down = conforms(unreachable.get(GAMES), "GET", GAMES, 503)
        assert down.headers["Retry-After"].isdigit()


def test_the_pool_report_without_monitoring_conforms(
    migrated_settings: Settings, conforms: Conforms
) -> None:
    settings = settings_for(migrated_settings.database_url, db_pool_monitoring=False)
    with app_on(settings) as unmonitored:
        conforms(unmonitored.get("/health/pool"), "GET", "/health/pool", 200)


def test_an_unexpected_error_is_the_documented_default_error(
    app: Flask, client: FlaskClient, conforms: Conforms, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*_args: Any, **_kwargs: Any) -> Any:
        raise RuntimeError("a bug")

    monkeypatch.setattr("backend.api.games.routes.filters_from", broken)
    response = conforms(client.get(GAMES), "GET", GAMES, 500)
    assert "a bug" not in response.get_data(as_text=True)

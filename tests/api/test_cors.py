"""Browser clients on other origins: no access unless CORS_ORIGINS names theirs, and then the
headers they need to send and to read."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask.testing import FlaskClient

from backend import create_app
from backend.config import Settings, SettingsError
from backend.state import app_state
from tests.accounts import Account
from tests.api.helpers import GAMES, create_game
from tests.conftest import settings_for

CLUB = "https://club.example.org"


@pytest.fixture
def cors_client(migrated_settings: Settings, organizer: Account) -> Iterator[FlaskClient]:
    """A client of an app that allows CORS_ORIGINS=CLUB, signed in as an organizer."""
    app = create_app(settings_for(migrated_settings.database_url, cors_origins=(CLUB,)))
    signed_in = app.test_client()
    signed_in.environ_base["HTTP_AUTHORIZATION"] = organizer.headers["Authorization"]
    yield signed_in
    app_state(app).engine.dispose()


def test_without_cors_origins_no_other_origin_is_allowed(client: FlaskClient) -> None:
    response = client.get(GAMES, headers={"Origin": CLUB})
    assert response.status_code == 200
    assert "Access-Control-Allow-Origin" not in response.headers


def test_a_listed_origin_may_send_if_match_and_authorization(cors_client: FlaskClient) -> None:
    preflight = cors_client.options(
        f"{GAMES}/00000000-0000-4000-8000-000000000000",
        headers={
            "Origin": CLUB,
            "Access-Control-Request-Method": "PATCH",
            "Access-Control-Request-Headers": "authorization, if-match, content-type",
        },
    )
    assert preflight.status_code == 200
    assert preflight.headers["Access-Control-Allow-Origin"] == CLUB
    assert "PATCH" in preflight.headers["Access-Control-Allow-Methods"]
    allowed = {
        name.strip().lower()
        for name in preflight.headers["Access-Control-Allow-Headers"].split(",")
    }
    assert {"authorization", "if-match", "content-type"} <= allowed


def test_a_listed_origin_may_read_etag_location_pagination_and_request_id(
    cors_client: FlaskClient,
) -> None:
    created = cors_client.post(GAMES, json={"title": "Cascadia"}, headers={"Origin": CLUB})
    assert created.status_code == 201
    listed = cors_client.get(GAMES, headers={"Origin": CLUB})
    for response in (created, listed):
        assert response.headers["Access-Control-Allow-Origin"] == CLUB
        exposed = {
            name.strip().lower()
            for name in response.headers["Access-Control-Expose-Headers"].split(",")
        }
        assert {"etag", "location", "x-pagination", "x-request-id"} <= exposed


def test_an_unlisted_origin_is_not_allowed(cors_client: FlaskClient) -> None:
    create_game(cors_client)
    response = cors_client.get(GAMES, headers={"Origin": "https://elsewhere.example.com"})
    assert response.status_code == 200
    assert "Access-Control-Allow-Origin" not in response.headers


@pytest.mark.parametrize(
    ("value", "origins"),
    [
        ("", ()),
        ("https://club.example.org/", ("https://club.example.org",)),
        (
            " http://localhost:5173 , https://a.example ",
            ("http://localhost:5173", "https://a.example"),
        ),
        ("*", ("*",)),
    ],
)
def test_cors_origins_are_read_from_a_comma_separated_list(
    value: str, origins: tuple[str, ...]
) -> None:
    assert Settings.from_env({"ENV_FILE": "", "CORS_ORIGINS": value}).cors_origins == origins


@pytest.mark.parametrize(
    "value", ["club.example.org", "https://club.example.org/app", "*, https://a.example"]
)
def test_an_origin_that_is_not_one_is_refused_at_start(value: str) -> None:
    with pytest.raises(SettingsError, match="CORS_ORIGINS must be origins like"):
        Settings.from_env({"ENV_FILE": "", "CORS_ORIGINS": value})

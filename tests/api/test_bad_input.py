"""Whatever a client sends, the answer is a clear 4xx JSON error and nothing is written."""

from __future__ import annotations

import json
from typing import Any

import pytest
from flask.testing import FlaskClient

from backend.api import MAX_REQUEST_BYTES
from tests.api.helpers import GAMES, create_game, game_count
from tests.conftest import recorded_statements
from tests.factories import game_fields
from tests.rules import GAME_RULE_VIOLATIONS


def assert_json_error(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.data
    assert response.mimetype == "application/json"
    body: dict[str, Any] = response.json
    assert body["code"] == status
    assert body["status"]
    assert "Traceback" not in response.get_data(as_text=True)
    return body


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("title", "nul\x00byte"),
        ("description", "\x00"),
        ("title", "\ud800 lone surrogate"),
        ("title", "x" * 201),
        ("description", "x" * 20_001),
        ("title", "   "),
        ("title", ""),
        ("title", 42),
        ("min_players", 2**64),
        ("min_players", -(2**63) - 1),
        ("bgg_id", 2**31),
        ("year_published", 10**30),
        ("min_players", 2.5),
        ("min_players", "2"),
        ("min_players", True),
        ("complexity", "3.5"),
        ("complexity", 1e308 * 10),
        ("complexity", 5.01),
        ("average_rating", 0),
        ("min_age", 0),
        ("max_play_minutes", 100_001),
        ("title", None),
    ],
)
def test_a_bad_field_value_is_422_naming_the_field(
    client: FlaskClient, field: str, value: Any
) -> None:
    body = assert_json_error(client.post(GAMES, json=game_fields(**{field: value})), 422)
    assert field in body["errors"]["json"]
    assert game_count(client) == 0


@pytest.mark.parametrize(
    "raw",
    [
        b"NaN",
        b'{"title": NaN}',
        b'{"complexity": Infinity}',
        b"[1, 2]",
        b'"a string"',
        b"null",
        b"42",
    ],
)
def test_json_that_is_not_a_game_object_is_422(client: FlaskClient, raw: bytes) -> None:
    assert_json_error(client.post(GAMES, data=raw, content_type="application/json"), 422)
    assert game_count(client) == 0


@pytest.mark.parametrize(
    "raw",
    [
        b"{",
        b'{"title": "unterminated',
        b"\xff\xfe not utf-8",
        b"[" * 100_000,
        b"{" * 50_000,
        # json.loads refuses integers over 4300 digits with a ValueError.
        b'{"title": "x", "min_players": 1, "max_players": ' + b"9" * 4301 + b"}",
        b'{"unknown": ' + b"1" * 5000 + b"}",
    ],
)
def test_malformed_or_absurdly_nested_json_is_400(client: FlaskClient, raw: bytes) -> None:
    body = assert_json_error(client.post(GAMES, data=raw, content_type="application/json"), 400)
    assert body["errors"] == {"json": ["Invalid JSON body."]}


@pytest.mark.parametrize(
    "content_type",
    [
        "text/plain",
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=x",
        "application/json; charset=latin-1",
        "application/json; charset=ISO-8859-1",
        "application/json; charset=utf-16",
    ],
)
def test_a_body_that_is_not_json_is_415(client: FlaskClient, content_type: str) -> None:
    body = assert_json_error(
        client.post(GAMES, data=b"title=Catan", content_type=content_type), 415
    )
    assert "application/json" in body["message"] or "UTF-8" in body["message"]
    assert game_count(client) == 0


def test_a_latin1_body_is_not_read_as_utf8(client: FlaskClient) -> None:
    # "Café" in Latin-1 is not valid UTF-8; silently decoding it would store something else.
    raw = '{"title": "Café"}'.encode("latin-1")
    response = client.post(GAMES, data=raw, content_type="application/json; charset=latin-1")
    body = assert_json_error(response, 415)
    assert "charset=latin-1" in body["message"]
    assert game_count(client) == 0


@pytest.mark.parametrize(
    "content_type",
    ["application/json", "application/json; charset=utf-8", 'application/json; charset="UTF-8"'],
)
def test_a_utf8_body_is_accepted_whatever_the_spelling(
    client: FlaskClient, content_type: str
) -> None:
    raw = json.dumps(game_fields(title="Café")).encode("utf-8")
    response = client.post(GAMES, data=raw, content_type=content_type)
    assert response.status_code == 201, response.json
    assert response.json["title"] == "Café"


def test_a_post_without_body_names_the_one_required_field(client: FlaskClient) -> None:
    body = assert_json_error(client.post(GAMES), 422)
    assert set(body["errors"]["json"]) == {"title"}


def test_unknown_body_fields_are_422(client: FlaskClient) -> None:
    body = assert_json_error(client.post(GAMES, json={**game_fields(), "colour": "red"}), 422)
    assert body["errors"]["json"] == {"colour": ["Unknown field."]}


def test_patch_with_an_unknown_field_changes_nothing(client: FlaskClient) -> None:
    game, etag = create_game(client, title="Stays")
    response = client.patch(
        f"{GAMES}/{game['id']}", json={"title": "Goes", "version": 99}, headers={"If-Match": etag}
    )
    assert_json_error(response, 422)
    assert client.get(f"{GAMES}/{game['id']}").json["title"] == "Stays"


def test_patch_cannot_null_a_required_field(client: FlaskClient) -> None:
    game, etag = create_game(client)
    response = client.patch(
        f"{GAMES}/{game['id']}", json={"title": None}, headers={"If-Match": etag}
    )
    body = assert_json_error(response, 422)
    assert "title" in body["errors"]["json"]


@pytest.mark.parametrize(
    "query",
    [
        {"sort": "popularity"},
        {"colour": "red"},
        {"players": "two"},
        {"page": "abc"},
        {"page": "0"},
        {"page_size": "1e3"},
        {"page_size": str(2**80)},
    ],
)
def test_bad_or_unknown_query_arguments_are_422(client: FlaskClient, query: dict[str, str]) -> None:
    assert_json_error(client.get(GAMES, query_string=query), 422)


def test_a_huge_page_number_is_an_empty_page(client: FlaskClient) -> None:
    create_game(client)
    response = client.get(GAMES, query_string={"page": str(2**80), "page_size": "100"})
    assert response.status_code == 200
    assert response.json == []


@pytest.mark.parametrize(
    "path",
    [
        "not-a-uuid",
        "00000000-0000-4000-8000-00000000000",
        "00000000-0000-4000-8000-0000000000000",
        "%00",
        "1' OR '1'='1",
    ],
)
def test_a_malformed_id_is_404_json(client: FlaskClient, path: str) -> None:
    assert_json_error(client.get(f"{GAMES}/{path}"), 404)


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("PUT", GAMES, {"GET", "HEAD", "OPTIONS", "POST"}),
        (
            "POST",
            f"{GAMES}/00000000-0000-4000-8000-000000000000",
            {"GET", "HEAD", "OPTIONS", "PATCH", "DELETE"},
        ),
        ("DELETE", "/health/live", {"GET", "HEAD", "OPTIONS"}),
    ],
)
def test_an_unsupported_method_is_405_json_naming_the_allowed_ones(
    client: FlaskClient, method: str, path: str, allowed: set[str]
) -> None:
    response = client.open(path, method=method, json={})
    assert_json_error(response, 405)
    assert set(response.headers["Allow"].split(", ")) == allowed


def test_an_oversized_body_is_413_json(client: FlaskClient) -> None:
    response = client.post(
        GAMES, data=b"x" * (MAX_REQUEST_BYTES + 1), content_type="application/json"
    )
    assert_json_error(response, 413)


@pytest.mark.parametrize("reason", ["x" * 501, "bell\x07ring", "tab\there", "del\x7f"])
def test_a_bad_change_reason_header_is_400_and_nothing_is_written(
    client: FlaskClient, reason: str
) -> None:
    response = client.post(GAMES, json=game_fields(), headers={"X-Change-Reason": reason})
    body = assert_json_error(response, 400)
    assert "X-Change-Reason" in body["message"]
    assert game_count(client) == 0


@pytest.mark.parametrize("if_match", ['W/"weak"', '""', '"a", "b"', '"' + "x" * 10_000 + '"'])
def test_an_if_match_that_is_not_the_etag_is_412(client: FlaskClient, if_match: str) -> None:
    game, _etag = create_game(client, title="Kept")
    response = client.patch(
        f"{GAMES}/{game['id']}", json={"title": "Lost"}, headers={"If-Match": if_match}
    )
    assert_json_error(response, 412)
    assert client.get(f"{GAMES}/{game['id']}").json["title"] == "Kept"


@pytest.mark.parametrize("if_match", ["unquoted", '"unterminated', "W/", '"a" "b"', "{}"])
def test_an_if_match_that_is_no_entity_tag_is_400(client: FlaskClient, if_match: str) -> None:
    game, _etag = create_game(client, title="Kept")
    response = client.patch(
        f"{GAMES}/{game['id']}", json={"title": "Lost"}, headers={"If-Match": if_match}
    )
    body = assert_json_error(response, 400)
    assert "If-Match" in body["errors"]["headers"]
    assert client.get(f"{GAMES}/{game['id']}").json["title"] == "Kept"


@pytest.mark.parametrize("method", ["PATCH", "DELETE"])
@pytest.mark.parametrize("star", ["*", " * "])
def test_if_match_star_is_refused_with_428_asking_for_the_etag(
    client: FlaskClient, method: str, star: str
) -> None:
    game, _etag = create_game(client, title="Before")
    url = f"{GAMES}/{game['id']}"
    body = {"title": "After"} if method == "PATCH" else None
    response = client.open(url, method=method, json=body, headers={"If-Match": star})
    error = assert_json_error(response, 428)
    assert "ETag" in error["message"]
    stored = client.get(url).json
    assert (stored["title"], stored["version"]) == ("Before", 1)


def _as_wsgi_header(text: str) -> str:
    """How a UTF-8 header value reaches a WSGI app: its bytes decoded as Latin-1."""
    return text.encode("utf-8").decode("latin-1")


def test_a_utf8_change_reason_is_stored_as_sent(client: FlaskClient) -> None:
    reason = "Überarbeitung — fix"
    response = client.post(
        GAMES, json=game_fields(), headers={"X-Change-Reason": _as_wsgi_header(reason)}
    )
    assert response.status_code == 201
    assert response.json["change_reason"] == reason


@pytest.mark.parametrize("raw", ["\xff\xfe", _as_wsgi_header("a\u0085b")])
def test_a_change_reason_that_is_not_clean_utf8_text_is_400(client: FlaskClient, raw: str) -> None:
    response = client.post(GAMES, json=game_fields(), headers={"X-Change-Reason": raw})
    assert_json_error(response, 400)
    assert game_count(client) == 0


@pytest.mark.parametrize(("constraint", "case"), GAME_RULE_VIOLATIONS.items())
def test_the_api_refuses_each_row_rule_before_the_database_does(
    client: FlaskClient, constraint: str, case: tuple[dict[str, Any], str]
) -> None:
    changes, field = case
    fields = game_fields(min_players=2, max_players=4, min_play_minutes=30, max_play_minutes=60)
    with recorded_statements() as statements:
        response = client.post(GAMES, json={**fields, **changes})
    body = assert_json_error(response, 422)
    assert field in body["errors"]["json"], constraint
    # Refused by the schema: the database was asked only for the bearer token.
    assert len(statements) == 1 and "api_tokens" in statements[0], statements


def test_a_title_that_shows_nothing_is_422_on_every_database(client: FlaskClient) -> None:
    """MariaDB's Unicode collation ignores control characters, so its CHECK took such a
    title for empty while the spec allowed it: the API refuses it, naming the field."""
    answer = client.post("/api/v1/games", json={"title": "\u0093\u200b"})
    assert answer.status_code == 422
    assert answer.json["errors"]["json"]["title"] == ["Must not be blank."]

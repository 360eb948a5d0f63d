"""The games resource over HTTP: create, read, list, change and delete, with ETags."""

from __future__ import annotations

import json
from typing import Any

import pytest
from flask.testing import FlaskClient

from tests.accounts import Account
from tests.api.helpers import GAMES, create_game, game_count
from tests.conftest import recorded_statements
from tests.factories import game_fields


def test_post_creates_a_game_with_location_and_etag(
    client: FlaskClient, organizer: Account
) -> None:
    fields = game_fields(title="Brass: Birmingham", bgg_id=224517, complexity=3.9)
    response = client.post(GAMES, json=fields)
    assert response.status_code == 201
    body = response.json
    assert response.headers["Location"] == f"{GAMES}/{body['id']}"
    assert response.headers["ETag"]
    assert {key: body[key] for key in fields} == fields
    assert body["version"] == 1
    assert body["created_by"] == body["updated_by"] == organizer.actor
    assert body["created_at"].endswith("+00:00")
    follow = client.get(response.headers["Location"])
    assert follow.status_code == 200
    assert follow.json == body


def test_get_returns_the_game_with_an_etag_and_honours_if_none_match(client: FlaskClient) -> None:
    game, etag = create_game(client)
    response = client.get(f"{GAMES}/{game['id']}")
    assert response.status_code == 200
    assert response.headers["ETag"] == etag
    assert client.get(f"{GAMES}/{game['id']}", headers={"If-None-Match": etag}).status_code == 304


@pytest.mark.parametrize("spelling", ["{etag}", "W/{etag}", '"other", W/{etag}', "*"])
def test_if_none_match_compares_weakly_so_a_weak_etag_gets_304(
    client: FlaskClient, spelling: str
) -> None:
    game, etag = create_game(client)
    response = client.get(
        f"{GAMES}/{game['id']}", headers={"If-None-Match": spelling.format(etag=etag)}
    )
    assert response.status_code == 304
    assert response.data == b""
    assert response.headers["ETag"] == etag


@pytest.mark.parametrize("spelling", ['W/"other"', '"other"'])
def test_an_if_none_match_naming_another_etag_gets_the_game(
    client: FlaskClient, spelling: str
) -> None:
    game, _etag = create_game(client)
    response = client.get(f"{GAMES}/{game['id']}", headers={"If-None-Match": spelling})
    assert response.status_code == 200
    assert response.json["id"] == game["id"]


def test_a_weak_etag_of_the_label_list_gets_304(client: FlaskClient) -> None:
    client.post("/api/v1/tags", json={"name": "Dice"})
    etag = client.get("/api/v1/tags").headers["ETag"]
    assert client.get("/api/v1/tags", headers={"If-None-Match": f"W/{etag}"}).status_code == 304


def test_a_game_with_only_a_title_has_unknown_player_counts(client: FlaskClient) -> None:
    response = client.post(GAMES, json={"title": "Mystery Box"})
    assert response.status_code == 201, response.json
    body = response.json
    assert (body["title"], body["min_players"], body["max_players"]) == ("Mystery Box", None, None)
    assert body["categories"] == body["tags"] == []


def test_a_patch_changes_one_player_count_and_keeps_the_other(client: FlaskClient) -> None:
    game, etag = create_game(client, min_players=2, max_players=4)
    response = client.patch(
        f"{GAMES}/{game['id']}", json={"max_players": 6}, headers={"If-Match": etag}
    )
    assert response.status_code == 200
    assert (response.json["min_players"], response.json["max_players"]) == (2, 6)


def test_a_missing_game_is_404_json(client: FlaskClient) -> None:
    missing = "00000000-0000-4000-8000-000000000000"
    response = client.get(f"{GAMES}/{missing}")
    assert response.status_code == 404
    assert response.json == {
        "code": 404,
        "status": "Not Found",
        "message": f"game {missing} does not exist",
    }


def test_the_list_is_paginated_and_sorted_by_title(client: FlaskClient) -> None:
    for title in ["Cascadia", "Azul", "Brass", "Dixit", "Everdell"]:
        create_game(client, title=title)
    response = client.get(GAMES, query_string={"page": 2, "page_size": 2})
    assert response.status_code == 200
    assert [game["title"] for game in response.json] == ["Cascadia", "Dixit"]
    assert json.loads(response.headers["X-Pagination"]) == {
        "total": 5,
        "total_pages": 3,
        "first_page": 1,
        "last_page": 3,
        "page": 2,
        "previous_page": 1,
        "next_page": 3,
    }


def test_the_default_page_holds_twenty_games(client: FlaskClient) -> None:
    for number in range(21):
        create_game(client, title=f"Game {number:02d}")
    response = client.get(GAMES)
    assert len(response.json) == 20
    assert json.loads(response.headers["X-Pagination"])["total"] == 21


@pytest.mark.parametrize("page_size", [0, 101, -1])
def test_page_size_must_be_between_1_and_100(client: FlaskClient, page_size: int) -> None:
    response = client.get(GAMES, query_string={"page_size": page_size})
    assert response.status_code == 422
    assert "page_size" in response.json["errors"]["query"]


def test_patch_needs_if_match(client: FlaskClient) -> None:
    game, _etag = create_game(client, title="Unchanged")
    response = client.patch(f"{GAMES}/{game['id']}", json={"title": "Changed"})
    assert response.status_code == 428
    assert "If-Match" in response.json["message"]
    assert client.get(f"{GAMES}/{game['id']}").json["title"] == "Unchanged"


def test_patch_with_a_stale_etag_is_412(client: FlaskClient) -> None:
    game, old_etag = create_game(client, title="First")
    url = f"{GAMES}/{game['id']}"
    assert (
        client.patch(url, json={"title": "Second"}, headers={"If-Match": old_etag}).status_code
        == 200
    )
    response = client.patch(url, json={"title": "Third"}, headers={"If-Match": old_etag})
    assert response.status_code == 412
    assert client.get(url).json["title"] == "Second"


def test_patch_changes_only_the_fields_sent_and_bumps_version_and_etag(client: FlaskClient) -> None:
    game, etag = create_game(client, title="Before", min_age=8, description="kept")
    response = client.patch(
        f"{GAMES}/{game['id']}",
        json={"title": "After", "min_age": None},
        headers={"If-Match": etag, "X-Change-Reason": "typo in the title"},
    )
    assert response.status_code == 200
    body = response.json
    assert (body["title"], body["min_age"], body["description"]) == ("After", None, "kept")
    assert body["version"] == 2
    assert body["change_reason"] == "typo in the title"
    assert response.headers["ETag"] not in (etag, None)
    assert client.get(f"{GAMES}/{game['id']}").headers["ETag"] == response.headers["ETag"]


def test_patch_that_would_break_min_le_max_with_the_stored_value_is_422(
    client: FlaskClient,
) -> None:
    game, etag = create_game(client, min_players=3, max_players=5)
    with recorded_statements() as statements:
        response = client.patch(
            f"{GAMES}/{game['id']}", json={"max_players": 2}, headers={"If-Match": etag}
        )
    assert response.status_code == 422
    assert response.json["errors"] == {
        "json": {"max_players": ["Must be greater than or equal to min_players."]}
    }
    # The service refuses it against the stored values: the database is never asked.
    assert not [sql for sql in statements if sql.lstrip().upper().startswith("UPDATE")]
    assert client.get(f"{GAMES}/{game['id']}").json["max_players"] == 5


def test_post_checks_min_le_max_before_the_database(client: FlaskClient) -> None:
    response = client.post(GAMES, json=game_fields(min_players=5, max_players=2))
    assert response.status_code == 422
    assert response.json["errors"]["json"] == {
        "max_players": ["Must be greater than or equal to min_players."]
    }


def test_a_duplicate_bgg_id_is_409_on_create_and_on_change(client: FlaskClient) -> None:
    create_game(client, bgg_id=13)
    duplicate = client.post(GAMES, json=game_fields(bgg_id=13))
    assert duplicate.status_code == 409
    assert duplicate.json["errors"] == {"json": {"bgg_id": ["already taken"]}}
    other, etag = create_game(client, bgg_id=14)
    changed = client.patch(
        f"{GAMES}/{other['id']}", json={"bgg_id": 13}, headers={"If-Match": etag}
    )
    assert changed.status_code == 409
    assert game_count(client) == 2


def test_delete_needs_the_current_etag(client: FlaskClient) -> None:
    game, etag = create_game(client)
    url = f"{GAMES}/{game['id']}"
    assert client.delete(url).status_code == 428
    assert client.delete(url, headers={"If-Match": '"not-the-etag"'}).status_code == 412
    response = client.delete(url, headers={"If-Match": etag})
    assert response.status_code == 204
    assert response.data == b""
    assert client.get(url).status_code == 404


def test_the_change_reason_and_request_id_reach_the_audit_log(
    client: FlaskClient, organizer: Account, session_factory: Any
) -> None:
    from sqlalchemy import select

    from backend.models import AuditLog

    response = client.post(
        GAMES,
        json=game_fields(title="Audited"),
        headers={"X-Change-Reason": "new stock", "X-Request-ID": "req-abc"},
    )
    assert response.headers["X-Request-ID"] == "req-abc"
    with session_factory() as session:
        entry = session.scalar(select(AuditLog).where(AuditLog.entity_id == response.json["id"]))
        assert entry is not None
        assert (entry.actor, entry.change_reason, entry.request_id) == (
            organizer.actor,
            "new stock",
            "req-abc",
        )


def test_every_response_carries_a_request_id(client: FlaskClient) -> None:
    generated = client.get("/health/live").headers["X-Request-ID"]
    assert len(generated) == 32
    assert client.get("/nowhere").headers["X-Request-ID"]
    unsafe = client.get("/health/live", headers={"X-Request-ID": "bad id\twith spaces"})
    assert unsafe.headers["X-Request-ID"] != "bad id\twith spaces"


def test_the_audit_columns_cannot_be_set_by_a_client(client: FlaskClient) -> None:
    response = client.post(GAMES, json={**game_fields(), "created_by": "mallory"})
    assert response.status_code == 422
    assert response.json["errors"]["json"] == {"created_by": ["Unknown field."]}

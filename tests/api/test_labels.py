"""Categories and tags over HTTP: the same behaviour for both kinds of label."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient

from tests.api.helpers import GAMES, create_game, create_label

KINDS = ["categories", "tags"]


@pytest.mark.parametrize("kind", KINDS)
def test_create_gives_a_slug_and_a_location(client: FlaskClient, kind: str) -> None:
    response = client.post(f"/api/v1/{kind}", json={"name": "Campaign / Battle Card Driven"})
    assert response.status_code == 201
    body = response.json
    assert body["slug"] == "campaign-battle-card-driven"
    assert body["game_count"] == 0
    assert response.headers["Location"] == f"/api/v1/{kind}/{body['id']}"
    assert client.get(response.headers["Location"]).json["name"] == "Campaign / Battle Card Driven"


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("duplicate", ["Strategy Games", "strategy games", "STRATEGY-GAMES"])
def test_a_name_with_the_same_slug_is_409(client: FlaskClient, kind: str, duplicate: str) -> None:
    create_label(client, kind, "Strategy Games")
    response = client.post(f"/api/v1/{kind}", json={"name": duplicate})
    assert response.status_code == 409
    assert response.json["errors"]["json"].keys() <= {"name", "slug"}


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("name", ["", "   ", "---", "x" * 101, "ß" * 60, None, 5])
def test_a_bad_name_is_422(client: FlaskClient, kind: str, name: object) -> None:
    response = client.post(f"/api/v1/{kind}", json={"name": name})
    assert response.status_code == 422
    assert "name" in response.json["errors"]["json"]


@pytest.mark.parametrize("kind", KINDS)
def test_names_differing_only_in_accents_are_two_labels(client: FlaskClient, kind: str) -> None:
    first, _etag = create_label(client, kind, "Café Games")
    second, _etag = create_label(client, kind, "Cafe Games")
    assert (first["slug"], second["slug"]) == ("café-games", "cafe-games")


@pytest.mark.parametrize("kind", KINDS)
def test_the_list_is_by_name_and_counts_games(client: FlaskClient, kind: str) -> None:
    for name in ["Wargames", "Abstract Games", "Family Games"]:
        create_label(client, kind, name)
    create_game(client, **{kind: ["Family Games"]})
    create_game(client, **{kind: ["Family Games", "Wargames"]})
    listed = client.get(f"/api/v1/{kind}").json
    assert [(label["name"], label["game_count"]) for label in listed] == [
        ("Abstract Games", 0),
        ("Family Games", 2),
        ("Wargames", 1),
    ]


@pytest.mark.parametrize("kind", KINDS)
def test_rename_needs_if_match_and_the_slug_follows(client: FlaskClient, kind: str) -> None:
    label, etag = create_label(client, kind, "Thematic")
    url = f"/api/v1/{kind}/{label['id']}"
    assert client.patch(url, json={"name": "Thematic Games"}).status_code == 428
    renamed = client.patch(
        url,
        json={"name": "Thematic Games"},
        headers={"If-Match": etag, "X-Change-Reason": "BGG's spelling"},
    )
    assert renamed.status_code == 200
    assert (renamed.json["slug"], renamed.json["version"]) == ("thematic-games", 2)
    assert client.get(url).json["change_reason"] == "BGG's spelling"
    stale = client.patch(url, json={"name": "Other"}, headers={"If-Match": etag})
    assert stale.status_code == 412


@pytest.mark.parametrize("kind", KINDS)
def test_a_label_in_use_cannot_be_deleted(client: FlaskClient, kind: str) -> None:
    label, etag = create_label(client, kind, "Party Games")
    create_game(client, **{kind: ["Party Games"]})
    response = client.delete(f"/api/v1/{kind}/{label['id']}", headers={"If-Match": etag})
    assert response.status_code == 409
    assert "used by 1 game" in response.json["message"]
    assert client.get(f"/api/v1/{kind}/{label['id']}").status_code == 200


@pytest.mark.parametrize("kind", KINDS)
def test_an_unused_label_is_deleted_and_a_deleted_game_frees_its_labels(
    client: FlaskClient, kind: str
) -> None:
    label, etag = create_label(client, kind, "Party Games")
    game, game_etag = create_game(client, **{kind: ["Party Games"]})
    assert (
        client.delete(f"{GAMES}/{game['id']}", headers={"If-Match": game_etag}).status_code == 204
    )
    assert client.get(f"/api/v1/{kind}/{label['id']}").json["game_count"] == 0
    response = client.delete(f"/api/v1/{kind}/{label['id']}", headers={"If-Match": etag})
    assert response.status_code == 204
    assert client.get(f"/api/v1/{kind}/{label['id']}").status_code == 404

"""The players endpoints: ownership per role, the Discord id on every answer that carries a
player, preferences replaced whole with If-Match once they exist, and what a list costs."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import insert
from sqlalchemy.orm import Session, sessionmaker

from backend.models import Player
from backend.repositories.unit_of_work import SqlAlchemyUnitOfWork
from tests.accounts import Account
from tests.api.helpers import GAMES, create_game, create_label
from tests.conftest import recorded_statements

PLAYERS = "/api/v1/players"
DISCORD_ID = "80351110224678912"


def create_own_player(http: FlaskClient, owner: Account, **fields: Any) -> dict[str, Any]:
    body = {"display_name": "Ana", "discord_id": DISCORD_ID, **fields}
    response = http.post(PLAYERS, json=body, headers=owner.headers)
    assert response.status_code == 201, response.json
    created: dict[str, Any] = response.json
    return created


def etag_of(http: FlaskClient, path: str, caller: Account) -> str:
    response = http.get(path, headers=caller.headers)
    assert response.status_code == 200, response.json
    return response.headers["ETag"]


def test_a_member_creates_their_own_player(http: FlaskClient, people: dict[str, Account]) -> None:
    owner = people["owner"]
    response = http.post(PLAYERS, json={"display_name": "Ana"}, headers=owner.headers)
    assert response.status_code == 201, response.json
    player = response.json
    assert player["user_id"] == str(owner.user_id)
    assert player["play_count"] == 0 and player["last_played_at"] is None
    assert player["created_by"] == owner.actor
    assert response.headers["Location"].endswith(f"{PLAYERS}/{player['id']}")
    assert response.headers["ETag"] == '"1"'
    again = http.post(PLAYERS, json={"display_name": "Ana 2"}, headers=owner.headers)
    assert again.status_code == 409, again.json
    assert "already has a player" in again.json["message"]


def test_a_member_may_not_create_a_player_for_someone_else(
    http: FlaskClient, people: dict[str, Account]
) -> None:
    for user_id in (str(people["member"].user_id), None):
        body = {"display_name": "Bo", "user_id": user_id}
        response = http.post(PLAYERS, json=body, headers=people["owner"].headers)
        assert response.status_code == 403, response.json
    listing = http.get(PLAYERS, headers=people["admin"].headers)
    assert listing.json == []


@pytest.mark.parametrize("role", ["organizer", "admin"])
def test_organizers_and_admins_create_any_player(
    http: FlaskClient, people: dict[str, Account], role: str
) -> None:
    caller = people[role]
    guest = http.post(PLAYERS, json={"display_name": "Guest"}, headers=caller.headers)
    assert guest.status_code == 201 and guest.json["user_id"] is None
    body = {"display_name": "Bo", "user_id": str(people["member"].user_id)}
    linked = http.post(PLAYERS, json=body, headers=caller.headers)
    assert linked.status_code == 201 and linked.json["user_id"] == body["user_id"]
    unknown = http.post(
        PLAYERS,
        json={"display_name": "C", "user_id": "00000000-0000-4000-8000-000000000000"},
        headers=caller.headers,
    )
    assert unknown.status_code == 409 and "user_id" in unknown.json["errors"]["json"]


def test_players_are_for_signed_in_users_only(
    http: FlaskClient, people: dict[str, Account]
) -> None:
    player = create_own_player(http, people["owner"])
    for path in (PLAYERS, f"{PLAYERS}/{player['id']}", f"{PLAYERS}/{player['id']}/preferences"):
        response = http.get(path)
        assert response.status_code == 401, path
        assert response.headers["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize(
    ("reader", "sees"),
    [("owner", True), ("member", False), ("organizer", True), ("admin", True)],
)
def test_the_discord_id_on_every_read_of_a_player(
    http: FlaskClient, people: dict[str, Account], reader: str, sees: bool
) -> None:
    player = create_own_player(http, people["owner"])
    expected = DISCORD_ID if sees else None
    caller = people[reader].headers
    one = http.get(f"{PLAYERS}/{player['id']}", headers=caller)
    assert one.status_code == 200 and one.json["discord_id"] == expected
    page = http.get(PLAYERS, headers=caller)
    assert page.status_code == 200
    assert [listed["discord_id"] for listed in page.json] == [expected]
    found = http.get(PLAYERS, query_string={"q": "an"}, headers=caller)
    assert [listed["discord_id"] for listed in found.json] == [expected]


@pytest.mark.parametrize("writer", ["owner", "organizer", "admin"])
def test_the_discord_id_on_every_write_that_answers_with_a_player(
    http: FlaskClient, people: dict[str, Account], writer: str
) -> None:
    created = create_own_player(http, people["owner"])
    assert created["discord_id"] == DISCORD_ID  # the creator is its owner
    path = f"{PLAYERS}/{created['id']}"
    headers = {**people[writer].headers, "If-Match": etag_of(http, path, people[writer])}
    changed = http.patch(path, json={"display_name": "Ana B"}, headers=headers)
    assert changed.status_code == 200 and changed.json["discord_id"] == DISCORD_ID
    if writer != "owner":
        body = {"display_name": "Guest", "discord_id": "80351110224678913"}
        guest = http.post(PLAYERS, json=body, headers=people[writer].headers)
        assert guest.status_code == 201 and guest.json["discord_id"] == body["discord_id"]


def test_another_member_may_not_change_remove_or_set_preferences_of_a_player(
    http: FlaskClient, people: dict[str, Account]
) -> None:
    player = create_own_player(http, people["owner"])
    path = f"{PLAYERS}/{player['id']}"
    member = people["member"]
    headers = {**member.headers, "If-Match": etag_of(http, path, member)}
    assert http.patch(path, json={"display_name": "Mine"}, headers=headers).status_code == 403
    assert http.delete(path, headers=headers).status_code == 403
    put = http.put(f"{path}/preferences", json={"max_group_size": 4}, headers=member.headers)
    assert put.status_code == 403
    history = http.get(f"{path}/history", headers=member.headers)
    assert history.status_code == 403
    stored = http.get(path, headers=people["owner"].headers).json
    assert stored["display_name"] == "Ana" and stored["version"] == 1
    preferences = http.get(f"{path}/preferences", headers=member.headers).json
    assert preferences["version"] == 0


def test_a_member_may_not_move_their_player_to_another_account(
    http: FlaskClient, people: dict[str, Account]
) -> None:
    player = create_own_player(http, people["owner"])
    path = f"{PLAYERS}/{player['id']}"
    headers = {**people["owner"].headers, "If-Match": etag_of(http, path, people["owner"])}
    moved = http.patch(path, json={"user_id": None}, headers=headers)
    assert moved.status_code == 403, moved.json
    admin = {**people["admin"].headers, "If-Match": etag_of(http, path, people["admin"])}
    unlinked = http.patch(path, json={"user_id": None}, headers=admin)
    assert unlinked.status_code == 200 and unlinked.json["user_id"] is None


@pytest.mark.parametrize("remover", ["owner", "organizer", "admin"])
def test_removing_a_player_removes_its_preferences(
    http: FlaskClient, people: dict[str, Account], remover: str
) -> None:
    player = create_own_player(http, people["owner"])
    path = f"{PLAYERS}/{player['id']}"
    put = http.put(
        f"{path}/preferences", json={"max_group_size": 4}, headers=people["owner"].headers
    )
    assert put.status_code == 200, put.json
    no_if_match = http.delete(path, headers=people[remover].headers)
    assert no_if_match.status_code == 428
    headers = {**people[remover].headers, "If-Match": etag_of(http, path, people[remover])}
    assert http.delete(path, headers=headers).status_code == 204
    assert http.get(path, headers=people["admin"].headers).status_code == 404
    gone = http.get(f"{path}/preferences", headers=people["admin"].headers)
    assert gone.status_code == 404
    audit = http.get(
        "/api/v1/audit",
        query_string={"entity_type": "player_preferences", "action": "delete"},
        headers=people["admin"].headers,
    )
    assert [entry["entity_id"] for entry in audit.json] == [player["id"]]


def test_a_stale_etag_is_412(http: FlaskClient, people: dict[str, Account]) -> None:
    player = create_own_player(http, people["owner"])
    path = f"{PLAYERS}/{player['id']}"
    headers = {**people["owner"].headers, "If-Match": etag_of(http, path, people["owner"])}
    assert http.patch(path, json={"display_name": "B"}, headers=headers).status_code == 200
    stale = http.patch(path, json={"display_name": "C"}, headers=headers)
    assert stale.status_code == 412
    assert http.get(path, headers=people["owner"].headers).json["display_name"] == "B"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"display_name": "  "}, "display_name"),
        ({"display_name": "x" * 101}, "display_name"),
        ({"display_name": "A", "discord_id": "123"}, "discord_id"),
        ({"display_name": "A", "discord_id": "8035111022467891x"}, "discord_id"),
        ({"display_name": "A", "version": 3}, "version"),
        ({"display_name": "A", "play_count": 3}, "play_count"),
    ],
)
def test_a_broken_player_is_422_naming_the_field(
    http: FlaskClient, people: dict[str, Account], body: dict[str, Any], field: str
) -> None:
    response = http.post(PLAYERS, json=body, headers=people["organizer"].headers)
    assert response.status_code == 422, response.json
    assert field in response.json["errors"]["json"]


def test_a_taken_discord_id_is_409(http: FlaskClient, people: dict[str, Account]) -> None:
    create_own_player(http, people["owner"])
    body = {"display_name": "Other", "discord_id": DISCORD_ID}
    response = http.post(PLAYERS, json=body, headers=people["organizer"].headers)
    assert response.status_code == 409, response.json


def test_preferences_are_put_whole_with_if_match_once_they_exist(
    client: FlaskClient, http: FlaskClient, people: dict[str, Account]
) -> None:
    player = create_own_player(http, people["owner"])
    path = f"{PLAYERS}/{player['id']}/preferences"
    owner = people["owner"].headers
    strategy, _ = create_label(client, "categories", "Strategy Games")
    create_label(client, "tags", "Dice Rolling")
    game, _ = create_game(client, title="Monopoly")

    empty = http.get(path, headers=owner)
    assert empty.status_code == 200
    assert empty.json["version"] == 0 and empty.json["refused_games"] == []
    body = {
        "min_complexity": 2.0,
        "max_complexity": 3.5,
        "min_play_minutes": 30,
        "max_play_minutes": 120,
        "favourite_categories": [strategy["id"]],
        "favourite_tags": ["dice-rolling"],
        "refused_games": [game["id"]],
    }
    # None yet: no If-Match needed.
    first = http.put(path, json=body, headers=owner)
    assert first.status_code == 200, first.json
    assert [c["name"] for c in first.json["favourite_categories"]] == ["Strategy Games"]
    assert [t["slug"] for t in first.json["favourite_tags"]] == ["dice-rolling"]
    assert first.json["refused_games"] == [{"id": game["id"], "title": "Monopoly"}]
    assert first.json["created_by"] == people["owner"].actor
    assert http.get(path, headers=owner).json == first.json

    # Now they exist: without If-Match 428, with the ETag of none 412, with theirs 200.
    second_body = {"max_group_size": 5}
    assert http.put(path, json=second_body, headers=owner).status_code == 428
    stale = {**owner, "If-Match": empty.headers["ETag"]}
    assert http.put(path, json=second_body, headers=stale).status_code == 412
    current = {**owner, "If-Match": first.headers["ETag"]}
    second = http.put(path, json=second_body, headers=current)
    assert second.status_code == 200, second.json
    assert second.json["max_group_size"] == 5
    # A PUT replaces: what it left out is cleared.
    assert second.json["min_complexity"] is None and second.json["favourite_categories"] == []
    assert second.json["refused_games"] == []
    assert second.headers["ETag"] != first.headers["ETag"]
    # The audit trail names a refused game by its id (a game has no name).
    trail = http.get(
        "/api/v1/audit",
        query_string={"entity_type": "player_preferences", "entity_id": player["id"]},
        headers=people["admin"].headers,
    ).json
    assert [entry["changes"]["refused_games"] for entry in trail] == [
        [[game["id"]], []],
        [None, [game["id"]]],  # an insert has no old values
    ]


def test_renaming_a_favourite_changes_the_preferences_etag(
    client: FlaskClient, http: FlaskClient, people: dict[str, Account]
) -> None:
    player = create_own_player(http, people["owner"])
    path = f"{PLAYERS}/{player['id']}/preferences"
    tag, tag_etag = create_label(client, "tags", "Dice")
    put = http.put(path, json={"favourite_tags": ["Dice"]}, headers=people["owner"].headers)
    renamed = client.patch(
        f"/api/v1/tags/{tag['id']}", json={"name": "Dice Rolling"}, headers={"If-Match": tag_etag}
    )
    assert renamed.status_code == 200
    now = http.get(path, headers=people["owner"].headers)
    assert now.json["favourite_tags"][0]["name"] == "Dice Rolling"
    assert now.headers["ETag"] != put.headers["ETag"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"min_play_minutes": 90, "max_play_minutes": 30}, "max_play_minutes"),
        ({"min_complexity": 4.0, "max_complexity": 2.0}, "max_complexity"),
        ({"min_group_size": 6, "max_group_size": 2}, "max_group_size"),
        ({"max_complexity": 5.5}, "max_complexity"),
        ({"min_group_size": 0}, "min_group_size"),
        ({"player_id": "00000000-0000-4000-8000-000000000000"}, "player_id"),
    ],
)
def test_broken_preferences_are_422_naming_the_field(
    http: FlaskClient, people: dict[str, Account], body: dict[str, Any], field: str
) -> None:
    player = create_own_player(http, people["owner"])
    path = f"{PLAYERS}/{player['id']}/preferences"
    response = http.put(path, json=body, headers=people["owner"].headers)
    assert response.status_code == 422, response.json
    assert field in response.json["errors"]["json"]
    assert http.get(path, headers=people["owner"].headers).json["version"] == 0


def test_unknown_favourites_are_409_naming_the_field(
    http: FlaskClient, people: dict[str, Account]
) -> None:
    player = create_own_player(http, people["owner"])
    path = f"{PLAYERS}/{player['id']}/preferences"
    for field, value in (
        ("favourite_categories", "Nope"),
        ("favourite_tags", "Nope"),
        ("refused_games", "00000000-0000-4000-8000-000000000000"),
    ):
        response = http.put(path, json={field: [value]}, headers=people["owner"].headers)
        assert response.status_code == 409, response.json
        assert list(response.json["errors"]["json"]) == [field]


def test_a_removed_game_is_refused_no_more(
    client: FlaskClient, http: FlaskClient, people: dict[str, Account]
) -> None:
    player = create_own_player(http, people["owner"])
    path = f"{PLAYERS}/{player['id']}/preferences"
    kept, _ = create_game(client, title="Kept")
    removed, removed_etag = create_game(client, title="Removed")
    body = {"refused_games": [kept["id"], removed["id"]]}
    assert http.put(path, json=body, headers=people["owner"].headers).status_code == 200
    gone = client.delete(f"{GAMES}/{removed['id']}", headers={"If-Match": removed_etag})
    assert gone.status_code == 204
    refused = http.get(path, headers=people["owner"].headers).json["refused_games"]
    assert [game["title"] for game in refused] == ["Kept"]


def test_a_players_history_is_for_organizers_and_admins(
    http: FlaskClient, people: dict[str, Account]
) -> None:
    player = create_own_player(http, people["owner"])
    path = f"{PLAYERS}/{player['id']}/history"
    for role in ("organizer", "admin"):
        history = http.get(path, headers=people[role].headers)
        assert history.status_code == 200
        assert [entry["action"] for entry in history.json] == ["insert"]
    assert http.get(path, headers=people["owner"].headers).status_code == 403


def test_the_list_searches_by_name_in_name_order(
    http: FlaskClient, people: dict[str, Account]
) -> None:
    for name in ("Zoe", "Ana Lee", "Anatole", "Bob"):
        body = {"display_name": name}
        assert http.post(PLAYERS, json=body, headers=people["organizer"].headers).status_code == 201
    everyone = http.get(PLAYERS, headers=people["member"].headers)
    assert [p["display_name"] for p in everyone.json] == ["Ana Lee", "Anatole", "Bob", "Zoe"]
    found = http.get(PLAYERS, query_string={"q": "ANA"}, headers=people["member"].headers)
    assert sorted(p["display_name"] for p in found.json) == ["Ana Lee", "Anatole"]
    assert json.loads(found.headers["X-Pagination"])["total"] == 2
    literal = http.get(PLAYERS, query_string={"q": "%"}, headers=people["member"].headers)
    assert literal.json == []


@pytest.mark.parametrize("page_size", [1, 20, 100])
def test_a_page_of_players_costs_the_same_statements_whatever_its_size(
    http: FlaskClient,
    people: dict[str, Account],
    session_factory: sessionmaker[Session],
    page_size: int,
) -> None:
    now = datetime.now(UTC)
    with SqlAlchemyUnitOfWork(session_factory) as uow:
        uow.session.execute(
            insert(Player),
            [
                {
                    "id": uuid.uuid4(),
                    "display_name": f"Player {number:03}",
                    "created_by": "tests",
                    "updated_by": "tests",
                    "version": 1,
                    "created_at": now,
                    "updated_at": now,
                }
                for number in range(120)
            ],
        )
        uow.commit()
    with recorded_statements() as statements:
        response = http.get(
            PLAYERS, query_string={"page_size": page_size}, headers=people["member"].headers
        )
    assert response.status_code == 200
    assert len(response.json) == page_size
    assert all(player["play_count"] == 0 for player in response.json)
    # The token's lookup, the count and the page: the same three whatever the page size.
    assert len(statements) == 3, statements

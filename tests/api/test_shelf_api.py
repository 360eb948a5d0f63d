"""The shelf endpoints: the club's copies of a game (organizers and admins manage them, with
If-Match as games), each player's collection (its owner, organizers and admins change it),
404s naming what is missing, and removals of games and players taking the shelf along."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from backend.domain.shelf import COPY_NOTE_MAX_LENGTH
from backend.models import CollectionItem, GameCopy
from tests.accounts import Account
from tests.api.helpers import GAMES
from tests.conftest import AccountMaker
from tests.factories import game_fields

PLAYERS = "/api/v1/players"
UNKNOWN = "00000000-0000-4000-8000-000000000000"


def add_game(http: FlaskClient, admin: Account, title: str = "Carcassonne") -> dict[str, Any]:
    response = http.post(GAMES, json=game_fields(title=title), headers=admin.headers)
    assert response.status_code == 201, response.json
    game: dict[str, Any] = response.json
    return game


def add_copy(
    http: FlaskClient, game_id: str, caller: Account, **body: Any
) -> tuple[dict[str, Any], str]:
    response = http.post(f"{GAMES}/{game_id}/copies", json=body, headers=caller.headers)
    assert response.status_code == 201, response.json
    return response.json, response.headers["ETag"]


def owners_player(http: FlaskClient, owner: Account) -> str:
    response = http.post(PLAYERS, json={"display_name": "Ana"}, headers=owner.headers)
    assert response.status_code == 201, response.json
    player_id: str = response.json["id"]
    return player_id


def stored_count(session_factory: sessionmaker[Session], model: type[Any]) -> int:
    with session_factory() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


# The club's copies.


@pytest.mark.parametrize("role", ["organizer", "admin"])
def test_organizers_and_admins_add_copies_with_a_note(
    http: FlaskClient, people: dict[str, Account], role: str
) -> None:
    game = add_game(http, people["admin"])
    caller = people[role]
    response = http.post(
        f"{GAMES}/{game['id']}/copies", json={"note": "missing 2 meeples"}, headers=caller.headers
    )
    assert response.status_code == 201, response.json
    copy = response.json
    assert (copy["game_id"], copy["note"]) == (game["id"], "missing 2 meeples")
    assert copy["created_by"] == caller.actor and copy["version"] == 1
    assert response.headers["ETag"] == '"1"'
    assert response.headers["Location"].endswith(f"{GAMES}/{game['id']}/copies/{copy['id']}")
    plain = http.post(f"{GAMES}/{game['id']}/copies", json={}, headers=caller.headers)
    assert plain.status_code == 201 and plain.json["note"] is None
    # All of a copy's fields are optional, and so is its body (the spec says so).
    bare = http.post(f"{GAMES}/{game['id']}/copies", headers=caller.headers)
    assert bare.status_code == 201 and bare.json["note"] is None


def test_members_read_copies_but_do_not_manage_them(
    http: FlaskClient, people: dict[str, Account]
) -> None:
    game = add_game(http, people["admin"])
    copy, etag = add_copy(http, game["id"], people["organizer"], note="sleeved")
    member = people["member"].headers
    path = f"{GAMES}/{game['id']}/copies/{copy['id']}"
    listing = http.get(f"{GAMES}/{game['id']}/copies", headers=member)
    assert listing.status_code == 200 and [c["id"] for c in listing.json] == [copy["id"]]
    one = http.get(path, headers=member)
    assert one.status_code == 200 and one.json == copy and one.headers["ETag"] == etag
    with_etag = {**member, "If-Match": etag}
    assert http.post(f"{GAMES}/{game['id']}/copies", json={}, headers=member).status_code == 403
    assert http.patch(path, json={"note": "x"}, headers=with_etag).status_code == 403
    assert http.delete(path, headers=with_etag).status_code == 403
    assert http.get(path, headers=member).json == copy


def test_copies_are_for_signed_in_users_only(http: FlaskClient, people: dict[str, Account]) -> None:
    game = add_game(http, people["admin"])
    copy, etag = add_copy(http, game["id"], people["admin"])
    copies = f"{GAMES}/{game['id']}/copies"
    path = f"{copies}/{copy['id']}"
    for response in (
        http.get(copies),
        http.get(path),
        http.post(copies, json={}),
        http.patch(path, json={"note": "x"}, headers={"If-Match": etag}),
        http.delete(path, headers={"If-Match": etag}),
    ):
        assert response.status_code == 401, response.json
        assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_the_list_of_copies_is_paginated_and_counts_them(
    http: FlaskClient, people: dict[str, Account]
) -> None:
    game = add_game(http, people["admin"])
    other = add_game(http, people["admin"], "Azul")
    added = [add_copy(http, game["id"], people["admin"])[0]["id"] for _ in range(3)]
    add_copy(http, other["id"], people["admin"])
    first = http.get(
        f"{GAMES}/{game['id']}/copies",
        query_string={"page_size": 2},
        headers=people["member"].headers,
    )
    second = http.get(
        f"{GAMES}/{game['id']}/copies",
        query_string={"page_size": 2, "page": 2},
        headers=people["member"].headers,
    )
    assert first.status_code == second.status_code == 200
    assert '"total": 3' in first.headers["X-Pagination"]
    assert sorted(c["id"] for c in first.json + second.json) == sorted(added)
    none = http.get(f"{GAMES}/{other['id']}/copies", headers=people["member"].headers)
    assert len(none.json) == 1


def test_unknown_games_and_copies_are_404(http: FlaskClient, people: dict[str, Account]) -> None:
    admin = people["admin"].headers
    game = add_game(http, people["admin"])
    other = add_game(http, people["admin"], "Azul")
    copy, etag = add_copy(http, game["id"], people["admin"])
    listing = http.get(f"{GAMES}/{UNKNOWN}/copies", headers=admin)
    assert listing.status_code == 404 and f"game {UNKNOWN}" in listing.json["message"]
    adding = http.post(f"{GAMES}/{UNKNOWN}/copies", json={}, headers=admin)
    assert adding.status_code == 404 and f"game {UNKNOWN}" in adding.json["message"]
    unknown_copy = http.get(f"{GAMES}/{game['id']}/copies/{UNKNOWN}", headers=admin)
    assert unknown_copy.status_code == 404
    # A copy of one game is not found under another game's URL, for any method.
    elsewhere = f"{GAMES}/{other['id']}/copies/{copy['id']}"
    with_etag = {**admin, "If-Match": etag}
    assert http.get(elsewhere, headers=admin).status_code == 404
    assert http.patch(elsewhere, json={"note": "x"}, headers=with_etag).status_code == 404
    assert http.delete(elsewhere, headers=with_etag).status_code == 404
    assert http.get(f"{GAMES}/{game['id']}/copies/{copy['id']}", headers=admin).json == copy


def test_a_copy_is_changed_and_removed_with_if_match_as_games_are(
    http: FlaskClient, people: dict[str, Account]
) -> None:
    organizer = people["organizer"].headers
    game = add_game(http, people["admin"])
    copy, etag = add_copy(http, game["id"], people["organizer"], note="sleeved")
    path = f"{GAMES}/{game['id']}/copies/{copy['id']}"
    assert http.patch(path, json={"note": "x"}, headers=organizer).status_code == 428
    star = {**organizer, "If-Match": "*"}
    assert http.patch(path, json={"note": "x"}, headers=star).status_code == 428
    changed = http.patch(path, json={"note": "box torn"}, headers={**organizer, "If-Match": etag})
    assert changed.status_code == 200, changed.json
    assert changed.json["note"] == "box torn" and changed.json["version"] == 2
    assert changed.headers["ETag"] == '"2"'
    stale = {**organizer, "If-Match": etag}
    assert http.patch(path, json={"note": "y"}, headers=stale).status_code == 412
    assert http.delete(path, headers=stale).status_code == 412
    assert http.delete(path, headers=organizer).status_code == 428
    cleared = http.patch(
        path, json={"note": None}, headers={**organizer, "If-Match": changed.headers["ETag"]}
    )
    assert cleared.status_code == 200 and cleared.json["note"] is None
    current = {**organizer, "If-Match": cleared.headers["ETag"]}
    assert http.delete(path, headers=current).status_code == 204
    assert http.get(path, headers=organizer).status_code == 404


@pytest.mark.parametrize(
    "note", ["", "   ", "\u200b", "x" * (COPY_NOTE_MAX_LENGTH + 1), 7, "a\x00b"]
)
def test_a_blank_or_too_long_note_is_422_and_nothing_is_stored(
    http: FlaskClient,
    people: dict[str, Account],
    session_factory: sessionmaker[Session],
    note: object,
) -> None:
    admin = people["admin"].headers
    game = add_game(http, people["admin"])
    copy, etag = add_copy(http, game["id"], people["admin"], note="fine")
    refused = http.post(f"{GAMES}/{game['id']}/copies", json={"note": note}, headers=admin)
    assert refused.status_code == 422, refused.json
    assert "note" in refused.json["errors"]["json"]
    path = f"{GAMES}/{game['id']}/copies/{copy['id']}"
    change = http.patch(path, json={"note": note}, headers={**admin, "If-Match": etag})
    assert change.status_code == 422, change.json
    assert stored_count(session_factory, GameCopy) == 1
    assert http.get(path, headers=admin).json == copy


def test_a_longest_note_is_kept_whole(http: FlaskClient, people: dict[str, Account]) -> None:
    game = add_game(http, people["admin"])
    note = "é" * COPY_NOTE_MAX_LENGTH
    copy, _etag = add_copy(http, game["id"], people["admin"], note=note)
    path = f"{GAMES}/{game['id']}/copies/{copy['id']}"
    assert http.get(path, headers=people["admin"].headers).json["note"] == note


def test_unknown_fields_of_a_copy_are_422(http: FlaskClient, people: dict[str, Account]) -> None:
    game = add_game(http, people["admin"])
    response = http.post(
        f"{GAMES}/{game['id']}/copies",
        json={"note": "ok", "game_id": UNKNOWN},
        headers=people["admin"].headers,
    )
    assert response.status_code == 422 and "game_id" in response.json["errors"]["json"]


# Players' collections.


def test_a_member_puts_games_in_their_own_collection(
    http: FlaskClient, people: dict[str, Account]
) -> None:
    owner = people["owner"]
    player_id = owners_player(http, owner)
    game = add_game(http, people["admin"], "Carcassonne")
    azul = add_game(http, people["admin"], "Azul")
    path = f"{PLAYERS}/{player_id}/collection"
    added = http.put(f"{path}/{game['id']}", headers=owner.headers)
    assert added.status_code == 201, added.json
    assert added.json["player_id"] == player_id and added.json["game_id"] == game["id"]
    assert added.json["title"] == "Carcassonne" and added.json["added_at"]
    again = http.put(f"{path}/{game['id']}", headers=owner.headers)
    assert again.status_code == 200 and again.json == added.json
    assert http.put(f"{path}/{azul['id']}", headers=owner.headers).status_code == 201
    listing = http.get(path, headers=people["member"].headers)
    assert listing.status_code == 200
    assert [item["title"] for item in listing.json] == ["Azul", "Carcassonne"]
    assert listing.json[1] == added.json
    assert '"total": 2' in listing.headers["X-Pagination"]
    paged = http.get(path, query_string={"page_size": 1, "page": 2}, headers=owner.headers)
    assert [item["title"] for item in paged.json] == ["Carcassonne"]
    assert http.delete(f"{path}/{game['id']}", headers=owner.headers).status_code == 204
    assert [item["title"] for item in http.get(path, headers=owner.headers).json] == ["Azul"]
    gone = http.delete(f"{path}/{game['id']}", headers=owner.headers)
    assert gone.status_code == 404 and "collection" in gone.json["message"]


@pytest.mark.parametrize(
    ("caller", "allowed"),
    [("owner", True), ("member", False), ("organizer", True), ("admin", True)],
)
def test_who_changes_a_players_collection(
    http: FlaskClient,
    people: dict[str, Account],
    session_factory: sessionmaker[Session],
    caller: str,
    allowed: bool,
) -> None:
    player_id = owners_player(http, people["owner"])
    game = add_game(http, people["admin"])
    item = f"{PLAYERS}/{player_id}/collection/{game['id']}"
    headers = people[caller].headers
    put = http.put(item, headers=headers)
    assert put.status_code == (201 if allowed else 403), put.json
    assert stored_count(session_factory, CollectionItem) == (1 if allowed else 0)
    assert http.put(item, headers=people["owner"].headers).status_code in (200, 201)
    removal = http.delete(item, headers=headers)
    assert removal.status_code == (204 if allowed else 403), removal.json
    assert stored_count(session_factory, CollectionItem) == (0 if allowed else 1)


def test_collections_are_for_signed_in_users_only(
    http: FlaskClient, people: dict[str, Account]
) -> None:
    player_id = owners_player(http, people["owner"])
    game = add_game(http, people["admin"])
    path = f"{PLAYERS}/{player_id}/collection"
    for response in (
        http.get(path),
        http.put(f"{path}/{game['id']}"),
        http.delete(f"{path}/{game['id']}"),
    ):
        assert response.status_code == 401, response.json
        assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_an_unknown_player_or_game_is_404_naming_which(
    http: FlaskClient, people: dict[str, Account]
) -> None:
    admin = people["admin"].headers
    player_id = owners_player(http, people["owner"])
    game = add_game(http, people["admin"])
    for response in (
        http.get(f"{PLAYERS}/{UNKNOWN}/collection", headers=admin),
        http.put(f"{PLAYERS}/{UNKNOWN}/collection/{game['id']}", headers=admin),
        http.delete(f"{PLAYERS}/{UNKNOWN}/collection/{game['id']}", headers=admin),
    ):
        assert response.status_code == 404
        assert response.json["message"] == f"player {UNKNOWN} does not exist"
    for response in (
        http.put(f"{PLAYERS}/{player_id}/collection/{UNKNOWN}", headers=admin),
        http.delete(f"{PLAYERS}/{player_id}/collection/{UNKNOWN}", headers=admin),
    ):
        assert response.status_code == 404
        assert response.json["message"] == f"game {UNKNOWN} does not exist"


# Removals take the shelf along, each row audited.


def audit_entries(http: FlaskClient, admin: Account, entity_type: str) -> list[dict[str, Any]]:
    response = http.get(
        "/api/v1/audit",
        query_string={"entity_type": entity_type, "action": "delete", "page_size": 100},
        headers=admin.headers,
    )
    assert response.status_code == 200, response.json
    entries: list[dict[str, Any]] = response.json
    return entries


def test_removing_a_game_removes_its_copies_and_collection_items_each_audited(
    http: FlaskClient,
    people: dict[str, Account],
    accounts: AccountMaker,
    session_factory: sessionmaker[Session],
) -> None:
    admin = people["admin"]
    game = add_game(http, admin)
    kept = add_game(http, admin, "Azul")
    copies = [add_copy(http, game["id"], admin)[0]["id"] for _ in range(2)]
    add_copy(http, kept["id"], admin)
    players = [owners_player(http, people["owner"]), owners_player(http, people["member"])]
    for player_id in players:
        for owned in (game, kept):
            put = http.put(f"{PLAYERS}/{player_id}/collection/{owned['id']}", headers=admin.headers)
            assert put.status_code == 201, put.json
    etag = http.get(f"{GAMES}/{game['id']}").headers["ETag"]
    removal = http.delete(f"{GAMES}/{game['id']}", headers={**admin.headers, "If-Match": etag})
    assert removal.status_code == 204, removal.json
    assert sorted(e["entity_id"] for e in audit_entries(http, admin, "game_copies")) == sorted(
        copies
    )
    removed_items = audit_entries(http, admin, "collection_items")
    assert len(removed_items) == 2
    assert all(e["actor"] == admin.actor for e in removed_items)
    assert stored_count(session_factory, GameCopy) == 1
    assert stored_count(session_factory, CollectionItem) == 2
    for player_id in players:
        listing = http.get(f"{PLAYERS}/{player_id}/collection", headers=admin.headers)
        assert [item["title"] for item in listing.json] == ["Azul"]


def test_removing_a_player_removes_its_collection_each_item_audited(
    http: FlaskClient, people: dict[str, Account], session_factory: sessionmaker[Session]
) -> None:
    owner, admin = people["owner"], people["admin"]
    player_id = owners_player(http, owner)
    other_id = owners_player(http, people["member"])
    games = [add_game(http, admin, title)["id"] for title in ("Azul", "Carcassonne")]
    for game_id in games:
        put = http.put(f"{PLAYERS}/{player_id}/collection/{game_id}", headers=owner.headers)
        assert put.status_code == 201, put.json
    kept = http.put(f"{PLAYERS}/{other_id}/collection/{games[0]}", headers=admin.headers)
    assert kept.status_code == 201
    path = f"{PLAYERS}/{player_id}"
    etag = http.get(path, headers=owner.headers).headers["ETag"]
    assert http.delete(path, headers={**owner.headers, "If-Match": etag}).status_code == 204
    assert len(audit_entries(http, admin, "collection_items")) == 2
    assert stored_count(session_factory, CollectionItem) == 1
    missing = http.get(f"{path}/collection", headers=admin.headers)
    assert missing.status_code == 404

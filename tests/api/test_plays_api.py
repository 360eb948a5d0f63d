"""The plays endpoints: who may record, change and remove a play (every role), a play and
its participants stored all or nothing, If-Match, the list's filters, and a game or player
with plays refused removal until the plays go."""

from __future__ import annotations

import json
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import Engine, func, select

from backend.models import AuditLog, Play, PlayParticipant
from backend.repositories.players import PlayerRepository
from backend.repositories.plays import PlayRepository
from tests.accounts import Account
from tests.api.helpers import GAMES, create_game

PLAYS = "/api/v1/plays"
PLAYERS = "/api/v1/players"


@pytest.fixture
def table(client: FlaskClient, http: FlaskClient, people: dict[str, Account]) -> dict[str, Any]:
    """A game, the playing member's own player, the other member's, and a guest."""
    game, _ = create_game(client, title="Azul")
    own = http.post(PLAYERS, json={"display_name": "Ana"}, headers=people["owner"].headers)
    other = http.post(PLAYERS, json={"display_name": "Bo"}, headers=people["member"].headers)
    guest = client.post(PLAYERS, json={"display_name": "Cy"})
    assert {own.status_code, other.status_code, guest.status_code} == {201}
    return {
        "game": game["id"],
        "own": own.json["id"],
        "other": other.json["id"],
        "guest": guest.json["id"],
    }


def play_body(table: dict[str, Any], *players: str, **fields: Any) -> dict[str, Any]:
    return {
        "game_id": table["game"],
        "played_at": "2026-11-20T19:30:00+01:00",
        "duration_minutes": 45,
        "participants": [
            {"player_id": table[name], "score": 10 * (n + 1), "is_winner": n == 0, "rating": 8}
            for n, name in enumerate(players or ("own", "guest"))
        ],
        **fields,
    }


def record(http: FlaskClient, caller: Account, body: dict[str, Any]) -> dict[str, Any]:
    response = http.post(PLAYS, json=body, headers=caller.headers)
    assert response.status_code == 201, response.json
    created: dict[str, Any] = response.json
    return created


def with_etag(http: FlaskClient, caller: Account, path: str) -> dict[str, str]:
    response = http.get(path, headers=caller.headers)
    assert response.status_code == 200, response.json
    return {**caller.headers, "If-Match": response.headers["ETag"]}


def counts(engine: Engine) -> tuple[int, int, int]:
    """Plays, participants and audit rows stored."""
    with engine.connect() as connection:
        return (
            connection.scalar(select(func.count()).select_from(Play)) or 0,
            connection.scalar(select(func.count()).select_from(PlayParticipant)) or 0,
            connection.scalar(select(func.count()).select_from(AuditLog)) or 0,
        )


def test_a_member_records_a_play_they_take_part_in(
    http: FlaskClient, people: dict[str, Account], table: dict[str, Any]
) -> None:
    response = http.post(PLAYS, json=play_body(table), headers=people["owner"].headers)
    assert response.status_code == 201, response.json
    play = response.json
    assert response.headers["Location"].endswith(f"{PLAYS}/{play['id']}")
    assert response.headers["ETag"] == '"1"'
    assert play["game"] == {"id": table["game"], "title": "Azul"}
    assert play["played_at"] == "2026-11-20T18:30:00+00:00"
    assert play["created_by"] == people["owner"].actor
    assert [
        (p["display_name"], p["score"], p["is_winner"], p["rating"]) for p in play["participants"]
    ] == [
        ("Ana", 10, True, 8),
        ("Cy", 20, False, 8),
    ]
    again = http.get(f"{PLAYS}/{play['id']}", headers=people["member"].headers)
    assert again.status_code == 200 and again.json == play


def test_a_member_may_not_record_a_play_without_them(
    http: FlaskClient, people: dict[str, Account], table: dict[str, Any], engine: Engine
) -> None:
    before = counts(engine)
    body = play_body(table, "other", "guest")
    response = http.post(PLAYS, json=body, headers=people["owner"].headers)
    assert response.status_code == 403, response.json
    # A member without a player of their own is no participant of anything either.
    assert counts(engine) == before


@pytest.mark.parametrize("role", ["organizer", "admin"])
def test_organizers_and_admins_record_any_play(
    http: FlaskClient, people: dict[str, Account], table: dict[str, Any], role: str
) -> None:
    record(http, people[role], play_body(table, "other", "guest"))


def test_plays_are_for_signed_in_users_only(
    http: FlaskClient, people: dict[str, Account], table: dict[str, Any]
) -> None:
    play = record(http, people["owner"], play_body(table))
    for path in (
        PLAYS,
        f"{PLAYS}/{play['id']}",
        f"{PLAYERS}/{table['own']}/plays",
        f"{PLAYERS}/{table['own']}/stats",
    ):
        response = http.get(path)
        assert response.status_code == 401, path
    assert http.post(PLAYS, json=play_body(table)).status_code == 401


@pytest.mark.parametrize(
    ("editor", "allowed"),
    [("owner", True), ("member", False), ("organizer", True), ("admin", True)],
)
def test_a_participant_an_organizer_or_an_admin_changes_and_removes_a_play(
    http: FlaskClient,
    people: dict[str, Account],
    table: dict[str, Any],
    editor: str,
    allowed: bool,
) -> None:
    play = record(http, people["organizer"], play_body(table))
    path = f"{PLAYS}/{play['id']}"
    headers = with_etag(http, people[editor], path)
    changed = http.patch(path, json={"note": "Close game"}, headers=headers)
    assert changed.status_code == (200 if allowed else 403), changed.json
    if allowed:
        assert changed.json["note"] == "Close game" and changed.json["version"] == 2
        headers = with_etag(http, people[editor], path)
    removed = http.delete(path, headers=headers)
    assert removed.status_code == (204 if allowed else 403), removed.json
    after = http.get(path, headers=people["admin"].headers)
    assert after.status_code == (404 if allowed else 200)


def test_changing_participants_replaces_them_moves_the_version_and_is_audited(
    http: FlaskClient, people: dict[str, Account], table: dict[str, Any]
) -> None:
    play = record(http, people["owner"], play_body(table))
    path = f"{PLAYS}/{play['id']}"
    headers = with_etag(http, people["owner"], path)
    participants = [
        {"player_id": table["own"], "score": 10, "is_winner": False, "rating": 8},
        {"player_id": table["other"], "score": 30, "is_winner": True, "rating": 9},
    ]
    changed = http.patch(path, json={"participants": participants}, headers=headers)
    assert changed.status_code == 200, changed.json
    assert changed.headers["ETag"] == '"2"'
    assert [(p["display_name"], p["is_winner"]) for p in changed.json["participants"]] == [
        ("Ana", False),
        ("Bo", True),
    ]
    # A score alone changing moves the version too.
    participants[0]["score"] = 11
    headers["If-Match"] = changed.headers["ETag"]
    rescored = http.patch(path, json={"participants": participants}, headers=headers)
    assert rescored.status_code == 200 and rescored.headers["ETag"] == '"3"'
    history = http.get(f"{path}/history", headers=people["admin"].headers)
    assert [entry["action"] for entry in history.json] == ["update", "update", "insert"]
    latest = history.json[0]["changes"]["participants"]
    assert any("score 10" in name for name in latest[0])
    assert any("score 11" in name for name in latest[1])
    # A stale ETag is 412 and changes nothing; none at all is 428.
    stale = http.patch(path, json={"note": "late"}, headers=headers)
    assert stale.status_code == 412
    assert http.patch(path, json={"note": "x"}, headers=people["owner"].headers).status_code == 428
    assert http.delete(path, headers=people["owner"].headers).status_code == 428
    assert http.get(path, headers=people["owner"].headers).json["note"] is None


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"played_at": "2026-11-20T19:30:00"}, "played_at"),
        ({"played_at": "0999-11-20T19:30:00Z"}, "played_at"),
        ({"duration_minutes": 0}, "duration_minutes"),
        ({"note": "  "}, "note"),
        ({"participants": []}, "participants"),
        ({"game_id": None}, "game_id"),
        ({"version": 4}, "version"),
    ],
)
def test_a_broken_play_is_422_naming_the_field_and_stores_nothing(
    http: FlaskClient,
    people: dict[str, Account],
    table: dict[str, Any],
    engine: Engine,
    change: dict[str, Any],
    field: str,
) -> None:
    before = counts(engine)
    response = http.post(
        PLAYS, json={**play_body(table), **change}, headers=people["admin"].headers
    )
    assert response.status_code == 422, response.json
    assert field in response.json["errors"]["json"]
    assert counts(engine) == before


@pytest.mark.parametrize(
    ("participant", "field"),
    [
        ({"rating": 11}, "rating"),
        ({"rating": 0}, "rating"),
        ({"score": "7"}, "score"),
        ({"is_winner": 1}, "is_winner"),
        ({"player_id": "own"}, "player_id"),  # listed already, as the first
    ],
)
def test_one_broken_participant_is_422_naming_it_and_stores_nothing(
    http: FlaskClient,
    people: dict[str, Account],
    table: dict[str, Any],
    engine: Engine,
    participant: dict[str, Any],
    field: str,
) -> None:
    before = counts(engine)
    body = play_body(table, "own", "other", "guest")
    body["participants"][2].update({k: table.get(v, v) for k, v in participant.items()})
    response = http.post(PLAYS, json=body, headers=people["admin"].headers)
    assert response.status_code == 422, response.json
    assert field in response.json["errors"]["json"]["participants"]["2"]
    assert counts(engine) == before


def test_an_unknown_game_or_player_is_409_naming_it_and_stores_nothing(
    http: FlaskClient, people: dict[str, Account], table: dict[str, Any], engine: Engine
) -> None:
    before = counts(engine)
    unknown = "00000000-0000-4000-8000-000000000000"
    game = http.post(PLAYS, json=play_body(table, game_id=unknown), headers=people["admin"].headers)
    assert game.status_code == 409, game.json
    assert list(game.json["errors"]["json"]) == ["game_id"]
    body = play_body(table, "own", "guest")
    body["participants"][1]["player_id"] = unknown
    player = http.post(PLAYS, json=body, headers=people["admin"].headers)
    assert player.status_code == 409, player.json
    assert list(player.json["errors"]["json"]) == ["participants.1.player_id"]
    assert counts(engine) == before


def test_a_participant_only_the_database_refuses_leaves_nothing_stored(
    http: FlaskClient,
    people: dict[str, Account],
    table: dict[str, Any],
    engine: Engine,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A player removed between the service's check and the INSERT (a race): the foreign
    key refuses its participant, and the play with its other participants goes too."""
    real = PlayerRepository.with_ids
    vanished = "00000000-0000-4000-8000-000000000001"

    def as_if_still_there(repository: PlayerRepository, player_ids: Any) -> Any:
        found = real(repository, [i for i in player_ids if str(i) != vanished])
        return [
            *found,
            type("Gone", (), {"id": next(i for i in player_ids if str(i) == vanished)})(),
        ]

    monkeypatch.setattr(PlayerRepository, "with_ids", as_if_still_there)
    before = counts(engine)
    body = play_body(table, "own", "guest")
    body["participants"].append({"player_id": vanished})
    response = http.post(PLAYS, json=body, headers=people["admin"].headers)
    assert response.status_code == 409, response.json
    assert counts(engine) == before


def test_the_list_filters_by_player_game_and_period_newest_first(
    client: FlaskClient, http: FlaskClient, people: dict[str, Account], table: dict[str, Any]
) -> None:
    other_game, _ = create_game(client, title="Brass")
    admin = people["admin"]
    first = record(http, admin, play_body(table, "own", played_at="2026-01-01T10:00:00Z"))
    second = record(
        http,
        admin,
        play_body(table, "other", played_at="2026-02-01T10:00:00Z", game_id=other_game["id"]),
    )
    third = record(http, admin, play_body(table, "own", "other", played_at="2026-03-01T10:00:00Z"))

    def listed(path: str = PLAYS, **query: Any) -> list[str]:
        response = http.get(path, query_string=query, headers=people["member"].headers)
        assert response.status_code == 200, response.json
        return [play["id"] for play in response.json]

    assert listed() == [third["id"], second["id"], first["id"]]
    assert listed(player_id=table["own"]) == [third["id"], first["id"]]
    assert listed(f"{PLAYERS}/{table['own']}/plays") == [third["id"], first["id"]]
    assert listed(game_id=other_game["id"]) == [second["id"]]
    assert listed(played_from="2026-02-01T10:00:00Z") == [third["id"], second["id"]]
    assert listed(played_until="2026-02-01T10:00:00Z") == [first["id"]]
    assert listed(
        f"{PLAYERS}/{table['other']}/plays",
        played_from="2026-01-15T00:00:00+01:00",
        played_until="2026-02-15T00:00:00Z",
    ) == [second["id"]]
    paged = http.get(PLAYS, query_string={"page_size": 1, "page": 2}, headers=admin.headers)
    assert [play["id"] for play in paged.json] == [second["id"]]
    assert json.loads(paged.headers["X-Pagination"])["total"] == 3
    upside_down = http.get(
        PLAYS,
        query_string={
            "played_from": "2026-02-01T00:00:00Z",
            "played_until": "2026-01-01T00:00:00Z",
        },
        headers=admin.headers,
    )
    assert upside_down.status_code == 422
    assert "played_until" in upside_down.json["errors"]["query"]
    # Bounds beyond the years a play can have happened select what the edges would.
    assert listed(played_from="0001-01-01T00:00:00+01:00") == [
        third["id"],
        second["id"],
        first["id"],
    ]
    assert listed(played_until="9999-12-31T23:59:59-01:00") == [
        third["id"],
        second["id"],
        first["id"],
    ]
    assert listed(played_until="0001-01-01T00:00:00+01:00") == []
    unknown = http.get(
        f"{PLAYERS}/00000000-0000-4000-8000-000000000000/plays", headers=admin.headers
    )
    assert unknown.status_code == 404


def test_players_carry_their_play_count_and_last_play(
    http: FlaskClient, people: dict[str, Account], table: dict[str, Any]
) -> None:
    admin = people["admin"]
    record(http, admin, play_body(table, "own", played_at="2026-01-01T10:00:00Z"))
    record(http, admin, play_body(table, "own", "guest", played_at="2026-03-01T10:00:00Z"))
    listed = http.get(PLAYERS, headers=admin.headers).json
    assert [(p["display_name"], p["play_count"], p["last_played_at"]) for p in listed] == [
        ("Ana", 2, "2026-03-01T10:00:00+00:00"),
        ("Bo", 0, None),
        ("Cy", 1, "2026-03-01T10:00:00+00:00"),
    ]
    one = http.get(f"{PLAYERS}/{table['own']}", headers=admin.headers).json
    assert (one["play_count"], one["last_played_at"]) == (2, "2026-03-01T10:00:00+00:00")


def test_a_game_or_player_with_plays_is_409_naming_how_many_until_they_go(
    client: FlaskClient, http: FlaskClient, people: dict[str, Account], table: dict[str, Any]
) -> None:
    admin = people["admin"]
    plays = [record(http, admin, play_body(table)) for _ in range(3)]
    game_path, player_path = f"{GAMES}/{table['game']}", f"{PLAYERS}/{table['guest']}"
    for path, noun in ((game_path, "game"), (player_path, "player")):
        refused = http.delete(path, headers=with_etag(http, admin, path))
        assert refused.status_code == 409, refused.json
        assert (
            refused.json["message"]
            == f"{noun} {path.rsplit('/', 1)[1]} has 3 plays; remove them first"
        )
        assert http.get(path, headers=admin.headers).status_code == 200
    for play in plays:
        path = f"{PLAYS}/{play['id']}"
        assert http.delete(path, headers=with_etag(http, admin, path)).status_code == 204
    for path in (game_path, player_path):
        assert http.delete(path, headers=with_etag(http, admin, path)).status_code == 204


def test_a_race_past_the_count_still_meets_the_databases_restrict_as_409(
    http: FlaskClient,
    people: dict[str, Account],
    table: dict[str, Any],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A play recorded after the count was taken: the RESTRICT refuses, and it is a 409."""
    admin = people["admin"]
    record(http, admin, play_body(table))
    monkeypatch.setattr(PlayRepository, "count_of_game", lambda _self, _game_id: 0)
    monkeypatch.setattr(PlayRepository, "count_of_player", lambda _self, _player_id: 0)
    for path in (f"{GAMES}/{table['game']}", f"{PLAYERS}/{table['guest']}"):
        refused = http.delete(path, headers=with_etag(http, admin, path))
        assert refused.status_code == 409, refused.json
        assert http.get(path, headers=admin.headers).status_code == 200


def test_a_games_detail_carries_the_clubs_plays_and_rating(
    http: FlaskClient, people: dict[str, Account], table: dict[str, Any]
) -> None:
    game_path = f"{GAMES}/{table['game']}"
    fresh = http.get(game_path).json
    assert (fresh["club_plays"], fresh["club_rating"]) == (0, None)
    body = play_body(table, "own", "guest")
    body["participants"][0]["rating"], body["participants"][1]["rating"] = 6, None
    record(http, people["admin"], body)
    body["participants"][0]["rating"], body["participants"][1]["rating"] = 9, 10
    record(http, people["admin"], body)
    detail = http.get(game_path).json
    assert detail["club_plays"] == 2
    assert detail["club_rating"] == pytest.approx((6 + 9 + 10) / 3)
    listed = http.get(GAMES).json
    assert [(g["club_plays"], g["club_rating"]) for g in listed] == [(2, pytest.approx(25 / 3))]

"""The audit trail over HTTP: the admins' query and a game's history, filtered and paged."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from flask.testing import FlaskClient

from backend.domain.accounts import Role
from tests.accounts import Account
from tests.api.helpers import GAMES, create_game

AUDIT = "/api/v1/audit"
AccountMaker = Callable[..., Account]


@pytest.fixture
def admin(accounts: AccountMaker) -> Account:
    return accounts(Role.ADMIN)


def change_game(client: FlaskClient, game_id: str, etag: str, reason: str, **fields: object) -> str:
    answer = client.patch(
        f"{GAMES}/{game_id}",
        json=fields,
        headers={"If-Match": etag, "X-Change-Reason": reason},
    )
    assert answer.status_code == 200, answer.json
    return answer.headers["ETag"]


def test_a_games_history_is_its_changes_newest_first_with_who_what_and_why(
    client: FlaskClient, organizer: Account
) -> None:
    game, etag = create_game(client, title="Cascadia", min_age=8)
    etag = change_game(client, game["id"], etag, "the box says 10", min_age=10)
    change_game(client, game["id"], etag, "typo", title="Cascadia!")
    create_game(client, title="Another game")  # not part of this history

    history = client.get(f"{GAMES}/{game['id']}/history")
    assert history.status_code == 200
    entries = history.json
    assert [entry["action"] for entry in entries] == ["update", "update", "insert"]
    assert {entry["actor"] for entry in entries} == {organizer.actor}
    assert entries[0]["changes"]["title"] == ["Cascadia", "Cascadia!"]
    assert entries[1]["changes"]["min_age"] == [8, 10]
    assert [entry["change_reason"] for entry in entries[:2]] == ["typo", "the box says 10"]
    assert all(entry["entity_type"] == "games" for entry in entries)
    assert all(entry["request_id"] for entry in entries)
    assert json.loads(history.headers["X-Pagination"])["total"] == 3


def test_a_history_outlives_its_game_and_an_unknown_id_has_none(client: FlaskClient) -> None:
    game, etag = create_game(client)
    removed = client.delete(f"{GAMES}/{game['id']}", headers={"If-Match": etag})
    assert removed.status_code == 204
    history = client.get(f"{GAMES}/{game['id']}/history")
    assert [entry["action"] for entry in history.json] == ["delete", "insert"]
    assert client.get(f"{GAMES}/{uuid.uuid4()}/history").json == []


def test_a_history_is_for_organizers_and_admins(
    client: FlaskClient, anonymous_client: FlaskClient, admin: Account, accounts: AccountMaker
) -> None:
    game, _etag = create_game(client)
    path = f"{GAMES}/{game['id']}/history"
    assert anonymous_client.get(path).status_code == 401
    member = accounts(Role.MEMBER)
    assert anonymous_client.get(path, headers=member.headers).status_code == 403
    assert anonymous_client.get(path, headers=admin.headers).status_code == 200


def test_the_audit_trail_filters_by_entity_actor_action_and_time(
    client: FlaskClient, anonymous_client: FlaskClient, organizer: Account, admin: Account
) -> None:
    before = datetime.now(UTC) - timedelta(seconds=1)
    game, etag = create_game(client, title="Azul")
    change_game(client, game["id"], etag, "reprint", year_published=2018)
    headers = admin.headers

    def entries(**filters: str) -> list[dict[str, object]]:
        answer = anonymous_client.get(AUDIT, query_string=filters, headers=headers)
        assert answer.status_code == 200, answer.json
        return answer.json  # type: ignore[no-any-return]

    everything = entries()
    stamps = [entry["occurred_at"] for entry in everything]
    assert stamps == sorted(stamps, reverse=True)  # newest first
    of_game = entries(entity_type="games", entity_id=game["id"])
    assert [entry["action"] for entry in of_game] == ["update", "insert"]
    assert [entry["action"] for entry in entries(actor=organizer.actor, action="update")] == [
        "update"
    ]
    # The accounts the test made are recorded too (as made by the "tests" actor).
    assert {entry["entity_type"] for entry in entries(actor="tests")} == {"users", "api_tokens"}
    assert entries(since=before.isoformat(), actor=organizer.actor)
    assert entries(until=before.isoformat(), actor=organizer.actor) == []
    page = anonymous_client.get(AUDIT, query_string={"page_size": 1}, headers=headers)
    assert len(page.json) == 1
    assert json.loads(page.headers["X-Pagination"])["total"] == len(everything)


@pytest.mark.parametrize(
    ("filters", "everything"),
    [
        ({"since": "0001-01-01T00:00:00+01:00"}, True),
        ({"since": "9999-12-31T23:59:59-01:00"}, False),
        ({"until": "0001-01-01T00:00:00+01:00"}, False),
        ({"until": "9999-12-31T23:59:59-01:00"}, True),
    ],
)
def test_a_period_bound_at_the_ends_of_the_calendar_is_answered(
    client: FlaskClient,
    anonymous_client: FlaskClient,
    admin: Account,
    filters: dict[str, str],
    everything: bool,
) -> None:
    """Year 1 or 9999 with an offset does not convert to UTC: such a bound was a 500. It
    stands for "long before" or "long after" any entry, and selects accordingly."""
    create_game(client, title="Azul")
    answer = anonymous_client.get(AUDIT, query_string=filters, headers=admin.headers)
    assert answer.status_code == 200, answer.json
    assert bool(answer.json) is everything


@pytest.mark.parametrize(
    "filters",
    [
        {"entity_type": "no_such_table"},
        {"action": "explode"},
        {"since": "yesterday"},
        {"since": "2026-01-01T00:00:00"},  # no time zone: ambiguous
        {"since": "2026-02-01T00:00:00Z", "until": "2026-01-01T00:00:00Z"},
        {"colour": "red"},
    ],
)
def test_bad_audit_filters_are_422(
    anonymous_client: FlaskClient, admin: Account, filters: dict[str, str]
) -> None:
    answer = anonymous_client.get(AUDIT, query_string=filters, headers=admin.headers)
    assert answer.status_code == 422, answer.json


def test_the_audit_trail_is_for_admins_only(
    client: FlaskClient, anonymous_client: FlaskClient, accounts: AccountMaker
) -> None:
    assert anonymous_client.get(AUDIT).status_code == 401
    assert client.get(AUDIT).status_code == 403  # an organizer
    assert anonymous_client.get(AUDIT, headers=accounts(Role.MEMBER).headers).status_code == 403


def test_secrets_changed_are_recorded_as_changed_but_redacted(
    anonymous_client: FlaskClient, admin: Account
) -> None:
    created = anonymous_client.post(
        "/api/v1/users",
        json={"email": "bo@example.org", "password": "a long enough one"},
        headers=admin.headers,
    )
    assert created.status_code == 201
    signed_in = anonymous_client.post(
        "/api/v1/auth/tokens", json={"email": "bo@example.org", "password": "a long enough one"}
    )
    assert signed_in.status_code == 201
    users = anonymous_client.get(
        AUDIT,
        query_string={"entity_type": "users", "entity_id": created.json["id"]},
        headers=admin.headers,
    ).json
    assert users[-1]["changes"]["password_hash"] == [None, "[redacted]"]
    tokens = anonymous_client.get(
        AUDIT,
        query_string={"entity_type": "api_tokens", "entity_id": signed_in.json["id"]},
        headers=admin.headers,
    ).json
    assert tokens[0]["changes"]["token_hash"] == [None, "[redacted]"]
    assert signed_in.json["token"] not in json.dumps(tokens)

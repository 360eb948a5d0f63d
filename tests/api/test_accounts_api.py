"""Signing in, one's own account and tokens, and the admins' accounts endpoint, over HTTP."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from backend import create_app
from backend.config import Settings
from backend.domain.accounts import SIGN_IN_FAILURE_LIMIT, Role
from backend.models import ApiToken, User
from backend.services import accounts as accounts_service
from backend.state import app_state
from tests.accounts import TEST_PASSWORD, Account
from tests.api.helpers import GAMES, create_game
from tests.factories import game_fields

TOKENS = "/api/v1/auth/tokens"
ME = "/api/v1/auth/me"
PASSWORD = "/api/v1/auth/me/password"
USERS = "/api/v1/users"
AccountMaker = Callable[..., Account]


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def sign_in(
    client: FlaskClient, email: str, password: str = TEST_PASSWORD, name: str = "laptop"
) -> Any:
    return client.post(TOKENS, json={"email": email, "password": password, "name": name})


@pytest.fixture
def admin(accounts: AccountMaker) -> Account:
    return accounts(Role.ADMIN)


def test_sign_in_gives_a_working_token_shown_once(
    anonymous_client: FlaskClient, organizer: Account
) -> None:
    answer = sign_in(anonymous_client, organizer.email.upper())  # emails compare caselessly
    assert answer.status_code == 201, answer.json
    assert answer.headers["Cache-Control"] == "no-store"
    token = answer.json["token"]
    assert len(token) >= 43  # 256 random bits
    assert answer.json["name"] == "laptop"
    me = anonymous_client.get(ME, headers=bearer(token))
    assert me.status_code == 200
    assert (me.json["id"], me.json["role"]) == (str(organizer.user_id), "organizer")
    assert "password_hash" not in me.json and "password" not in me.json
    listed = anonymous_client.get(TOKENS, headers=bearer(token))
    assert listed.status_code == 200
    assert {item["name"] for item in listed.json} == {"tests", "laptop"}
    assert token not in listed.get_data(as_text=True)
    assert all("token" not in item and "token_hash" not in item for item in listed.json)


def test_a_wrong_password_and_an_unknown_email_answer_alike(
    anonymous_client: FlaskClient, organizer: Account
) -> None:
    wrong = sign_in(anonymous_client, organizer.email, "not the password at all")
    unknown = sign_in(anonymous_client, "nobody@example.org", "not the password at all")
    malformed = sign_in(anonymous_client, "not an email", "not the password at all")
    for answer in (wrong, unknown, malformed):
        assert answer.status_code == 401
        assert answer.headers["WWW-Authenticate"].startswith("Bearer")
        assert "Cache-Control" not in answer.headers
    assert wrong.json == unknown.json == malformed.json


def test_the_sixth_failure_in_a_row_is_429_with_retry_after_even_with_the_right_password(
    anonymous_client: FlaskClient, organizer: Account
) -> None:
    for attempt in range(SIGN_IN_FAILURE_LIMIT):
        assert (
            sign_in(anonymous_client, organizer.email, f"wrong guess {attempt}").status_code == 401
        )
    throttled = sign_in(anonymous_client, organizer.email)
    assert throttled.status_code == 429
    assert 1 <= int(throttled.headers["Retry-After"]) <= 15 * 60
    assert "Too many failed sign-ins" in throttled.json["message"]
    # Another email is not held back by this one's failures.
    assert sign_in(anonymous_client, "someone-else@example.org").status_code == 401


def test_a_body_with_unknown_or_missing_fields_is_422(anonymous_client: FlaskClient) -> None:
    missing = anonymous_client.post(TOKENS, json={"email": "a@example.org"})
    assert missing.status_code == 422
    assert "password" in missing.json["errors"]["json"]
    extra = anonymous_client.post(
        TOKENS, json={"email": "a@example.org", "password": "x" * 12, "role": "admin"}
    )
    assert extra.status_code == 422
    assert "role" in extra.json["errors"]["json"]


def test_an_expired_token_in_the_client_does_not_stop_a_new_sign_in(
    app: Flask, organizer: Account, accounts: AccountMaker
) -> None:
    expired = accounts(Role.MEMBER, expires_in=-timedelta(minutes=1))
    client = app.test_client()
    assert client.get(ME, headers=expired.headers).status_code == 401
    answer = client.post(
        TOKENS,
        json={"email": expired.email, "password": TEST_PASSWORD},
        headers=expired.headers,
    )
    assert answer.status_code == 201


def test_revoking_a_token_stops_it_at_once_and_only_the_owner_or_an_admin_may(
    anonymous_client: FlaskClient, organizer: Account, admin: Account, accounts: AccountMaker
) -> None:
    member = accounts(Role.MEMBER)
    other = sign_in(anonymous_client, organizer.email).json
    # A member cannot see, let alone revoke, another user's token: 404, not 403.
    refused = anonymous_client.delete(f"{TOKENS}/{other['id']}", headers=member.headers)
    assert refused.status_code == 404
    assert anonymous_client.get(ME, headers=bearer(other["token"])).status_code == 200

    assert (
        anonymous_client.delete(f"{TOKENS}/{other['id']}", headers=organizer.headers).status_code
        == 204
    )
    gone = anonymous_client.get(ME, headers=bearer(other["token"]))
    assert gone.status_code == 401
    assert 'error="invalid_token"' in gone.headers["WWW-Authenticate"]
    # Again: the same answer, nothing changes.
    assert (
        anonymous_client.delete(f"{TOKENS}/{other['id']}", headers=organizer.headers).status_code
        == 204
    )

    # An admin revokes anyone's.
    assert (
        anonymous_client.delete(f"{TOKENS}/{member.token_id}", headers=admin.headers).status_code
        == 204
    )
    assert anonymous_client.get(ME, headers=member.headers).status_code == 401
    assert (
        anonymous_client.delete(f"{TOKENS}/{uuid.uuid4()}", headers=admin.headers).status_code
        == 404
    )


def test_changing_ones_password_needs_the_current_one_and_revokes_the_other_tokens(
    anonymous_client: FlaskClient, organizer: Account
) -> None:
    second = sign_in(anonymous_client, organizer.email).json["token"]
    new = "a brand new passphrase"
    wrong = anonymous_client.put(
        PASSWORD,
        json={"current_password": "not it at all", "new_password": new},
        headers=organizer.headers,
    )
    assert wrong.status_code == 422
    assert list(wrong.json["errors"]["json"]) == ["current_password"]
    short = anonymous_client.put(
        PASSWORD,
        json={"current_password": TEST_PASSWORD, "new_password": "short"},
        headers=organizer.headers,
    )
    assert short.status_code == 422
    assert anonymous_client.get(ME, headers=bearer(second)).status_code == 200

    changed = anonymous_client.put(
        PASSWORD,
        json={"current_password": TEST_PASSWORD, "new_password": new},
        headers=organizer.headers,
    )
    assert changed.status_code == 204
    assert anonymous_client.get(ME, headers=organizer.headers).status_code == 200  # the one sent
    assert anonymous_client.get(ME, headers=bearer(second)).status_code == 401  # every other
    assert sign_in(anonymous_client, organizer.email).status_code == 401
    assert sign_in(anonymous_client, organizer.email, new).status_code == 201


def create_user(
    client: FlaskClient, admin: Account, email: str, role: str = "member"
) -> tuple[dict[str, Any], str]:
    body = {"email": email, "password": "a long enough one", "display_name": "Bo", "role": role}
    answer = client.post(USERS, json=body, headers=admin.headers)
    assert answer.status_code == 201, answer.json
    assert answer.headers["Location"].endswith(f"{USERS}/{answer.json['id']}")
    return answer.json, answer.headers["ETag"]


def test_admins_create_list_and_read_accounts_without_ever_showing_a_password(
    anonymous_client: FlaskClient, admin: Account, organizer: Account
) -> None:
    created, etag = create_user(anonymous_client, admin, "Bo@Example.org")
    assert created["email"] == "Bo@Example.org"
    assert (created["role"], created["is_active"], created["version"]) == ("member", True, 1)
    assert created["created_by"] == admin.actor
    assert set(created) >= {"id", "display_name", "created_at", "updated_by"}
    assert not {"password", "password_hash"} & set(created)

    duplicate = anonymous_client.post(
        USERS,
        json={"email": "bo@example.org", "password": "another long one"},
        headers=admin.headers,
    )
    assert duplicate.status_code == 409
    assert "email" in duplicate.json["errors"]["json"]

    organizers = anonymous_client.get(
        USERS, query_string={"role": "organizer"}, headers=admin.headers
    )
    assert [user["email"] for user in organizers.json] == [organizer.email]
    everyone = anonymous_client.get(USERS, headers=admin.headers)
    assert json.loads(everyone.headers["X-Pagination"])["total"] == 3
    one = anonymous_client.get(f"{USERS}/{created['id']}", headers=admin.headers)
    assert one.status_code == 200 and one.headers["ETag"] == etag
    assert "password" not in everyone.get_data(as_text=True)


def test_only_admins_manage_accounts(
    anonymous_client: FlaskClient, organizer: Account, accounts: AccountMaker
) -> None:
    member = accounts(Role.MEMBER)
    for caller in (organizer, member):
        assert anonymous_client.get(USERS, headers=caller.headers).status_code == 403
        refused = anonymous_client.post(
            USERS,
            json={"email": "x@example.org", "password": "a long enough one"},
            headers=caller.headers,
        )
        assert refused.status_code == 403
        assert "Only an admin may manage accounts" in refused.json["message"]
    assert anonymous_client.get(USERS).status_code == 401


def test_an_admin_changes_a_role_with_if_match(
    anonymous_client: FlaskClient, admin: Account
) -> None:
    bo, etag = create_user(anonymous_client, admin, "bo@example.org")
    path = f"{USERS}/{bo['id']}"
    assert (
        anonymous_client.patch(path, json={"role": "organizer"}, headers=admin.headers).status_code
        == 428
    )
    changed = anonymous_client.patch(
        path, json={"role": "organizer"}, headers={**admin.headers, "If-Match": etag}
    )
    assert changed.status_code == 200
    assert (changed.json["role"], changed.json["version"]) == ("organizer", 2)
    stale = anonymous_client.patch(
        path, json={"role": "member"}, headers={**admin.headers, "If-Match": etag}
    )
    assert stale.status_code == 412
    for field, value in (("email", "new@example.org"), ("password_hash", "x"), ("id", bo["id"])):
        refused = anonymous_client.patch(
            path,
            json={field: value},
            headers={**admin.headers, "If-Match": changed.headers["ETag"]},
        )
        assert refused.status_code == 422
        assert field in refused.json["errors"]["json"]
    assert anonymous_client.delete(path, headers=admin.headers).status_code == 405


def test_the_last_active_admin_can_be_neither_demoted_nor_deactivated(
    anonymous_client: FlaskClient, admin: Account
) -> None:
    path = f"{USERS}/{admin.user_id}"
    for change in ({"role": "organizer"}, {"is_active": False}):
        etag = anonymous_client.get(path, headers=admin.headers).headers["ETag"]
        refused = anonymous_client.patch(
            path, json=change, headers={**admin.headers, "If-Match": etag}
        )
        assert refused.status_code == 422
        assert "last active admin" in refused.json["message"]
    create_user(anonymous_client, admin, "second@example.org", role="admin")
    etag = anonymous_client.get(path, headers=admin.headers).headers["ETag"]
    demoted = anonymous_client.patch(
        path, json={"role": "member"}, headers={**admin.headers, "If-Match": etag}
    )
    assert demoted.status_code == 200
    # The token still works, for what a member may do.
    assert anonymous_client.get(USERS, headers=admin.headers).status_code == 403


def test_deactivating_stops_the_tokens_at_once_and_reactivating_brings_none_back(
    anonymous_client: FlaskClient, admin: Account, accounts: AccountMaker
) -> None:
    member = accounts(Role.MEMBER)
    path = f"{USERS}/{member.user_id}"
    etag = anonymous_client.get(path, headers=admin.headers).headers["ETag"]
    off = anonymous_client.patch(
        path, json={"is_active": False}, headers={**admin.headers, "If-Match": etag}
    )
    assert off.status_code == 200 and off.json["is_active"] is False
    assert anonymous_client.get(ME, headers=member.headers).status_code == 401
    assert sign_in(anonymous_client, member.email).status_code == 401

    on = anonymous_client.patch(
        path, json={"is_active": True}, headers={**admin.headers, "If-Match": off.headers["ETag"]}
    )
    assert on.status_code == 200
    assert anonymous_client.get(ME, headers=member.headers).status_code == 401  # still revoked
    fresh = sign_in(anonymous_client, member.email)
    assert fresh.status_code == 201
    assert anonymous_client.get(ME, headers=bearer(fresh.json["token"])).status_code == 200


@pytest.mark.parametrize("value", [0, 1, "false", "true", None])
def test_is_active_is_a_json_boolean(
    anonymous_client: FlaskClient, admin: Account, accounts: AccountMaker, value: object
) -> None:
    member = accounts(Role.MEMBER)
    path = f"{USERS}/{member.user_id}"
    etag = anonymous_client.get(path, headers=admin.headers).headers["ETag"]
    refused = anonymous_client.patch(
        path, json={"is_active": value}, headers={**admin.headers, "If-Match": etag}
    )
    assert refused.status_code == 422, refused.json
    assert "is_active" in refused.json["errors"]["json"]
    assert anonymous_client.get(path, headers=admin.headers).headers["ETag"] == etag


def test_a_deactivated_users_token_stops_even_when_set_inactive_behind_the_apis_back(
    anonymous_client: FlaskClient, session_factory: sessionmaker[Session], accounts: AccountMaker
) -> None:
    member = accounts(Role.MEMBER)
    with session_factory() as session, session.begin():
        session.execute(update(User).where(User.id == member.user_id).values(is_active=False))
    assert anonymous_client.get(ME, headers=member.headers).status_code == 401


def test_writes_name_the_acting_user_by_id_in_bookkeeping_and_the_audit_trail(
    client: FlaskClient, organizer: Account, admin: Account
) -> None:
    game, _etag = create_game(client, title="Cascadia")
    assert (game["created_by"], game["updated_by"]) == (organizer.actor, organizer.actor)
    # A later change of the user's name leaves the recorded actor as it was: the id.
    path = f"{USERS}/{organizer.user_id}"
    user_etag = client.get(path, headers=admin.headers).headers["ETag"]
    renamed = client.patch(
        path, json={"display_name": "Sam"}, headers={**admin.headers, "If-Match": user_etag}
    )
    assert renamed.status_code == 200
    history = client.get(f"{GAMES}/{game['id']}/history")
    assert [entry["actor"] for entry in history.json] == [organizer.actor]


def test_a_token_names_its_user_on_public_reads_and_a_bad_one_is_refused_there_too(
    anonymous_client: FlaskClient, organizer: Account
) -> None:
    assert anonymous_client.get(GAMES).status_code == 200
    assert anonymous_client.get(GAMES, headers=organizer.headers).status_code == 200
    refused = anonymous_client.get(GAMES, headers=bearer("not-a-token"))
    assert refused.status_code == 401
    assert refused.headers["WWW-Authenticate"] == 'Bearer realm="Game Night", error="invalid_token"'
    for malformed in ("Basic dXNlcjpwYXNz", "Bearer", "Bearer two words"):
        answer = anonymous_client.get(GAMES, headers={"Authorization": malformed})
        assert answer.status_code == 401, malformed
    # Health checks never look at a token.
    assert anonymous_client.get("/health/live", headers=bearer("not-a-token")).status_code == 200


def test_a_write_without_a_token_is_401_before_its_body_is_read(
    anonymous_client: FlaskClient, accounts: AccountMaker
) -> None:
    refused = anonymous_client.post(GAMES, data="not json", content_type="application/json")
    assert refused.status_code == 401
    assert refused.headers["WWW-Authenticate"] == 'Bearer realm="Game Night"'
    member = accounts(Role.MEMBER)
    forbidden = anonymous_client.post(GAMES, json=game_fields(), headers=member.headers)
    assert forbidden.status_code == 403
    assert "Only an organizer or an admin may change the catalog" in forbidden.json["message"]
    assert anonymous_client.get(GAMES).headers["X-Pagination"].startswith('{"total": 0')


def test_an_expired_token_is_refused(
    anonymous_client: FlaskClient, session_factory: sessionmaker[Session], organizer: Account
) -> None:
    with session_factory() as session, session.begin():
        session.execute(
            update(ApiToken)
            .where(ApiToken.id == organizer.token_id)
            .values(expires_at=datetime.now(UTC) - timedelta(seconds=1))
        )
    assert anonymous_client.get(ME, headers=organizer.headers).status_code == 401
    with session_factory() as session:
        token = session.scalars(select(ApiToken).where(ApiToken.id == organizer.token_id)).one()
        assert token.revoked_at is None  # expired, not revoked: both refused alike


def test_api_token_days_sets_how_long_a_new_token_works(
    migrated_settings: Settings, organizer: Account
) -> None:
    settings = Settings(**{**migrated_settings.__dict__, "api_token_days": 7})
    short_lived = create_app(settings)
    try:
        answer = sign_in(short_lived.test_client(), organizer.email)
        assert answer.status_code == 201
        lifetime = datetime.fromisoformat(answer.json["expires_at"]) - datetime.now(UTC)
        assert timedelta(days=6, hours=23) < lifetime <= timedelta(days=7)
    finally:
        app_state(short_lived).engine.dispose()


def test_guessing_the_current_password_is_throttled_like_signing_in(
    anonymous_client: FlaskClient, organizer: Account
) -> None:
    for attempt in range(SIGN_IN_FAILURE_LIMIT):
        wrong = anonymous_client.put(
            PASSWORD,
            json={"current_password": f"guess {attempt} is wrong", "new_password": "x" * 16},
            headers=organizer.headers,
        )
        assert wrong.status_code == 422
    throttled = anonymous_client.put(
        PASSWORD,
        json={"current_password": TEST_PASSWORD, "new_password": "x" * 16},
        headers=organizer.headers,
    )
    assert throttled.status_code == 429
    assert int(throttled.headers["Retry-After"]) >= 1
    # The same count holds back signing in with that email.
    assert sign_in(anonymous_client, organizer.email).status_code == 429


def test_a_tokens_use_is_noted_after_the_request_gave_its_connection_back(
    app: Flask,
    anonymous_client: FlaskClient,
    session_factory: sessionmaker[Session],
    organizer: Account,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The pool is sized for one connection per thread: noting a token's use, which needs a
    write of its own, waits until the request's Unit of Work has closed."""
    stale = datetime.now(UTC) - timedelta(minutes=2)
    with session_factory() as session, session.begin():
        session.execute(
            update(ApiToken).where(ApiToken.id == organizer.token_id).values(last_used_at=stale)
        )
    pool = app_state(app).engine.pool
    checked_out_when_noted: list[int] = []
    note = accounts_service.record_token_use

    def noting(*args: Any, **kwargs: Any) -> None:
        checked_out_when_noted.append(pool.checkedout())  # type: ignore[attr-defined]
        note(*args, **kwargs)

    monkeypatch.setattr(accounts_service, "record_token_use", noting)
    assert anonymous_client.get(GAMES, headers=organizer.headers).status_code == 200
    assert anonymous_client.get(GAMES, headers=organizer.headers).status_code == 200
    assert checked_out_when_noted == [0]  # once, and with no other connection held
    with session_factory() as session:
        token = session.scalars(select(ApiToken).where(ApiToken.id == organizer.token_id)).one()
        assert token.last_used_at is not None and token.last_used_at > stale

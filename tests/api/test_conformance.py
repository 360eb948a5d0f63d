"""Answers the fuzzer rarely or never provokes, each checked against the spec as schemathesis
checks every answer: a documented status code, content type, headers and body."""

from __future__ import annotations

import re
import uuid
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
from backend.api.access import access_of
from backend.config import Settings
from backend.domain.accounts import Role
from backend.domain.permissions import Permission
from backend.domain.principal import Principal
from backend.state import app_state
from tests.accounts import TEST_PASSWORD
from tests.api.helpers import GAMES, create_game, create_label
from tests.conftest import AccountMaker, settings_for
from tests.factories import game_fields

CHECKS = [
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
UNREACHABLE = "postgresql://nobody:pw@127.0.0.1:1/none"
GAME = f"{GAMES}/{{game_id}}"
TOKENS = "/api/v1/auth/tokens"
TOKEN = f"{TOKENS}/{{token_id}}"
PASSWORD = "/api/v1/auth/me/password"
USERS = "/api/v1/users"
USER = f"{USERS}/{{user_id}}"
AUDIT = "/api/v1/audit"
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


def spec_operations(documented: Any) -> list[tuple[str, str]]:
    """(method, path) of every operation in the spec."""
    return [
        (operation.method.upper(), operation.path)
        for operation in (result.ok() for result in documented.get_all_operations())
    ]


def with_made_up_ids(path: str) -> str:
    # A round is named by its number, every other path parameter by a UUID.
    path = path.replace("{number}", "1")
    return re.sub(r"\{[^}]+\}", "00000000-0000-4000-8000-000000000000", path)


def test_a_token_that_opens_nothing_is_a_conforming_401_wherever_it_is_read(
    app: Flask, documented: Any, conforms: Conforms
) -> None:
    client = app.test_client()
    checked = 0
    for method, path in spec_operations(documented):
        access = access_of(app, *endpoint_of(app, method, path))
        if access is None or not access.reads_token:
            continue
        wrong = {"Authorization": "Bearer no-such-token"}
        response = client.open(with_made_up_ids(path), method=method, headers=wrong)
        conforms(response, method, path, 401)
        assert response.headers["WWW-Authenticate"] == (
            'Bearer realm="Game Night", error="invalid_token"'
        )
        if access.permission is not None:
            anonymous = client.open(with_made_up_ids(path), method=method)
            conforms(anonymous, method, path, 401)
            assert anonymous.headers["WWW-Authenticate"] == 'Bearer realm="Game Night"'
        checked += 1
    assert checked >= 20


def test_a_role_without_the_permission_is_a_conforming_403(
    app: Flask, documented: Any, conforms: Conforms, accounts: AccountMaker
) -> None:
    member = app.test_client()
    member.environ_base["HTTP_AUTHORIZATION"] = accounts(Role.MEMBER).headers["Authorization"]
    checked = 0
    for method, path in spec_operations(documented):
        access = access_of(app, *endpoint_of(app, method, path))
        if access is None or access.permission in (None, Permission.SIGNED_IN):
            continue
        if access.permission.allows(Principal.of_user(uuid.uuid4(), Role.MEMBER)):
            continue
        conforms(member.open(with_made_up_ids(path), method=method), method, path, 403)
        checked += 1
    assert checked >= 15


def endpoint_of(app: Flask, method: str, path: str) -> tuple[str, str]:
    adapter = app.url_map.bind("gamenight.test")
    endpoint, _arguments = adapter.match(with_made_up_ids(path), method=method)
    return endpoint, method


def test_the_accounts_answers_conform(
    client: FlaskClient, conforms: Conforms, accounts: AccountMaker
) -> None:
    admin_account = accounts(Role.ADMIN)
    admin = client.application.test_client()
    admin.environ_base["HTTP_AUTHORIZATION"] = admin_account.headers["Authorization"]
    sign_in = {"email": admin_account.email, "password": TEST_PASSWORD, "name": "laptop"}
    signed_in = conforms(admin.post(TOKENS, json=sign_in), "POST", TOKENS, 201)
    wrong = {**sign_in, "password": "not the password at all"}
    conforms(admin.post(TOKENS, json=wrong), "POST", TOKENS, 401)
    conforms(admin.get(TOKENS), "GET", TOKENS, 200)
    conforms(admin.get("/api/v1/auth/me"), "GET", "/api/v1/auth/me", 200)
    revoke = f"{TOKENS}/{signed_in.json['id']}"
    conforms(admin.delete(revoke), "DELETE", TOKEN, 204)
    conforms(admin.delete(with_made_up_ids(TOKEN)), "DELETE", TOKEN, 404)

    new_user = {"email": "ann@example.org", "password": TEST_PASSWORD, "role": "organizer"}
    created = conforms(admin.post(USERS, json=new_user), "POST", USERS, 201)
    conforms(admin.post(USERS, json=new_user), "POST", USERS, 409)
    short = {**new_user, "email": "bob@example.org", "password": "short"}
    conforms(admin.post(USERS, json=short), "POST", USERS, 422)
    conforms(admin.get(USERS), "GET", USERS, 200)
    user = f"{USERS}/{created.json['id']}"
    read = conforms(admin.get(user), "GET", USER, 200)
    etag = read.headers["ETag"]
    conforms(admin.get(user, headers={"If-None-Match": etag}), "GET", USER, 304)
    patched = admin.patch(user, json={"role": "member"}, headers={"If-Match": etag})
    conforms(patched, "PATCH", USER, 200)
    conforms(admin.patch(user, json={}, headers={"If-Match": etag}), "PATCH", USER, 412)
    conforms(admin.patch(user, json={}), "PATCH", USER, 428)
    conforms(admin.get(with_made_up_ids(USER)), "GET", USER, 404)

    password = {"current_password": TEST_PASSWORD, "new_password": "another long passphrase"}
    conforms(admin.put(PASSWORD, json=password), "PUT", PASSWORD, 204)
    conforms(admin.put(PASSWORD, json=password), "PUT", PASSWORD, 422)


def test_the_audit_trail_and_a_games_history_conform(
    client: FlaskClient, conforms: Conforms, accounts: AccountMaker
) -> None:
    game, etag = create_game(client)
    client.patch(f"{GAMES}/{game['id']}", json={"title": "Renamed"}, headers={"If-Match": etag})
    history = f"{GAMES}/{game['id']}/history"
    listed = conforms(client.get(history), "GET", f"{GAME}/history", 200)
    assert [entry["action"] for entry in listed.json] == ["update", "insert"]
    admin = client.application.test_client()
    admin.environ_base["HTTP_AUTHORIZATION"] = accounts(Role.ADMIN).headers["Authorization"]
    trail = conforms(admin.get(AUDIT, query_string={"entity_type": "games"}), "GET", AUDIT, 200)
    assert len(trail.json) == 2
    backwards = {"since": "2030-01-01T00:00:00Z", "until": "2020-01-01T00:00:00Z"}
    conforms(admin.get(AUDIT, query_string=backwards), "GET", AUDIT, 422)

"""Every caller against every route that needs a permission, the routes taken from Flask's
URL map: a broken, missing or dead token is 401, a role too low is 403, an allowed role
gets through; on every configured database."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any, NamedTuple

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from backend import create_app
from backend.api.access import access_of
from backend.domain.accounts import Role
from backend.domain.permissions import Permission
from backend.state import app_state
from tests.api.world import (
    VALID_BODIES,
    VALID_QUERIES,
    World,
    current_etag,
    fill,
    make_world,
    openapi_path,
)
from tests.conftest import AccountMaker, settings_for

IGNORED_METHODS = frozenset({"HEAD", "OPTIONS"})
UNKNOWN_TOKEN = "Bearer 3q2-7wAAAAAnotAtokenOfOursAtAllAAAAAAAAAAA"
MALFORMED_HEADERS = ("Basic abc", "Bearer", "Bearer a b", "Bearer ")


class Route(NamedTuple):
    rule: str
    endpoint: str
    method: str
    permission: Permission | None
    reads_token: bool


def url_map_routes(app: Flask) -> list[Route]:
    """Every route of the app with its declared access, HEAD and OPTIONS aside."""
    found = []
    for rule in app.url_map.iter_rules():
        for method in sorted((rule.methods or set()) - IGNORED_METHODS):
            access = access_of(app, rule.endpoint, method)
            assert access is not None, (method, rule.rule)  # test_access.py says more
            found.append(
                Route(rule.rule, rule.endpoint, method, access.permission, access.reads_token)
            )
    return found


def _collected_routes() -> list[Route]:
    """The routes, read at collection from an app of their own (which connects to nothing),
    so each gets a test id; test_the_matrix_is_the_url_map checks they are the app's."""
    with tempfile.TemporaryDirectory() as scratch:
        application = create_app(settings_for(f"sqlite:///{Path(scratch) / 'unused.db'}"))
        try:
            return url_map_routes(application)
        finally:
            app_state(application).engine.dispose()


ROUTES = _collected_routes()
PROTECTED = [route for route in ROUTES if route.permission is not None]
PUBLIC = [route for route in ROUTES if route.permission is None and route.reads_token]
# Routes whose parameters are not entities (static files) are left to test_access.py.
OPEN = [
    route
    for route in ROUTES
    if not route.reads_token and "<" not in route.rule and route.method == "GET"
]


def route_id(route: Route) -> str:
    return f"{route.method} {route.rule}"


@pytest.fixture
def world(app: Flask, accounts: AccountMaker) -> World:
    return make_world(app, accounts)


@pytest.fixture
def http(app: Flask, clean_database: None) -> FlaskClient:
    return app.test_client()


def call(
    http: FlaskClient,
    world: World,
    route: Route,
    authorization: str | None,
    *,
    valid: bool = False,
) -> TestResponse:
    """The route called with this Authorization header (None: none at all). The body is `{}`
    unless `valid`: a refused caller is refused before any body is read. A valid call of a
    change or removal sends the current ETag too."""
    path = fill(world, route.rule, route.method)
    headers = {} if authorization is None else {"Authorization": authorization}
    body: Any = None
    # Every operation that takes a body has a valid one (test_read_only_fields checks it);
    # one that takes none (owning a game: the path says it all) is sent none.
    make_body = VALID_BODIES.get((route.method.lower(), openapi_path(route.rule)))
    if make_body is not None:
        body = make_body(world) if valid else {}
    if valid and route.method in ("PATCH", "DELETE"):
        etag = current_etag(http, world, path)
        if etag is not None:
            headers["If-Match"] = etag
    make_query = VALID_QUERIES.get(openapi_path(route.rule))
    query = make_query(world) if valid and make_query is not None else None
    return http.open(path, method=route.method, json=body, headers=headers, query_string=query)


def refused_with_401(response: TestResponse, *, token_sent: bool) -> str | None:
    """What is wrong with an answer that should be a bearer 401, or None."""
    challenge = response.headers.get("WWW-Authenticate", "")
    if response.status_code != 401:
        return f"{response.status_code} {response.json}"
    if not challenge.startswith('Bearer realm="Game Night"'):
        return f"challenge {challenge!r}"
    if token_sent != ('error="invalid_token"' in challenge):
        return f"challenge {challenge!r} with a token {'sent' if token_sent else 'not sent'}"
    return None


def test_the_matrix_is_the_url_map(app: Flask) -> None:
    assert url_map_routes(app) == ROUTES
    assert len(PROTECTED) >= 15 and len(PUBLIC) >= 6 and OPEN
    # Each kind of refusal is exercised: by all roles, by two, by one.
    permissions = {route.permission for route in PROTECTED}
    assert {Permission.SIGNED_IN, Permission.EDIT_CATALOG, Permission.MANAGE_USERS} <= permissions


@pytest.mark.parametrize("route", PROTECTED, ids=route_id)
def test_each_caller_against_a_protected_route(
    http: FlaskClient, world: World, route: Route
) -> None:
    assert route.permission is not None
    problems: dict[str, str] = {}

    def expect_401(caller: str, authorization: str | None) -> None:
        response = call(http, world, route, authorization)
        problem = refused_with_401(response, token_sent=authorization is not None)
        if problem:
            problems[caller] = problem

    expect_401("anonymous", None)
    for header in MALFORMED_HEADERS:
        expect_401(f"malformed {header!r}", header)
    expect_401("unknown token", UNKNOWN_TOKEN)
    for caller in ("expired", "revoked", "deactivated"):
        expect_401(caller, getattr(world, caller).headers["Authorization"])

    allowed = [role for role in Role if role in route.permission.roles]
    for role in Role:
        if role in allowed:
            continue
        response = call(http, world, route, world.role(role).headers["Authorization"])
        if response.status_code != 403:
            problems[str(role)] = f"{response.status_code}, not 403: {response.json}"

    # Lowest role first: the first allowed call gets through on fresh data (2xx); later
    # ones may meet what it did (a removed game is 404) but are never refused.
    for position, role in enumerate(allowed):
        response = call(http, world, route, world.role(role).headers["Authorization"], valid=True)
        if response.status_code in (401, 403) or (position == 0 and response.status_code >= 300):
            problems[str(role)] = f"allowed, yet {response.status_code}: {response.json}"

    assert allowed, "a permission no role holds"
    assert problems == {}


@pytest.mark.parametrize("route", PUBLIC, ids=route_id)
def test_a_public_route_checks_a_token_sent_but_needs_none(
    http: FlaskClient, world: World, route: Route
) -> None:
    without = call(http, world, route, None, valid=True)
    assert without.status_code not in (401, 403), without.json
    assert without.status_code < 300, without.json
    for caller, header in (
        ("unknown", UNKNOWN_TOKEN),
        ("malformed", "Bearer a b"),
        ("expired", world.expired.headers["Authorization"]),
        ("revoked", world.revoked.headers["Authorization"]),
        ("deactivated", world.deactivated.headers["Authorization"]),
    ):
        response = call(http, world, route, header, valid=True)
        assert refused_with_401(response, token_sent=True) is None, (caller, response.json)
    member = call(http, world, route, world.member.headers["Authorization"], valid=True)
    assert member.status_code < 300, member.json


@pytest.mark.parametrize("route", OPEN, ids=route_id)
def test_an_open_route_ignores_any_token(http: FlaskClient, world: World, route: Route) -> None:
    for header in (None, UNKNOWN_TOKEN, "Basic abc", world.expired.headers["Authorization"]):
        response = call(http, world, route, header, valid=True)
        assert response.status_code not in (401, 403), (header, response.status_code)


def test_signing_in_ignores_a_dead_token_sent_along(http: FlaskClient, world: World) -> None:
    """An expired token left in a client's settings must not stop it signing in again."""
    body = VALID_BODIES[("post", "/api/v1/auth/tokens")](world)
    for header in (UNKNOWN_TOKEN, "Basic abc", world.expired.headers["Authorization"]):
        response = http.post("/api/v1/auth/tokens", json=body, headers={"Authorization": header})
        assert response.status_code == 201, (header, response.json)

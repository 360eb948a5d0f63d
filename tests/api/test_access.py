"""Every route declares who may call it, and the OpenAPI spec says the same: a route added
later without a declaration fails here, and is closed to all but admins meanwhile."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask

from backend import create_app
from backend.api.access import OPEN, PUBLIC, Access, access_of
from backend.config import Settings
from backend.domain.accounts import Role
from backend.state import app_state
from tests.api.world import openapi_path
from tests.conftest import AccountMaker

IGNORED_METHODS = frozenset({"HEAD", "OPTIONS"})
Security = list[dict[str, list[str]]]
PROTECTED_SECURITY: Security = [{"bearerAuth": []}]
PUBLIC_SECURITY: Security = [{}, {"bearerAuth": []}]
OPEN_SECURITY: Security = []


def routes(app: Flask) -> Iterator[tuple[str, str, str]]:
    """(rule, endpoint, method) for every route of the app, HEAD and OPTIONS aside (Flask
    answers those itself, from GET and the rule's methods)."""
    for rule in app.url_map.iter_rules():
        for method in sorted((rule.methods or set()) - IGNORED_METHODS):
            yield rule.rule, rule.endpoint, method


def undeclared(app: Flask) -> list[str]:
    """The routes whose access nobody declared."""
    return [
        f"{method} {rule} ({endpoint})"
        for rule, endpoint, method in routes(app)
        if access_of(app, endpoint, method) is None
    ]


def test_every_route_declares_its_access(app: Flask) -> None:
    walked = list(routes(app))
    # The walk sees the whole API, or its silence would prove nothing.
    assert len(walked) > 20
    assert ("/api/v1/users/<uuid:user_id>", "users.UserById", "PATCH") in walked
    assert undeclared(app) == []


def test_the_declarations_are_what_the_api_promises(app: Flask) -> None:
    """A few anchors, so a declaration cannot quietly turn into another."""
    assert access_of(app, "games.Games", "GET") == PUBLIC
    assert access_of(app, "auth.Tokens", "POST") == OPEN
    assert access_of(app, "health.Ready", "GET") == OPEN
    users = access_of(app, "users.Users", "POST")
    assert users is not None and users.permission is not None
    assert users.permission.roles == {Role.ADMIN}
    edit = access_of(app, "games.GameById", "PATCH")
    assert edit is not None and edit.permission is not None
    assert edit.permission.roles == {Role.ORGANIZER, Role.ADMIN}


@pytest.fixture
def throwaway_app(migrated_settings: Settings) -> Iterator[Flask]:
    """An app of its own, on this run's database, to add an undeclared route to."""
    application = create_app(migrated_settings)
    yield application
    app_state(application).engine.dispose()


def test_an_undeclared_route_is_flagged_and_admins_only(
    throwaway_app: Flask, accounts: AccountMaker, caplog: pytest.LogCaptureFixture
) -> None:
    assert undeclared(throwaway_app) == []

    def forgotten() -> dict[str, str]:
        return {"reached": "yes"}

    throwaway_app.add_url_rule("/api/v1/forgotten", "forgotten", forgotten, methods=["GET", "POST"])
    assert undeclared(throwaway_app) == [
        "GET /api/v1/forgotten (forgotten)",
        "POST /api/v1/forgotten (forgotten)",
    ]

    client = throwaway_app.test_client()
    member, organizer, admin = (
        accounts(role) for role in (Role.MEMBER, Role.ORGANIZER, Role.ADMIN)
    )
    with caplog.at_level(logging.ERROR, logger="backend.api.access"):
        anonymous = client.get("/api/v1/forgotten")
        assert anonymous.status_code == 401
        assert anonymous.headers["WWW-Authenticate"].startswith("Bearer")
        for account in (member, organizer):
            refused = client.post("/api/v1/forgotten", headers=account.headers)
            assert refused.status_code == 403, account.role
            assert "reached" not in (refused.json or {})
        allowed = client.get("/api/v1/forgotten", headers=admin.headers)
    assert allowed.status_code == 200
    assert allowed.json == {"reached": "yes"}
    assert "no access declared for GET forgotten" in caplog.text


def expected_security(access: Access) -> Security:
    if access.permission is not None:
        return PROTECTED_SECURITY
    return PUBLIC_SECURITY if access.reads_token else OPEN_SECURITY


def test_the_spec_states_each_declared_access(app: Flask) -> None:
    spec: dict[str, Any] = app.test_client().get("/api/openapi.json").get_json()
    assert spec["components"]["securitySchemes"]["bearerAuth"] == {
        "type": "http",
        "scheme": "bearer",
        "description": "An API token from POST /api/v1/auth/tokens.",
    }
    declared = {
        (openapi_path(rule), method.lower()): access_of(app, endpoint, method)
        for rule, endpoint, method in routes(app)
    }
    documented = [
        (path, method)
        for path, methods in spec["paths"].items()
        for method in methods
        if method != "parameters"
    ]
    assert len(documented) > 20
    for path, method in documented:
        access = declared.get((path, method))
        assert access is not None, (method, path)
        operation = spec["paths"][path][method]
        assert operation.get("security") == expected_security(access), (method, path)
        if access.permission is not None or access.reads_token:
            assert "401" in operation["responses"], (method, path)
    kinds = {str(expected_security(declared[key] or OPEN)) for key in documented}
    # Each kind of access is in the spec, so each comparison above was made at least once.
    assert kinds == {str(PROTECTED_SECURITY), str(PUBLIC_SECURITY), str(OPEN_SECURITY)}

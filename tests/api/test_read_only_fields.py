"""A body cannot set what the server keeps: ids, versions, audit fields, roles (but through
the admin's account endpoints) or password and token hashes are 422 naming the field,
and nothing stored changes; for every operation of the spec that takes a JSON body."""

from __future__ import annotations

import re
import uuid
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.engine import Engine

from backend.models import Base
from tests.api.world import VALID_BODIES, World, current_etag, fill, make_world
from tests.conftest import AccountMaker

FORBIDDEN: dict[str, Any] = {
    "id": str(uuid.uuid4()),
    "version": 99,
    "created_at": "2020-01-01T00:00:00+00:00",
    "updated_at": "2020-01-01T00:00:00+00:00",
    "created_by": "user:00000000-0000-0000-0000-000000000000",
    "updated_by": "user:00000000-0000-0000-0000-000000000000",
    "change_reason": "set through the body",
    "password_hash": "$argon2id$v=19$m=8,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA",
    "token_hash": "0" * 64,
    "role": "admin",
}
# The admin's account endpoints, which document `role`: the one way to give a role.
SETS_ROLE = frozenset({("post", "/api/v1/users"), ("patch", "/api/v1/users/{user_id}")})
# The operations that need no caller (signing in); the rest are called by an admin, who
# may call every one of them.
ANONYMOUS = frozenset({("post", "/api/v1/auth/tokens")})


@pytest.fixture(scope="module")
def spec(app: Flask) -> dict[str, Any]:
    document: dict[str, Any] = app.test_client().get("/api/openapi.json").get_json()
    return document


def body_operations(spec: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    """(method, path) -> the properties of its JSON request body, for every operation
    that takes one."""
    found = {}
    for path, methods in spec["paths"].items():
        for method, operation in methods.items():
            if method == "parameters" or "requestBody" not in operation:
                continue
            schema = operation["requestBody"]["content"]["application/json"]["schema"]
            if "$ref" in schema:
                schema = spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
            found[(method, path)] = schema.get("properties", {})
    return found


def forbidden_for(operation: tuple[str, str]) -> list[str]:
    return [name for name in FORBIDDEN if not (name == "role" and operation in SETS_ROLE)]


def test_every_body_of_the_spec_is_covered_and_documents_no_forbidden_field(
    spec: dict[str, Any],
) -> None:
    operations = body_operations(spec)
    assert set(operations) == set(VALID_BODIES), "give each new body a valid example"
    for operation, properties in operations.items():
        assert not set(forbidden_for(operation)) & set(properties), operation
    for operation in SETS_ROLE:
        assert "role" in operations[operation], operation


def snapshot(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, in a fixed order."""
    with engine.connect() as connection:
        return {
            table.name: sorted((tuple(row) for row in connection.execute(select(table))), key=repr)
            for table in Base.metadata.sorted_tables
        }


def path_of(world: World, operation: tuple[str, str]) -> str:
    _method, path = operation
    return fill(world, re.sub(r"\{([^{}]+)\}", r"<\1>", path))


@pytest.fixture
def world(app: Flask, accounts: AccountMaker) -> World:
    return make_world(app, accounts)


@pytest.mark.parametrize("operation", sorted(VALID_BODIES), ids=lambda op: f"{op[0]} {op[1]}")
def test_a_field_the_server_keeps_is_422_and_changes_nothing(
    app: Flask, engine: Engine, world: World, operation: tuple[str, str]
) -> None:
    client: FlaskClient = app.test_client()
    method, _path = operation
    path = path_of(world, operation)
    headers = {} if operation in ANONYMOUS else dict(world.admin.headers)
    etag = current_etag(client, world, path) if method == "patch" else None
    if method == "patch":
        assert etag is not None, path
        headers["If-Match"] = etag
    # Whatever the body names is made first (a play's participant), before the snapshot.
    VALID_BODIES[operation](world)
    before = snapshot(engine)

    problems: dict[str, str] = {}
    for name in forbidden_for(operation):
        body = {**VALID_BODIES[operation](world), name: FORBIDDEN[name]}
        response = client.open(path, method=method.upper(), json=body, headers=headers)
        named = (response.get_json(silent=True) or {}).get("errors", {}).get("json", {})
        if response.status_code != 422 or name not in named:
            problems[name] = f"{response.status_code}: {response.get_json(silent=True)}"
    assert problems == {}

    assert snapshot(engine) == before
    if etag is not None:
        assert current_etag(client, world, path) == etag
    # The same body without the field goes through: the field alone was refused.
    valid = client.open(
        path, method=method.upper(), json=VALID_BODIES[operation](world), headers=headers
    )
    assert valid.status_code < 300, valid.get_json(silent=True)


@pytest.mark.parametrize("operation", sorted(VALID_BODIES), ids=lambda op: f"{op[0]} {op[1]}")
def test_no_body_where_the_spec_requires_one_is_400_and_changes_nothing(
    app: Flask, engine: Engine, spec: dict[str, Any], world: World, operation: tuple[str, str]
) -> None:
    """webargs reads a missing body as `{}`: without this, a PUT of preferences with no body
    would clear them all, and a PATCH with none would answer 200 having done nothing."""
    method, openapi = operation
    required = spec["paths"][openapi][method]["requestBody"].get("required", False)
    client: FlaskClient = app.test_client()
    path = path_of(world, operation)
    headers = {} if operation in ANONYMOUS else dict(world.admin.headers)
    etag = current_etag(client, world, path) if method in ("patch", "put") else None
    if etag is not None:
        headers["If-Match"] = etag
    before = snapshot(engine)

    response = client.open(path, method=method.upper(), headers=headers)

    if not required:  # a body whose every field is optional: none is an empty one
        assert response.status_code < 300, response.get_json(silent=True)
        return
    errors = (response.get_json(silent=True) or {}).get("errors", {}).get("json")
    if response.status_code == 422:  # the fields it needs are named
        assert errors and "Missing data for required field." in str(errors), errors
    else:  # it needs no field: the body itself is missing
        assert (response.status_code, errors) == (400, ["Missing JSON body."]), errors
    assert snapshot(engine) == before

"""Generated requests from the OpenAPI spec (schemathesis): no input a client can send is a 500.

Two passes per operation: ids as generated (mostly unknown ones: 404, 428), then ids of real
entities with their current ETag, so generated bodies reach the views and the database.
"""

from __future__ import annotations

import itertools
from typing import Any

import pytest
import schemathesis
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error

from tests.factories import game_fields

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("clean_database")]

EXAMPLES_PER_OPERATION = 30
_names = itertools.count(1)


def _new_entity(client: FlaskClient, collection: str) -> str:
    body = game_fields() if collection.endswith("/games") else {"name": f"Fuzz {next(_names)}"}
    response = client.post(collection, json=body)
    assert response.status_code == 201, response.json
    return str(response.json["id"])


def aim_at_a_real_entity(client: FlaskClient, case: Any) -> None:
    """Point the case's id at an existing entity and send that entity's current ETag."""
    if not case.path_parameters:
        return
    collection = case.operation.path.split("/{")[0]
    listed = client.get(collection, query_string={"page_size": 1}).json
    entity_id = listed[0]["id"] if listed else _new_entity(client, collection)
    for name in case.path_parameters:
        case.path_parameters[name] = entity_id
    if case.method.upper() in ("PATCH", "DELETE"):
        etag = client.get(f"{collection}/{entity_id}").headers["ETag"]
        case.headers = {**(case.headers or {}), "If-Match": etag}


def fuzz(app: Flask, *, real_entities: bool) -> None:
    client = app.test_client()
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 18

    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=EXAMPLES_PER_OPERATION,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def no_server_error(case: Any) -> None:
            if real_entities:
                aim_at_a_real_entity(client, case)
            case.call_and_validate(checks=[not_a_server_error])

        no_server_error()


def test_no_generated_request_gets_a_server_error(app: Flask) -> None:
    fuzz(app, real_entities=False)


def test_no_generated_change_to_a_real_entity_gets_a_server_error(app: Flask) -> None:
    fuzz(app, real_entities=True)

"""Generated requests from the OpenAPI spec (schemathesis): no input a client can send is a 500."""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from flask import Flask
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error

pytestmark = pytest.mark.slow

EXAMPLES_PER_OPERATION = 60


@pytest.mark.usefixtures("clean_database")
def test_no_generated_request_gets_a_server_error(app: Flask) -> None:
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 8

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
            case.call_and_validate(checks=[not_a_server_error])

        no_server_error()

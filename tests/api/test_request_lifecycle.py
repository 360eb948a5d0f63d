"""The request's Unit of Work: opened lazily, never committed behind the view's back, always
closed; and unexpected errors are JSON 500s that reveal nothing inside."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from flask import Blueprint, Flask
from flask.testing import FlaskClient
from sqlalchemy import text

from backend import create_app
from backend.api.access import PUBLIC, declare
from backend.api.uow import get_uow
from backend.config import Settings
from backend.state import app_state
from tests.factories import make_game

seen: dict[str, Any] = {}
# Public, as the API's reads are: what is under test is the Unit of Work, not access.
probe = Blueprint("lifecycle_probe", __name__, url_prefix="/probe")


@probe.post("/write-then-fail")
@declare(PUBLIC)
def write_then_fail() -> None:
    uow = get_uow()
    seen["uow"] = uow
    uow.games.add(make_game(title="Half-written"))
    uow.session.flush()
    raise RuntimeError("the view failed after writing")


@probe.post("/write-without-commit")
@declare(PUBLIC)
def write_without_commit() -> dict[str, str]:
    uow = get_uow()
    seen["uow"] = uow
    uow.games.add(make_game(title="Never committed"))
    uow.session.flush()
    return {"status": "forgot to commit"}


@probe.get("/read")
@declare(PUBLIC)
def read() -> dict[str, int]:
    uow = get_uow()
    seen["uow"] = uow
    assert get_uow() is uow  # one Unit of Work per request
    return {"games": uow.games.count()}


@probe.get("/write-in-a-read")
@declare(PUBLIC)
def write_in_a_read() -> None:
    uow = get_uow()
    uow.games.add(make_game(title="Written by a GET"))
    uow.commit()


@probe.get("/bad-sql")
@declare(PUBLIC)
def bad_sql() -> None:
    get_uow().session.execute(text("SELECT secret_column FROM no_such_table"))


@pytest.fixture
def probe_app(migrated_settings: Settings, clean_database: None) -> Iterator[Flask]:
    app = create_app(migrated_settings)
    app.register_blueprint(probe)
    seen.clear()
    yield app
    app_state(app).engine.dispose()


@pytest.fixture
def probe_client(probe_app: Flask) -> FlaskClient:
    return probe_app.test_client()


def checked_out(app: Flask) -> int:
    return app_state(app).engine.pool.checkedout()  # type: ignore[attr-defined, no-any-return]


def count_games(client: FlaskClient) -> int:
    return int(client.get("/probe/read").json["games"])


def test_an_error_after_writing_rolls_everything_back(
    probe_app: Flask, probe_client: FlaskClient
) -> None:
    response = probe_client.post("/probe/write-then-fail")
    assert response.status_code == 500
    assert response.json["code"] == 500
    assert checked_out(probe_app) == 0
    assert count_games(probe_client) == 0


def test_teardown_never_commits_what_the_view_did_not(
    probe_app: Flask, probe_client: FlaskClient
) -> None:
    assert probe_client.post("/probe/write-without-commit").status_code == 200
    assert count_games(probe_client) == 0


@pytest.mark.parametrize("path", ["/probe/read", "/probe/write-then-fail"])
def test_the_session_is_closed_and_its_connection_returned_after_the_request(
    probe_app: Flask, probe_client: FlaskClient, path: str
) -> None:
    probe_client.open(path, method="GET" if path.endswith("read") else "POST")
    session = seen["uow"].session
    assert not session.in_transaction()
    assert len(session.identity_map) == 0
    assert checked_out(probe_app) == 0


def test_an_unexpected_database_error_is_a_plain_500_without_sql(probe_client: FlaskClient) -> None:
    response = probe_client.get("/probe/bad-sql")
    assert response.status_code == 500
    assert response.json == {
        "code": 500,
        "status": "Internal Server Error",
        "message": "Something went wrong on our side; it has been logged.",
    }
    assert "no_such_table" not in response.get_data(as_text=True)


def test_reads_get_a_read_only_unit_of_work_and_writes_a_writing_one(
    probe_client: FlaskClient,
) -> None:
    assert probe_client.get("/probe/read").status_code == 200
    assert seen["uow"].read_only
    probe_client.post("/probe/write-without-commit")
    assert not seen["uow"].read_only


def test_a_get_that_tries_to_write_fails_and_stores_nothing(probe_client: FlaskClient) -> None:
    assert probe_client.get("/probe/write-in-a-read").status_code == 500
    assert probe_client.get("/probe/read").json == {"games": 0}

"""The commands' accounts: the demo organizer seed-demo makes, and the actor each command is."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from flask.testing import FlaskClient

from backend import create_app
from backend.config import Settings
from backend.services.accounts import DEMO_ORGANIZER_EMAIL
from backend.state import app_state
from tests.api.helpers import GAMES

TOKENS = "/api/v1/auth/tokens"
PRINTED_PASSWORD = re.compile(r"with the password (\S+)")


def test_seed_demo_makes_the_demo_organizer_once_and_prints_its_password_once(
    app: Flask, anonymous_client: FlaskClient
) -> None:
    first = app.test_cli_runner().invoke(args=["seed-demo"])
    assert first.exit_code == 0, first.output
    printed = PRINTED_PASSWORD.search(first.output)
    assert printed is not None, first.output
    password = printed.group(1)
    assert len(password) >= 12

    signed_in = anonymous_client.post(
        TOKENS, json={"email": DEMO_ORGANIZER_EMAIL, "password": password}
    )
    assert signed_in.status_code == 201
    headers = {"Authorization": f"Bearer {signed_in.json['token']}"}
    me = anonymous_client.get("/api/v1/auth/me", headers=headers).json
    assert (me["role"], me["created_by"]) == ("organizer", "seed-demo")
    # The newcomer can try a write at once.
    assert anonymous_client.post(GAMES, json={"title": "Mine"}, headers=headers).status_code == 201

    second = app.test_cli_runner().invoke(args=["seed-demo"])
    assert second.exit_code == 0
    assert PRINTED_PASSWORD.search(second.output) is None
    assert password not in second.output
    assert "exists" in second.output


# Production refuses the test servers' password-less URLs; the rule does not depend on the
# database anyway.
@pytest.mark.backends("sqlite")
def test_production_never_makes_a_demo_account(
    migrated_settings: Settings, clean_database: None
) -> None:
    settings = Settings(
        **{
            **migrated_settings.__dict__,
            "app_env": "production",
            "secret_key": "s" * 40,
        }
    )
    production = create_app(settings)
    try:
        result = production.test_cli_runner().invoke(args=["seed-demo"])
        assert result.exit_code == 0, result.output
        assert "no demo account" in result.output
        assert "demo club" not in result.output
        assert PRINTED_PASSWORD.search(result.output) is None
        client = production.test_client()
        refused = client.post(TOKENS, json={"email": DEMO_ORGANIZER_EMAIL, "password": "x" * 16})
        assert refused.status_code == 401
    finally:
        app_state(production).engine.dispose()


def test_actor_names_who_the_audit_trail_records_for_a_command(
    app: Flask, anonymous_client: FlaskClient
) -> None:
    result = app.test_cli_runner().invoke(args=["seed-demo", "--actor", "club night setup"])
    assert result.exit_code == 0, result.output
    game = anonymous_client.get(GAMES, query_string={"page_size": 1}).json[0]
    assert (game["created_by"], game["updated_by"]) == ("club night setup", "club night setup")


@pytest.mark.parametrize("actor", ["user:123", "anonymous", "  ", "x" * 65])
def test_an_actor_that_could_pass_for_a_person_is_refused(app: Flask, actor: str) -> None:
    result = app.test_cli_runner().invoke(args=["seed-demo", "--actor", actor])
    assert result.exit_code == 2
    assert "--actor" in result.output

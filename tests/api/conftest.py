"""Fixtures the API tests of member-owned resources share: a client that names each
caller, and one account of each kind of caller."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient

from backend.domain.accounts import Role
from tests.accounts import Account
from tests.conftest import AccountMaker


@pytest.fixture
def http(app: Flask) -> FlaskClient:
    """A client that sends no credentials of its own: each call names its caller."""
    return app.test_client()


@pytest.fixture
def people(accounts: AccountMaker) -> dict[str, Account]:
    """The owner of a player, another member, an organizer and an admin."""
    return {
        "owner": accounts(Role.MEMBER),
        "member": accounts(Role.MEMBER),
        "organizer": accounts(Role.ORGANIZER),
        "admin": accounts(Role.ADMIN),
    }

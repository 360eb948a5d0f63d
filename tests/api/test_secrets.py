"""Secrets stay secret: a stored token hash opens nothing, tokens are compared in constant
time, a deactivated user's tokens stop at once, and no password, token or hash shows in
any answer, log line or audit row of a whole scenario."""

from __future__ import annotations

import hmac
import json
import logging
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import event, select, text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker
from werkzeug.test import TestResponse

from backend.domain.accounts import Role, TokenCredentials
from backend.domain.errors import NotSignedIn
from backend.models import ApiToken, AuditLog
from backend.repositories.unit_of_work import SqlAlchemyUnitOfWork
from backend.repositories.users import ApiTokenRepository
from backend.services import accounts as accounts_service
from backend.services.accounts import token_hash
from backend.state import app_state
from tests.accounts import TEST_PASSWORD, Account
from tests.conftest import AccountMaker
from tests.factories import game_fields

REDACTED = "[redacted]"
ARGON2_HASH = re.compile(r"\$argon2(id|i|d)\$")


def stored_token_hash(session_factory: sessionmaker[Session], account: Account) -> str:
    with session_factory() as session:
        stored: str = session.scalars(
            select(ApiToken.token_hash).where(ApiToken.id == account.token_id)
        ).one()
        return stored


def test_a_stored_token_hash_is_not_a_token(
    anonymous_client: FlaskClient,
    accounts: AccountMaker,
    session_factory: sessionmaker[Session],
) -> None:
    admin = accounts(Role.ADMIN)
    stored = stored_token_hash(session_factory, admin)
    assert stored == token_hash(admin.token) != admin.token
    works = anonymous_client.get("/api/v1/auth/me", headers=admin.headers)
    assert works.status_code == 200
    for path in ("/api/v1/auth/me", "/api/v1/users", "/api/v1/games"):
        response = anonymous_client.get(path, headers={"Authorization": f"Bearer {stored}"})
        assert response.status_code == 401, path
        assert 'error="invalid_token"' in response.headers["WWW-Authenticate"]


@pytest.fixture
def compared(monkeypatch: pytest.MonkeyPatch) -> list[tuple[Any, Any]]:
    """Every call of hmac.compare_digest as backend.services.accounts makes it."""
    calls: list[tuple[Any, Any]] = []
    original = hmac.compare_digest

    def counting(a: Any, b: Any) -> bool:
        calls.append((a, b))
        return original(a, b)

    monkeypatch.setattr("backend.services.accounts.hmac.compare_digest", counting)
    return calls


def test_authenticate_compares_the_stored_hash_in_constant_time(
    accounts: AccountMaker,
    session_factory: sessionmaker[Session],
    compared: list[tuple[Any, Any]],
) -> None:
    member = accounts(Role.MEMBER)
    stored = stored_token_hash(session_factory, member)
    with SqlAlchemyUnitOfWork(session_factory, actor="tests") as uow:
        authenticated = accounts_service.authenticate(uow, member.token)
    assert authenticated.token_id == member.token_id
    assert authenticated.principal.user_id == member.user_id
    assert compared == [(stored, token_hash(member.token))]


def test_a_token_is_compared_in_constant_time_over_http(
    anonymous_client: FlaskClient,
    accounts: AccountMaker,
    session_factory: sessionmaker[Session],
    compared: list[tuple[Any, Any]],
) -> None:
    member = accounts(Role.MEMBER)
    stored = stored_token_hash(session_factory, member)
    assert anonymous_client.get("/api/v1/auth/me", headers=member.headers).status_code == 200
    assert (stored, token_hash(member.token)) in compared


def test_the_constant_time_comparison_is_what_decides(
    accounts: AccountMaker,
    session_factory: sessionmaker[Session],
    monkeypatch: pytest.MonkeyPatch,
    compared: list[tuple[Any, Any]],
) -> None:
    """A lookup that found a row for another hash (a database comparing loosely, say)
    opens nothing: the comparison in constant time refuses it."""
    member = accounts(Role.MEMBER)
    real_lookup = ApiTokenRepository.with_user_by_hash

    def loose_lookup(self: ApiTokenRepository, _digest: str) -> TokenCredentials | None:
        return real_lookup(self, token_hash(member.token))

    monkeypatch.setattr(ApiTokenRepository, "with_user_by_hash", loose_lookup)
    with (
        SqlAlchemyUnitOfWork(session_factory, actor="tests") as uow,
        pytest.raises(NotSignedIn),
    ):
        accounts_service.authenticate(uow, "not-the-member-s-token")
    assert compared == [(token_hash(member.token), token_hash("not-the-member-s-token"))]


def test_a_deactivated_user_s_token_stops_on_the_next_request(
    anonymous_client: FlaskClient,
    accounts: AccountMaker,
    session_factory: sessionmaker[Session],
) -> None:
    admin, organizer = accounts(Role.ADMIN), accounts(Role.ORGANIZER)
    assert anonymous_client.get("/api/v1/auth/me", headers=organizer.headers).status_code == 200
    user_path = f"/api/v1/users/{organizer.user_id}"
    etag = anonymous_client.get(user_path, headers=admin.headers).headers["ETag"]

    deactivated = anonymous_client.patch(
        user_path, json={"is_active": False}, headers={**admin.headers, "If-Match": etag}
    )
    assert deactivated.status_code == 200, deactivated.json
    assert deactivated.get_json()["is_active"] is False

    for path in ("/api/v1/auth/me", "/api/v1/auth/tokens", "/api/v1/games"):
        response = anonymous_client.get(path, headers=organizer.headers)
        assert response.status_code == 401, path
        assert 'error="invalid_token"' in response.headers["WWW-Authenticate"]
    with session_factory() as session:
        token = session.get(ApiToken, organizer.token_id)
        assert token is not None and token.revoked_at is not None

    # Reactivating lets the account sign in again, but brings no old token back.
    etag = deactivated.headers["ETag"]
    reactivated = anonymous_client.patch(
        user_path, json={"is_active": True}, headers={**admin.headers, "If-Match": etag}
    )
    assert reactivated.status_code == 200, reactivated.json
    assert anonymous_client.get("/api/v1/auth/me", headers=organizer.headers).status_code == 401


class Transcript:
    """Everything a scenario showed the outside world: answers (bodies and headers)."""

    def __init__(self, client: FlaskClient) -> None:
        self.client = client
        self.answers: list[str] = []

    def send(
        self,
        method: str,
        path: str,
        expected: int | set[int],
        *,
        token: str | None = None,
        **kwargs: Any,
    ) -> TestResponse:
        headers = dict(kwargs.pop("headers", {}))
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        response = self.client.open(path, method=method, headers=headers, **kwargs)
        statuses = expected if isinstance(expected, set) else {expected}
        assert response.status_code in statuses, (method, path, response.json)
        body = response.get_json(silent=True)
        if response.status_code == 201 and path == "/api/v1/auth/tokens":
            # The one answer that must carry a secret: the new token, shown this once.
            assert isinstance(body, dict) and len(body.pop("token")) >= 40
            self.answers.append(json.dumps(body))
        else:
            self.answers.append(response.get_data(as_text=True))
        self.answers.extend(f"{name}: {value}" for name, value in response.headers.items())
        return response


@contextmanager
def failing_statements(engine: Engine, starting: str) -> Iterator[None]:
    """Statements starting with `starting` fail in the database (their table renamed to
    one that is not there): a bug's error, which the app logs whole."""

    def break_it(
        _conn: Any, _cursor: Any, statement: str, parameters: Any, *_args: Any
    ) -> tuple[str, Any]:
        if statement.startswith(starting):
            statement = statement.replace(starting, starting + "_not_there", 1)
        return statement, parameters

    event.listen(engine, "before_cursor_execute", break_it, retval=True)
    try:
        yield
    finally:
        event.remove(engine, "before_cursor_execute", break_it)


def log_lines(records: list[logging.LogRecord]) -> Iterator[str]:
    formatter = logging.Formatter("%(name)s %(levelname)s %(message)s")
    for record in records:
        yield formatter.format(record)
        yield record.getMessage()
        yield repr(record.args)
        yield str(record.msg)
        if record.exc_text:
            yield record.exc_text


def hash_parts(password_hash: str) -> list[str]:
    """An argon2 hash, and its salt and digest alone ($argon2id$v=19$m=...$salt$digest)."""
    return [password_hash, *password_hash.split("$")[-2:]]


def audit_rows(engine: Engine) -> list[dict[str, Any]]:
    with engine.connect() as connection:
        return [dict(row._mapping) for row in connection.execute(select(AuditLog))]


def stored_hashes(engine: Engine) -> list[str]:
    with engine.connect() as connection:
        passwords = connection.execute(text("SELECT password_hash FROM users")).scalars().all()
        tokens = connection.execute(text("SELECT token_hash FROM api_tokens")).scalars().all()
    return [part for stored in passwords for part in hash_parts(stored)] + list(tokens)


def test_no_secret_shows_in_answers_logs_or_the_audit_trail(
    app: Flask,
    anonymous_client: FlaskClient,
    accounts: AccountMaker,
    engine: Engine,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    for name in ("backend", "werkzeug", "flask_smorest", app.logger.name):
        caplog.set_level(logging.DEBUG, logger=name)
    admin = accounts(Role.ADMIN)
    first_password = "first passphrase of Robin"
    second_password = "second passphrase of Robin"
    wrong_password = "not Robin's passphrase at all"
    email = "robin@example.org"
    hashes: list[str] = []
    tokens: list[str] = [admin.token]
    transcript = Transcript(anonymous_client)
    send: Callable[..., TestResponse] = transcript.send

    created = send(
        "POST",
        "/api/v1/users",
        201,
        token=admin.token,
        json={"email": email, "password": first_password, "display_name": "Robin"},
        headers={"X-Change-Reason": "new member"},
    )
    user_id = created.get_json()["id"]
    hashes += stored_hashes(engine)
    # A bug's database error is logged whole, with the statement that failed.
    with failing_statements(app_state(app).engine, "INSERT INTO users"):
        send(
            "POST",
            "/api/v1/users",
            {500, 503},
            token=admin.token,
            json={"email": "sam@example.org", "password": first_password},
        )

    signed_in = send(
        "POST", "/api/v1/auth/tokens", 201, json={"email": email, "password": first_password}
    )
    first_token = signed_in.get_json()["token"]
    tokens.append(first_token)
    send("GET", "/api/v1/auth/me", 200, token=first_token)
    send("GET", "/api/v1/games", 200, token=first_token)
    send("GET", "/api/v1/auth/tokens", 200, token=first_token)
    send("POST", "/api/v1/games", 403, token=first_token, json=game_fields())
    send(
        "PUT",
        "/api/v1/auth/me/password",
        204,
        token=first_token,
        json={"current_password": first_password, "new_password": second_password},
    )
    send(
        "PUT",
        "/api/v1/auth/me/password",
        422,
        token=first_token,
        json={"current_password": wrong_password, "new_password": second_password},
    )
    again = send(
        "POST",
        "/api/v1/auth/tokens",
        201,
        json={"email": email, "password": second_password, "name": "phone"},
    )
    second_token = again.get_json()["token"]
    tokens.append(second_token)
    send("POST", "/api/v1/auth/tokens", 401, json={"email": email, "password": wrong_password})
    send("POST", "/api/v1/auth/tokens", 401, json={"email": email, "password": first_password})
    send("GET", "/api/v1/auth/me", 401, token=token_hash(second_token))
    send("POST", "/api/v1/games", 201, token=admin.token, json=game_fields())
    send("GET", "/api/v1/audit", 200, token=admin.token, query_string={"page_size": 100})

    hashes += stored_hashes(engine)  # before deactivation
    etag = send("GET", f"/api/v1/users/{user_id}", 200, token=admin.token).headers["ETag"]
    send(
        "PATCH",
        f"/api/v1/users/{user_id}",
        200,
        token=admin.token,
        json={"is_active": False},
        headers={"If-Match": etag},
    )
    send("GET", "/api/v1/auth/me", 401, token=second_token)
    send("POST", "/api/v1/auth/tokens", 401, json={"email": email, "password": second_password})
    send("GET", "/api/v1/audit", 200, token=admin.token, query_string={"page_size": 100})
    hashes += stored_hashes(engine)  # at the end

    rows = audit_rows(engine)
    passwords = [TEST_PASSWORD, first_password, second_password, wrong_password]
    secrets = {*passwords, *tokens, *(token_hash(token) for token in tokens), *hashes}
    assert len(hashes) > 10 and all(len(secret) >= 16 for secret in secrets)
    places = {
        "answers": transcript.answers,
        "log lines": list(log_lines(caplog.records)),
        "audit rows": [json.dumps(row, default=str) for row in rows],
    }
    # The scenario did reach the logs and the trail, or their silence would prove nothing.
    assert any("unexpected database error" in line for line in places["log lines"])
    assert len(rows) >= 8
    leaks = [
        (place, secret[:12], line[:200])
        for place, lines in places.items()
        for line in lines
        for secret in secrets
        if secret in line
    ]
    # Hashes never stored (of a failed insert) are caught by their shape.
    leaks += [
        (place, "an argon2 hash", line[:200])
        for place, lines in places.items()
        for line in lines
        if ARGON2_HASH.search(line)
    ]
    assert leaks == []

    # The trail says that a password or token hash changed, never what it is.
    users = [row for row in rows if (row["entity_type"], row["entity_id"]) == ("users", user_id)]
    assert users, rows
    password_changes = [
        row["changes"]["password_hash"] for row in users if "password_hash" in row["changes"]
    ]
    assert [None, REDACTED] in password_changes
    assert [REDACTED, REDACTED] in password_changes
    token_rows = [
        row for row in rows if row["entity_type"] == "api_tokens" and row["action"] == "insert"
    ]
    assert len(token_rows) >= 2
    assert all(row["changes"]["token_hash"] == [None, REDACTED] for row in token_rows)

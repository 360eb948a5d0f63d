"""Accounts for tests: users with a known password and a working token, made without the
cost of real password hashing."""

from __future__ import annotations

import functools
import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from argon2 import PasswordHasher
from sqlalchemy.orm import Session, sessionmaker

from backend.domain.accounts import Role
from backend.models import ApiToken, User
from backend.repositories.unit_of_work import SqlAlchemyUnitOfWork
from backend.services.accounts import token_hash

TEST_PASSWORD = "correct horse battery staple"
# Cheap parameters: what is under test never depends on the hashing's cost.
CHEAP_HASHER = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)


@functools.cache
def cheap_password_hash() -> str:
    return CHEAP_HASHER.hash(TEST_PASSWORD)


@dataclass(frozen=True)
class Account:
    """A user made for a test, with the secret of one of their tokens."""

    user_id: uuid.UUID
    email: str
    role: Role
    token: str
    token_id: uuid.UUID

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    @property
    def actor(self) -> str:
        """How the audit trail names this user."""
        return f"user:{self.user_id}"


def add_account(
    session_factory: sessionmaker[Session],
    role: Role = Role.ORGANIZER,
    *,
    email: str | None = None,
    active: bool = True,
    expires_in: timedelta = timedelta(days=1),
    revoked: bool = False,
) -> Account:
    """A user with TEST_PASSWORD and a token. The token's last use is noted as now, so
    requests in the next minute do not write it (statement counts stay exact)."""
    email = email or f"{role}-{uuid.uuid4().hex[:8]}@example.org"
    secret = secrets.token_urlsafe(32)
    now = datetime.now(UTC)
    with SqlAlchemyUnitOfWork(session_factory, actor="tests") as uow:
        user = uow.users.add(
            User(
                id=uuid.uuid4(),
                email=email,
                email_key=email.casefold(),
                display_name=email.split("@")[0],
                password_hash=cheap_password_hash(),
                role=role,
                is_active=active,
            )
        )
        uow.commit()  # first: no relationship tells the flush that the token needs the user
        token = uow.api_tokens.add(
            ApiToken(
                id=uuid.uuid4(),
                user_id=user.id,
                name="tests",
                token_hash=token_hash(secret),
                expires_at=now + expires_in,
                last_used_at=now,
                revoked_at=now if revoked else None,
            )
        )
        uow.commit()
        return Account(user.id, email, role, secret, token.id)

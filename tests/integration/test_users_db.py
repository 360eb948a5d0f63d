"""Users and API tokens on every configured database: the unique keys and the foreign key
hold there, whatever the database's collation, and the repositories' queries find them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from argon2 import PasswordHasher
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from backend.db.errors import raising_domain_errors
from backend.domain.accounts import Role
from backend.domain.errors import (
    BrokenReferenceError,
    DomainRuleError,
    DuplicateError,
    NotSignedIn,
)
from backend.domain.principal import SYSTEM
from backend.models import ApiToken, AuditLog, Base, User
from backend.repositories.audit import REDACTED
from backend.repositories.unit_of_work import SqlAlchemyUnitOfWork
from backend.services import accounts

pytestmark = pytest.mark.usefixtures("clean_database")
Factory = sessionmaker[Session]
CHEAP = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
PASSWORD = "correct horse battery"


def create(session_factory: Factory, email: str, role: Role = Role.MEMBER) -> User:
    with SqlAlchemyUnitOfWork(session_factory) as uow:
        return accounts.create_user(uow, SYSTEM, email, PASSWORD, role=role, hasher=CHEAP)


def token_row(user: User, token_hash: str) -> ApiToken:
    return ApiToken(
        user_id=user.id,
        name="laptop",
        token_hash=token_hash,
        expires_at=datetime.now(UTC) + timedelta(days=1),
    )


def test_an_email_differing_only_in_case_is_refused_by_the_unique_key(
    session_factory: Factory,
) -> None:
    create(session_factory, "Ann@Example.org")
    with SqlAlchemyUnitOfWork(session_factory) as uow, pytest.raises(DuplicateError) as refused:
        # Past the service's own check: the database's key refuses it too.
        uow.users.add(
            User(
                email="ANN@example.ORG",
                email_key="ann@example.org",
                display_name="Ann",
                password_hash="x",
                role=Role.MEMBER,
            )
        )
        uow.commit()
    assert refused.value.message == "Another account already has this email."
    with SqlAlchemyUnitOfWork(session_factory) as uow:
        assert uow.users.count() == 1
        found = uow.users.get_by_email("ann@example.org")
        assert found is not None and found.email == "Ann@Example.org"


def test_keys_differing_only_in_accents_are_two_accounts(session_factory: Factory) -> None:
    create(session_factory, "cafe@example.org")
    create(session_factory, "café@example.org")  # MariaDB's default collation took these as one
    with SqlAlchemyUnitOfWork(session_factory) as uow:
        assert uow.users.count() == 2


def test_a_token_hash_is_unique(session_factory: Factory) -> None:
    user = create(session_factory, "ann@example.org")
    with SqlAlchemyUnitOfWork(session_factory) as uow:
        uow.api_tokens.add(token_row(user, "a" * 64))
        uow.commit()
    with SqlAlchemyUnitOfWork(session_factory) as uow, pytest.raises(DuplicateError):
        uow.api_tokens.add(token_row(user, "a" * 64))
        uow.commit()


def test_a_user_with_tokens_cannot_be_deleted(session_factory: Factory) -> None:
    user = create(session_factory, "ann@example.org")
    with SqlAlchemyUnitOfWork(session_factory) as uow:
        uow.api_tokens.add(token_row(user, "b" * 64))
        uow.commit()
    with SqlAlchemyUnitOfWork(session_factory) as uow, pytest.raises(BrokenReferenceError):
        uow.users.delete(uow.users.get_or_raise(user.id))
        uow.commit()
    with SqlAlchemyUnitOfWork(session_factory) as uow:
        assert uow.users.get(user.id) is not None


def test_a_role_outside_the_enum_is_refused_by_its_check(session_factory: Factory) -> None:
    user = create(session_factory, "ann@example.org")
    refused = pytest.raises(DomainRuleError)
    with session_factory() as session, refused, raising_domain_errors(Base.metadata):
        session.execute(User.__table__.update().values(role="owner").where(User.id == user.id))


def test_sign_in_tokens_and_admin_counts_round_trip(session_factory: Factory) -> None:
    admin = create(session_factory, "admin@example.org", Role.ADMIN)
    create(session_factory, "ann@example.org")
    with SqlAlchemyUnitOfWork(session_factory, actor="sign-in") as uow:
        token, secret = accounts.sign_in(
            uow, SYSTEM, "ADMIN@example.org", PASSWORD, "laptop", hasher=CHEAP
        )
    with SqlAlchemyUnitOfWork(session_factory) as uow:
        assert uow.users.count_active_admins() == 1
        found = accounts.authenticate(uow, secret)
        assert (found.principal.user_id, found.token_id) == (admin.id, token.id)
        stored = uow.api_tokens.by_hash(accounts.token_hash(secret))
        assert stored is not None and stored.expires_at > datetime.now(UTC)
        assert [t.id for t in uow.api_tokens.of_user(admin.id)] == [token.id]
    with SqlAlchemyUnitOfWork(session_factory) as uow:
        accounts.change_password(
            uow,
            accounts.principal_of(admin),
            current_password=PASSWORD,
            new_password="another long passphrase",
            hasher=CHEAP,
        )
    with SqlAlchemyUnitOfWork(session_factory) as uow:
        with pytest.raises(NotSignedIn):
            accounts.authenticate(uow, secret)
        revoked = uow.api_tokens.get_or_raise(token.id)
        assert revoked.revoked_at is not None and revoked.version == 2


def test_the_audit_trail_records_password_and_token_changes_without_the_hashes(
    session_factory: Factory,
) -> None:
    user = create(session_factory, "ann@example.org")
    with SqlAlchemyUnitOfWork(session_factory) as uow:
        accounts.sign_in(uow, SYSTEM, "ann@example.org", PASSWORD, "laptop", hasher=CHEAP)
    with SqlAlchemyUnitOfWork(session_factory, actor=accounts.principal_of(user).name) as uow:
        accounts.change_password(
            uow,
            accounts.principal_of(user),
            current_password=PASSWORD,
            new_password="another long passphrase",
            hasher=CHEAP,
        )
    with session_factory() as session:
        entries = session.scalars(select(AuditLog).order_by(AuditLog.id)).all()
        hashes = session.execute(select(User.password_hash)).scalars().all()
    recorded = [(entry.entity_type, entry.action.value, entry.changes) for entry in entries]
    assert [(kind, action) for kind, action, _ in recorded] == [
        ("users", "insert"),
        ("api_tokens", "insert"),
        ("users", "update"),
        ("api_tokens", "update"),
    ]
    assert recorded[0][2]["password_hash"] == [None, REDACTED]
    assert recorded[1][2]["token_hash"] == [None, REDACTED]
    assert recorded[2][2] == {"password_hash": [REDACTED, REDACTED]}
    assert entries[2].actor == f"user:{user.id}"
    assert not any(stored in str(recorded) for stored in hashes)

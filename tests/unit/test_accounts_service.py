"""The accounts' services on the in-memory Unit of Work: their rules, without a database."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

import pytest
from argon2 import PasswordHasher

from backend.domain.accounts import Role, email_key, password_problem
from backend.domain.errors import (
    DomainRuleError,
    DuplicateError,
    NotFoundError,
    NotSignedIn,
    PermissionDenied,
    SignInRefused,
)
from backend.domain.principal import ANONYMOUS, SYSTEM, Principal
from backend.models import User
from backend.services import accounts
from backend.services.unit_of_work import UnitOfWork
from tests.fakes import FakeUnitOfWork

# Cheap parameters: the rules under test do not depend on the hashing's cost.
CHEAP = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
STRONGER = PasswordHasher(time_cost=2, memory_cost=16, parallelism=1)
PASSWORD = "correct horse battery"


def add_user(
    uow: FakeUnitOfWork,
    email: str = "ann@example.org",
    role: Role = Role.MEMBER,
    password: str = PASSWORD,
) -> User:
    return accounts.create_user(uow, SYSTEM, email, password, role=role, hasher=CHEAP)


def sign_in(uow: FakeUnitOfWork, email: str = "ann@example.org", password: str = PASSWORD) -> str:
    _token, secret = accounts.sign_in(uow, ANONYMOUS, email, password, "laptop", hasher=CHEAP)
    return secret


def user_for_token(uow: FakeUnitOfWork, secret: str, *, now: datetime | None = None) -> User | None:
    """The user a token authenticates, or None when it is refused."""
    try:
        authenticated = accounts.authenticate(uow, secret, now=now)
    except NotSignedIn:
        return None
    return uow.users.get(authenticated.principal.user_id)


def as_user(user: User) -> Principal:
    return accounts.principal_of(user)


def test_the_fake_is_a_unit_of_work_with_accounts() -> None:
    uow: UnitOfWork = FakeUnitOfWork()  # mypy checks the protocol here
    assert uow.users.count_active_admins() == 0


def test_email_keys_fold_case_and_spaces_and_refuse_what_is_no_address() -> None:
    assert email_key("  Ann@Example.ORG ") == "ann@example.org"
    assert email_key("STRASSE@x.de") == email_key("straße@x.de")  # casefold, not lower
    for bad in ["", "ann", "@example.org", "ann@", "a b@example.org", "a@b@c"]:
        with pytest.raises(DomainRuleError) as refused:
            email_key(bad)
        assert "email" in refused.value.fields


def test_the_password_rule_is_twelve_characters() -> None:
    assert password_problem("x" * 12) is None
    assert password_problem("x" * 11) == "Must be at least 12 characters long."


def test_principals_of_users_are_named_by_id_and_system_ones_unchanged() -> None:
    uow = FakeUnitOfWork()
    user = add_user(uow, role=Role.ORGANIZER)
    principal = as_user(user)
    assert principal == Principal(f"user:{user.id}", user.id, Role.ORGANIZER)
    assert (SYSTEM.name, SYSTEM.user_id, SYSTEM.role) == ("system", None, None)
    assert SYSTEM.is_system and not ANONYMOUS.is_system and not principal.is_system


def test_create_user_stores_a_hash_and_the_normalised_email() -> None:
    uow = FakeUnitOfWork()
    user = add_user(uow, " Ann@Example.org ")
    assert (user.email, user.email_key, user.display_name) == (
        "Ann@Example.org",
        "ann@example.org",
        "Ann@Example.org",
    )
    assert user.password_hash.startswith("$argon2id$")
    assert PASSWORD not in user.password_hash
    assert (user.role, user.is_active, uow.commits) == (Role.MEMBER, True, 1)


def test_an_email_taken_in_another_case_is_a_duplicate() -> None:
    uow = FakeUnitOfWork()
    add_user(uow, "ann@example.org")
    with uow, pytest.raises(DuplicateError) as refused:
        add_user(uow, "ANN@example.ORG")
    assert refused.value.fields == {"email": ["already taken"]}
    assert len(uow.users.stored) == 1


def test_a_weak_password_is_refused_naming_the_field() -> None:
    uow = FakeUnitOfWork()
    with pytest.raises(DomainRuleError) as refused:
        add_user(uow, password="short")
    assert refused.value.fields == {"password": ["Must be at least 12 characters long."]}
    assert uow.users.stored == {}


def test_only_admins_and_system_principals_create_users() -> None:
    uow = FakeUnitOfWork()
    admin = add_user(uow, "admin@example.org", Role.ADMIN)
    organizer = add_user(uow, "org@example.org", Role.ORGANIZER)
    accounts.create_user(uow, as_user(admin), "bob@example.org", PASSWORD, hasher=CHEAP)
    with pytest.raises(PermissionDenied):
        accounts.create_user(uow, as_user(organizer), "eve@example.org", PASSWORD, hasher=CHEAP)
    with pytest.raises(NotSignedIn):
        accounts.create_user(uow, ANONYMOUS, "eve@example.org", PASSWORD, hasher=CHEAP)
    assert uow.users.get_by_email("eve@example.org") is None


def test_sign_in_gives_a_secret_of_which_only_the_hash_is_stored() -> None:
    uow = FakeUnitOfWork()
    user = add_user(uow)
    token, secret = accounts.sign_in(
        uow, ANONYMOUS, "ANN@example.org", PASSWORD, "laptop", hasher=CHEAP
    )
    assert len(secret) >= 43  # 32 random bytes, URL-safe base64
    assert token.token_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in {value for value in vars(token).values() if isinstance(value, str)}
    assert token.expires_at - datetime.now(UTC) > timedelta(days=29)
    assert user_for_token(uow, secret) is user
    # The stored hash is not a token: a leaked table opens nothing.
    assert user_for_token(uow, token.token_hash) is None
    assert user_for_token(uow, "nonsense") is None


def test_wrong_password_unknown_email_and_deactivated_account_read_alike() -> None:
    uow = FakeUnitOfWork()
    admin = add_user(uow, "admin@example.org", Role.ADMIN)
    user = add_user(uow)
    messages = []
    for email, password in [
        ("ann@example.org", "wrong password here"),
        ("nobody@example.org", PASSWORD),
        ("not an email", PASSWORD),
    ]:
        with pytest.raises(SignInRefused) as refused:
            sign_in(uow, email, password)
        messages.append(refused.value.message)
    accounts.deactivate(uow, as_user(admin), user.id)
    with pytest.raises(SignInRefused) as refused:
        sign_in(uow)
    messages.append(refused.value.message)
    assert set(messages) == {"Wrong email or password."}
    assert uow.api_tokens.stored == {}


def test_sign_in_rehashes_a_password_stored_with_weaker_parameters() -> None:
    uow = FakeUnitOfWork()
    user = add_user(uow)
    weak_hash = user.password_hash
    accounts.sign_in(uow, ANONYMOUS, "ann@example.org", PASSWORD, "laptop", hasher=STRONGER)
    assert user.password_hash != weak_hash
    assert not STRONGER.check_needs_rehash(user.password_hash)
    assert STRONGER.verify(user.password_hash, PASSWORD)
    again = user.password_hash
    accounts.sign_in(uow, ANONYMOUS, "ann@example.org", PASSWORD, "phone", hasher=STRONGER)
    assert user.password_hash == again  # strong enough now: left alone


def test_expired_revoked_and_deactivated_tokens_find_nobody() -> None:
    uow = FakeUnitOfWork()
    admin = add_user(uow, "admin@example.org", Role.ADMIN)
    user = add_user(uow)
    later = datetime.now(UTC) + timedelta(days=31)
    expiring = sign_in(uow)
    assert user_for_token(uow, expiring, now=later) is None

    revoked = sign_in(uow)
    token = uow.api_tokens.by_hash(accounts.token_hash(revoked))
    assert token is not None
    accounts.revoke_token(uow, as_user(user), token.id)
    assert user_for_token(uow, revoked) is None

    kept = sign_in(uow)
    accounts.deactivate(uow, as_user(admin), user.id)
    assert user_for_token(uow, kept) is None
    accounts.reactivate(uow, as_user(admin), user.id)
    assert user_for_token(uow, kept) is None  # revoked at deactivation
    assert user_for_token(uow, sign_in(uow)) is user


def test_a_member_revokes_only_their_own_tokens_and_an_admin_any() -> None:
    uow = FakeUnitOfWork()
    admin = add_user(uow, "admin@example.org", Role.ADMIN)
    ann, bob = add_user(uow), add_user(uow, "bob@example.org")
    token, _secret = accounts.sign_in(
        uow, ANONYMOUS, "ann@example.org", PASSWORD, "laptop", hasher=CHEAP
    )
    with pytest.raises(NotFoundError):
        accounts.revoke_token(uow, as_user(bob), token.id)
    assert token.revoked_at is None
    accounts.revoke_token(uow, as_user(admin), token.id)
    assert token.revoked_at is not None
    assert ann.id == token.user_id


def test_change_password_needs_the_current_one_and_revokes_the_other_tokens() -> None:
    uow = FakeUnitOfWork()
    user = add_user(uow)
    this, this_secret = accounts.sign_in(
        uow, ANONYMOUS, "ann@example.org", PASSWORD, "laptop", hasher=CHEAP
    )
    other = sign_in(uow)
    new = "a brand new passphrase"
    with uow, pytest.raises(DomainRuleError) as wrong:
        accounts.change_password(
            uow, as_user(user), current_password="not the password", new_password=new, hasher=CHEAP
        )
    assert list(wrong.value.fields) == ["current_password"]
    with uow, pytest.raises(DomainRuleError):
        accounts.change_password(
            uow, as_user(user), current_password=PASSWORD, new_password="short", hasher=CHEAP
        )
    assert user_for_token(uow, other) is user

    accounts.change_password(
        uow,
        as_user(user),
        current_password=PASSWORD,
        new_password=new,
        keep_token_id=this.id,
        hasher=CHEAP,
    )
    assert user_for_token(uow, other) is None
    assert user_for_token(uow, this_secret) is user
    with pytest.raises(SignInRefused):
        sign_in(uow)
    assert sign_in(uow, password=new)
    with pytest.raises(NotSignedIn):
        accounts.change_password(
            uow, SYSTEM, current_password=new, new_password=PASSWORD, hasher=CHEAP
        )


def test_the_last_active_admin_keeps_the_role_and_stays_active() -> None:
    uow = FakeUnitOfWork()
    admin = add_user(uow, "admin@example.org", Role.ADMIN)
    with uow, pytest.raises(DomainRuleError, match="last active admin"):
        accounts.change_role(uow, as_user(admin), admin.id, Role.MEMBER)
    with uow, pytest.raises(DomainRuleError, match="last active admin"):
        accounts.deactivate(uow, as_user(admin), admin.id)
    assert (admin.role, admin.is_active) == (Role.ADMIN, True)

    second = add_user(uow, "second@example.org", Role.MEMBER)
    accounts.change_role(uow, as_user(admin), second.id, Role.ADMIN)
    accounts.deactivate(uow, as_user(second), admin.id)
    assert admin.is_active is False
    with uow, pytest.raises(DomainRuleError):
        accounts.change_role(uow, as_user(second), second.id, Role.ORGANIZER)


def test_only_admins_change_roles_and_activity() -> None:
    uow = FakeUnitOfWork()
    add_user(uow, "admin@example.org", Role.ADMIN)
    organizer = add_user(uow, "org@example.org", Role.ORGANIZER)
    member = add_user(uow)
    with pytest.raises(PermissionDenied):
        accounts.change_role(uow, as_user(organizer), member.id, Role.ADMIN)
    with pytest.raises(PermissionDenied):
        accounts.deactivate(uow, as_user(organizer), member.id)
    with pytest.raises(PermissionDenied):
        accounts.reactivate(uow, as_user(member), member.id)
    with pytest.raises(NotFoundError):
        accounts.change_role(uow, SYSTEM, organizer.id.__class__(int=0), Role.ADMIN)


def test_a_failed_service_call_leaves_the_fake_as_committed() -> None:
    uow = FakeUnitOfWork()
    user = add_user(uow)
    sign_in(uow)
    uow.api_tokens.revoke_all_of_user(user.id, datetime.now(UTC))
    uow.users.update(user, {"display_name": "Changed"})
    uow.rollback()
    assert user.display_name == "ann@example.org"
    assert all(token.revoked_at is None for token in uow.api_tokens.stored.values())


def test_authenticating_writes_nothing_and_says_when_the_tokens_use_is_due() -> None:
    uow = FakeUnitOfWork()
    add_user(uow)
    secret = sign_in(uow)
    token = uow.api_tokens.by_hash(accounts.token_hash(secret))
    assert token is not None and token.last_used_at is None
    now = datetime.now(UTC)

    first = accounts.authenticate(uow, secret, now=now)
    assert first.use_to_record  # never noted yet
    assert token.last_used_at is None  # authenticate itself writes nothing
    accounts.record_token_use(uow, first.token_id, now=now)
    assert token.last_used_at == now

    soon = now + timedelta(seconds=59)
    assert not accounts.authenticate(uow, secret, now=soon).use_to_record
    accounts.record_token_use(uow, first.token_id, now=soon)  # another worker's, say
    assert token.last_used_at == now  # within the minute: not written again
    later = now + timedelta(minutes=1)
    assert accounts.authenticate(uow, secret, now=later).use_to_record
    assert uow.api_tokens.uses_recorded == [(token.id, now)]

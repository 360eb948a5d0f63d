"""Accounts' one way in: creating users, signing in for an API token, and managing both.

Passwords are hashed with argon2id (argon2-cffi's defaults, which meet OWASP's advice);
a service that hashes takes the `hasher`, so tests can hand it cheap parameters. An API
token's secret is shown once, to the one who signed in: only its SHA-256 is stored, so a
copy of the database opens no account. Failed sign-ins are counted per email in the
database, so every worker of every host throttles the same email alike.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import Any, NoReturn
from uuid import UUID

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from backend.domain.accounts import (
    API_TOKEN_RULES,
    DEFAULT_TOKEN_LIFETIME,
    SIGN_IN_WINDOW,
    USER_RULES,
    Role,
    check_password,
    email_key,
    recent,
    sign_in_wait,
    throttle_key,
    whole_seconds_up,
)
from backend.domain.errors import (
    DomainRuleError,
    DuplicateError,
    NotFoundError,
    NotSignedIn,
    SignInRefused,
    SignInThrottled,
)
from backend.domain.permissions import Permission, require
from backend.domain.principal import Principal
from backend.domain.rules import raise_violations
from backend.domain.versions import ExpectedVersion, VersionTag, version_tag
from backend.models import ApiToken, User
from backend.repositories.base import Page
from backend.services.unit_of_work import UnitOfWork

DEFAULT_HASHER = PasswordHasher()  # argon2id with argon2-cffi's (RFC 9106 low-memory) defaults
TOKEN_BYTES = 32  # 256 bits: past guessing, so a plain SHA-256 of it is a safe lookup key
DUPLICATE_EMAIL = "Another account already has this email."
DEMO_ORGANIZER_EMAIL = "organizer@example.org"
DEMO_PASSWORD_BYTES = 12  # 16 URL-safe characters: past the 12-character minimum
# What the admin endpoint may change of an account; the email and password are the user's.
CHANGEABLE_BY_ADMIN = frozenset({"display_name", "role", "is_active"})
# A token's last use is written at most this often: a busy client's every request would
# otherwise be a write.
TOKEN_USE_RECORDED_EVERY = timedelta(minutes=1)
SIGN_IN_AGAIN = (
    "The bearer token is unknown, expired or revoked, or its account is deactivated; "
    "sign in again (POST /api/v1/auth/tokens)."
)


@dataclass(frozen=True)
class Authenticated:
    """Who a request's token speaks for, which token it was, and whether its use is to be
    noted (the last one noted is over a minute old)."""

    principal: Principal
    token_id: UUID
    use_to_record: bool = False


def create_user(
    uow: UnitOfWork,
    principal: Principal,
    email: str,
    password: str,
    *,
    display_name: str | None = None,
    role: Role = Role.MEMBER,
    hasher: PasswordHasher = DEFAULT_HASHER,
) -> User:
    """Create an account; only an admin or a system principal (an operator's command) may."""
    require(principal, Permission.MANAGE_USERS)
    key = email_key(email)
    check_password(password)
    values = {
        "email": email.strip(),
        "email_key": key,
        "display_name": (display_name or email.strip()).strip(),
    }
    raise_violations(USER_RULES.violations(values))
    if uow.users.get_by_email(key) is not None:
        raise DuplicateError(DUPLICATE_EMAIL, fields={"email": ["already taken"]})
    user = uow.users.add(
        User(**values, password_hash=hasher.hash(password), role=Role(role), is_active=True)
    )
    uow.commit()
    return user


def create_demo_organizer(uow: UnitOfWork, principal: Principal) -> str | None:
    """The demo organizer account (DEMO_ORGANIZER_EMAIL) with a new random password, which
    is returned to be shown once; None, changing nothing, when the account exists. For a
    first look in development: callers never run it in production."""
    if uow.users.get_by_email(email_key(DEMO_ORGANIZER_EMAIL)) is not None:
        return None
    password = secrets.token_urlsafe(DEMO_PASSWORD_BYTES)
    create_user(
        uow,
        principal,
        DEMO_ORGANIZER_EMAIL,
        password,
        display_name="Demo organizer",
        role=Role.ORGANIZER,
    )
    return password


def sign_in(
    uow: UnitOfWork,
    principal: Principal,
    email: str,
    password: str,
    token_name: str,
    *,
    lifetime: timedelta = DEFAULT_TOKEN_LIFETIME,
    hasher: PasswordHasher = DEFAULT_HASHER,
    now: datetime | None = None,
) -> tuple[ApiToken, str]:
    """A new API token and its secret for the account with this email and password.

    SignInRefused, with one message, for an unknown email, a wrong password or a
    deactivated account; an unknown email costs a verification too (against a dummy hash),
    so the time taken tells no more than the message. Each refusal is counted against the
    email (throttle_key of the domain), account or not, and committed; after
    SIGN_IN_FAILURE_LIMIT of them within SIGN_IN_WINDOW, SignInThrottled, before any
    password is checked, until the oldest leaves the window. Signing in clears the count.
    A password hashed with weaker parameters than the hasher's is rehashed on the way.
    """
    now = now or _now()
    key = throttle_key(email)
    # Locked until this Unit of Work ends: concurrent attempts for one email take turns,
    # so they cannot all pass the check before the count catches up.
    failures = recent(uow.sign_in_throttles.locked_failures(key), now)
    wait = sign_in_wait(failures, now)
    if wait is not None:
        raise SignInThrottled(whole_seconds_up(wait))
    user = uow.users.get_by_email(key) if _is_email(email) else None
    stored_hash = _dummy_hash(hasher) if user is None else user.password_hash
    if not _verify(hasher, stored_hash, password) or user is None or not user.is_active:
        _refuse(uow, key, failures, now)
    if hasher.check_needs_rehash(user.password_hash):
        uow.users.update(user, {"password_hash": hasher.hash(password)})
    uow.sign_in_throttles.clear(key)
    token, secret = _new_token(uow, user, token_name, lifetime, now)
    uow.commit()
    return token, secret


def authenticate(uow: UnitOfWork, secret: str, *, now: datetime | None = None) -> Authenticated:
    """The principal an API token's secret speaks for; NotSignedIn for an unknown, expired
    or revoked token and for a deactivated account's.

    One statement, which finds the token and its user; it writes and commits nothing, so it
    can run first in the request's own (read-only, for a read) Unit of Work. Whether the
    token's last use should be written is in the answer: see record_token_use.
    """
    now = now or _now()
    digest = token_hash(secret)
    token = uow.api_tokens.with_user_by_hash(digest)
    # The lookup compared the hash already; this keeps the comparison in constant time
    # whatever the database did.
    if token is None or not hmac.compare_digest(token.token_hash, digest):
        raise NotSignedIn(SIGN_IN_AGAIN, credentials_sent=True)
    if token.revoked_at is not None or token.expires_at <= now or not token.user_active:
        raise NotSignedIn(SIGN_IN_AGAIN, credentials_sent=True)
    stale = token.last_used_at is None or token.last_used_at <= now - TOKEN_USE_RECORDED_EVERY
    return Authenticated(
        Principal.of_user(token.user_id, token.role), token.token_id, use_to_record=stale
    )


def record_token_use(uow: UnitOfWork, token_id: UUID, *, now: datetime | None = None) -> None:
    """Note a token's use now, unless a use within the last minute is noted (by another
    request, worker or host), and commit. At most once a minute per token: a busy client's
    every request would otherwise be a write."""
    now = now or _now()
    uow.api_tokens.record_use(token_id, now, unless_since=now - TOKEN_USE_RECORDED_EVERY)
    uow.commit()


def principal_of(user: User) -> Principal:
    """The principal a signed-in user acts as."""
    return Principal.of_user(user.id, user.role)


def tokens_page(
    uow: UnitOfWork, principal: Principal, *, page: int = 1, page_size: int = 20
) -> Page[ApiToken]:
    """The signed-in user's own tokens, newest first (never their secrets: only hashes are
    stored)."""
    user = current_user(uow, principal)
    return uow.api_tokens.page_of_user(user.id, page=page, page_size=page_size)


def current_user(uow: UnitOfWork, principal: Principal) -> User:
    """The signed-in user's own account."""
    require(principal, Permission.SIGNED_IN)
    if principal.user_id is None:
        raise NotSignedIn("Only a signed-in user has an account; this is a system process.")
    return uow.users.get_or_raise(principal.user_id)


def revoke_token(
    uow: UnitOfWork, principal: Principal, token_id: UUID, *, now: datetime | None = None
) -> ApiToken:
    """Revoke a token: one's own, or anyone's for an admin or a system principal. Another
    user's token is NotFoundError to a member, so ids tell nothing of other accounts."""
    require(principal, Permission.SIGNED_IN)
    token = uow.api_tokens.get_or_raise(token_id)
    if token.user_id != principal.user_id and not Permission.MANAGE_USERS.allows(principal):
        raise NotFoundError("token", token_id)
    if token.revoked_at is None:
        uow.api_tokens.update(token, {"revoked_at": now or _now()})
        uow.commit()
    return token


def change_password(
    uow: UnitOfWork,
    principal: Principal,
    *,
    current_password: str,
    new_password: str,
    keep_token_id: UUID | None = None,
    hasher: PasswordHasher = DEFAULT_HASHER,
) -> User:
    """Change the signed-in user's own password, given the current one; every token of the
    user but `keep_token_id` (the one the request came with) is revoked.

    A wrong current password counts as a failed sign-in for the user's email, and the same
    limit applies (SignInThrottled): a stolen token must not be a way to guess the password
    at leisure.
    """
    user = current_user(uow, principal)
    now = _now()
    failures = recent(uow.sign_in_throttles.locked_failures(user.email_key), now)
    wait = sign_in_wait(failures, now)
    if wait is not None:
        raise SignInThrottled(whole_seconds_up(wait))
    if not _verify(hasher, user.password_hash, current_password):
        _count_failure(uow, user.email_key, failures, now)
        problem = "Is not your current password."
        raise DomainRuleError(
            f"current_password: {problem}", fields={"current_password": [problem]}
        )
    check_password(new_password)
    uow.sign_in_throttles.clear(user.email_key)  # the password was proven, as a sign-in does
    uow.users.update(user, {"password_hash": hasher.hash(new_password)})
    uow.api_tokens.revoke_all_of_user(user.id, _now(), keep=keep_token_id)
    uow.commit()
    return user


def user_version(user: User) -> VersionTag:
    return version_tag(user.version)


def users_page(
    uow: UnitOfWork,
    principal: Principal,
    *,
    role: Role | None = None,
    active: bool | None = None,
    page: int = 1,
    page_size: int = 20,
) -> Page[User]:
    """One page of the accounts (admins only), by email."""
    require(principal, Permission.MANAGE_USERS)
    return uow.users.page(role=role, active=active, page=page, page_size=page_size)


def user_of(uow: UnitOfWork, principal: Principal, user_id: UUID) -> User:
    """One account (admins only)."""
    require(principal, Permission.MANAGE_USERS)
    return uow.users.get_or_raise(user_id)


def change_user(
    uow: UnitOfWork,
    principal: Principal,
    user_id: UUID,
    changes: Mapping[str, Any],
    *,
    expected_version: ExpectedVersion | None,
    now: datetime | None = None,
) -> User:
    """An admin's change of an account: its display name, role or active flag.

    The last active admin stays an active admin (DomainRuleError). Deactivating revokes
    the account's tokens, which stop working at once; reactivating brings none back.
    """
    require(principal, Permission.MANAGE_USERS)
    user = uow.users.get_or_raise(user_id)
    if expected_version is not None:
        expected_version.check("user", user_id, user_version(user))
    values = {name: value for name, value in changes.items() if name in CHANGEABLE_BY_ADMIN}
    if "display_name" in values:
        values["display_name"] = values["display_name"].strip()
        raise_violations(USER_RULES.violations({"display_name": values["display_name"]}))
    role = Role(values.get("role", user.role))
    active = bool(values.get("is_active", user.is_active))
    if user.role is Role.ADMIN and user.is_active and (role is not Role.ADMIN or not active):
        _refuse_if_last_admin(uow)
    if user.is_active and not active:
        uow.api_tokens.revoke_all_of_user(user.id, now or _now())
    uow.users.update(user, values)
    uow.commit()
    return user


def change_role(uow: UnitOfWork, principal: Principal, user_id: UUID, role: Role) -> User:
    """Give a user another role (admins only); the last active admin keeps theirs."""
    return change_user(uow, principal, user_id, {"role": Role(role)}, expected_version=None)


def deactivate(
    uow: UnitOfWork, principal: Principal, user_id: UUID, *, now: datetime | None = None
) -> User:
    """Deactivate an account (admins only): it can no longer sign in, and its tokens stop
    working (and are revoked). The last active admin cannot be deactivated (DomainRuleError)."""
    changes = {"is_active": False}
    return change_user(uow, principal, user_id, changes, expected_version=None, now=now)


def reactivate(uow: UnitOfWork, principal: Principal, user_id: UUID) -> User:
    """Let a deactivated account sign in again (admins only); its old tokens stay revoked."""
    return change_user(uow, principal, user_id, {"is_active": True}, expected_version=None)


def token_hash(secret: str) -> str:
    """What is stored of a token's secret: its SHA-256, in hex."""
    return hashlib.sha256(secret.encode()).hexdigest()


def _refuse(uow: UnitOfWork, key: str, failures: list[datetime], now: datetime) -> NoReturn:
    """Count the failure, keep it though the sign-in fails, and refuse."""
    _count_failure(uow, key, failures, now)
    raise SignInRefused()


def _count_failure(uow: UnitOfWork, key: str, failures: list[datetime], now: datetime) -> None:
    """Record a wrong password against the email and commit it, whatever comes next."""
    uow.sign_in_throttles.record_failure(key, recent([*failures, now], now), now)
    uow.commit()
    # Housekeeping in a transaction of its own, holding no lock of this attempt's: rows of
    # emails that stopped failing (sprayed ones too) go, so the table stays small.
    uow.sign_in_throttles.prune(now - SIGN_IN_WINDOW)
    uow.commit()


def _is_email(email: str) -> bool:
    try:
        email_key(email)
    except DomainRuleError:
        return False
    return True


def _new_token(
    uow: UnitOfWork, user: User, name: str, lifetime: timedelta, now: datetime
) -> tuple[ApiToken, str]:
    raise_violations(API_TOKEN_RULES.violations({"name": name}))
    secret = secrets.token_urlsafe(TOKEN_BYTES)
    token = uow.api_tokens.add(
        ApiToken(
            user_id=user.id,
            name=name.strip(),
            token_hash=token_hash(secret),
            expires_at=now + lifetime,
        )
    )
    return token, secret


def _verify(hasher: PasswordHasher, stored: str, password: str) -> bool:
    try:
        return hasher.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return False


@cache
def _dummy_hash(hasher: PasswordHasher) -> str:
    """A hash no password matches, made with the hasher's own parameters, so verifying
    against it costs what verifying a real one does."""
    return hasher.hash(secrets.token_urlsafe(TOKEN_BYTES))


def _refuse_if_last_admin(uow: UnitOfWork) -> None:
    # Locks the active admins' rows: two admins demoting each other at once cannot both
    # pass this check.
    if uow.users.count_active_admins(lock=True) <= 1:
        raise DomainRuleError(
            "The last active admin must stay an active admin; make another admin first."
        )


def _now() -> datetime:
    return datetime.now(UTC)

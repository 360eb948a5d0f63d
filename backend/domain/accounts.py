"""Accounts' rules: roles, the password rule, how emails compare, how long a token lives,
and how many failed sign-ins an email may have before it waits."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from uuid import UUID

from backend.domain.errors import DomainRuleError
from backend.domain.rules import RowRules


@dataclass(frozen=True)
class TokenCredentials:
    """What authenticating a request needs of a token and its user, read in one statement."""

    token_id: UUID
    token_hash: str
    expires_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None
    user_id: UUID
    role: Role
    user_active: bool


class Role(StrEnum):
    """What a user may do: admins manage accounts, organizers run events, members take part."""

    ADMIN = "admin"
    ORGANIZER = "organizer"
    MEMBER = "member"


EMAIL_MAX_LENGTH = 254  # the longest address SMTP can carry (RFC 5321's path limit)
DISPLAY_NAME_MAX_LENGTH = 100
TOKEN_NAME_MAX_LENGTH = 100
PASSWORD_MIN_LENGTH = 12
# Long enough for a passphrase, short enough that hashing one costs no more than usual.
PASSWORD_MAX_LENGTH = 1024
DEFAULT_TOKEN_DAYS = 30
MAX_TOKEN_DAYS = 365
# Five tries in a quarter of an hour is plenty for a person; it makes guessing a password
# online hopeless (20 guesses an hour per email).
SIGN_IN_FAILURE_LIMIT = 5
SIGN_IN_WINDOW = timedelta(minutes=15)

USER_RULES = RowRules(
    not_blank=("email", "email_key", "display_name"),
    max_lengths={
        "email": EMAIL_MAX_LENGTH,
        "email_key": EMAIL_MAX_LENGTH,
        "display_name": DISPLAY_NAME_MAX_LENGTH,
    },
)
API_TOKEN_RULES = RowRules(
    not_blank=("name",),
    max_lengths={"name": TOKEN_NAME_MAX_LENGTH},
)


def password_problem(password: str) -> str | None:
    """Why a password is refused, or None. Length is the rule (NIST SP 800-63B): no
    composition rules, which push people to predictable substitutions."""
    if len(password) < PASSWORD_MIN_LENGTH:
        return f"Must be at least {PASSWORD_MIN_LENGTH} characters long."
    if len(password) > PASSWORD_MAX_LENGTH:
        return f"Must be at most {PASSWORD_MAX_LENGTH} characters long."
    return None


def check_password(password: str) -> None:
    """DomainRuleError naming the `password` field when the password breaks the rule."""
    problem = password_problem(password)
    if problem is not None:
        raise DomainRuleError(f"password: {problem}", fields={"password": [problem]})


def email_key(email: str) -> str:
    """The form two emails are compared in: "Ann@Example.org " and "ann@example.org" are one
    account. DomainRuleError naming the `email` field when it is not shaped like an address;
    whether it reaches anyone only a message sent to it can tell."""
    key = email.strip().casefold()
    local, at, domain = key.rpartition("@")
    if not at or not local or not domain or "@" in local or any(c.isspace() for c in key):
        message = "Must be an email address like name@example.org."
        raise DomainRuleError(f"email: {message}", fields={"email": [message]})
    if len(key) > EMAIL_MAX_LENGTH:
        message = f"Longer than maximum length {EMAIL_MAX_LENGTH}."
        raise DomainRuleError(f"email: {message}", fields={"email": [message]})
    return key


def throttle_key(email: str) -> str:
    """The key failed sign-ins of `email` are counted under: its email_key, or for text that
    is no email, its stripped, casefolded form, cut to the longest email (it is only a key,
    and a cut one still counts every attempt that shares it)."""
    try:
        return email_key(email)
    except DomainRuleError:
        return email.strip().casefold()[:EMAIL_MAX_LENGTH]


def recent(failures: Iterable[datetime], now: datetime) -> list[datetime]:
    """The failures still inside the sliding window that ends at `now`, oldest first, at
    most the last SIGN_IN_FAILURE_LIMIT of them: all the throttle needs to keep."""
    # A failure stamped after `now` (another host's clock runs ahead) still counts.
    inside = sorted(failure for failure in failures if failure > now - SIGN_IN_WINDOW)
    return inside[-SIGN_IN_FAILURE_LIMIT:]


def sign_in_wait(failures: Iterable[datetime], now: datetime) -> timedelta | None:
    """None when an email may try to sign in at `now`; otherwise how long until the oldest
    of its last SIGN_IN_FAILURE_LIMIT failures leaves the window, and it may try again."""
    inside = recent(failures, now)
    if len(inside) < SIGN_IN_FAILURE_LIMIT:
        return None
    return inside[0] + SIGN_IN_WINDOW - now


def whole_seconds_up(wait: timedelta) -> int:
    """A wait in whole seconds, rounded up and at least one, as Retry-After states it."""
    return max(1, -(-wait // timedelta(seconds=1)))


def token_lifetime(days: int = DEFAULT_TOKEN_DAYS) -> timedelta:
    """How long a new API token works (API_TOKEN_DAYS of the settings)."""
    return timedelta(days=days)


DEFAULT_TOKEN_LIFETIME = token_lifetime()

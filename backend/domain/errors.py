"""Domain errors: raised by repositories and services, turned into HTTP responses in one place."""

from __future__ import annotations

from collections.abc import Mapping, Sequence


class DomainError(Exception):
    """Base of every error a caller is expected to handle; `message` is safe to show a client."""

    def __init__(self, message: str, *, fields: Mapping[str, Sequence[str]] | None = None) -> None:
        super().__init__(message)
        self.message = message
        # Field name -> messages, for errors that a client can fix field by field.
        self.fields = {name: list(messages) for name, messages in (fields or {}).items()}


class NotFoundError(DomainError):
    """The entity does not exist (or is not visible to the actor)."""

    def __init__(self, entity: str, identifier: object) -> None:
        super().__init__(f"{entity} {identifier} does not exist")


class DuplicateError(DomainError):
    """A unique rule would be broken, e.g. a second game with the same bgg_id."""


class ConflictError(DomainError):
    """The entity's state does not allow this now (a tournament not yet started asked for
    its pairings, a round paired while the last one is unreported)."""


class BrokenReferenceError(DomainError):
    """A reference would dangle: the referenced row is missing, or still referenced.
    (Not ReferenceError: that name would shadow Python's builtin.)"""


class StaleObjectError(DomainError):
    """The entity changed since the caller read it (optimistic concurrency)."""


class PermissionDenied(DomainError):
    """The actor may not do this."""


class NotSignedIn(DomainError):
    """The action needs a signed-in user, and the caller is not one: no credentials, or
    credentials that open nothing (an unknown, expired or revoked token, a deactivated
    account's token)."""

    def __init__(self, message: str = "", *, credentials_sent: bool = False) -> None:
        super().__init__(
            message
            or "Sign in first: send Authorization: Bearer <token> (POST /api/v1/auth/tokens "
            "gives one)."
        )
        # Whether the caller sent credentials that failed (RFC 6750's invalid_token).
        self.credentials_sent = credentials_sent


class SignInRefused(NotSignedIn):
    """The email and password do not open an active account. One message whatever the
    reason (unknown email, wrong password, deactivated), so it tells nobody which emails
    have accounts."""

    def __init__(self) -> None:
        super().__init__("Wrong email or password.")


class SignInThrottled(DomainError):
    """Too many failed sign-ins for one email lately: no password is checked until
    `retry_after_seconds` have passed. The same whether or not the email has an account."""

    def __init__(self, retry_after_seconds: int) -> None:
        self.retry_after_seconds = max(1, retry_after_seconds)
        super().__init__(
            "Too many failed sign-ins for this email; "
            f"try again in {self.retry_after_seconds} seconds."
        )


class DomainRuleError(DomainError):
    """A business rule or a row constraint would be broken."""


class DatabaseUnavailable(DomainError):
    """The database cannot serve the request now (down, restarting, no free connection)."""

    def __init__(self, message: str, *, retry_after_seconds: int = 5) -> None:
        super().__init__(message)
        self.retry_after_seconds = retry_after_seconds
        # What the database was asked when it failed ("COMMIT"), when the raiser knows.
        self.failed_at: str | None = None

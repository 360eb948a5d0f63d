"""What signing in and the signed-in user's own endpoints accept and return."""

from __future__ import annotations

from marshmallow import fields, validate

from backend.api.schemas import NOT_BLANK_PATTERN, EntityOut, Schema, Text
from backend.api.users.schemas import email_field, password_field
from backend.domain.accounts import PASSWORD_MIN_LENGTH, TOKEN_NAME_MAX_LENGTH

DEFAULT_TOKEN_NAME = "API token"  # noqa: S105 - a label, not a secret


class SignIn(Schema):
    """An email and password, exchanged for a new API token."""

    email = email_field(required=True)
    password = password_field("The account's password.")
    name = Text(
        load_default=DEFAULT_TOKEN_NAME,
        pattern=NOT_BLANK_PATTERN,
        validate=validate.Length(max=TOKEN_NAME_MAX_LENGTH),
        metadata={
            "description": "What the token is for, to tell one's tokens apart.",
            "maxLength": TOKEN_NAME_MAX_LENGTH,
            "example": "laptop",
        },
    )


class TokenOut(EntityOut):
    """One of the signed-in user's tokens; its secret is never shown again."""

    id = fields.UUID(dump_only=True)
    name = fields.String(dump_only=True, metadata={"example": "laptop"})
    created_at = fields.AwareDateTime(dump_only=True)
    expires_at = fields.AwareDateTime(dump_only=True)
    last_used_at = fields.AwareDateTime(
        dump_only=True,
        allow_none=True,
        metadata={"description": "To the minute: recorded at most once a minute."},
    )
    revoked_at = fields.AwareDateTime(dump_only=True, allow_none=True)


class NewToken(TokenOut):
    """A token just made, with its secret: shown this once, stored only as a hash."""

    token = fields.String(
        dump_only=True,
        metadata={"description": "The secret, for `Authorization: Bearer <token>`."},
    )


class PasswordChange(Schema):
    """The current password, and the new one."""

    current_password = password_field("The password as it is now.")
    new_password = password_field(
        f"At least {PASSWORD_MIN_LENGTH} characters; every other token of the account is revoked.",
        new=True,
    )

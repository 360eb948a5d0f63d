"""What the account endpoints accept and return: never a password or its hash."""

from __future__ import annotations

from typing import Any

from marshmallow import fields, validate

from backend.api.schemas import (
    NO_NUL_PATTERN,
    NOT_BLANK_PATTERN,
    AuditedOut,
    Flag,
    ListArguments,
    Schema,
    Text,
)
from backend.domain.accounts import (
    DISPLAY_NAME_MAX_LENGTH,
    EMAIL_MAX_LENGTH,
    PASSWORD_MAX_LENGTH,
    PASSWORD_MIN_LENGTH,
    Role,
)

ROLES = [role.value for role in Role]


# Whitespace as str.isspace() has it, spelled out: a pattern's \s is less in ECMA regexes
# (JSON Schema's), which leave out U+001C to U+001F.
_SPACE = "".join(f"\\u{ord(c):04x}" for c in map(chr, range(0x10000)) if c.isspace())
# The shape the service holds a new account's email to (backend.domain.accounts.email_key):
# one @, something either side, no whitespace but around it, and no NUL.
EMAIL_PATTERN = f"^[{_SPACE}]*[^@{_SPACE}\\u0000]+@[^@{_SPACE}\\u0000]+[{_SPACE}]*$"


def email_field(*, required: bool = False, new: bool = False) -> Text:
    """An email; a `new` account's is documented with the shape the service holds it to
    (signing in takes any text: one no account has is 401 whatever its shape)."""
    return Text(
        required=required,
        pattern=EMAIL_PATTERN if new else NO_NUL_PATTERN,
        validate=validate.Length(max=EMAIL_MAX_LENGTH),
        metadata={"maxLength": EMAIL_MAX_LENGTH, "example": "ann@example.org"},
    )


def password_field(description: str, *, new: bool = False) -> Text:
    """A password; a `new` one is documented with the minimum length the service holds it
    to (the service refuses a shorter one, with its own message)."""
    metadata: dict[str, Any] = {"description": description, "maxLength": PASSWORD_MAX_LENGTH}
    if new:
        metadata["minLength"] = PASSWORD_MIN_LENGTH
    return Text(
        required=True,
        load_only=True,
        validate=validate.Length(max=PASSWORD_MAX_LENGTH),
        metadata=metadata,
    )


def display_name_field(description: str = "The name others see.") -> Text:
    return Text(
        pattern=NOT_BLANK_PATTERN,
        validate=validate.Length(max=DISPLAY_NAME_MAX_LENGTH),
        metadata={
            "maxLength": DISPLAY_NAME_MAX_LENGTH,
            "example": "Ann",
            "description": description,
        },
    )


ROLE_DESCRIPTION = (
    "admin: manages accounts and everything else; organizer: changes the catalog and runs "
    "events; member: takes part."
)


def role_field(*, dump_only: bool = False, load_default: Role | None = None) -> fields.Enum[Role]:
    if load_default is not None:
        return fields.Enum(
            Role,
            by_value=True,
            load_default=load_default,
            metadata={"description": ROLE_DESCRIPTION},
        )
    return fields.Enum(
        Role, by_value=True, dump_only=dump_only, metadata={"description": ROLE_DESCRIPTION}
    )


class UserOut(AuditedOut):
    """An account as its owner and the admins see it."""

    id = fields.UUID(dump_only=True)
    email = fields.String(dump_only=True, metadata={"example": "ann@example.org"})
    display_name = fields.String(dump_only=True, metadata={"example": "Ann"})
    role = role_field(dump_only=True)
    is_active = fields.Boolean(
        dump_only=True, metadata={"description": "A deactivated account cannot sign in."}
    )


class UserCreate(Schema):
    """A new account, made by an admin."""

    email = email_field(required=True, new=True)
    password = password_field(f"At least {PASSWORD_MIN_LENGTH} characters.", new=True)
    display_name = display_name_field("The name others see (default: the email).")
    role = role_field(load_default=Role.MEMBER)


class UserPatch(Schema):
    """What an admin may change of an account (the email and password are its owner's)."""

    display_name = display_name_field()
    role = role_field()
    is_active = Flag(
        metadata={"description": "false deactivates (its tokens stop working at once)."}
    )


class UserListArguments(ListArguments):
    """Accounts are listed by email."""

    role = role_field()
    active = fields.Boolean()

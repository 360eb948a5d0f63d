"""Accounts: the people who sign in, and the API tokens they sign in with."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from backend.domain.accounts import (
    API_TOKEN_RULES,
    DISPLAY_NAME_MAX_LENGTH,
    EMAIL_MAX_LENGTH,
    TOKEN_NAME_MAX_LENGTH,
    USER_RULES,
    Role,
)
from backend.models.base import (
    SECRET_INFO_KEY,
    AuditMixin,
    Base,
    TimestampMixin,
    UUIDPrimaryKey,
    VersionMixin,
)
from backend.models.checks import check_constraints
from backend.models.columns import exact_string, string_enum


class User(UUIDPrimaryKey, TimestampMixin, AuditMixin, VersionMixin, Base):
    __tablename__ = "users"

    # As the user typed it, for showing and for mail.
    email: Mapped[str] = mapped_column(String(EMAIL_MAX_LENGTH))
    # The normalised email (email_key() of the domain): its unique key makes "Ann@X.org"
    # and "ann@x.org" one account on every database; compared byte for byte, so MariaDB's
    # collation does not take "café@x.org" and "cafe@x.org" for one account.
    email_key: Mapped[str] = mapped_column(exact_string(EMAIL_MAX_LENGTH))
    display_name: Mapped[str] = mapped_column(String(DISPLAY_NAME_MAX_LENGTH))
    # argon2's encoded form holds its parameters and salt; room for stronger parameters.
    password_hash: Mapped[str] = mapped_column(String(255), info={SECRET_INFO_KEY: True})
    is_active: Mapped[bool] = mapped_column(default=True)
    role: Mapped[Role] = mapped_column(string_enum(Role, "user_role", 20))

    __table_args__ = (
        UniqueConstraint(
            "email_key",
            info={"field": "email", "message": "Another account already has this email."},
        ),
        *check_constraints(USER_RULES),
    )

    def __repr__(self) -> str:
        return f"User(id={self.id!s}, role={self.role!s})"


class ApiToken(UUIDPrimaryKey, TimestampMixin, AuditMixin, VersionMixin, Base):
    """A bearer token of one user. Only the SHA-256 of its secret is stored: the secret
    has 256 random bits, so a fast hash is enough, and a lookup by hash is one index probe."""

    __tablename__ = "api_tokens"

    # RESTRICT: a user with tokens is deactivated, not deleted, so the audit trail holds.
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    name: Mapped[str] = mapped_column(String(TOKEN_NAME_MAX_LENGTH))
    # Hex SHA-256 of the secret.
    token_hash: Mapped[str] = mapped_column(String(64), info={SECRET_INFO_KEY: True})
    expires_at: Mapped[datetime]
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]

    __table_args__ = (
        UniqueConstraint("token_hash"),
        # "The tokens of a user", for listing and revoking them.
        Index(None, "user_id"),
        *check_constraints(API_TOKEN_RULES),
    )

    def __repr__(self) -> str:
        return f"ApiToken(id={self.id!s}, user_id={self.user_id!s})"

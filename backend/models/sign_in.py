"""The sign-in throttle's bookkeeping: recent failed sign-ins, counted per email."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Index
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from backend.domain.accounts import EMAIL_MAX_LENGTH
from backend.models.base import Base
from backend.models.columns import exact_string


class SignInThrottle(Base):
    """The recent failed sign-ins of one email, whether or not it has an account.

    Bookkeeping, not an entity: no audit columns and no version, and it is written only
    with Core statements (backend/repositories/sign_in.py), which the audit writer does not
    see, so a failed sign-in leaves no audit row. Kept in the database, not in a process,
    so every worker of every host counts the same failures.
    """

    __tablename__ = "sign_in_throttles"

    # throttle_key() of the domain; byte for byte on MariaDB, as users.email_key is.
    email_key: Mapped[str] = mapped_column(exact_string(EMAIL_MAX_LENGTH), primary_key=True)
    # ISO 8601 instants of the last failures inside the window, oldest first (at most
    # SIGN_IN_FAILURE_LIMIT): all the sliding window needs.
    recent_failures: Mapped[list[str]] = mapped_column(JSON().with_variant(JSONB(), "postgresql"))
    # The newest failure, for pruning rows the window has left.
    last_failed_at: Mapped[datetime]

    __table_args__ = (Index(None, "last_failed_at"),)

    def __repr__(self) -> str:
        return f"SignInThrottle(failures={len(self.recent_failures)})"

"""The audit trail's table and vocabulary: who changed what and why, in which request."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Index, Integer, String
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from backend.models.base import ACTOR_MAX_LENGTH, CHANGE_REASON_MAX_LENGTH, Base, utc_now
from backend.models.columns import string_enum

REQUEST_ID_MAX_LENGTH = 128


class AuditAction(enum.StrEnum):
    INSERT = "insert"
    UPDATE = "update"
    DELETE = "delete"


@dataclass(frozen=True)
class AuditContext:
    """Who is acting, why, and in which request."""

    actor: str
    change_reason: str | None = None
    request_id: str | None = None


class AuditLog(Base):
    """One audited change of one entity; written by backend.repositories.audit only."""

    __tablename__ = "audit_log"

    # SQLite only auto-increments a column declared exactly INTEGER PRIMARY KEY.
    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer(), "sqlite"), primary_key=True
    )
    occurred_at: Mapped[datetime] = mapped_column(default=utc_now)
    actor: Mapped[str] = mapped_column(String(ACTOR_MAX_LENGTH))
    action: Mapped[AuditAction] = mapped_column(string_enum(AuditAction, "audit_action", 10))
    entity_type: Mapped[str] = mapped_column(String(64))
    entity_id: Mapped[str] = mapped_column(String(64))
    # Column name -> [old, new]; an insert has no old values, a delete no new ones.
    changes: Mapped[dict[str, Any]] = mapped_column(JSON().with_variant(JSONB(), "postgresql"))
    change_reason: Mapped[str | None] = mapped_column(String(CHANGE_REASON_MAX_LENGTH))
    request_id: Mapped[str | None] = mapped_column(String(REQUEST_ID_MAX_LENGTH))

    __table_args__ = (
        Index(None, "entity_type", "entity_id"),
        Index(None, "occurred_at"),
    )

"""The ORM models; importing this package registers every table on `Base.metadata`."""

from backend.models.audit import AuditLog
from backend.models.base import Base
from backend.models.game import Game

__all__ = ["AuditLog", "Base", "Game"]

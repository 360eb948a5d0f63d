"""Questions the audit trail answers: which changes, of what, by whom, when."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class AuditQuery:
    """Filters of the audit trail; None matches anything. Entries come newest first."""

    entity_type: str | None = None
    entity_id: str | None = None
    actor: str | None = None
    action: str | None = None
    since: datetime | None = None
    until: datetime | None = None

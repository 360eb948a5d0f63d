"""AuditLogRepository: reading the audit trail (backend/repositories/audit.py writes it)."""

from __future__ import annotations

from typing import Any

from backend.domain.audit import AuditQuery
from backend.domain.moments import clamped_to_years_kept
from backend.models import AuditLog
from backend.repositories.base import Page, Repository


class AuditLogRepository(Repository[AuditLog]):
    model = AuditLog
    entity_name = "audit entry"
    # Newest first; the id breaks ties between entries of one transaction.
    default_order = (AuditLog.occurred_at.desc(), AuditLog.id.desc())

    def search(self, query: AuditQuery, *, page: int, page_size: int) -> Page[AuditLog]:
        """One page of the entries matching every filter given, newest first."""
        conditions: list[Any] = []
        if query.entity_type is not None:
            conditions.append(AuditLog.entity_type == query.entity_type)
        if query.entity_id is not None:
            conditions.append(AuditLog.entity_id == query.entity_id)
        if query.actor is not None:
            conditions.append(AuditLog.actor == query.actor)
        if query.action is not None:
            conditions.append(AuditLog.action == query.action)
        if query.since is not None:
            conditions.append(AuditLog.occurred_at >= clamped_to_years_kept(query.since))
        if query.until is not None:
            conditions.append(AuditLog.occurred_at < clamped_to_years_kept(query.until))
        return self.list(where=conditions, page=page, page_size=page_size)

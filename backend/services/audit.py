"""Reading the audit trail: the whole of it for admins, one entity's history for organizers."""

from __future__ import annotations

from uuid import UUID

from backend.domain.audit import AuditQuery
from backend.domain.permissions import Permission, require
from backend.domain.principal import Principal
from backend.models import AuditLog
from backend.repositories.base import Page
from backend.services.unit_of_work import UnitOfWork


def audit_page(
    uow: UnitOfWork, principal: Principal, query: AuditQuery, *, page: int, page_size: int
) -> Page[AuditLog]:
    """The entries matching the query, newest first (admins only)."""
    require(principal, Permission.READ_AUDIT)
    return uow.audit_log.search(query, page=page, page_size=page_size)


def history(
    uow: UnitOfWork,
    principal: Principal,
    entity_type: str,
    entity_id: UUID,
    *,
    page: int,
    page_size: int,
) -> Page[AuditLog]:
    """Every recorded change of one entity, newest first, also after it was removed
    (organizers and admins). An id nothing was ever recorded for has an empty history."""
    require(principal, Permission.READ_HISTORY)
    query = AuditQuery(entity_type=entity_type, entity_id=str(entity_id))
    return uow.audit_log.search(query, page=page, page_size=page_size)

"""The audit trail over HTTP: all of it for admins, and each resource's own history."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from flask.views import MethodView
from flask_smorest.pagination import PaginationParameters

from backend.api.access import current_principal
from backend.api.audit.schemas import AuditEntryOut, AuditListArguments, HistoryArguments
from backend.api.extensions import Blueprint
from backend.api.uow import get_uow
from backend.domain.audit import AuditQuery
from backend.domain.permissions import Permission
from backend.models import AuditLog
from backend.repositories.base import Page
from backend.services import audit

blp = Blueprint(
    "audit",
    __name__,
    url_prefix="/api/v1/audit",
    description="The audit trail: who changed what, when, from what to what, and why.",
)


@blp.route("")
class AuditTrail(MethodView):
    @blp.requires(Permission.READ_AUDIT)
    @blp.lists(AuditListArguments, AuditEntryOut)
    def get(
        self, arguments: dict[str, Any], pagination_parameters: PaginationParameters
    ) -> Page[AuditLog]:
        """List recorded changes matching every filter given, newest first."""
        return audit.audit_page(
            get_uow(),
            current_principal(),
            AuditQuery(**arguments),
            page=pagination_parameters.page,
            page_size=pagination_parameters.page_size,
        )


def add_history_route(resource: Blueprint, rule: str, entity_type: str, noun: str) -> None:
    """Give a resource's blueprint `GET <rule>` (e.g. `/<uuid:game_id>/history`): one
    entity's recorded changes, for organizers and admins."""

    @resource.route(rule)
    class History(MethodView):
        @resource.requires(Permission.READ_HISTORY)
        @resource.lists(HistoryArguments, AuditEntryOut)
        @resource.doc(
            summary=f"The {noun}'s history: every recorded change, newest first.",
            description=f"Also after the {noun} was removed; empty for an id never used.",
        )
        def get(
            self,
            _arguments: Any,
            pagination_parameters: PaginationParameters,
            **identifier: UUID,
        ) -> Page[AuditLog]:
            (entity_id,) = identifier.values()
            return audit.history(
                get_uow(),
                current_principal(),
                entity_type,
                entity_id,
                page=pagination_parameters.page,
                page_size=pagination_parameters.page_size,
            )

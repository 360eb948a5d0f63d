"""What the audit trail's endpoints accept and return."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from marshmallow import fields, validate

from backend.api.schemas import EntityOut, ListArguments, Text
from backend.models import Base
from backend.models.audit import AuditAction
from backend.models.base import ACTOR_MAX_LENGTH

# What the trail records changes of: every table but its own.
ENTITY_TYPES = sorted(name for name in Base.metadata.tables if name != "audit_log")


class AuditEntryOut(EntityOut):
    """One recorded change of one entity."""

    id = fields.Integer(dump_only=True)
    occurred_at = fields.AwareDateTime(dump_only=True)
    actor = fields.String(
        dump_only=True,
        metadata={
            "description": "Who: `user:<id>` for a signed-in user (see /api/v1/users/<id>), "
            "or a system process's name (`import-games`, `seed-demo`, ...)."
        },
    )
    action = fields.Enum(AuditAction, by_value=True, dump_only=True)
    entity_type = fields.String(dump_only=True, metadata={"example": "games"})
    entity_id = fields.String(dump_only=True)
    changes = fields.Dict(
        keys=fields.String(),
        dump_only=True,
        metadata={
            "description": "Field -> [old, new]; an insert has no old values, a removal no "
            "new ones. Secrets (password and token hashes) read `[redacted]`."
        },
    )
    change_reason = fields.String(dump_only=True, allow_none=True)
    request_id = fields.String(dump_only=True, allow_none=True)


class HistoryArguments(ListArguments):
    """An entity's history comes newest first, page by page."""


class AuditListArguments(ListArguments):
    """Filters of the audit trail; every one given must match."""

    entity_type = fields.String(validate=validate.OneOf(ENTITY_TYPES))
    entity_id = Text(validate=validate.Length(max=64))
    actor = Text(
        validate=validate.Length(max=ACTOR_MAX_LENGTH),
        metadata={"description": "Exactly as entries name it: `user:<id>`, `import-games`."},
    )
    action = fields.Enum(AuditAction, by_value=True)
    since = fields.AwareDateTime(metadata={"description": "Entries at or after this time."})
    until = fields.AwareDateTime(
        metadata={"description": "Entries before this time; not before `since` (422)."}
    )

    @ma.validates_schema
    def _ordered(self, data: dict[str, Any], **_kwargs: Any) -> None:
        if "since" in data and "until" in data and data["since"] > data["until"]:
            raise ma.ValidationError({"until": ["Must not be before since."]})

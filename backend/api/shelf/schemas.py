"""What the shelf's endpoints accept and return."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from marshmallow import fields, validate

from backend.api.schemas import (
    NOT_BLANK_PATTERN,
    AuditedOut,
    EntityOut,
    Schema,
    Text,
    raise_rule_violations,
)
from backend.domain.shelf import COPY_NOTE_MAX_LENGTH, COPY_RULES


class CopyFields(Schema):
    """A copy's own fields, with the same rules as the database's."""

    note = Text(
        allow_none=True,
        pattern=NOT_BLANK_PATTERN,
        validate=validate.Length(max=COPY_NOTE_MAX_LENGTH),
        metadata={
            "maxLength": COPY_NOTE_MAX_LENGTH,
            "description": "What is special about this copy; null when nothing is.",
            "example": "missing 2 meeples",
        },
    )

    @ma.validates_schema
    def _row_rules(self, data: dict[str, Any], **_kwargs: Any) -> None:
        raise_rule_violations(COPY_RULES.violations(data))


class CopyIn(CopyFields):
    """A new copy on the club's shelf: the note is optional."""


class CopyPatch(CopyFields):
    """Changes to a copy: null clears its note."""


class CopyOut(CopyFields, AuditedOut):
    """A copy of a game that the club owns."""

    id = fields.UUID(dump_only=True)
    game_id = fields.UUID(dump_only=True)


class CollectionItemOut(EntityOut):
    """A game a player owns."""

    player_id = fields.UUID(dump_only=True)
    game_id = fields.UUID(dump_only=True)
    title = fields.String(dump_only=True, metadata={"example": "Carcassonne"})
    added_at = fields.AwareDateTime(
        dump_only=True, metadata={"description": "When the game went into the collection."}
    )

"""What the category and tag endpoints accept and return."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from marshmallow import fields

from backend.api.schemas import (
    NOT_BLANK_PATTERN,
    AuditedOut,
    EntityOut,
    ListArguments,
    Schema,
    Text,
)
from backend.domain.labels import LABEL_NAME_MAX_LENGTH, label_name_problems


class LabelSummary(EntityOut):
    """A category or tag as a game lists it."""

    id = fields.UUID(dump_only=True)
    name = fields.String(dump_only=True, metadata={"example": "Strategy Games"})
    slug = fields.String(dump_only=True, metadata={"example": "strategy-games"})


class LabelIn(Schema):
    """A new name; the slug follows from it."""

    name = Text(
        required=True,
        pattern=NOT_BLANK_PATTERN,
        metadata={
            "description": "Must contain a letter or a digit, and its slug (the name case-"
            f"folded, runs of other characters made one hyphen) must be at most "
            f"{LABEL_NAME_MAX_LENGTH} characters long.",
            "maxLength": LABEL_NAME_MAX_LENGTH,
            "example": "Strategy Games",
        },
    )

    @ma.validates_schema
    def _row_rules(self, data: dict[str, Any], **_kwargs: Any) -> None:
        problems = label_name_problems(data["name"])
        if problems:
            raise ma.ValidationError({"name": problems})


class LabelOut(LabelSummary, AuditedOut):
    """A category or tag with its bookkeeping."""

    game_count = fields.Integer(
        dump_only=True, metadata={"description": "How many games carry it."}
    )


class LabelListArguments(ListArguments):
    """Labels are listed by name."""

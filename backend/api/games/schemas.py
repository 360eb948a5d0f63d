"""What the games endpoints accept and return."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from marshmallow import fields, validate

from backend.api.schemas import ListArguments, Number, Schema, Text
from backend.models.game import (
    AVERAGE_RATING,
    BGG_ID,
    COMPLEXITY,
    DESCRIPTION_MAX_LENGTH,
    MIN_AGE,
    PLAY_MINUTES,
    PLAYERS,
    TITLE_MAX_LENGTH,
    YEAR_PUBLISHED,
)
from backend.models.rules import Range, order_message

# Pairs whose first value may not exceed the second; each is also a CHECK constraint.
ORDERED_PAIRS = (("min_players", "max_players"), ("min_play_minutes", "max_play_minutes"))


def _within(bounds: Range[int] | Range[float]) -> validate.Range:
    return validate.Range(min=bounds.low, max=bounds.high, error=bounds.message.capitalize() + ".")


def _not_blank(value: str) -> None:
    if not value.strip():
        raise ma.ValidationError("Must not be blank.")


class GameFields(Schema):
    """The fields a client may set on a game, with the same rules as the database's CHECKs."""

    title = Text(
        required=True,
        validate=[validate.Length(max=TITLE_MAX_LENGTH), _not_blank],
        metadata={"example": "Brass: Birmingham"},
    )
    year_published = fields.Integer(
        allow_none=True, strict=True, validate=_within(YEAR_PUBLISHED), metadata={"example": 2018}
    )
    min_players = fields.Integer(
        required=True, strict=True, validate=_within(PLAYERS), metadata={"example": 2}
    )
    max_players = fields.Integer(
        required=True, strict=True, validate=_within(PLAYERS), metadata={"example": 4}
    )
    min_play_minutes = fields.Integer(
        allow_none=True, strict=True, validate=_within(PLAY_MINUTES), metadata={"example": 60}
    )
    max_play_minutes = fields.Integer(
        allow_none=True, strict=True, validate=_within(PLAY_MINUTES), metadata={"example": 120}
    )
    min_age = fields.Integer(
        allow_none=True, strict=True, validate=_within(MIN_AGE), metadata={"example": 14}
    )
    complexity = Number(
        allow_none=True,
        validate=_within(COMPLEXITY),
        metadata={"description": "Rules weight, 1.0 (light) to 5.0 (heavy).", "example": 3.9},
    )
    average_rating = Number(
        allow_none=True,
        validate=_within(AVERAGE_RATING),
        metadata={"description": "Average rating, 1.0 to 10.0.", "example": 8.6},
    )
    bgg_id = fields.Integer(
        allow_none=True,
        strict=True,
        validate=_within(BGG_ID),
        metadata={"description": "The game's id on BoardGameGeek; unique.", "example": 224517},
    )
    description = Text(allow_none=True, validate=validate.Length(max=DESCRIPTION_MAX_LENGTH))

    @ma.validates_schema
    def _ordered_pairs(self, data: dict[str, Any], **_kwargs: Any) -> None:
        errors = {
            upper: [order_message(lower).capitalize() + "."]
            for lower, upper in ORDERED_PAIRS
            if data.get(lower) is not None
            and data.get(upper) is not None
            and data[lower] > data[upper]
        }
        if errors:
            raise ma.ValidationError(errors)


class GameCreate(GameFields):
    """A new game."""


class GamePatch(GameFields):
    """Changes to a game: only the fields sent are changed; null clears an optional field."""


class GameOut(GameFields):
    """A game as the API returns it."""

    id = fields.UUID(dump_only=True)
    version = fields.Integer(
        dump_only=True, metadata={"description": "Bumped by every change; the ETag follows it."}
    )
    created_at = fields.AwareDateTime(dump_only=True)
    updated_at = fields.AwareDateTime(dump_only=True)
    created_by = fields.String(dump_only=True)
    updated_by = fields.String(dump_only=True)
    change_reason = fields.String(
        dump_only=True, metadata={"description": "X-Change-Reason of the latest change."}
    )


class GameListArguments(ListArguments):
    """Games are listed by title; filters and other orders arrive with the catalog."""

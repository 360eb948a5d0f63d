"""What the concierge endpoint accepts and returns."""

from __future__ import annotations

import re
from typing import Any
from uuid import UUID

from marshmallow import fields, validate

from backend.api.schemas import Schema, Text
from backend.domain.labels import LABEL_NAME_MAX_LENGTH

MAX_GROUP = 20
MAX_LIMIT = 50
_UUID = "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
PLAYERS_PATTERN = rf"^{_UUID}(,{_UUID}){{0,{MAX_GROUP - 1}}}$"


class PlayerIds(fields.Field[list[UUID]]):
    """Player ids separated by commas, each once: loaded as a list of UUIDs (a string in
    the spec)."""

    default_error_messages = {
        "invalid_ids": f"Give 1 to {MAX_GROUP} player ids (UUIDs) separated by commas.",
        "repeated": "Name each player once.",
    }

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> list[UUID]:
        if not isinstance(value, str) or not re.fullmatch(PLAYERS_PATTERN, value):
            raise self.make_error("invalid_ids")
        ids = [UUID(part) for part in value.split(",")]
        if len(set(ids)) != len(ids):
            raise self.make_error("repeated")
        return ids


class SuggestionArguments(Schema):
    """Who the group is, how long it has, and what it will consider."""

    players = PlayerIds(
        required=True,
        metadata={
            "description": f"The group: 1 to {MAX_GROUP} player ids separated by commas, each "
            "once (422 otherwise; 404 naming the ids that are no player).",
            "type": "string",
            "pattern": PLAYERS_PATTERN,
            "example": "0b6f2c1e-5d0a-4c8e-9a53-2f4b1d3c9e71,6a1d8e4f-93b2-4f07-8c1e-7d5a2b9c0f34",
        },
    )
    minutes = fields.Integer(
        required=True,
        validate=validate.Range(min=1, max=100_000),
        metadata={"description": "How long the group has: a game's play time must fit."},
    )
    category = Text(
        validate=validate.Length(min=1, max=LABEL_NAME_MAX_LENGTH),
        metadata={
            "description": "Only games of this category (its name or slug). An unknown one "
            "is no error: the answer is empty, and its explanation says so."
        },
    )
    available_only = fields.Boolean(
        load_default=True,
        metadata={
            "description": "Only games the club owns a copy of or a member of the group owns "
            "(default true)."
        },
    )
    exclude_played_within_days = fields.Integer(
        validate=validate.Range(min=0, max=100_000),
        metadata={
            "description": "Leave out the games more than half of this group played together "
            "within this many days."
        },
    )
    limit = fields.Integer(
        load_default=10,
        validate=validate.Range(min=1, max=MAX_LIMIT),
        metadata={
            "description": f"At most this many suggestions (default 10, at most {MAX_LIMIT})."
        },
    )


class SuggestionOut(Schema):
    """One game to play, how well it fits (0 to 100) and why."""

    game_id = fields.UUID(required=True)
    title = fields.String(required=True)
    score = fields.Float(
        required=True,
        metadata={"minimum": 0, "maximum": 100, "description": "How well it fits, 0 to 100."},
    )
    reasons = fields.List(
        fields.String(),
        required=True,
        metadata={"description": "Why, in words: true statements about the game and the group."},
    )


class SuggestionsOut(Schema):
    """The best games first; when there are none, why."""

    items = fields.List(fields.Nested(SuggestionOut), required=True)
    explanation = fields.String(
        required=True,
        allow_none=True,
        metadata={
            "description": "Null when there are suggestions; otherwise which condition left "
            'nothing ("no game on the shelf plays 7").'
        },
    )

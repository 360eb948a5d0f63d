"""What the players endpoints accept and return."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from marshmallow import fields, validate

from backend.api.labels.schemas import LabelSummary
from backend.api.schemas import (
    NOT_BLANK_PATTERN,
    AuditedOut,
    EntityOut,
    ListArguments,
    Number,
    Schema,
    Text,
    raise_rule_violations,
)
from backend.domain.labels import LABEL_NAME_MAX_LENGTH
from backend.domain.players import (
    DISCORD_ID_MESSAGE,
    DISCORD_ID_PATTERN,
    DISPLAY_NAME_MAX_LENGTH,
    MAX_PREFERRED_ITEMS,
    PLAYER_RULES,
    PREFERENCE_RULES,
    discord_id_problem,
)

DISCORD_ID_DESCRIPTION = (
    "The player's Discord id (17 to 20 digits); unique. Shown only to the player's owner, "
    "organizers and admins: anyone else reads null."
)


def _discord_id() -> Text:
    return Text(
        allow_none=True,
        pattern=DISCORD_ID_PATTERN,
        metadata={"description": DISCORD_ID_DESCRIPTION, "example": "80351110224678912"},
    )


class PlayerFields(Schema):
    """A player's own fields, with the same rules as the database's."""

    display_name = Text(
        required=True,
        pattern=NOT_BLANK_PATTERN,
        validate=validate.Length(max=DISPLAY_NAME_MAX_LENGTH),
        metadata={"maxLength": DISPLAY_NAME_MAX_LENGTH, "example": "Ana"},
    )
    discord_id = _discord_id()
    user_id = fields.UUID(
        allow_none=True,
        metadata={
            "description": "The account the player belongs to (one player per account). A "
            "member's own player is linked to their account; organizers and admins link "
            "any player to any account, or to none (null)."
        },
    )

    @ma.validates_schema
    def _row_rules(self, data: dict[str, Any], **_kwargs: Any) -> None:
        raise_rule_violations(PLAYER_RULES.violations(data))
        problem = discord_id_problem(data.get("discord_id"))
        if problem is not None:
            raise ma.ValidationError({"discord_id": [DISCORD_ID_MESSAGE]})


class PlayerCreate(PlayerFields):
    """A new player: only the display name is required."""


class PlayerPatch(PlayerFields):
    """Changes to a player: only the fields sent change; null clears discord_id or user_id."""


class PlayerOut(PlayerFields, AuditedOut):
    """A player as the API returns it."""

    id = fields.UUID(dump_only=True)
    discord_id = Text(
        dump_only=True, allow_none=True, metadata={"description": DISCORD_ID_DESCRIPTION}
    )
    play_count = fields.Integer(
        dump_only=True, metadata={"description": "How many plays the player took part in."}
    )
    last_played_at = fields.AwareDateTime(
        dump_only=True,
        allow_none=True,
        metadata={"description": "When the player last played; null if never."},
    )


class PlayerListArguments(ListArguments):
    """Players are listed by display name."""

    q = Text(
        validate=validate.Length(min=1, max=DISPLAY_NAME_MAX_LENGTH),
        metadata={"description": "Case-insensitive part of the display name."},
    )


def _range_bound(name: str, description: str, *, number: bool = False) -> fields.Field[Any]:
    bounds = PREFERENCE_RULES.ranges[name]
    orders = [
        f"At least {lower} when both are given (422 otherwise)."
        for lower, upper in PREFERENCE_RULES.ordered_pairs
        if upper == name
    ]
    metadata = {
        "minimum": bounds.low,
        "maximum": bounds.high,
        "description": " ".join([description, *orders]),
    }
    if number:
        return Number(allow_none=True, metadata=metadata)
    return fields.Integer(allow_none=True, strict=True, metadata=metadata)


def _references(description: str, *, items: fields.Field[Any]) -> fields.List[Any]:
    return fields.List(
        items,
        load_default=list,
        validate=validate.Length(max=MAX_PREFERRED_ITEMS),
        metadata={"description": description},
    )


class PreferencesFields(Schema):
    """What a player likes; each range bound and list is optional (null or empty: no
    preference). A PUT replaces the whole: what is left out is cleared."""

    min_play_minutes = _range_bound("min_play_minutes", "Shortest play wanted, in minutes.")
    max_play_minutes = _range_bound("max_play_minutes", "Longest play wanted, in minutes.")
    min_complexity = _range_bound(
        "min_complexity", "Lightest rules weight wanted, 1.0 to 5.0.", number=True
    )
    max_complexity = _range_bound(
        "max_complexity", "Heaviest rules weight wanted, 1.0 to 5.0.", number=True
    )
    min_group_size = _range_bound("min_group_size", "Smallest group wanted.")
    max_group_size = _range_bound("max_group_size", "Largest group wanted.")


class PlayerPreferencesIn(PreferencesFields):
    """A player's preferences, replacing the current ones as a whole."""

    favourite_categories = _references(
        "Categories by id, name or slug; unknown ones are 409.",
        items=Text(validate=validate.Length(min=1, max=LABEL_NAME_MAX_LENGTH)),
    )
    favourite_tags = _references(
        "Tags by id, name or slug; unknown ones are 409.",
        items=Text(validate=validate.Length(min=1, max=LABEL_NAME_MAX_LENGTH)),
    )
    refused_games = _references(
        "Games the player will not play, by id; unknown ones are 409.", items=fields.UUID()
    )

    @ma.validates_schema
    def _row_rules(self, data: dict[str, Any], **_kwargs: Any) -> None:
        raise_rule_violations(PREFERENCE_RULES.violations(data))


class GameSummary(EntityOut):
    """A game as a player's preferences list it."""

    id = fields.UUID(dump_only=True)
    title = fields.String(dump_only=True, metadata={"example": "Twilight Imperium"})


class PlayerPreferencesOut(PreferencesFields, AuditedOut):
    """A player's preferences; version 0 and null bookkeeping while none are set."""

    player_id = fields.UUID(dump_only=True)
    favourite_categories = fields.List(fields.Nested(LabelSummary), dump_only=True)
    favourite_tags = fields.List(fields.Nested(LabelSummary), dump_only=True)
    refused_games = fields.List(fields.Nested(GameSummary), dump_only=True)
    created_at = fields.AwareDateTime(dump_only=True, allow_none=True)
    updated_at = fields.AwareDateTime(dump_only=True, allow_none=True)
    created_by = fields.String(dump_only=True, allow_none=True)
    updated_by = fields.String(dump_only=True, allow_none=True)

"""What the plays and player statistics endpoints accept and return."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from marshmallow import fields, validate

from backend.api.schemas import (
    NOT_BLANK_PATTERN,
    AuditedOut,
    EntityOut,
    Flag,
    KeptMoment,
    ListArguments,
    Schema,
    Text,
    raise_rule_violations,
)
from backend.domain.plays import (
    MAX_PARTICIPANTS,
    PARTICIPANT_RULES,
    PLAY_NOTE_MAX_LENGTH,
    PLAY_RULES,
    PLAYED_AT_MESSAGE,
    duplicate_players,
)
from backend.domain.rules import RowRules


def _bounded(rules: RowRules, name: str, description: str) -> fields.Integer:
    bounds = rules.ranges[name]
    return fields.Integer(
        allow_none=True,
        strict=True,
        validate=validate.Range(min=bounds.low, max=bounds.high),
        metadata={"description": description},
    )


class ParticipantIn(Schema):
    """One player's part in a play."""

    player_id = fields.UUID(required=True)
    score = _bounded(PARTICIPANT_RULES, "score", "The player's score; null if none.")
    is_winner = Flag(load_default=False, metadata={"description": "Whether they won."})
    rating = _bounded(
        PARTICIPANT_RULES, "rating", "How the player rated the game, 1 to 10; null if not."
    )


def _participants(*, required: bool) -> fields.List[Any]:
    return fields.List(
        fields.Nested(ParticipantIn),
        required=required,
        validate=validate.Length(min=1, max=MAX_PARTICIPANTS),
        metadata={
            "description": f"1 to {MAX_PARTICIPANTS} participants, each player once (422 "
            "naming the participant otherwise); an unknown player is 409 naming it "
            "(`participants.<n>.player_id`)."
        },
    )


class PlayFields(Schema):
    """A play's own fields, with the same rules as the database's."""

    played_at = KeptMoment(
        required=True,
        metadata={
            "description": f"When it was played. {PLAYED_AT_MESSAGE} A time without "
            "an offset is 422."
        },
    )
    duration_minutes = _bounded(PLAY_RULES, "duration_minutes", "How long it took.")
    note = Text(
        allow_none=True,
        pattern=NOT_BLANK_PATTERN,
        validate=validate.Length(max=PLAY_NOTE_MAX_LENGTH),
        metadata={"maxLength": PLAY_NOTE_MAX_LENGTH},
    )

    @ma.validates_schema
    def _rules(self, data: dict[str, Any], **_kwargs: Any) -> None:
        raise_rule_violations(PLAY_RULES.violations(data))
        participants = data.get("participants") or []
        repeated = duplicate_players([participant["player_id"] for participant in participants])
        if repeated:
            message = "This player is listed already."
            raise ma.ValidationError(
                {"participants": {position: {"player_id": [message]} for position in repeated}}
            )


class PlayCreate(PlayFields):
    """A new play: its game, when, and who took part (at least one)."""

    game_id = fields.UUID(
        required=True, metadata={"description": "The game played; an unknown one is 409."}
    )
    participants = _participants(required=True)


class PlayPatch(PlayFields):
    """Changes to a play: only the fields sent change; participants sent replace the
    current ones as a whole."""

    participants = _participants(required=False)


class GameSummaryOut(EntityOut):
    id = fields.UUID(dump_only=True)
    title = fields.String(dump_only=True)


class ParticipantOut(EntityOut):
    player_id = fields.UUID(dump_only=True)
    display_name = fields.String(dump_only=True)
    score = fields.Integer(dump_only=True, allow_none=True)
    is_winner = fields.Boolean(dump_only=True)
    rating = fields.Integer(dump_only=True, allow_none=True)


class PlayOut(AuditedOut):
    """A play as the API returns it, with its game and its participants by name."""

    id = fields.UUID(dump_only=True)
    game = fields.Nested(GameSummaryOut, dump_only=True)
    played_at = fields.AwareDateTime(dump_only=True)
    duration_minutes = fields.Integer(dump_only=True, allow_none=True)
    note = fields.String(dump_only=True, allow_none=True)
    participants = fields.List(fields.Nested(ParticipantOut), dump_only=True)


class PlayerPlaysArguments(ListArguments):
    """A player's plays are listed newest first; every filter given must match."""

    game_id = fields.UUID(metadata={"description": "Plays of this game."})
    played_from = fields.AwareDateTime(metadata={"description": "Played at or after this time."})
    played_until = fields.AwareDateTime(
        metadata={"description": "Played before this time; not before `played_from` (422)."}
    )

    @ma.validates_schema
    def _period(self, data: dict[str, Any], **_kwargs: Any) -> None:
        since, until = data.get("played_from"), data.get("played_until")
        if since is not None and until is not None and until < since:
            raise ma.ValidationError({"played_until": ["Must not be before played_from."]})


class PlayListArguments(PlayerPlaysArguments):
    """Plays are listed newest first; every filter given must match."""

    player_id = fields.UUID(metadata={"description": "Plays this player took part in."})


class GamePlaysOut(EntityOut):
    game_id = fields.UUID(dump_only=True)
    title = fields.String(dump_only=True)
    plays = fields.Integer(dump_only=True)


class CategoryPlaysOut(EntityOut):
    slug = fields.String(dump_only=True)
    name = fields.String(dump_only=True)
    plays = fields.Integer(dump_only=True)


class PlayerStatsOut(EntityOut):
    """What a player's plays add up to."""

    player_id = fields.UUID(dump_only=True)
    plays = fields.Integer(dump_only=True, metadata={"description": "Plays taken part in."})
    wins = fields.Integer(dump_only=True, metadata={"description": "Plays won."})
    win_rate = fields.Float(
        dump_only=True,
        allow_none=True,
        metadata={"description": "wins / plays, 0 to 1; null without plays."},
    )
    last_played_at = fields.AwareDateTime(dump_only=True, allow_none=True)
    most_played_games = fields.List(
        fields.Nested(GamePlaysOut),
        dump_only=True,
        metadata={
            "description": "The 5 games played most: most plays first, then by title, then by id."
        },
    )
    favourite_categories = fields.List(
        fields.Nested(CategoryPlaysOut),
        dump_only=True,
        metadata={
            "description": "The 5 categories played most (a play counts for each category "
            "of its game): most plays first, then by name, then by slug."
        },
    )

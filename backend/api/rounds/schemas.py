"""What the rounds and matches endpoints return (and the tournament detail carries)."""

from __future__ import annotations

from marshmallow import fields

from backend.api.schemas import AuditedOut
from backend.domain.tournaments import MatchStatus, RoundStage


class MatchOut(AuditedOut):
    """A match: the players at its table and its result, once reported."""

    id = fields.UUID(dump_only=True)
    round_id = fields.UUID(dump_only=True)
    round_number = fields.Integer(dump_only=True)
    table_number = fields.Integer(dump_only=True)
    player_a_id = fields.UUID(dump_only=True)
    player_b_id = fields.UUID(
        dump_only=True, allow_none=True, metadata={"description": "null: player A's bye."}
    )
    player_a_wins = fields.Integer(dump_only=True, allow_none=True)
    player_b_wins = fields.Integer(dump_only=True, allow_none=True)
    draws = fields.Integer(dump_only=True, allow_none=True)
    status = fields.Enum(
        MatchStatus,
        by_value=True,
        dump_only=True,
        metadata={
            "description": "pending (no result), reported (by a player, waiting for the "
            "other side or the organizer to confirm), confirmed (counted in the standings "
            "and recorded as a play)."
        },
    )
    reported_by = fields.String(dump_only=True, allow_none=True)
    reported_at = fields.AwareDateTime(dump_only=True, allow_none=True)
    confirmed_by = fields.String(dump_only=True, allow_none=True)
    confirmed_at = fields.AwareDateTime(dump_only=True, allow_none=True)
    play_id = fields.UUID(
        dump_only=True,
        allow_none=True,
        metadata={
            "description": "The play this confirmed result recorded in the players' history."
        },
    )


class RoundOut(AuditedOut):
    """A round with its matches by table."""

    id = fields.UUID(dump_only=True)
    tournament_id = fields.UUID(dump_only=True)
    number = fields.Integer(dump_only=True)
    stage = fields.Enum(RoundStage, by_value=True, dump_only=True)
    rematches_allowed = fields.Boolean(dump_only=True)
    matches = fields.List(fields.Nested(MatchOut), dump_only=True)

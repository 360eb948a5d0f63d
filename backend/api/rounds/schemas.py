"""What the rounds, matches, results and standings endpoints accept and return (and the
tournament detail carries)."""

from __future__ import annotations

from marshmallow import fields, validate

from backend.api.schemas import AuditedOut, EntityOut, Flag, ListArguments, Schema
from backend.domain.tournaments import MATCH_RESULT_RULES, MatchStatus, RoundStage


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


class PairingIn(Schema):
    """How to pair the next round."""

    allow_rematches = Flag(
        load_default=False,
        metadata={
            "description": "Allow the fewest rematches when no Swiss pairing avoids them "
            "(without it, such a round is refused with 409)."
        },
    )


def _games(name: str, description: str) -> fields.Integer:
    bounds = MATCH_RESULT_RULES.ranges[name]
    return fields.Integer(
        required=True,
        strict=True,
        validate=validate.Range(min=bounds.low, max=bounds.high),
        metadata={"description": description},
    )


class ResultIn(Schema):
    """A match's result in games; a top cut match needs a winner (422 on a tie)."""

    player_a_wins = _games("player_a_wins", "Games player A won.")
    player_b_wins = _games("player_b_wins", "Games player B won.")
    draws = _games("draws", "Games drawn.")


class MatchListArguments(ListArguments):
    """A tournament's matches by round and table; every filter given must match."""

    round = fields.Integer(
        strict=False,
        validate=validate.Range(min=1, max=32767),
        metadata={"description": "Matches of this round."},
    )
    player_id = fields.UUID(metadata={"description": "Matches this player sits at."})


class FigureOut(EntityOut):
    """A percentage, exactly and rounded."""

    decimal = fields.Float(dump_only=True, metadata={"description": "Rounded to 4 places."})
    fraction = fields.String(
        dump_only=True, metadata={"description": 'Exactly, as "numerator/denominator".'}
    )


class RecordOut(EntityOut):
    wins = fields.Integer(dump_only=True, metadata={"description": "Matches won, byes included."})
    losses = fields.Integer(dump_only=True)
    draws = fields.Integer(dump_only=True)
    byes = fields.Integer(dump_only=True)


class StandingOut(EntityOut):
    """One player's place: match points, then the tiebreakers, each with the 0.33 minimum."""

    rank = fields.Integer(dump_only=True)
    player_id = fields.UUID(dump_only=True)
    display_name = fields.String(dump_only=True)
    dropped = fields.Boolean(dump_only=True)
    match_points = fields.Integer(dump_only=True)
    record = fields.Nested(RecordOut, dump_only=True)
    game_points = fields.Integer(dump_only=True)
    games_played = fields.Integer(dump_only=True)
    mw = fields.Nested(FigureOut, dump_only=True, metadata={"description": "Match-win percentage."})
    omw = fields.Nested(
        FigureOut, dump_only=True, metadata={"description": "Opponents' match-win percentage."}
    )
    gw = fields.Nested(FigureOut, dump_only=True, metadata={"description": "Game-win percentage."})
    ogw = fields.Nested(
        FigureOut, dump_only=True, metadata={"description": "Opponents' game-win percentage."}
    )


class StandingRulesOut(EntityOut):
    """The rules the standings follow (MTR 3.1 and appendix C)."""

    source = fields.String(dump_only=True)
    points_per_win = fields.Integer(dump_only=True)
    points_per_draw = fields.Integer(dump_only=True)
    percentage_minimum = fields.Nested(FigureOut, dump_only=True)
    tiebreakers = fields.List(
        fields.String(),
        dump_only=True,
        metadata={"description": "The order: each one breaks the ties of those before it."},
    )


class StandingsOut(EntityOut):
    """The standings, derived from the confirmed Swiss results when read."""

    tournament_id = fields.UUID(dump_only=True)
    swiss_rounds = fields.Integer(
        dump_only=True,
        allow_none=True,
        metadata={"description": "The Swiss rounds (null until the first round is paired)."},
    )
    top_cut_size = fields.Integer(dump_only=True, allow_none=True)
    rounds_counted = fields.Integer(
        dump_only=True, metadata={"description": "The last Swiss round with a confirmed result."}
    )
    rules = fields.Nested(StandingRulesOut, dump_only=True)
    standings = fields.List(fields.Nested(StandingOut), dump_only=True)

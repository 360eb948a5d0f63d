"""What the tournaments endpoints accept and return."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from marshmallow import fields, validate

from backend.api.rounds.schemas import RoundOut
from backend.api.schemas import (
    NOT_BLANK_PATTERN,
    AuditedOut,
    KeptMoment,
    ListArguments,
    Schema,
    Text,
    raise_rule_violations,
)
from backend.domain.tournaments import (
    FORMAT_NAME_MAX_LENGTH,
    STARTS_AT_MESSAGE,
    TOURNAMENT_NAME_MAX_LENGTH,
    TOURNAMENT_RULES,
    TRANSITIONS,
    TournamentStatus,
    Visibility,
    top_cut_problem,
)

_CAPACITY = TOURNAMENT_RULES.ranges["capacity"]
LIFECYCLE = "; ".join(
    f"{state} -> {' or '.join(sorted(following))}"
    for state, following in TRANSITIONS.items()
    if following
)
STATUS_DESCRIPTION = (
    f"Where it stands in its lifecycle ({LIFECYCLE}); completed and cancelled are final."
)
VISIBILITY_DESCRIPTION = (
    "Who sees it once it leaves its draft: public (anyone) or members (signed-in users); "
    "a draft only its organizer and admins."
)


class TopCutSize(fields.Integer):
    """The top cut's size, or null for the round table's recommendation."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Any:
        size = super()._deserialize(value, attr, data, **kwargs)
        problem = top_cut_problem(size)
        if problem is not None:
            raise ma.ValidationError(problem)
        return size


class TournamentFields(Schema):
    """A tournament's own fields, with the same rules as the database's."""

    name = Text(
        required=True,
        pattern=NOT_BLANK_PATTERN,
        validate=validate.Length(max=TOURNAMENT_NAME_MAX_LENGTH),
        metadata={"maxLength": TOURNAMENT_NAME_MAX_LENGTH, "example": "Winter Open"},
    )
    game_id = fields.UUID(
        required=True, metadata={"description": "The catalog's game; an unknown one is 409."}
    )
    format_name = Text(
        required=True,
        pattern=NOT_BLANK_PATTERN,
        validate=validate.Length(max=FORMAT_NAME_MAX_LENGTH),
        metadata={"maxLength": FORMAT_NAME_MAX_LENGTH, "example": "Best of three"},
    )
    venue_id = fields.UUID(
        required=True, metadata={"description": "Where it is held; an unknown one is 409."}
    )
    capacity = fields.Integer(
        required=True,
        strict=True,
        validate=validate.Range(min=_CAPACITY.low, max=_CAPACITY.high),
        metadata={
            "description": "How many players it registers (more are waitlisted); at most "
            "the venue's capacity (422), and never below the players registered (409)."
        },
    )
    starts_at = KeptMoment(
        required=True, metadata={"description": f"When it starts. {STARTS_AT_MESSAGE}"}
    )
    visibility = fields.Enum(
        Visibility, by_value=True, metadata={"description": VISIBILITY_DESCRIPTION}
    )
    top_cut_size = TopCutSize(
        allow_none=True,
        strict=True,
        metadata={
            "description": "Players in the top cut after the Swiss rounds: 0 (none), 2, 4, 8 "
            "or 16; null: the round table's recommendation for the players at the first "
            "pairing.",
            "enum": [0, 2, 4, 8, 16, None],
        },
    )

    @ma.validates_schema
    def _rules(self, data: dict[str, Any], **_kwargs: Any) -> None:
        raise_rule_violations(TOURNAMENT_RULES.violations(data))


class TournamentCreate(TournamentFields):
    """A new tournament, created as a draft; its organizer is the caller."""

    organizer_id = fields.UUID(
        metadata={
            "description": "For an admin: the organizer (a user whose role is organizer or "
            "admin; another role is 422, an unknown user 409). Others may name only themselves."
        }
    )


class TournamentPatch(TournamentFields):
    """Changes to a tournament: its fields while draft or registration_open (409 after),
    and its `status`, to move it through the lifecycle."""

    status = fields.Enum(
        TournamentStatus,
        by_value=True,
        metadata={
            "description": f"The next state: {LIFECYCLE} (409 otherwise, naming the states "
            "allowed). in_progress needs at least 2 registered players who checked in. "
            "The state's timestamp is set to now."
        },
    )


class TournamentOut(AuditedOut):
    """A tournament as lists carry it, with how many players registered and waitlisted."""

    id = fields.UUID(dump_only=True)
    name = fields.String(dump_only=True)
    game_id = fields.UUID(dump_only=True)
    format_name = fields.String(dump_only=True)
    venue_id = fields.UUID(dump_only=True)
    organizer_id = fields.UUID(dump_only=True)
    capacity = fields.Integer(dump_only=True)
    starts_at = fields.AwareDateTime(dump_only=True)
    visibility = fields.Enum(
        Visibility, by_value=True, dump_only=True, metadata={"description": VISIBILITY_DESCRIPTION}
    )
    status = fields.Enum(
        TournamentStatus,
        by_value=True,
        dump_only=True,
        metadata={"description": STATUS_DESCRIPTION},
    )
    registration_opened_at = fields.AwareDateTime(dump_only=True, allow_none=True)
    started_at = fields.AwareDateTime(dump_only=True, allow_none=True)
    completed_at = fields.AwareDateTime(dump_only=True, allow_none=True)
    cancelled_at = fields.AwareDateTime(dump_only=True, allow_none=True)
    top_cut_size = fields.Integer(
        dump_only=True,
        allow_none=True,
        metadata={"description": "null: the round table's recommendation, at the first pairing."},
    )
    swiss_rounds = fields.Integer(
        dump_only=True,
        allow_none=True,
        metadata={"description": "Fixed at the first pairing; null before."},
    )
    registered_count = fields.Integer(dump_only=True)
    waitlisted_count = fields.Integer(dump_only=True)


class TournamentDetailOut(TournamentOut):
    """A tournament with its checked-in count and its rounds, each with its matches."""

    checked_in_count = fields.Integer(
        dump_only=True,
        metadata={"description": "Registered players who checked in: the entrants."},
    )
    rounds = fields.List(fields.Nested(RoundOut), dump_only=True)


class TournamentListArguments(ListArguments):
    """Tournaments are listed by start time; every filter given must match."""

    status = fields.Enum(TournamentStatus, by_value=True)
    game_id = fields.UUID(metadata={"description": "Tournaments of this game."})
    venue_id = fields.UUID(metadata={"description": "Tournaments held at this venue."})
    starts_from = fields.AwareDateTime(metadata={"description": "Starting at or after this time."})
    starts_until = fields.AwareDateTime(
        metadata={"description": "Starting before this time; not before `starts_from` (422)."}
    )

    @ma.validates_schema
    def _period(self, data: dict[str, Any], **_kwargs: Any) -> None:
        since, until = data.get("starts_from"), data.get("starts_until")
        if since is not None and until is not None and until < since:
            raise ma.ValidationError({"starts_until": ["Must not be before starts_from."]})

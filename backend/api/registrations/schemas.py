"""What the registrations endpoints accept and return."""

from __future__ import annotations

from marshmallow import fields

from backend.api.schemas import AuditedOut, Flag, ListArguments, Schema
from backend.domain.tournaments import RegistrationStatus

STATUS_DESCRIPTION = (
    "registered (holds a place), waitlisted (signed up beyond the capacity; the first of "
    "them takes the place of a registered player who drops before the start), dropped "
    "(final)."
)


class RegistrationCreate(Schema):
    """A sign-up: which player. A member signs up the player linked to their account."""

    player_id = fields.UUID(
        required=True,
        metadata={"description": "The player to sign up; an unknown one is 409."},
    )


class RegistrationPatch(Schema):
    """A check-in or a drop: only the fields sent change."""

    checked_in = Flag(
        metadata={
            "description": "Check a registered player in (true) or out (false): while "
            "registration is open, or once started until round 1 is paired (409 otherwise, "
            "and for a waitlisted or dropped registration)."
        }
    )
    status = fields.Enum(
        RegistrationStatus,
        by_value=True,
        metadata={
            "description": "Only `dropped` changes it, and a drop is final (409 for any "
            "other change). Before the start the first waitlisted player is promoted to "
            "the place; after it the rounds played stay in the standings."
        },
    )


class RegistrationOut(AuditedOut):
    """A registration, with its player's name."""

    id = fields.UUID(dump_only=True)
    tournament_id = fields.UUID(dump_only=True)
    player_id = fields.UUID(dump_only=True)
    display_name = fields.String(dump_only=True, metadata={"description": "The player's name."})
    sequence = fields.Integer(
        dump_only=True, metadata={"description": "The sign-up's number: 1, 2, 3 ... in order."}
    )
    status = fields.Enum(
        RegistrationStatus,
        by_value=True,
        dump_only=True,
        metadata={"description": STATUS_DESCRIPTION},
    )
    checked_in_at = fields.AwareDateTime(dump_only=True, allow_none=True)
    promoted_at = fields.AwareDateTime(
        dump_only=True,
        allow_none=True,
        metadata={"description": "When it moved from the waitlist to a place."},
    )
    dropped_at = fields.AwareDateTime(dump_only=True, allow_none=True)
    dropped_after_round = fields.Integer(
        dump_only=True,
        allow_none=True,
        metadata={
            "description": "For a player dropped after the start: the rounds paired by "
            "then, which stay in the standings."
        },
    )


class RegistrationListArguments(ListArguments):
    """Registrations are listed in sign-up order."""

    status = fields.Enum(
        RegistrationStatus,
        by_value=True,
        metadata={"description": "Only registrations with this status."},
    )

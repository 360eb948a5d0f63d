"""What the venues endpoints accept and return."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from marshmallow import fields, validate

from backend.api.schemas import (
    NOT_BLANK_PATTERN,
    AuditedOut,
    ListArguments,
    Schema,
    Text,
    raise_rule_violations,
)
from backend.domain.tournaments import (
    TIME_ZONE_MAX_LENGTH,
    TIME_ZONE_MESSAGE,
    VENUE_ADDRESS_MAX_LENGTH,
    VENUE_NAME_MAX_LENGTH,
    VENUE_RULES,
    time_zone_problem,
)


class TimeZone(Text):
    """An IANA time zone name, as the zone database knows it."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        name = super()._deserialize(value, attr, data, **kwargs)
        if time_zone_problem(name) is not None:
            raise ma.ValidationError(TIME_ZONE_MESSAGE)
        return name


class VenueIn(Schema):
    """A venue's fields, with the same rules as the database's."""

    name = Text(
        required=True,
        pattern=NOT_BLANK_PATTERN,
        validate=validate.Length(max=VENUE_NAME_MAX_LENGTH),
        metadata={"maxLength": VENUE_NAME_MAX_LENGTH, "example": "The Meeple Café"},
    )
    address = Text(
        required=True,
        pattern=NOT_BLANK_PATTERN,
        validate=validate.Length(max=VENUE_ADDRESS_MAX_LENGTH),
        metadata={"maxLength": VENUE_ADDRESS_MAX_LENGTH},
    )
    capacity = fields.Integer(
        required=True,
        strict=True,
        validate=validate.Range(
            min=VENUE_RULES.ranges["capacity"].low, max=VENUE_RULES.ranges["capacity"].high
        ),
        metadata={"description": "How many players it seats."},
    )
    time_zone = TimeZone(
        required=True,
        validate=validate.Length(max=TIME_ZONE_MAX_LENGTH),
        metadata={
            "maxLength": TIME_ZONE_MAX_LENGTH,
            "description": f"Its tournaments' start times are read here. {TIME_ZONE_MESSAGE}",
            "example": "Europe/Paris",
        },
    )

    @ma.validates_schema
    def _rules(self, data: dict[str, Any], **_kwargs: Any) -> None:
        raise_rule_violations(VENUE_RULES.violations(data))


class VenuePatch(VenueIn):
    """Changes to a venue: only the fields sent change."""


class VenueOut(AuditedOut):
    """A venue as the API returns it."""

    id = fields.UUID(dump_only=True)
    name = fields.String(dump_only=True)
    address = fields.String(dump_only=True)
    capacity = fields.Integer(dump_only=True)
    time_zone = fields.String(dump_only=True)


class VenueListArguments(ListArguments):
    """Venues are listed by name."""

"""CHECK constraints derived from the domain's row rules, so each rule is written once."""

from __future__ import annotations

from sqlalchemy import CheckConstraint

from backend.domain.rules import NOT_BLANK_MESSAGE, RowRules, order_message


def check_constraints(rules: RowRules) -> list[CheckConstraint]:
    """One named CHECK per rule; its `info` carries the field and message the API shows
    when the database refuses a row (see backend/db/errors.py)."""
    constraints = [
        CheckConstraint(
            f"TRIM({name}) <> ''",
            name=f"{name}_not_blank",
            info={"field": name, "message": NOT_BLANK_MESSAGE},
        )
        for name in rules.not_blank
    ]
    constraints += [
        CheckConstraint(
            f"{name} BETWEEN {bounds.low} AND {bounds.high}",
            name=f"{name}_range",
            info={"field": name, "message": bounds.message},
        )
        for name, bounds in rules.ranges.items()
    ]
    constraints += [
        CheckConstraint(
            f"{lower} <= {upper}",
            name=f"{lower}_le_{upper}",
            info={"field": upper, "message": order_message(lower)},
        )
        for lower, upper in rules.ordered_pairs
    ]
    return constraints

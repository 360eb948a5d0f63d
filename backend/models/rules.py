"""Row rules as CHECK constraints that also carry the message a client sees when one is broken."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Generic, TypeVar

from sqlalchemy import CheckConstraint

N = TypeVar("N", int, float)


@dataclass(frozen=True)
class Range(Generic[N]):
    """Inclusive bounds, shared by the CHECK constraint and the API schema's validator."""

    low: N
    high: N

    @property
    def message(self) -> str:
        return f"must be between {self.low} and {self.high}"


def range_check(column: str, bounds: Range[int] | Range[float]) -> CheckConstraint:
    return CheckConstraint(
        f"{column} BETWEEN {bounds.low} AND {bounds.high}",
        name=f"{column}_range",
        info={"field": column, "message": bounds.message},
    )


def column_order_check(lower: str, upper: str) -> CheckConstraint:
    """`lower <= upper` when both are known (a NULL passes, as in SQL)."""
    return CheckConstraint(
        f"{lower} <= {upper}",
        name=f"{lower}_le_{upper}",
        info={"field": upper, "message": order_message(lower)},
    )


def order_message(lower: str) -> str:
    return f"must be greater than or equal to {lower}"

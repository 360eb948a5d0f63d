"""Row rules, written once: checked on plain values by the schemas, the services and the
importer, and turned into CHECK constraints by the models."""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from backend.domain.errors import DomainRuleError

N = TypeVar("N", int, float)


@dataclass(frozen=True)
class Range(Generic[N]):
    """Inclusive bounds."""

    low: N
    high: N

    @property
    def message(self) -> str:
        return f"Must be between {self.low} and {self.high}."


@dataclass(frozen=True)
class RuleViolation:
    """One broken rule: the field to blame, the rule's name (its CHECK constraint's name
    without the `ck_<table>_` prefix, or `<field>_length`) and a message for people."""

    field: str
    rule: str
    message: str


def order_message(lower: str) -> str:
    return f"Must be greater than or equal to {lower}."


NOT_BLANK_MESSAGE = "Must not be blank."
# What text made only of is blank: whitespace, and the control and format characters (of the
# Basic Multilingual Plane, where the spec's patterns can name them) that show nothing.
# MariaDB's Unicode collations ignore the latter, so its CHECK (TRIM(x) <> '') would take
# a title of them alone for empty: the rule refuses it first, on every database.
INVISIBLE_CHARACTERS = frozenset(
    character
    for character in map(chr, range(0x10000))
    if character.isspace() or unicodedata.category(character) in ("Cc", "Cf")
)


def is_blank(text: str) -> bool:
    """Whether the text shows nothing: empty, or only invisible characters."""
    return all(character in INVISIBLE_CHARACTERS for character in text)


@dataclass(frozen=True)
class RowRules:
    """What every row of one table must satisfy. Only the fields present in `values` are
    checked, and a pair only when both are known, so a partial change can be checked too."""

    ranges: Mapping[str, Range[int] | Range[float]] = field(default_factory=dict)
    # (lower, upper): lower <= upper when both are known.
    ordered_pairs: Sequence[tuple[str, str]] = ()
    not_blank: Sequence[str] = ()
    # Enforced by the column types on PostgreSQL and MariaDB, so not a CHECK.
    max_lengths: Mapping[str, int] = field(default_factory=dict)

    @property
    def fields(self) -> frozenset[str]:
        """Every field some rule of these reads."""
        return frozenset(
            [*self.ranges, *self.not_blank, *self.max_lengths]
            + [name for pair in self.ordered_pairs for name in pair]
        )

    def violations(self, values: Mapping[str, Any]) -> list[RuleViolation]:
        found = []
        for name in self.not_blank:
            text = values.get(name)
            if isinstance(text, str) and is_blank(text):
                found.append(RuleViolation(name, f"{name}_not_blank", NOT_BLANK_MESSAGE))
        for name, limit in self.max_lengths.items():
            text = values.get(name)
            if isinstance(text, str) and len(text) > limit:
                message = f"Longer than maximum length {limit}."
                found.append(RuleViolation(name, f"{name}_length", message))
        for name, bounds in self.ranges.items():
            number = values.get(name)
            if number is not None and not bounds.low <= number <= bounds.high:
                found.append(RuleViolation(name, f"{name}_range", bounds.message))
        for lower, upper in self.ordered_pairs:
            low, high = values.get(lower), values.get(upper)
            if low is not None and high is not None and low > high:
                found.append(RuleViolation(upper, f"{lower}_le_{upper}", order_message(lower)))
        return found


def raise_violations(violations: Sequence[RuleViolation]) -> None:
    """Refuse broken rules with a DomainRuleError naming each field, in the words a CHECK
    constraint's violation would have used."""
    if violations:
        fields: dict[str, list[str]] = {}
        for violation in violations:
            fields.setdefault(violation.field, []).append(violation.message)
        first = violations[0]
        raise DomainRuleError(f"{first.field}: {first.message}", fields=fields)

"""Shared marshmallow bases: strict JSON types, storable strings, unknown fields refused."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, cast

import marshmallow as ma
from marshmallow import fields
from webargs.multidictproxy import MultiDictProxy
from werkzeug.datastructures import MultiDict

from backend.domain.moments import MOMENT_MESSAGE, moment_problem
from backend.domain.rules import INVISIBLE_CHARACTERS, RuleViolation

# flask-smorest's @paginate reads these itself; list argument schemas let them through.
PAGINATION_ARGUMENTS = ("page", "page_size")


def raise_rule_violations(violations: Sequence[RuleViolation]) -> None:
    """Raise the violations of row rules as a marshmallow error, keyed by field."""
    if violations:
        errors: dict[str, list[str]] = {}
        for violation in violations:
            errors.setdefault(violation.field, []).append(violation.message)
        raise ma.ValidationError(errors)


class Schema(ma.Schema):
    """Refuses unknown fields (422) instead of silently dropping them."""

    class Meta:
        unknown = ma.RAISE

    def get_attribute(self, obj: Any, attr: str, default: Any) -> Any:
        # Reads hand over plain dicts: one lookup instead of marshmallow's general path.
        if type(obj) is dict:
            return obj.get(attr, default)
        return super().get_attribute(obj, attr, default)


def _character_class_body(characters: Iterable[str]) -> str:
    """The characters as \\uXXXX escapes (runs as ranges), which every regex dialect reads
    alike (JSON Schema's ECMA-262, Python's, Rust's), where a class like \\s means
    different things."""
    codes = sorted(map(ord, characters))
    runs: list[list[int]] = []
    for code in codes:
        if runs and code == runs[-1][1] + 1:
            runs[-1][1] = code
        else:
            runs.append([code, code])
    return "".join(
        f"\\u{low:04x}" if low == high else f"\\u{low:04x}-\\u{high:04x}" for low, high in runs
    )


# Text's rules as JSON Schema patterns, for the spec: no NUL anywhere; and, where a rule
# refuses blank text, something visible (see is_blank in backend/domain/rules.py).
NO_NUL_PATTERN = r"^[^\u0000]*$"
NOT_BLANK_PATTERN = rf"^[^\u0000]*[^{_character_class_body(INVISIBLE_CHARACTERS)}][^\u0000]*$"


class Text(fields.String):
    """A string every database can store: no NUL character, valid Unicode."""

    default_error_messages = {
        "nul": "Must not contain NUL characters.",
        "unicode": "Must be valid Unicode text.",
    }

    def __init__(self, *, pattern: str = NO_NUL_PATTERN, **kwargs: Any) -> None:
        """`pattern` documents what the schema's rules accept (it does not check it)."""
        kwargs["metadata"] = {"pattern": pattern, **kwargs.get("metadata", {})}
        super().__init__(**kwargs)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        text = super()._deserialize(value, attr, data, **kwargs)
        if "\x00" in text:
            raise self.make_error("nul")
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            # A lone surrogate from a JSON escape like "\ud800".
            raise self.make_error("unicode") from None
        return text


class Number(fields.Float):
    """A JSON number: a string that looks like one is refused, as are NaN and infinities."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(allow_nan=False, **kwargs)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> float:
        if isinstance(value, str | bool):
            raise self.make_error("invalid")
        return super()._deserialize(value, attr, data, **kwargs)


class Flag(fields.Boolean):
    """A JSON boolean: true or false, not 1, 0 or a string that reads like one."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> bool:
        if not isinstance(value, bool):
            raise self.make_error("invalid", input=value)
        return value


class ListArguments(Schema):
    """Query arguments of a paginated list: unknown ones are refused, pagination passes."""

    @ma.pre_load
    def _leave_pagination_to_smorest(self, data: Any, **_kwargs: Any) -> Any:
        if isinstance(data, MultiDictProxy):
            source = cast(MultiDict[str, Any], data.data)
            kept = MultiDict(
                [
                    (key, value)
                    for key, value in source.items(multi=True)
                    if key not in PAGINATION_ARGUMENTS
                ]
            )
            return MultiDictProxy(kept, self)
        if isinstance(data, Mapping):
            return {key: value for key, value in data.items() if key not in PAGINATION_ARGUMENTS}
        return data


class KeptMoment(fields.AwareDateTime):
    """A moment a client gives (a play's, a tournament's start): a time with its UTC
    offset, in the years every database keeps."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Any:
        moment = super()._deserialize(value, attr, data, **kwargs)
        if moment_problem(moment) is not None:
            raise ma.ValidationError(MOMENT_MESSAGE)
        return moment


class EntityOut(Schema):
    """An entity as answers carry it: every field always sent, null when unknown (the spec
    marks them all required)."""


class AuditedOut(EntityOut):
    """What every audited, versioned entity returns about its own history."""

    version = fields.Integer(
        dump_only=True, metadata={"description": "Bumped by every change; the ETag follows it."}
    )
    created_at = fields.AwareDateTime(dump_only=True)
    updated_at = fields.AwareDateTime(dump_only=True)
    created_by = fields.String(dump_only=True)
    updated_by = fields.String(dump_only=True)
    change_reason = fields.String(
        dump_only=True,
        allow_none=True,
        metadata={"description": "X-Change-Reason of the latest change; null when it gave none."},
    )

"""What the games endpoints accept and return."""

from __future__ import annotations

from typing import Any, get_args

import marshmallow as ma
from marshmallow import fields, validate

from backend.api.labels.schemas import LabelSummary
from backend.api.schemas import (
    NOT_BLANK_PATTERN,
    AuditedOut,
    ListArguments,
    Number,
    Schema,
    Text,
    raise_rule_violations,
)
from backend.domain.games import GAME_RULES
from backend.domain.labels import LABEL_NAME_MAX_LENGTH, MAX_LABELS_PER_GAME, LabelKind
from backend.repositories.games import SortKey

# A filter asks for at most this many labels of a kind at once.
MAX_FILTER_LABELS = 10
SORT_KEYS: tuple[str, ...] = get_args(SortKey)


def _label_list(most: int, description: str) -> fields.List[Any]:
    """Labels by id, name or slug, at most `most` of them."""
    return fields.List(
        Text(validate=validate.Length(min=1, max=LABEL_NAME_MAX_LENGTH)),
        validate=validate.Length(max=most),
        metadata={"description": description},
    )


def _labels(kind: LabelKind) -> fields.List[Any]:
    return _label_list(
        MAX_LABELS_PER_GAME,
        f"The game's {kind}, each by id, name or slug; replaces the current ones. "
        f"Unknown {kind} are refused with 409 (create them first).",
    )


def _label_filter(kind: LabelKind) -> fields.List[Any]:
    return _label_list(
        MAX_FILTER_LABELS,
        f"{kind.singular.capitalize()} name or slug; repeat it (up to {MAX_FILTER_LABELS} "
        "times) to require several.",
    )


def _documented(name: str, **metadata: Any) -> dict[str, Any]:
    """A field's metadata with what GAME_RULES demand of it, for the spec: the schema checks
    those rules together, after the fields, where apispec cannot see them."""
    bounds = GAME_RULES.ranges.get(name)
    if bounds is not None:
        metadata.update(minimum=bounds.low, maximum=bounds.high)
    limit = GAME_RULES.max_lengths.get(name)
    if limit is not None:
        metadata["maxLength"] = limit
    # JSON Schema cannot compare two fields: the order is said in words.
    orders = [
        f"At least {lower} when both are known (422 otherwise, also against the stored value)."
        for lower, upper in GAME_RULES.ordered_pairs
        if upper == name
    ]
    if orders:
        metadata["description"] = " ".join([*filter(None, [metadata.get("description")]), *orders])
    return metadata


def _count(name: str, example: int, description: str | None = None) -> fields.Integer:
    words = {"description": description} if description is not None else {}
    return fields.Integer(
        allow_none=True, strict=True, metadata=_documented(name, example=example, **words)
    )


class GameFields(Schema):
    """A game's own fields, with the same rules as the database's CHECK constraints; only the
    title is required, anything else left out is unknown (null)."""

    title = Text(
        required=True,
        pattern=NOT_BLANK_PATTERN,
        metadata=_documented("title", example="Brass: Birmingham"),
    )
    year_published = _count("year_published", 2018, "Negative before the common era.")
    min_players = _count("min_players", 2, "null when unknown.")
    max_players = _count("max_players", 4, "null when unknown.")
    min_play_minutes = _count("min_play_minutes", 60)
    max_play_minutes = _count("max_play_minutes", 120)
    min_age = _count("min_age", 14)
    complexity = Number(
        allow_none=True,
        metadata=_documented(
            "complexity", description="Rules weight, 1.0 (light) to 5.0 (heavy).", example=3.9
        ),
    )
    average_rating = Number(
        allow_none=True,
        metadata=_documented(
            "average_rating", description="Average rating, 1.0 to 10.0.", example=8.6
        ),
    )
    bgg_id = _count("bgg_id", 224517, "The game's id on BoardGameGeek; unique.")
    description = Text(allow_none=True, metadata=_documented("description"))

    @ma.validates_schema
    def _row_rules(self, data: dict[str, Any], **_kwargs: Any) -> None:
        raise_rule_violations(GAME_RULES.violations(data))


class GameCreate(GameFields):
    """A new game."""

    categories = _labels(LabelKind.CATEGORIES)
    tags = _labels(LabelKind.TAGS)


class GamePatch(GameCreate):
    """Changes to a game: only the fields sent change; null clears an optional field."""


class LabelSummaries(fields.Nested):
    """A game's labels, documented as a list of LabelSummary and written out directly: a page
    of games holds hundreds, and a nested schema's dump for each costs more than the game."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(LabelSummary, many=True, dump_only=True, **kwargs)

    def _serialize(self, nested_obj: Any, attr: Any, obj: Any, **kwargs: Any) -> Any:  # type: ignore[override]
        if nested_obj is None:
            return None
        return [
            {"id": str(label["id"]), "name": label["name"], "slug": label["slug"]}
            if type(label) is dict
            else {"id": str(label.id), "name": label.name, "slug": label.slug}
            for label in nested_obj
        ]


class GameOut(GameFields, AuditedOut):
    """A game as the API returns it."""

    id = fields.UUID(dump_only=True)
    categories = LabelSummaries()
    tags = LabelSummaries()
    club_plays = fields.Integer(
        dump_only=True,
        metadata={
            "description": "How many plays of the game the club recorded. A statistic, not "
            "part of the game: recording a play does not change the game's ETag."
        },
    )
    club_rating = fields.Float(
        dump_only=True,
        allow_none=True,
        metadata={
            "description": "The average of the ratings (1 to 10) its players gave it in "
            "those plays; null when none rated it."
        },
    )


class GameListArguments(ListArguments):
    """Filters and order of the games list; every filter given must match, so an upside-down
    range (year_from after year_to) matches nothing: OpenAPI cannot state an order between
    two parameters, and a request the spec calls valid is answered, not refused."""

    q = Text(
        validate=validate.Length(min=1, max=200),
        metadata={"description": "Case-insensitive part of the title."},
    )
    players = fields.Integer(
        validate=validate.Range(min=1, max=999),
        metadata={"description": "Playable by this many players."},
    )
    max_minutes = fields.Integer(
        validate=validate.Range(min=1, max=100_000),
        metadata={"description": "Finishes within this many minutes (max_play_minutes)."},
    )
    # Query strings are text: plain Float parses "2.5", where the body's Number would not.
    min_complexity = fields.Float(allow_nan=False, validate=validate.Range(min=1.0, max=5.0))
    max_complexity = fields.Float(allow_nan=False, validate=validate.Range(min=1.0, max=5.0))
    category = _label_filter(LabelKind.CATEGORIES)
    tag = _label_filter(LabelKind.TAGS)
    year_from = fields.Integer(validate=validate.Range(min=-5000, max=2100))
    year_to = fields.Integer(validate=validate.Range(min=-5000, max=2100))
    sort = fields.String(
        load_default="title",
        validate=validate.OneOf([*SORT_KEYS, *(f"-{key}" for key in SORT_KEYS)]),
        metadata={
            "description": "title, year, rating or complexity; a leading - sorts descending. "
            "Ties are broken by title, then id; unknown values come last."
        },
    )

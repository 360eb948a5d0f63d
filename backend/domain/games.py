"""What makes a game's values valid, and what identifies one version of how a game reads."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping

from backend.domain.rules import Range, RowRules
from backend.domain.versions import VersionTag

TITLE_MAX_LENGTH = 200
DESCRIPTION_MAX_LENGTH = 20_000

GAME_RULES = RowRules(
    ranges={
        "year_published": Range(-5000, 2100),  # ancient games (Senet, Go) have negative years
        "min_players": Range(1, 999),
        "max_players": Range(1, 999),
        "min_play_minutes": Range(1, 100_000),
        "max_play_minutes": Range(1, 100_000),
        "min_age": Range(1, 99),
        "complexity": Range(1.0, 5.0),
        "average_rating": Range(1.0, 10.0),
        "bgg_id": Range(1, 2**31 - 1),
    },
    ordered_pairs=(("min_players", "max_players"), ("min_play_minutes", "max_play_minutes")),
    not_blank=("title",),
    max_lengths={"title": TITLE_MAX_LENGTH, "description": DESCRIPTION_MAX_LENGTH},
)


def game_version_tag(
    version: int, labels: Mapping[str, Iterable[tuple[object, str]]]
) -> VersionTag:
    """The tag of a game as it reads now: its own version, which every change to the game
    bumps, and its labels (kind -> (id, name) pairs), since a label's rename changes how
    the game reads without touching the game's row."""
    named = {
        kind: sorted([str(label_id), name] for label_id, name in pairs)
        for kind, pairs in labels.items()
    }
    digest = hashlib.sha256(json.dumps(named, sort_keys=True).encode()).hexdigest()[:16]
    return VersionTag(f"{version}.{digest}")

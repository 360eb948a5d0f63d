"""Small export files written by the tests themselves, in the bgg_dataset.csv format, and
the real catalog export, when present."""

from __future__ import annotations

import os
from pathlib import Path

from backend.config import PROJECT_ROOT

# The real catalog export (bgg_dataset.csv, 20,343 rows) is not part of the repository.
# CATALOG_EXPORT_FILE names it; unset, it is looked for where CI's machine keeps it. The
# tests that need it are skipped without it (docs/testing.md).
SHARED_CATALOG = Path(
    os.environ.get("CATALOG_EXPORT_FILE")
    or PROJECT_ROOT.parent / "shared" / "data" / "bgg_dataset.csv"
)

HEADER = (
    "ID;Name;YearPublished;MinPlayers;MaxPlayers;PlayTime;MinAge;UsersRated;RatingAverage;"
    "BGGRank;ComplexityAverage;OwnedUsers;Mechanics;Domains"
)


def export_line(
    bgg_id: object = 1,
    name: str = "A Game",
    year: object = 2001,
    min_players: object = 2,
    max_players: object = 4,
    play_time: object = 60,
    min_age: object = 10,
    rating: str = "7,50",
    complexity: str = "2,50",
    mechanics: str = "Dice Rolling, Hand Management",
    domains: str = "Family Games",
) -> str:
    """One data line; every value can be overridden with the text to write."""
    return ";".join(
        str(value)
        for value in (
            bgg_id, name, year, min_players, max_players, play_time, min_age, 100, rating,
            1, complexity, 500, mechanics, domains,
        )
    )  # fmt: skip


def write_export(path: Path, *lines: str, bom: bool = True, line_end: str = "\r\n") -> Path:
    text = line_end.join([HEADER, *lines]) + line_end
    path.write_bytes(("\ufeff" if bom else "").encode() + text.encode("utf-8"))
    return path

"""A small catalog of well-known games for a first look (demo_games.csv, beside this module);
facts as printed on the boxes, by us."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import NamedTuple

from backend.domain.labels import LABEL_KINDS
from backend.domain.permissions import Permission, require
from backend.domain.principal import Principal
from backend.models import Game
from backend.services.unit_of_work import UnitOfWork


class DemoGame(NamedTuple):
    title: str
    year_published: int
    min_players: int
    max_players: int
    min_play_minutes: int
    max_play_minutes: int
    min_age: int
    complexity: float
    average_rating: float
    bgg_id: int
    description: str
    categories: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()


def _read_demo_games(path: Path) -> tuple[DemoGame, ...]:
    """The demo games of a CSV file with DemoGame's fields as its header; a game's labels
    are separated by `|`."""
    with path.open(encoding="utf-8", newline="") as handle:
        return tuple(
            DemoGame(
                title=row["title"],
                year_published=int(row["year_published"]),
                min_players=int(row["min_players"]),
                max_players=int(row["max_players"]),
                min_play_minutes=int(row["min_play_minutes"]),
                max_play_minutes=int(row["max_play_minutes"]),
                min_age=int(row["min_age"]),
                complexity=float(row["complexity"]),
                average_rating=float(row["average_rating"]),
                bgg_id=int(row["bgg_id"]),
                description=row["description"],
                categories=tuple(filter(None, row["categories"].split("|"))),
                tags=tuple(filter(None, row["tags"].split("|"))),
            )
            for row in csv.DictReader(handle)
        )


DEMO_GAMES = _read_demo_games(Path(__file__).with_name("demo_games.csv"))


def seed_demo_catalog(uow: UnitOfWork, principal: Principal) -> int:
    """Add the demo games to an empty catalog and commit; returns how many were added.

    A catalog that already holds games is left alone, so running this twice adds nothing.
    """
    require(principal, Permission.EDIT_CATALOG)
    if uow.games.count() > 0:
        return 0
    labels = {
        kind: uow.labels(kind).named(name for demo in DEMO_GAMES for name in getattr(demo, kind))
        for kind in LABEL_KINDS
    }
    for demo in DEMO_GAMES:
        fields = demo._asdict()
        for kind in LABEL_KINDS:
            fields[kind] = [labels[kind][name] for name in getattr(demo, kind)]
        uow.games.add(Game(**fields))
    uow.commit()
    return len(DEMO_GAMES)

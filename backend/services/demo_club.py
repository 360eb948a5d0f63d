"""A small demo club for a first look: six players with their tastes, the club's shelf, a
few members' own games and some months of plays, so the concierge has something to say."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import NamedTuple
from uuid import UUID

from backend.domain.permissions import Permission, require
from backend.domain.principal import Principal
from backend.services import players, plays, shelf
from backend.services.demo_catalog import DEMO_GAMES
from backend.services.unit_of_work import UnitOfWork


class DemoPlayer(NamedTuple):
    name: str
    complexity: tuple[float, float] | None = None
    minutes: tuple[int, int] | None = None
    favourite_categories: tuple[str, ...] = ()  # label slugs
    favourite_tags: tuple[str, ...] = ()
    refuses: tuple[str, ...] = ()  # game titles
    owns: tuple[str, ...] = ()  # game titles


# (player, score, won, rating 1 to 10)
Participant = tuple[str, int | None, bool, int | None]


class DemoPlay(NamedTuple):
    days_ago: int
    title: str
    minutes: int
    participants: tuple[Participant, ...]


DEMO_PLAYERS = (
    DemoPlayer(
        "Ana",
        (2.0, 3.0),
        (30, 120),
        favourite_tags=("cooperative-game", "engine-building"),
        owns=("Everdell", "Cascadia"),
    ),
    DemoPlayer(
        "Ben",
        (2.5, 4.0),
        (45, 180),
        favourite_categories=("strategy-games",),
        refuses=("Codenames",),
        owns=("Scythe",),
    ),
    DemoPlayer(
        "Chloé",
        (1.0, 2.5),
        (15, 90),
        favourite_categories=("family-games",),
        favourite_tags=("tile-placement",),
        refuses=("Twilight Struggle",),
    ),
    DemoPlayer(
        "Dev",
        (3.0, 4.5),
        (60, 240),
        favourite_tags=("engine-building", "network-and-route-building"),
        refuses=("Dixit",),
        owns=("Brass: Birmingham", "Spirit Island", "Concordia"),
    ),
    DemoPlayer("Emma"),
    DemoPlayer("Farid", (1.5, 3.5), favourite_categories=("party-games",)),
)

# Each game on the club's shelf, with a note per copy (None: nothing to say about it).
# Dixit is not there yet: docs/game-night.md buys it.
DEMO_SHELF: dict[str, tuple[str | None, ...]] = {
    "Catan": (None,),
    "Carcassonne": ("missing 2 meeples",),
    "Ticket to Ride": (None,),
    "Pandemic": (None,),
    "Azul": (None,),
    "Wingspan": ("one score pad left",),
    "7 Wonders": (None,),
    "Codenames": (None, "the German edition"),
    "Terraforming Mars": (None,),
    "Splendor": (None,),
    "Kingdomino": (None,),
    "Sushi Go!": (None,),
    "Hanabi": (None,),
}

DEMO_PLAYS = (
    DemoPlay(
        200,
        "Catan",
        100,
        (("Ana", 8, False, 7), ("Ben", 10, True, 8), ("Chloé", 6, False, 6), ("Dev", 9, False, 7)),
    ),
    DemoPlay(
        120,
        "Pandemic",
        50,
        (
            ("Ana", None, True, 9),
            ("Ben", None, True, 8),
            ("Chloé", None, True, 8),
            ("Dev", None, True, 9),
        ),
    ),
    DemoPlay(
        95,
        "Wingspan",
        75,
        (
            ("Ana", 82, True, 9),
            ("Chloé", 71, False, 8),
            ("Emma", 77, False, 9),
            ("Ben", 64, False, 8),
        ),
    ),
    DemoPlay(
        60, "Azul", 40, (("Chloé", 74, True, 8), ("Emma", 61, False, 7), ("Farid", 58, False, 8))
    ),
    DemoPlay(
        40,
        "Codenames",
        20,
        (
            ("Ana", None, True, 7),
            ("Chloé", None, True, 9),
            ("Farid", None, True, 9),
            ("Emma", None, False, 8),
            ("Dev", None, False, 4),
        ),
    ),
    DemoPlay(30, "Terraforming Mars", 130, (("Ben", 78, False, 9), ("Dev", 91, True, 10))),
    DemoPlay(21, "Splendor", 30, (("Ana", 15, True, 7), ("Emma", 12, False, 8))),
    DemoPlay(
        14,
        "7 Wonders",
        35,
        (
            ("Ana", 52, False, 8),
            ("Ben", 61, True, 8),
            ("Chloé", 44, False, 7),
            ("Dev", 57, False, 9),
            ("Emma", 49, False, 8),
        ),
    ),
    DemoPlay(
        7,
        "Ticket to Ride",
        55,
        (
            ("Ana", 98, False, 7),
            ("Ben", 87, False, 6),
            ("Chloé", 112, True, 8),
            ("Emma", 101, False, 8),
        ),
    ),
    DemoPlay(3, "Brass: Birmingham", 140, (("Ben", 142, False, 9), ("Dev", 158, True, 10))),
    DemoPlay(2, "Kingdomino", 15, (("Chloé", 41, True, 8), ("Farid", 37, False, 7))),
)


def seed_demo_club(uow: UnitOfWork, principal: Principal, now: datetime) -> int:
    """Add the demo club, through the services as a client would, and return how many
    players it added: none when the club has players already, or when a demo game is
    missing from the catalog (one imported instead of the demo one)."""
    require(principal, Permission.MANAGE_PLAYERS)
    if uow.players.page(name_contains=None, page=1, page_size=1).total:
        return 0
    by_bgg_id = {demo.bgg_id: demo.title for demo in DEMO_GAMES}
    stored = uow.games.stored_by_bgg_id(list(by_bgg_id))
    game_ids: dict[str, UUID] = {by_bgg_id[bgg_id]: row["id"] for bgg_id, row in stored.items()}
    if len(game_ids) != len(DEMO_GAMES):
        return 0

    player_ids: dict[str, UUID] = {}
    for demo in DEMO_PLAYERS:
        player = players.create_player(uow, principal, {"display_name": demo.name})
        player_ids[demo.name] = player["id"]
        players.set_preferences(
            uow, principal, player["id"], _preferences(demo, game_ids), expected_version=None
        )
        for title in demo.owns:
            shelf.own_game(uow, principal, player["id"], game_ids[title])
    for title, notes in DEMO_SHELF.items():
        for note in notes:
            shelf.add_copy(uow, principal, game_ids[title], {"note": note})
    for play in DEMO_PLAYS:
        plays.record_play(
            uow,
            principal,
            {
                "game_id": game_ids[play.title],
                "played_at": now - timedelta(days=play.days_ago),
                "duration_minutes": play.minutes,
                "participants": [
                    {
                        "player_id": player_ids[name],
                        "score": score,
                        "is_winner": won,
                        "rating": rating,
                    }
                    for name, score, won, rating in play.participants
                ],
            },
        )
    return len(DEMO_PLAYERS)


def _preferences(demo: DemoPlayer, game_ids: dict[str, UUID]) -> dict[str, object]:
    values: dict[str, object] = {
        "favourite_categories": list(demo.favourite_categories),
        "favourite_tags": list(demo.favourite_tags),
        "refused_games": [game_ids[title] for title in demo.refuses],
    }
    if demo.complexity is not None:
        values["min_complexity"], values["max_complexity"] = demo.complexity
    if demo.minutes is not None:
        values["min_play_minutes"], values["max_play_minutes"] = demo.minutes
    return values

"""A small catalog of well-known games for a first look; facts as printed on the boxes, by us."""

from __future__ import annotations

from typing import NamedTuple

from backend.domain.labels import LABEL_KINDS
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


# fmt: off
DEMO_GAMES = (
    DemoGame(
        "Catan", 1995, 3, 4, 60, 120, 10, 2.3, 7.1, 13,
        "Settle an island, trade brick for wool, and race to ten victory points.",
        categories=("Family Games", "Strategy Games"),
        tags=("Dice Rolling", "Network and Route Building", "Trading"),
    ),
    DemoGame(
        "Carcassonne", 2000, 2, 5, 30, 45, 7, 1.9, 7.4, 822,
        "Lay tiles to build a medieval landscape and claim its roads, cities and fields.",
        categories=("Family Games",),
        tags=("Area Majority", "Tile Placement"),
    ),
    DemoGame(
        "Ticket to Ride", 2004, 2, 5, 30, 60, 8, 1.8, 7.4, 9209,
        "Collect coloured train cards and claim railway routes across North America.",
        categories=("Family Games",),
        tags=("Hand Management", "Network and Route Building", "Set Collection"),
    ),
    DemoGame(
        "Pandemic", 2008, 2, 4, 45, 45, 8, 2.4, 7.6, 30549,
        "Work together to treat outbreaks and find cures before four diseases spread.",
        categories=("Strategy Games",),
        tags=("Action Points", "Cooperative Game", "Hand Management"),
    ),
    DemoGame(
        "Azul", 2017, 2, 4, 30, 45, 8, 1.8, 7.8, 230802,
        "Draft coloured tiles and decorate the walls of a royal palace.",
        categories=("Abstract Games", "Family Games"),
        tags=("Drafting", "Pattern Building", "Tile Placement"),
    ),
    DemoGame(
        "Wingspan", 2019, 1, 5, 40, 70, 10, 2.4, 8.1, 266192,
        "Attract birds to your wildlife preserves; each bird powers an engine of actions.",
        categories=("Strategy Games",),
        tags=("Dice Rolling", "Engine Building", "Hand Management"),
    ),
    DemoGame(
        "7 Wonders", 2010, 2, 7, 30, 30, 10, 2.3, 7.7, 68448,
        "Draft cards over three ages to build an ancient civilisation and its wonder.",
        categories=("Family Games", "Strategy Games"),
        tags=("Drafting", "Set Collection", "Simultaneous Action Selection"),
    ),
    DemoGame(
        "Dominion", 2008, 2, 4, 30, 30, 13, 2.4, 7.6, 36218,
        "The original deck-builder: buy cards to grow a deck that wins you provinces.",
        categories=("Strategy Games",),
        tags=("Deck Building", "Hand Management"),
    ),
    DemoGame(
        "Codenames", 2015, 2, 8, 15, 15, 14, 1.3, 7.6, 178900,
        "Two spymasters give one-word clues to lead their teams to secret agents.",
        categories=("Family Games", "Party Games"),
        tags=("Communication Limits", "Team-Based Game"),
    ),
    DemoGame(
        "Terraforming Mars", 2016, 1, 5, 120, 120, 12, 3.2, 8.4, 167791,
        "Corporations raise temperature, oxygen and oceans to make Mars habitable.",
        categories=("Strategy Games",),
        tags=("Engine Building", "Hand Management", "Tile Placement"),
    ),
    DemoGame(
        "Gloomhaven", 2017, 1, 4, 60, 120, 14, 3.9, 8.8, 174430,
        "A tactical campaign of dungeon scenarios with a persistent, branching story.",
        categories=("Strategy Games", "Thematic Games"),
        tags=("Campaign Game", "Cooperative Game", "Hand Management"),
    ),
    DemoGame(
        "Brass: Birmingham", 2018, 2, 4, 60, 120, 14, 3.9, 8.7, 224517,
        "Build canals, railways and industries during the Industrial Revolution.",
        categories=("Strategy Games",),
        tags=("Hand Management", "Network and Route Building"),
    ),
    DemoGame(
        "Splendor", 2014, 2, 4, 30, 30, 10, 1.8, 7.4, 148228,
        "Collect gems to buy mines, caravans and shops, and win the nobles' favour.",
        categories=("Family Games", "Strategy Games"),
        tags=("Engine Building", "Set Collection"),
    ),
    DemoGame(
        "Agricola", 2007, 1, 5, 30, 150, 12, 3.6, 7.9, 31260,
        "Grow a 17th-century farm and feed your family through the harvests.",
        categories=("Strategy Games",),
        tags=("Worker Placement",),
    ),
    DemoGame(
        "Puerto Rico", 2002, 3, 5, 90, 150, 12, 3.3, 8.0, 3076,
        "Choose roles to plant, build and ship goods from a Caribbean colony.",
        categories=("Strategy Games",),
        tags=("Role Selection", "Tile Placement"),
    ),
    DemoGame(
        "Power Grid", 2004, 2, 6, 120, 120, 12, 3.3, 7.9, 2651,
        "Bid on power plants, buy fuel and connect cities to your network.",
        categories=("Strategy Games",),
        tags=("Auction", "Network and Route Building"),
    ),
    DemoGame(
        "Twilight Struggle", 2005, 2, 2, 120, 180, 13, 3.6, 8.3, 12333,
        "The Cold War as a two-player card-driven game of influence and crises.",
        categories=("Strategy Games", "Wargames"),
        tags=("Area Majority", "Hand Management"),
    ),
    DemoGame(
        "Scythe", 2016, 1, 5, 90, 115, 14, 3.4, 8.2, 169786,
        "Farmers and giant mechs compete for land in an alternate 1920s Europe.",
        categories=("Strategy Games",),
        tags=("Area Majority", "Engine Building"),
    ),
    DemoGame(
        "Spirit Island", 2017, 1, 4, 90, 120, 13, 4.0, 8.3, 162886,
        "Island spirits cooperate to drive off invading colonists.",
        categories=("Strategy Games", "Thematic Games"),
        tags=("Cooperative Game", "Hand Management"),
    ),
    DemoGame(
        "Root", 2018, 2, 4, 60, 90, 10, 3.7, 8.1, 237182,
        "Woodland factions that each play by different rules fight for the forest.",
        categories=("Strategy Games", "Wargames"),
        tags=("Area Majority", "Hand Management"),
    ),
    DemoGame(
        "Everdell", 2018, 1, 4, 40, 80, 13, 2.8, 8.1, 199792,
        "Place workers and play critters and constructions to build a woodland city.",
        categories=("Family Games", "Strategy Games"),
        tags=("Engine Building", "Worker Placement"),
    ),
    DemoGame(
        "The Castles of Burgundy", 2011, 2, 4, 30, 90, 12, 3.0, 8.1, 84876,
        "Use dice to develop a princely estate in the Loire valley.",
        categories=("Strategy Games",),
        tags=("Dice Rolling", "Tile Placement"),
    ),
    DemoGame(
        "Concordia", 2013, 2, 5, 100, 100, 13, 3.0, 8.1, 124361,
        "Trade across the Roman Empire, where your cards are both actions and score.",
        categories=("Strategy Games",),
        tags=("Hand Management", "Network and Route Building"),
    ),
    DemoGame(
        "Kingdomino", 2016, 2, 4, 15, 15, 8, 1.2, 7.3, 204583,
        "Pick domino-like tiles to build a five-by-five kingdom.",
        categories=("Family Games",),
        tags=("Drafting", "Tile Placement"),
    ),
    DemoGame(
        "Patchwork", 2014, 2, 2, 15, 30, 8, 1.6, 7.7, 163412,
        "Two players race to sew the best quilt from oddly shaped patches.",
        categories=("Abstract Games", "Family Games"),
        tags=("Tile Placement",),
    ),
    DemoGame(
        "Sushi Go!", 2013, 2, 5, 15, 15, 8, 1.2, 7.0, 133473,
        "Pass hands of sushi cards around the table and collect the best meal.",
        categories=("Family Games", "Party Games"),
        tags=("Drafting", "Set Collection"),
    ),
    DemoGame(
        "Love Letter", 2012, 2, 4, 20, 20, 10, 1.2, 7.2, 129622,
        "Sixteen cards of deduction and risk to get your letter to the princess.",
        categories=("Family Games",),
        tags=("Hand Management", "Player Elimination"),
    ),
    DemoGame(
        "Dixit", 2008, 3, 6, 30, 30, 8, 1.2, 7.3, 39856,
        "Tell a story about a dreamlike picture, neither too obvious nor too obscure.",
        categories=("Family Games", "Party Games"),
        tags=("Storytelling", "Voting"),
    ),
    DemoGame(
        "Hanabi", 2010, 2, 5, 25, 25, 8, 1.7, 7.1, 98778,
        "A cooperative fireworks show where you see every hand but your own.",
        categories=("Family Games",),
        tags=("Communication Limits", "Cooperative Game"),
    ),
    DemoGame(
        "Cascadia", 2021, 1, 4, 30, 45, 10, 2.1, 7.8, 295947,
        "Draft habitat tiles and wildlife tokens to build the Pacific Northwest.",
        categories=("Abstract Games", "Family Games"),
        tags=("Drafting", "Pattern Building", "Tile Placement"),
    ),
)
# fmt: on


def seed_demo_catalog(uow: UnitOfWork, principal: Principal) -> int:
    """Add the demo games to an empty catalog and commit; returns how many were added.

    A catalog that already holds games is left alone, so running this twice adds nothing.
    """
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

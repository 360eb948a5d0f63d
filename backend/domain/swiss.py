"""Swiss rounds: how many to play, who meets whom each round, and the top cut's bracket.

Sources:
- The round table is Magic: The Gathering Tournament Rules, appendix E ("Recommended Number
  of Rounds in Swiss Tournaments", https://blogs.magicjudges.org/rules/mtr-appendix-e/):
  9-16 players play 5 rounds and cut to a top 4 (4 rounds and a top 8 when the playoff is a
  booster draft), 17-32 play 5, 33-64 play 6, 65-128 play 7, 129-226 play 8, 227-409 play 9
  and 410 or more play 10, each with a top 8. For 8 players or fewer the MTR runs single
  elimination and no Swiss; a club still wanting Swiss there gets enough rounds to find one
  undefeated player (ceil(log2(players))), and no cut.
- A player receiving a bye is considered to have won the match (MTR appendix C,
  https://blogs.magicjudges.org/rules/mtr-appendix-c/): 3 match points, which the caller
  records as a 2-0 win. The bye goes to the lowest-ranked player who has not had one.
- The cut is single elimination seeded from the Swiss standings: 1v8, 4v5, 2v7, 3v6 for a
  top 8, the winners of neighbouring matches meeting next, so seeds 1 and 2 can meet only in
  the final (issue 13).

A round is paired by a maximum-weight perfect matching (networkx) rather than a greedy pass
down the standings, which can leave the last players with nobody they have not met.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

import networkx as nx

from backend.domain.errors import DomainRuleError, DuplicateError

IdT = TypeVar("IdT", bound=Hashable)

# (fewest players, most players or None for no limit, Swiss rounds, recommended cut or None).
ROUND_TABLE: tuple[tuple[int, int | None, int, int | None], ...] = (
    (9, 16, 5, 4),
    (17, 32, 5, 8),
    (33, 64, 6, 8),
    (65, 128, 7, 8),
    (129, 226, 8, 8),
    (227, 409, 9, 8),
    (410, None, 10, 8),
)
# Appendix E's exception for 9-16 players when the playoff is a booster draft.
DRAFT_PLAYOFF_SMALL_EVENT = (4, 8)
SMALLEST_SWISS = 2

# What a bye is worth: a match won 2-0.
BYE_GAMES_WON = 2
BYE_MATCH_POINTS = 3

CUT_SIZES = (2, 4, 8, 16)

# How far apart in the standings (places) two players may be to be considered for a table,
# before the whole field is: see pair_round.
PAIRING_BAND = 16


def _row(player_count: int) -> tuple[int, int | None, int, int | None]:
    if player_count < SMALLEST_SWISS:
        raise DomainRuleError(f"A Swiss event needs at least {SMALLEST_SWISS} players.")
    for fewest, most, rounds, cut in ROUND_TABLE:
        if fewest <= player_count and (most is None or player_count <= most):
            return fewest, most, rounds, cut
    # Below appendix E's table (it prescribes single elimination): enough Swiss rounds to
    # leave one undefeated player, no cut.
    return SMALLEST_SWISS, ROUND_TABLE[0][0] - 1, (player_count - 1).bit_length(), None


def swiss_rounds(player_count: int, *, draft_playoff: bool = False) -> int:
    """The number of Swiss rounds for this many players (MTR appendix E)."""
    fewest, _, rounds, _ = _row(player_count)
    if draft_playoff and fewest == ROUND_TABLE[0][0]:
        return DRAFT_PLAYOFF_SMALL_EVENT[0]
    return rounds


def recommended_cut(player_count: int, *, draft_playoff: bool = False) -> int | None:
    """How many players the recommended playoff takes (MTR appendix E), or None for none."""
    fewest, _, _, cut = _row(player_count)
    if draft_playoff and fewest == ROUND_TABLE[0][0]:
        return DRAFT_PLAYOFF_SMALL_EVENT[1]
    return cut


class RematchRequired(DuplicateError):
    """Every pairing of the round would repeat a match (the API answers 409)."""


@dataclass(frozen=True)
class SwissPlayer(Generic[IdT]):
    """A registered player as the pairing sees them before a round."""

    id: IdT
    match_points: int
    # Position in the current standings, 1 the best; distinct among the players given.
    rank: int
    opponents: frozenset[IdT] = frozenset()
    had_bye: bool = False
    dropped: bool = False


@dataclass(frozen=True)
class Pairing(Generic[IdT]):
    """One table: `player_a` is the higher-ranked of the two."""

    table: int
    player_a: IdT
    player_b: IdT
    rematch: bool = False


@dataclass(frozen=True)
class RoundPairings(Generic[IdT]):
    """A round's tables, and who has the bye (recorded as a 2-0 match win), if anyone."""

    pairings: tuple[Pairing[IdT], ...]
    bye: IdT | None

    @property
    def rematches(self) -> int:
        return sum(pairing.rematch for pairing in self.pairings)


def point_cost(points_a: int, points_b: int) -> int:
    """What pairing two match-point totals costs: the squared difference, so that two
    one-step pair-downs cost less than one two-step pair-down, and equal points cost 0."""
    return (points_a - points_b) ** 2


def pair_round(
    players: Sequence[SwissPlayer[IdT]], *, allow_rematches: bool = False
) -> RoundPairings[IdT]:
    """Pair the next round among the players who have not dropped.

    The matching maximises one integer weight per pair, built from four costs, each one
    weighing more than any total of the ones after it, so they are minimised in this order:
    1. rematches (only with `allow_rematches`, and only when no pairing avoids them);
    2. the bye: it goes to the lowest-ranked player without one (to the lowest-ranked of
       all when everybody has had one), or the next one up if that leaves no pairing;
    3. match points: the sum of squared differences of the players' match points;
    4. rank: the sum of differences of the players' positions in the standings, so within a
       point group 1 meets 2 and 3 meets 4, and the lowest of a group is the one paired down.
    Raises RematchRequired when rematches are not allowed and no pairing avoids them.
    """
    _check_players(players)
    active = sorted((player for player in players if not player.dropped), key=lambda p: p.rank)
    if not active:
        return RoundPairings((), None)
    count = len(active)
    # Weights of each tier: larger than the largest possible total of the tiers below it.
    rank_unit = 1
    points_unit = rank_unit * (count * count + 1)
    spread = max(p.match_points for p in active) - min(p.match_points for p in active)
    bye_unit = points_unit * ((count // 2 + 1) * spread * spread + 1)
    rematch_unit = bye_unit * (count + 1)
    # Above every pair's cost, so that every weight is positive.
    ceiling = rematch_unit * (2 if allow_rematches else 1)

    def matching(band: int, *, rematches: bool) -> set[tuple[int, int]] | None:
        """The best perfect matching using pairs at most `band` places apart in the standings
        (the bye aside), with or without rematches, or None if there is none."""
        graph: nx.Graph = nx.Graph()
        graph.add_nodes_from(range(count + count % 2))
        for index, player in enumerate(active):
            for other_index in range(index + 1, min(count, index + band + 1)):
                other = active[other_index]
                met = _met(player, other)
                if met and not rematches:
                    continue
                cost = (
                    rematch_unit * met
                    + points_unit * point_cost(player.match_points, other.match_points)
                    + rank_unit * (other_index - index)
                )
                graph.add_edge(index, other_index, weight=ceiling - cost)
        for from_bottom, index in enumerate(reversed(bye_candidates)):
            graph.add_edge(index, count, weight=ceiling - bye_unit * from_bottom)
        mates: set[tuple[int, int]] = nx.max_weight_matching(graph, maxcardinality=True)
        return mates if 2 * len(mates) == graph.number_of_nodes() else None

    bye_candidates: list[int] = []
    if count % 2:
        bye_candidates = [index for index, player in enumerate(active) if not player.had_bye]
        bye_candidates = bye_candidates or list(range(count))
    # Near pairs first: matching all pairs of 256 players takes seconds, a band of near
    # places a fraction of that, and a good pairing seldom looks further. All pairs when the
    # band leaves no pairing or moves the bye up, and for any pairing with rematches, so that
    # their number is the fewest.
    mates = matching(PAIRING_BAND, rematches=False)
    if count - 1 > PAIRING_BAND and (
        mates is None or (count % 2 and (bye_candidates[-1], count) not in _both_ways(mates))
    ):
        mates = matching(count, rematches=False)
    if mates is None and allow_rematches:
        mates = matching(count, rematches=True)
    if mates is None:
        raise RematchRequired(
            f"No pairing of these {count} players avoids a rematch"
            + (" without a second bye" if count % 2 else "")
            + "; pair the round allowing the fewest rematches, or end the Swiss stage."
        )
    pairs: list[tuple[int, int]] = []
    bye: IdT | None = None
    for one, two in mates:
        low, high = min(one, two), max(one, two)
        if high == count:
            bye = active[low].id
        else:
            pairs.append((low, high))
    pairs.sort()
    return RoundPairings(
        tuple(
            Pairing(
                table=table,
                player_a=active[a].id,
                player_b=active[b].id,
                rematch=_met(active[a], active[b]),
            )
            for table, (a, b) in enumerate(pairs, start=1)
        ),
        bye,
    )


def _both_ways(mates: set[tuple[int, int]]) -> set[tuple[int, int]]:
    return mates | {(two, one) for one, two in mates}


def _met(one: SwissPlayer[IdT], other: SwissPlayer[IdT]) -> bool:
    return other.id in one.opponents or one.id in other.opponents


def _check_players(players: Sequence[SwissPlayer[IdT]]) -> None:
    if len({player.id for player in players}) != len(players):
        raise DomainRuleError("Each player may be paired once: a player id is repeated.")
    if len({player.rank for player in players}) != len(players):
        raise DomainRuleError("Each player needs a distinct rank in the standings.")


@dataclass(frozen=True)
class CutMatch(Generic[IdT]):
    """A first-round match of the cut: seeds (1 the best) and their players, better seed first."""

    seed_a: int
    seed_b: int
    player_a: IdT
    player_b: IdT


def bracket_seeds(size: int) -> list[int]:
    """The seeds of a single-elimination bracket in bracket order, pairs side by side:
    8 gives 1, 8, 4, 5, 2, 7, 3, 6. Winners of neighbouring matches meet next, so 1 and 2
    can meet only in the final."""
    if size not in CUT_SIZES:
        raise DomainRuleError(
            f"A top cut takes {', '.join(map(str, CUT_SIZES))} players, not {size}."
        )
    seeds = [1]
    while len(seeds) < size:
        # Each seed s of a bracket half as large now meets its mirror in the larger one.
        seeds = [seed for s in seeds for seed in (s, 2 * len(seeds) + 1 - s)]
    return seeds


def top_cut(seeds: Sequence[IdT]) -> tuple[CutMatch[IdT], ...]:
    """The first round of a single-elimination cut of these players, best Swiss standing
    first, in bracket order: the winners of matches 1 and 2 meet, of 3 and 4, and so on
    (top 8: 1v8, 4v5, 2v7, 3v6; top 4: 1v4, 2v3)."""
    if len(set(seeds)) != len(seeds):
        raise DomainRuleError("A player can hold only one seed of the cut.")
    order = bracket_seeds(len(seeds))
    return tuple(
        CutMatch(high, low, seeds[high - 1], seeds[low - 1])
        for high, low in zip(order[::2], order[1::2], strict=True)
    )

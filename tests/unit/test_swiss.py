"""Swiss rounds: the round table, the pairing of a round, and the top cut's bracket."""

from __future__ import annotations

import itertools
import random
from collections.abc import Sequence

import networkx as nx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from backend.api.extensions import STATUS_OF_DOMAIN_ERROR
from backend.domain.errors import DomainRuleError, DuplicateError
from backend.domain.swiss import (
    RematchRequired,
    RoundPairings,
    SwissPlayer,
    bracket_seeds,
    pair_round,
    point_cost,
    recommended_cut,
    swiss_rounds,
    top_cut,
)
from scripts.bench.swiss_bench import SimulatedPlayer, event_before_round, record, standings


def ranked(
    points: Sequence[int],
    met: Sequence[tuple[int, int]] = (),
    byes: Sequence[int] = (),
    dropped: Sequence[int] = (),
) -> list[SwissPlayer[int]]:
    """Players 1..n ranked in that order, with these match points, past matches and byes."""
    return [
        SwissPlayer(
            id=number,
            match_points=value,
            rank=number,
            opponents=frozenset(
                other for pair in met if number in pair for other in pair if other != number
            ),
            had_bye=number in byes,
            dropped=number in dropped,
        )
        for number, value in enumerate(points, start=1)
    ]


def tables(result: RoundPairings[int]) -> list[tuple[int, int]]:
    return [(pairing.player_a, pairing.player_b) for pairing in result.pairings]


def met(one: SwissPlayer[int], other: SwissPlayer[int]) -> bool:
    return other.id in one.opponents or one.id in other.opponents


def can_pair(players: Sequence[SwissPlayer[int]]) -> bool:
    """Whether these players can all be paired without a rematch (Edmonds, unweighted)."""
    graph: nx.Graph = nx.Graph()
    graph.add_nodes_from(player.id for player in players)
    graph.add_edges_from(
        (one.id, other.id)
        for one, other in itertools.combinations(players, 2)
        if not met(one, other)
    )
    return 2 * len(nx.max_weight_matching(graph, maxcardinality=True)) == len(players)


def pairable(active: Sequence[SwissPlayer[int]]) -> bool:
    """Whether a round of these players exists with no rematch and no second bye."""
    if len(active) % 2 == 0:
        return can_pair(active)
    candidates = [player for player in active if not player.had_bye] or list(active)
    return any(can_pair([p for p in active if p is not bye]) for bye in candidates)


def greedy_points(players: Sequence[SwissPlayer[int]]) -> int | None:
    """The point cost of a greedy pass down the standings (each player takes the nearest
    in points, then in rank, of those below not yet met), or None if it paints itself into
    a corner."""
    waiting = sorted(players, key=lambda player: player.rank)
    total = 0
    while waiting:
        top = waiting.pop(0)
        choices = [other for other in waiting if not met(top, other)]
        if not choices:
            return None
        partner = min(
            choices,
            key=lambda other: (point_cost(top.match_points, other.match_points), other.rank),
        )
        waiting.remove(partner)
        total += point_cost(top.match_points, partner.match_points)
    return total


def points_of(result: RoundPairings[int], players: Sequence[SwissPlayer[int]]) -> int:
    points = {player.id: player.match_points for player in players}
    return sum(
        point_cost(points[pairing.player_a], points[pairing.player_b])
        for pairing in result.pairings
    )


# The round table (MTR appendix E), at every boundary.
@pytest.mark.parametrize(
    ("players", "rounds", "cut"),
    [
        (2, 1, None),
        (3, 2, None),
        (4, 2, None),
        (5, 3, None),
        (8, 3, None),
        (9, 5, 4),
        (16, 5, 4),
        (17, 5, 8),
        (32, 5, 8),
        (33, 6, 8),
        (64, 6, 8),
        (65, 7, 8),
        (128, 7, 8),
        (129, 8, 8),
        (226, 8, 8),
        (227, 9, 8),
        (409, 9, 8),
        (410, 10, 8),
        (5000, 10, 8),
    ],
)
def test_round_table_follows_mtr_appendix_e(players: int, rounds: int, cut: int | None) -> None:
    assert swiss_rounds(players) == rounds
    assert recommended_cut(players) == cut


def test_a_booster_draft_playoff_shortens_small_events_and_cuts_to_eight() -> None:
    assert (swiss_rounds(12, draft_playoff=True), recommended_cut(12, draft_playoff=True)) == (4, 8)
    assert (swiss_rounds(20, draft_playoff=True), recommended_cut(20, draft_playoff=True)) == (5, 8)


@pytest.mark.parametrize("players", [-1, 0, 1])
def test_fewer_than_two_players_have_no_swiss(players: int) -> None:
    with pytest.raises(DomainRuleError):
        swiss_rounds(players)


# Pairing, by hand.
def test_players_meet_their_own_point_group_in_standings_order() -> None:
    result = pair_round(ranked([9, 9, 6, 6, 3, 3]))
    assert tables(result) == [(1, 2), (3, 4), (5, 6)]
    assert [pairing.table for pairing in result.pairings] == [1, 2, 3]
    assert result.bye is None


def test_the_lowest_of_a_point_group_is_paired_down_one_step_at_a_time() -> None:
    # Two one-step pair-downs (9-6, 6-3) beat one two-step pair-down (9-3).
    assert tables(pair_round(ranked([9, 9, 9, 6, 6, 3]))) == [(1, 2), (3, 4), (5, 6)]
    assert tables(pair_round(ranked([9, 6, 6, 3]))) == [(1, 2), (3, 4)]


def test_the_higher_ranked_player_sits_first_whatever_the_input_order() -> None:
    players = ranked([3, 3, 0, 0, 0, 0], met=[(1, 2), (3, 4)])
    result = pair_round(players)
    shuffled = list(reversed(players))
    random.Random(4).shuffle(shuffled)
    assert pair_round(shuffled) == result
    assert all(pairing.player_a < pairing.player_b for pairing in result.pairings)


def test_the_matching_gets_out_of_the_corner_a_greedy_pass_paints_itself_into() -> None:
    # Greedy: 1-2, 3-4, and 5 and 6 have met. The matching pairs down instead.
    players = ranked([6, 6, 3, 3, 0, 0], met=[(5, 6)])
    assert greedy_points(players) is None
    result = pair_round(players)
    assert tables(result) == [(1, 2), (3, 5), (4, 6)]
    assert not any(pairing.rematch for pairing in result.pairings)


def test_a_last_round_corner_within_one_point_group() -> None:
    # Greedy takes 1-2 and leaves 3 and 4, who have met; 1-3 and 2-4 are both new.
    players = ranked([6, 6, 6, 6], met=[(3, 4), (1, 4)])
    assert greedy_points(players) is None
    assert tables(pair_round(players)) == [(1, 3), (2, 4)]


def test_the_bye_goes_to_the_lowest_ranked_player_without_one() -> None:
    assert pair_round(ranked([3, 3, 0, 0, 0])).bye == 5
    assert pair_round(ranked([3, 3, 0, 0, 3], byes=[5])).bye == 4
    # Everyone has had one: the lowest-ranked player has a second.
    assert pair_round(ranked([3, 3, 3, 3, 3], byes=[1, 2, 3, 4, 5])).bye == 5


def test_the_bye_moves_up_when_the_lowest_would_leave_a_rematch() -> None:
    # With 5 on the bye, 4 could meet only 1, 2 or 3, and has met them all.
    players = ranked([3, 3, 3, 0, 0], met=[(4, 1), (4, 2), (4, 3)])
    result = pair_round(players)
    assert result.bye == 4
    assert not any(pairing.rematch for pairing in result.pairings)


def test_a_player_who_met_every_near_neighbour_meets_someone_further_down() -> None:
    # 1 has met 2 to 18: the band of near places leaves 1 nobody, the whole field does.
    players = ranked([0] * 20, met=[(1, other) for other in range(2, 19)])
    result = pair_round(players)
    assert tables(result)[0] in {(1, 19), (1, 20)}
    assert result.rematches == 0


def test_the_bye_stays_at_the_bottom_when_only_a_far_pairing_allows_it() -> None:
    # With 21 on the bye, 20 can meet only 1 or 2, further up than the band of near places.
    players = ranked([0] * 21, met=[(20, other) for other in range(3, 20)])
    result = pair_round(players)
    assert result.bye == 21
    assert any(20 in table and set(table) & {1, 2} for table in tables(result))
    assert result.rematches == 0


def test_dropped_players_are_not_paired() -> None:
    result = pair_round(ranked([6, 6, 3, 3, 0], dropped=[2, 5]))
    assert tables(result) == [(1, 3)]
    assert result.bye == 4


def test_no_rematch_free_pairing_is_a_conflict() -> None:
    # Four players after three rounds have all met each other.
    everyone_met = list(itertools.combinations(range(1, 5), 2))
    with pytest.raises(RematchRequired, match="avoids a rematch") as raised:
        pair_round(ranked([9, 6, 3, 0], met=everyone_met))
    assert isinstance(raised.value, DuplicateError)
    assert STATUS_OF_DOMAIN_ERROR[DuplicateError] == 409


def test_allowing_rematches_pairs_with_the_fewest() -> None:
    # 1 has met everyone: exactly one rematch, and 2, 3 and 4 meet someone new.
    players = ranked([6, 3, 3, 0], met=[(1, 2), (1, 3), (1, 4)])
    with pytest.raises(RematchRequired):
        pair_round(players)
    result = pair_round(players, allow_rematches=True)
    assert result.rematches == 1
    assert tables(result) == [(1, 2), (3, 4)]


def test_the_same_player_twice_or_the_same_rank_twice_is_refused() -> None:
    with pytest.raises(DomainRuleError, match="repeated"):
        pair_round([SwissPlayer(1, 0, 1), SwissPlayer(1, 0, 2)])
    with pytest.raises(DomainRuleError, match="distinct rank"):
        pair_round([SwissPlayer(1, 0, 1), SwissPlayer(2, 0, 1)])


def test_nobody_to_pair_is_an_empty_round_and_one_player_has_the_bye() -> None:
    assert pair_round([]) == RoundPairings((), None)
    assert pair_round([SwissPlayer(7, 0, 1)]) == RoundPairings((), 7)


# Pairing, by property.
@settings(max_examples=60, deadline=None)
@given(
    player_count=st.integers(min_value=2, max_value=64),
    drop_rate=st.sampled_from([0.0, 0.02, 0.1]),
    seed=st.integers(min_value=0, max_value=2**32),
)
def test_a_simulated_event_pairs_every_round_correctly(
    player_count: int, drop_rate: float, seed: int
) -> None:
    chance = random.Random(seed)
    players = [SimulatedPlayer(id=number) for number in range(1, player_count + 1)]
    byes: set[int] = set()
    for _ in range(swiss_rounds(player_count)):
        field = standings(players)
        active = [player for player in field if not player.dropped]
        try:
            result = pair_round(field)
        except RematchRequired:
            assert not pairable(active)
            return
        seated = [
            one for pairing in result.pairings for one in (pairing.player_a, pairing.player_b)
        ]
        by_id = {player.id: player for player in field}
        # Everyone active is seated once or has the bye; nobody dropped plays.
        assert sorted([*seated, *([result.bye] if result.bye is not None else [])]) == sorted(
            player.id for player in active
        )
        assert (result.bye is not None) == (len(active) % 2 == 1)
        for pairing in result.pairings:
            assert not pairing.rematch
            assert not met(by_id[pairing.player_a], by_id[pairing.player_b])
            assert by_id[pairing.player_a].rank < by_id[pairing.player_b].rank
        if result.bye is not None:
            bye_less = [player for player in active if not player.had_bye]
            if bye_less:
                assert result.bye not in byes
                # Nobody lower without a bye could have had it and left a pairing.
                for lower in bye_less:
                    if lower.rank > by_id[result.bye].rank:
                        assert not can_pair([p for p in active if p is not lower])
            byes.add(result.bye)
        # Never worse than a greedy pass over the same players (the same bye aside).
        seated_players = [player for player in active if player.id != result.bye]
        greedy = greedy_points(seated_players)
        if greedy is not None:
            assert points_of(result, field) <= greedy
        record(players, result, chance)
        for player in players:
            if chance.random() < drop_rate:
                player.dropped = True


@settings(max_examples=80, deadline=None)
@given(
    player_count=st.integers(min_value=2, max_value=8),
    met_pairs=st.sets(st.tuples(st.integers(1, 8), st.integers(1, 8))),
    points=st.lists(st.integers(0, 9), min_size=8, max_size=8),
)
def test_allowed_rematches_are_as_few_as_any_pairing_has(
    player_count: int, met_pairs: set[tuple[int, int]], points: list[int]
) -> None:
    players = ranked(points[:player_count], met=[pair for pair in met_pairs if pair[0] != pair[1]])
    result = pair_round(players, allow_rematches=True)

    def fewest(waiting: list[SwissPlayer[int]]) -> int:
        if len(waiting) < 2:
            return 0
        top, rest = waiting[0], waiting[1:]
        return min(met(top, other) + fewest([p for p in rest if p is not other]) for other in rest)

    if player_count % 2:
        best = min(fewest([p for p in players if p is not bye]) for bye in players)
    else:
        best = fewest(players)
    assert result.rematches == best
    if best == 0:
        assert pair_round(players).rematches == 0
    else:
        with pytest.raises(RematchRequired):
            pair_round(players)


def test_pairing_round_eight_of_a_256_player_event_finishes() -> None:
    field = event_before_round(256, 8, seed=13)
    result = pair_round(field)
    assert len(result.pairings) == 128
    by_id = {player.id: player for player in field}
    assert not any(met(by_id[p.player_a], by_id[p.player_b]) for p in result.pairings)


# The top cut.
def test_a_top_eight_is_seeded_1v8_4v5_2v7_3v6() -> None:
    players = [f"seed{number}" for number in range(1, 9)]
    matches = top_cut(players)
    assert [(match.seed_a, match.seed_b) for match in matches] == [(1, 8), (4, 5), (2, 7), (3, 6)]
    assert (matches[0].player_a, matches[0].player_b) == ("seed1", "seed8")


def test_a_top_four_is_seeded_1v4_2v3_and_a_top_two_is_the_final() -> None:
    assert [(m.seed_a, m.seed_b) for m in top_cut(["a", "b", "c", "d"])] == [(1, 4), (2, 3)]
    assert [(m.player_a, m.player_b) for m in top_cut(["a", "b"])] == [("a", "b")]


def test_a_top_sixteen_keeps_the_top_two_seeds_apart_until_the_final() -> None:
    seeds = bracket_seeds(16)
    assert seeds[:8] == [1, 16, 8, 9, 4, 13, 5, 12]
    assert 2 in seeds[8:]
    assert sorted(seeds) == list(range(1, 17))


@pytest.mark.parametrize("size", [0, 1, 3, 5, 6, 7, 12, 32])
def test_other_cut_sizes_are_refused(size: int) -> None:
    with pytest.raises(DomainRuleError, match="top cut takes"):
        top_cut(list(range(size)))


def test_a_player_holds_one_seed() -> None:
    with pytest.raises(DomainRuleError, match="one seed"):
        top_cut(["a", "b", "c", "a"])

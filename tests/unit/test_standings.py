"""Swiss standings on hand-built events whose right answer was worked out by hand, and
properties that hold for any event, without a database."""

from __future__ import annotations

import itertools
import random
from fractions import Fraction
from uuid import UUID

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from backend.domain.errors import DomainRuleError
from backend.domain.standings import (
    PERCENTAGE_MINIMUM,
    Entrant,
    MatchResult,
    Standing,
    as_decimal,
    as_percent_text,
    standings,
)

# Ids in alphabetical order, so that the last tie-break (the player id) reads as A < B < ...
A, B, C, D, E, F, G, H = (UUID(int=number) for number in range(1, 9))
NAMES = {A: "A", B: "B", C: "C", D: "D", E: "E", F: "F", G: "G", H: "H"}


def won(round_number: int, winner: UUID, loser: UUID, games: str, draws: int = 0) -> MatchResult:
    """`winner` beat `loser`, games as "2-1"."""
    winner_games, loser_games = (int(part) for part in games.split("-"))
    return MatchResult(round_number, winner, loser, winner_games, loser_games, draws)


def order(rows: list[Standing]) -> str:
    return "".join(NAMES[row.player_id] for row in rows)


def by_player(rows: list[Standing]) -> dict[UUID, Standing]:
    return {row.player_id: row for row in rows}


def figures(row: Standing) -> tuple[Fraction, Fraction, Fraction, Fraction]:
    return (
        row.match_win_percentage,
        row.opponents_match_win_percentage,
        row.game_win_percentage,
        row.opponents_game_win_percentage,
    )


# Four players, two rounds.
#   R1: A beats B 2-0; C beats D 2-1.   R2: A beats C 2-1; B and D draw 1-1 with 1 game drawn.
# Match points (3 per win, 1 per draw) over 3 * 2 rounds, at least 33/100:
#   A 6 -> 1;  C 3 -> 1/2;  B 1 -> 1/6, so 33/100;  D 1 -> 33/100.
# Game points (3 per game won, 1 per game drawn) over 3 * games played, at least 33/100:
#   A 6+6=12 of 5 games -> 12/15 = 4/5;  C 6+3=9 of 6 -> 1/2;
#   B 0+4=4 of 5 -> 4/15, so 33/100;  D 3+4=7 of 6 -> 7/18.
# Opponents' match-win: A (B, C) (33/100 + 1/2)/2 = 83/200;  B (A, D) (1 + 33/100)/2 = 133/200;
#   C (D, A) 133/200;  D (C, B) 83/200.
# Opponents' game-win: A (B, C) 83/200;  B (A, D) (4/5 + 7/18)/2 = 107/180;  C (D, A) 107/180;
#   D (C, B) 83/200.
# Order: A (6 points), C (3), then B and D on 1 point: B's opponents did better (133/200
# against 83/200), so B stands above D although D's own game-win is higher.
FOUR_PLAYERS = [Entrant(player) for player in (A, B, C, D)]
FOUR_PLAYER_RESULTS = [
    won(1, A, B, "2-0"),
    won(1, C, D, "2-1"),
    won(2, A, C, "2-1"),
    MatchResult(2, B, D, player_wins=1, opponent_wins=1, draws=1),
]


def test_a_four_player_two_round_event_stands_as_worked_out_by_hand() -> None:
    rows = standings(FOUR_PLAYERS, FOUR_PLAYER_RESULTS)

    assert order(rows) == "ACBD"
    assert [row.rank for row in rows] == [1, 2, 3, 4]
    table = by_player(rows)
    assert figures(table[A]) == (Fraction(1), Fraction(83, 200), Fraction(4, 5), Fraction(83, 200))
    assert figures(table[C]) == (
        Fraction(1, 2),
        Fraction(133, 200),
        Fraction(1, 2),
        Fraction(107, 180),
    )
    assert figures(table[B]) == (
        PERCENTAGE_MINIMUM,
        Fraction(133, 200),
        PERCENTAGE_MINIMUM,
        Fraction(107, 180),
    )
    assert figures(table[D]) == (
        PERCENTAGE_MINIMUM,
        Fraction(83, 200),
        Fraction(7, 18),
        Fraction(83, 200),
    )
    assert (table[A].match_points, table[A].game_points, table[A].games_played) == (6, 12, 5)
    assert (table[B].matches_won, table[B].matches_lost, table[B].matches_drawn) == (0, 1, 1)
    assert (table[B].match_points, table[B].game_points) == (1, 4)


# Eight players, three rounds, with a draw, a drop and byes.
#   R1: A beats B 2-0; C beats D 2-1; E beats F 2-0; G and H draw 1-1. H drops after round 1.
#   R2: A beats C 2-1; E beats G 2-0; B beats D 2-0; F has the bye (a 2-0 win).
#   R3: E beats A 2-1; C beats B 2-0; F beats G 2-1; D has the bye.
# Match points, rounds played, match-win:
#   A 6/3 -> 2/3;  B 3/3 -> 1/3 (above 33/100, so kept);  C 6/3 -> 2/3;  D 3/3 -> 1/3;
#   E 9/3 -> 1;  F 6/3 -> 2/3;  G 1/3 -> 1/9, so 33/100;  H 1 in its 1 round -> 1/3.
# Game points, games played, game-win:
#   A 6+6+3=15 of 8 -> 5/8;  B 0+6+0=6 of 6 -> 1/3;  C 6+3+6=15 of 8 -> 5/8;
#   D 3+0+6=9 of 7 -> 3/7;  E 6+6+6=18 of 7 -> 6/7;  F 0+6+6=12 of 7 -> 4/7;
#   G 3+0+3=6 of 7 -> 2/7, so 33/100;  H 3 of 2 -> 1/2.
# Opponents (byes ignored) and their averages:
#   A: B, C, E   match (1/3 + 2/3 + 1)/3 = 2/3        game (1/3 + 5/8 + 6/7)/3 = 305/504
#   B: A, D, C   match (2/3 + 1/3 + 2/3)/3 = 5/9      game (5/8 + 3/7 + 5/8)/3 = 47/84
#   C: D, A, B   match (1/3 + 2/3 + 1/3)/3 = 4/9      game (3/7 + 5/8 + 1/3)/3 = 233/504
#   D: C, B      match (2/3 + 1/3)/2 = 1/2            game (5/8 + 1/3)/2 = 23/48
#   E: F, G, A   match (2/3 + 33/100 + 2/3)/3 = 499/900  game (4/7 + 33/100 + 5/8)/3 = 2137/4200
#   F: E, G      match (1 + 33/100)/2 = 133/200       game (6/7 + 33/100)/2 = 831/1400
#   G: H, E, F   match (1/3 + 1 + 2/3)/3 = 2/3        game (1/2 + 6/7 + 4/7)/3 = 9/14
#   H: G         match 33/100                         game 33/100
# Order: E (9 points); A, F, C on 6 by opponents' match-win 2/3 > 133/200 > 4/9; B, D on 3
# by 5/9 > 1/2; G, H on 1 by 2/3 > 33/100. H dropped and keeps its place.
EIGHT_PLAYERS = [Entrant(player) for player in (A, B, C, D, E, F, G)] + [
    Entrant(H, dropped_after_round=1)
]
EIGHT_PLAYER_RESULTS = [
    won(1, A, B, "2-0"),
    won(1, C, D, "2-1"),
    won(1, E, F, "2-0"),
    MatchResult(1, G, H, player_wins=1, opponent_wins=1),
    won(2, A, C, "2-1"),
    won(2, E, G, "2-0"),
    won(2, B, D, "2-0"),
    MatchResult.bye(2, F),
    won(3, E, A, "2-1"),
    won(3, C, B, "2-0"),
    won(3, F, G, "2-1"),
    MatchResult.bye(3, D),
]


def test_an_eight_player_event_with_a_bye_a_draw_and_a_drop_stands_as_worked_out() -> None:
    rows = standings(EIGHT_PLAYERS, EIGHT_PLAYER_RESULTS)

    assert order(rows) == "EAFCBDGH"
    table = by_player(rows)
    expected = {
        A: (Fraction(2, 3), Fraction(2, 3), Fraction(5, 8), Fraction(305, 504)),
        B: (Fraction(1, 3), Fraction(5, 9), Fraction(1, 3), Fraction(47, 84)),
        C: (Fraction(2, 3), Fraction(4, 9), Fraction(5, 8), Fraction(233, 504)),
        D: (Fraction(1, 3), Fraction(1, 2), Fraction(3, 7), Fraction(23, 48)),
        E: (Fraction(1), Fraction(499, 900), Fraction(6, 7), Fraction(2137, 4200)),
        F: (Fraction(2, 3), Fraction(133, 200), Fraction(4, 7), Fraction(831, 1400)),
        G: (PERCENTAGE_MINIMUM, Fraction(2, 3), PERCENTAGE_MINIMUM, Fraction(9, 14)),
        H: (Fraction(1, 3), PERCENTAGE_MINIMUM, Fraction(1, 2), PERCENTAGE_MINIMUM),
    }
    assert {player: figures(row) for player, row in table.items()} == expected
    assert [row.match_points for row in rows] == [9, 6, 6, 6, 3, 3, 1, 1]


def test_a_bye_is_a_match_won_2_0_and_no_opponent() -> None:
    table = by_player(standings(EIGHT_PLAYERS, EIGHT_PLAYER_RESULTS))

    # F: lost to E in round 1, the bye in round 2, beat G 2-1 in round 3.
    assert (table[F].matches_won, table[F].matches_lost, table[F].byes) == (2, 1, 1)
    assert (table[F].match_points, table[F].game_points, table[F].games_played) == (6, 12, 7)
    # Only E and G count as F's opponents: with the bye counted as a 1.0 opponent it would
    # be (1 + 33/100 + 1)/3.
    assert table[F].opponents_match_win_percentage == Fraction(133, 200)


def test_a_player_who_dropped_is_measured_over_the_rounds_they_played() -> None:
    table = by_player(standings(EIGHT_PLAYERS, EIGHT_PLAYER_RESULTS))

    assert table[H].dropped
    assert not table[G].dropped
    # One draw in one round: 1/3, not 1/9 over the event's three rounds.
    assert (table[H].matches_played, table[H].match_win_percentage) == (1, Fraction(1, 3))
    assert table[H].rank == 8


def test_the_minimum_is_the_number_033_not_one_third() -> None:
    # Two pods of two: A beats B, C and D draw. B has 0 points, C and D 1 point of 3.
    rows = standings(
        [Entrant(player) for player in (A, B, C, D)],
        [won(1, A, B, "2-0"), MatchResult(1, C, D, player_wins=1, opponent_wins=1)],
    )
    table = by_player(rows)

    assert table[B].match_win_percentage == Fraction(33, 100)
    assert table[B].game_win_percentage == Fraction(33, 100)
    assert table[C].match_win_percentage == Fraction(1, 3)
    assert table[C].match_win_percentage > table[B].match_win_percentage
    # A's only opponent, B, counts at the minimum, not at 0.
    assert table[A].opponents_match_win_percentage == Fraction(33, 100)


def test_game_win_percentage_breaks_a_tie_on_points_and_opponents() -> None:
    # A and C both beat a 0-point opponent: equal points and opponents' match-win; A won
    # 2-0 (game-win 1) and C 2-1 (6/9), so A stands first. Among the losers, D's 3/9 = 1/3
    # beats B's 0, floored to 33/100.
    rows = standings(
        [Entrant(player) for player in (A, B, C, D)],
        [won(1, C, D, "2-1"), won(1, A, B, "2-0")],
    )

    assert order(rows) == "ACDB"


def test_players_tied_on_every_figure_are_ordered_by_player_id() -> None:
    rows = standings(
        [Entrant(D), Entrant(C), Entrant(B), Entrant(A)],
        [won(1, C, D, "2-0"), won(1, A, B, "2-0")],
    )

    assert order(rows) == "ACBD"


def test_players_without_results_stand_at_the_minimum() -> None:
    rows = standings([Entrant(B), Entrant(A)], [])

    assert order(rows) == "AB"
    assert figures(rows[0]) == (PERCENTAGE_MINIMUM,) * 4
    assert rows[0].matches_played == 0


@pytest.mark.parametrize(
    ("results", "message"),
    [
        ([won(1, A, E, "2-0")], "is not in the event"),
        ([won(1, A, A, "2-0")], "cannot meet themselves"),
        ([won(1, A, B, "2-0"), won(1, C, A, "2-0")], "has two results"),
        ([MatchResult(1, A, B, -1, 2)], "cannot be negative"),
        ([MatchResult(0, A, B, 2, 0)], "numbered from 1"),
        ([MatchResult(1, A, None, 1, 0)], "a bye counts as a match won 2-0"),
        ([won(2, A, D, "2-0")], "dropped before this round"),
    ],
)
def test_results_that_cannot_be_part_of_the_event_are_refused(
    results: list[MatchResult], message: str
) -> None:
    entrants = [Entrant(A), Entrant(B), Entrant(C), Entrant(D, dropped_after_round=1)]

    with pytest.raises(DomainRuleError, match=message):
        standings(entrants, results)


def test_percentages_render_for_display() -> None:
    assert as_decimal(Fraction(2, 3)) == 0.6667
    assert as_decimal(PERCENTAGE_MINIMUM) == 0.33
    assert as_percent_text(Fraction(2, 3)) == "66.67%"
    assert as_percent_text(Fraction(1)) == "100.00%"


# Properties, on random events: a Swiss-like shape (everyone paired once a round, a bye
# for the odd one out), rematches allowed, games random.
@st.composite
def events(draw: st.DrawFn) -> tuple[list[Entrant], list[MatchResult]]:
    player_count = draw(st.integers(min_value=1, max_value=9))
    round_count = draw(st.integers(min_value=0, max_value=4))
    shuffler = random.Random(draw(st.integers(min_value=0, max_value=2**32)))
    players = [UUID(int=shuffler.getrandbits(128)) for _ in range(player_count)]
    games = st.integers(min_value=0, max_value=3)
    results: list[MatchResult] = []
    for round_number in range(1, round_count + 1):
        seated = players[:]
        shuffler.shuffle(seated)
        if len(seated) % 2:
            results.append(MatchResult.bye(round_number, seated.pop()))
        for first, second in zip(seated[::2], seated[1::2], strict=True):
            results.append(
                MatchResult(round_number, first, second, draw(games), draw(games), draw(games))
            )
    return [Entrant(player) for player in players], results


def flipped(result: MatchResult) -> MatchResult:
    if result.opponent_id is None:
        return result
    return MatchResult(
        result.round_number,
        result.opponent_id,
        result.player_id,
        result.opponent_wins,
        result.player_wins,
        result.draws,
    )


def sort_key(row: Standing) -> tuple[int, Fraction, Fraction, Fraction, UUID]:
    return (
        -row.match_points,
        -row.opponents_match_win_percentage,
        -row.game_win_percentage,
        -row.opponents_game_win_percentage,
        row.player_id,
    )


@settings(max_examples=200, deadline=None)
@given(events())
def test_match_points_are_three_per_win_and_one_per_draw(
    event: tuple[list[Entrant], list[MatchResult]],
) -> None:
    rows = standings(*event)

    for row in rows:
        assert row.match_points == 3 * row.matches_won + row.matches_drawn
        assert row.matches_played == row.matches_won + row.matches_lost + row.matches_drawn
    assert sum(row.matches_won for row in rows) - sum(row.byes for row in rows) == sum(
        row.matches_lost for row in rows
    )


@settings(max_examples=200, deadline=None)
@given(events())
def test_every_percentage_lies_between_the_minimum_and_one(
    event: tuple[list[Entrant], list[MatchResult]],
) -> None:
    for row in standings(*event):
        for value in figures(row):
            assert isinstance(value, Fraction)
            assert PERCENTAGE_MINIMUM <= value <= 1


@settings(max_examples=200, deadline=None)
@given(events())
def test_the_order_is_total_and_follows_the_tiebreakers(
    event: tuple[list[Entrant], list[MatchResult]],
) -> None:
    rows = standings(*event)

    keys = [sort_key(row) for row in rows]
    assert all(earlier < later for earlier, later in itertools.pairwise(keys))
    assert [row.rank for row in rows] == list(range(1, len(event[0]) + 1))
    assert {row.player_id for row in rows} == {entrant.player_id for entrant in event[0]}


@settings(max_examples=200, deadline=None)
@given(events(), st.randoms(use_true_random=False))
def test_the_standings_do_not_depend_on_how_the_results_are_listed(
    event: tuple[list[Entrant], list[MatchResult]], shuffler: random.Random
) -> None:
    entrants, results = event
    relisted = [flipped(result) if shuffler.random() < 0.5 else result for result in results]
    shuffler.shuffle(relisted)
    reordered_entrants = entrants[::-1]

    assert standings(reordered_entrants, relisted) == standings(entrants, results)

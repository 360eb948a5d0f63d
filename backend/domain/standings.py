"""A Swiss tournament's standings, derived from its confirmed results with exact fractions.

The rules are those of the Magic: The Gathering Tournament Rules, section 3.1 (the order of
the tiebreakers) and appendix C, "Tiebreaker Explanation"
(https://blogs.magicjudges.org/rules/mtr-appendix-c/):

- Match points: 3 for a match won, 1 for a match drawn, 0 for a match lost. A bye is a
  match won, and counts as won 2-0 in games.
- Game points: 3 for a game won, 1 for a game drawn, 0 for a game lost.
- Match-win percentage: match points divided by 3 times the rounds played; if lower than
  0.33, 0.33 is used. The rounds played are the rounds the player has a result in, so a
  player who dropped is measured over the rounds they played.
- Game-win percentage: game points divided by 3 times the games played, with the same
  0.33 minimum.
- Opponents' match-win (game-win) percentage: the average of the match-win (game-win)
  percentage of each opponent the player faced, each opponent's figure with its 0.33
  minimum applied before averaging; rounds in which the player had a bye are ignored.
- Order: match points, then opponents' match-win percentage, then game-win percentage,
  then opponents' game-win percentage, each higher first.

The appendix's minimum is the number 0.33 itself, not one third, so it is the exact
fraction 33/100 here: a player with 1 match point in 1 round (1/3) stands above one with 0.

Choices the rules leave open, made here: a player with no rounds, no games or no
opponents yet gets the minimum for that figure (there is nothing to divide by); a match
is won by the side that won more games, and drawn when both won as many; the last,
arbitrary tie-break is the player id, ascending, so that the order is total and the same
however the results are listed. Players who dropped keep their results and their place.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from fractions import Fraction
from uuid import UUID

from backend.domain.errors import DomainRuleError

POINTS_PER_WIN = 3
POINTS_PER_DRAW = 1
# Appendix C: "If this number is lower than 0.33, use 0.33 instead."
PERCENTAGE_MINIMUM = Fraction(33, 100)
# Appendix C counts a bye as a match won 2-0 in games.
BYE_GAMES_WON = 2


@dataclass(frozen=True)
class Entrant:
    """A player in the Swiss stage; `dropped_after_round` is the last round they played
    before leaving the event (None while they are still in it, 0 if they left before the
    first round)."""

    player_id: UUID
    dropped_after_round: int | None = None

    @property
    def dropped(self) -> bool:
        return self.dropped_after_round is not None


@dataclass(frozen=True)
class MatchResult:
    """One confirmed match of a Swiss round, from `player_id`'s side; `opponent_id` None is
    a bye (build one with `MatchResult.bye`)."""

    round_number: int
    player_id: UUID
    opponent_id: UUID | None
    player_wins: int = 0
    opponent_wins: int = 0
    draws: int = 0

    @classmethod
    def bye(cls, round_number: int, player_id: UUID) -> MatchResult:
        """The bye `player_id` had in `round_number`: a match won 2-0."""
        return cls(round_number, player_id, None, player_wins=BYE_GAMES_WON)

    @property
    def is_bye(self) -> bool:
        return self.opponent_id is None


@dataclass(frozen=True)
class Standing:
    """One row of the standings; the percentages are exact, with the 0.33 minimum applied."""

    rank: int
    player_id: UUID
    dropped: bool
    match_points: int
    matches_played: int
    matches_won: int
    matches_lost: int
    matches_drawn: int
    byes: int
    game_points: int
    games_played: int
    match_win_percentage: Fraction
    opponents_match_win_percentage: Fraction
    game_win_percentage: Fraction
    opponents_game_win_percentage: Fraction


@dataclass
class _Record:
    """One player's tally while the results are read."""

    matches_won: int = 0
    matches_lost: int = 0
    matches_drawn: int = 0
    byes: int = 0
    game_points: int = 0
    games_played: int = 0

    @property
    def matches_played(self) -> int:
        return self.matches_won + self.matches_lost + self.matches_drawn

    @property
    def match_points(self) -> int:
        return POINTS_PER_WIN * self.matches_won + POINTS_PER_DRAW * self.matches_drawn

    def add(self, games_won: int, games_lost: int, games_drawn: int) -> None:
        if games_won > games_lost:
            self.matches_won += 1
        elif games_won < games_lost:
            self.matches_lost += 1
        else:
            self.matches_drawn += 1
        self.game_points += POINTS_PER_WIN * games_won + POINTS_PER_DRAW * games_drawn
        self.games_played += games_won + games_lost + games_drawn


def percentage(points: int, contests: int) -> Fraction:
    """Points over the 3 points possible per contest (round or game), at least 0.33; the
    minimum when there were no contests."""
    if contests == 0:
        return PERCENTAGE_MINIMUM
    return max(Fraction(points, POINTS_PER_WIN * contests), PERCENTAGE_MINIMUM)


def _average(values: Sequence[Fraction]) -> Fraction:
    if not values:
        return PERCENTAGE_MINIMUM
    return sum(values, Fraction(0)) / len(values)


def standings(entrants: Iterable[Entrant], results: Iterable[MatchResult]) -> list[Standing]:
    """The standings of every entrant, best first, from the confirmed results of the Swiss
    rounds (each match once, from either side). DomainRuleError if a result cannot be part
    of the event: an unknown player, a player meeting themselves, a player in two matches of
    one round, a round after their drop, negative games, or a bye not won 2-0."""
    entrants_by_id = {entrant.player_id: entrant for entrant in entrants}
    records = {player_id: _Record() for player_id in entrants_by_id}
    opponents: dict[UUID, list[UUID]] = defaultdict(list)
    rounds_seen: set[tuple[int, UUID]] = set()
    for result in results:
        _check(result, entrants_by_id, rounds_seen)
        records[result.player_id].add(result.player_wins, result.opponent_wins, result.draws)
        if result.opponent_id is None:
            records[result.player_id].byes += 1
            continue
        records[result.opponent_id].add(result.opponent_wins, result.player_wins, result.draws)
        opponents[result.player_id].append(result.opponent_id)
        opponents[result.opponent_id].append(result.player_id)

    match_win = {
        player_id: percentage(record.match_points, record.matches_played)
        for player_id, record in records.items()
    }
    game_win = {
        player_id: percentage(record.game_points, record.games_played)
        for player_id, record in records.items()
    }
    unranked = [
        (
            player_id,
            _average([match_win[opponent] for opponent in opponents[player_id]]),
            _average([game_win[opponent] for opponent in opponents[player_id]]),
        )
        for player_id in records
    ]
    unranked.sort(
        key=lambda row: (
            -records[row[0]].match_points,
            -row[1],
            -game_win[row[0]],
            -row[2],
            row[0],
        )
    )
    rows = []
    for position, (player_id, opponents_match_win, opponents_game_win) in enumerate(
        unranked, start=1
    ):
        record = records[player_id]
        rows.append(
            Standing(
                rank=position,
                player_id=player_id,
                dropped=entrants_by_id[player_id].dropped,
                match_points=record.match_points,
                matches_played=record.matches_played,
                matches_won=record.matches_won,
                matches_lost=record.matches_lost,
                matches_drawn=record.matches_drawn,
                byes=record.byes,
                game_points=record.game_points,
                games_played=record.games_played,
                match_win_percentage=match_win[player_id],
                opponents_match_win_percentage=opponents_match_win,
                game_win_percentage=game_win[player_id],
                opponents_game_win_percentage=opponents_game_win,
            )
        )
    return rows


def _check(
    result: MatchResult,
    entrants_by_id: dict[UUID, Entrant],
    rounds_seen: set[tuple[int, UUID]],
) -> None:
    """DomainRuleError if the result cannot be part of the event; records its seats."""
    where = f"round {result.round_number}"
    if result.round_number < 1:
        raise DomainRuleError(f"{where}: rounds are numbered from 1")
    if min(result.player_wins, result.opponent_wins, result.draws) < 0:
        raise DomainRuleError(f"{where}: games won and drawn cannot be negative")
    if result.is_bye and (result.player_wins, result.opponent_wins, result.draws) != (
        BYE_GAMES_WON,
        0,
        0,
    ):
        raise DomainRuleError(f"{where}: a bye counts as a match won 2-0")
    if result.player_id == result.opponent_id:
        raise DomainRuleError(f"{where}: player {result.player_id} cannot meet themselves")
    seats = [result.player_id]
    if result.opponent_id is not None:
        seats.append(result.opponent_id)
    for player_id in seats:
        entrant = entrants_by_id.get(player_id)
        if entrant is None:
            raise DomainRuleError(f"{where}: player {player_id} is not in the event")
        if (
            entrant.dropped_after_round is not None
            and result.round_number > entrant.dropped_after_round
        ):
            raise DomainRuleError(f"{where}: player {player_id} dropped before this round")
        if (result.round_number, player_id) in rounds_seen:
            raise DomainRuleError(f"{where}: player {player_id} has two results")
        rounds_seen.add((result.round_number, player_id))


def as_decimal(value: Fraction, places: int = 4) -> float:
    """A percentage for display, as a float rounded to `places` decimals (exactly rounded
    from the fraction, half to even, so 2/3 is 0.6667)."""
    return float(round(value, places))


def as_percent_text(value: Fraction, places: int = 2) -> str:
    """A percentage for display as text, e.g. 2/3 as "66.67%"."""
    # Rounded exactly first; the float only carries the already-rounded value to the text.
    return f"{float(round(value * 100, places)):.{places}f}%"

"""Standings: derived from a tournament's confirmed Swiss results each time they are read,
never stored, with the tiebreakers as exact fractions."""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction
from typing import TypedDict
from uuid import UUID

from backend.domain.principal import Principal
from backend.domain.standings import (
    PERCENTAGE_MINIMUM,
    POINTS_PER_DRAW,
    POINTS_PER_WIN,
    Entrant,
    MatchResult,
    Standing,
    as_decimal,
    standings,
)
from backend.domain.tournaments import MatchStatus, RegistrationStatus, is_entrant
from backend.models import Tournament
from backend.repositories.rounds import EntrantRow, MatchView
from backend.services.tournaments import visible_tournament
from backend.services.unit_of_work import UnitOfWork

RULES_SOURCE = "https://blogs.magicjudges.org/rules/mtr-appendix-c/"
TIEBREAKERS = ("match_points", "omw", "gw", "ogw")


class FigureView(TypedDict):
    """A percentage: exactly, as a fraction, and rounded to 4 decimals."""

    decimal: float
    fraction: str


class RecordView(TypedDict):
    wins: int
    losses: int
    draws: int
    byes: int


class StandingView(TypedDict):
    rank: int
    player_id: UUID
    display_name: str
    dropped: bool
    match_points: int
    record: RecordView
    game_points: int
    games_played: int
    mw: FigureView
    omw: FigureView
    gw: FigureView
    ogw: FigureView


class RulesView(TypedDict):
    source: str
    points_per_win: int
    points_per_draw: int
    percentage_minimum: FigureView
    tiebreakers: list[str]


class StandingsView(TypedDict):
    tournament_id: UUID
    swiss_rounds: int | None
    top_cut_size: int | None
    rounds_counted: int
    rules: RulesView
    standings: list[StandingView]


def figure(value: Fraction) -> FigureView:
    return FigureView(decimal=as_decimal(value), fraction=f"{value.numerator}/{value.denominator}")


def is_swiss(tournament: Tournament, round_number: int) -> bool:
    """Whether round `round_number` is one of the Swiss rounds (the cut follows them)."""
    return tournament.swiss_rounds is None or round_number <= tournament.swiss_rounds


def swiss_results(tournament: Tournament, matches: Sequence[MatchView]) -> list[MatchResult]:
    """The confirmed results of the Swiss rounds, as the standings read them."""
    results = []
    for match in matches:
        if MatchStatus(match["status"]) is not MatchStatus.CONFIRMED:
            continue
        if not is_swiss(tournament, match["round_number"]):
            continue
        results.append(
            MatchResult(
                round_number=match["round_number"],
                player_id=match["player_a_id"],
                opponent_id=match["player_b_id"],
                player_wins=match["player_a_wins"] or 0,
                opponent_wins=match["player_b_wins"] or 0,
                draws=match["draws"] or 0,
            )
        )
    return results


def swiss_standings(
    tournament: Tournament, entrants: Sequence[EntrantRow], matches: Sequence[MatchView]
) -> list[Standing]:
    """The standings of the tournament's entrants from its confirmed Swiss results."""
    return standings(
        (
            Entrant(
                entrant.player_id,
                entrant.dropped_after_round
                if entrant.status is RegistrationStatus.DROPPED
                else None,
            )
            for entrant in entrants
            if is_entrant(entrant.status, entrant.checked_in, entrant.dropped_after_round)
        ),
        swiss_results(tournament, matches),
    )


def standings_of(uow: UnitOfWork, principal: Principal, tournament_id: UUID) -> StandingsView:
    """The tournament's standings, for whoever sees it: three statements however many
    players and rounds (the tournament, its entrants, its matches)."""
    tournament = visible_tournament(uow, principal, tournament_id)
    entrants = uow.rounds.entrants(tournament_id)
    matches = uow.matches.of_tournament(tournament_id)
    names = {entrant.player_id: entrant.display_name for entrant in entrants}
    results = swiss_results(tournament, matches)
    rows = swiss_standings(tournament, entrants, matches)
    return StandingsView(
        tournament_id=tournament.id,
        swiss_rounds=tournament.swiss_rounds,
        top_cut_size=tournament.top_cut_size,
        rounds_counted=max((result.round_number for result in results), default=0),
        rules=RulesView(
            source=RULES_SOURCE,
            points_per_win=POINTS_PER_WIN,
            points_per_draw=POINTS_PER_DRAW,
            percentage_minimum=figure(PERCENTAGE_MINIMUM),
            tiebreakers=list(TIEBREAKERS),
        ),
        standings=[
            StandingView(
                rank=row.rank,
                player_id=row.player_id,
                display_name=names[row.player_id],
                dropped=row.dropped,
                match_points=row.match_points,
                record=RecordView(
                    wins=row.matches_won,
                    losses=row.matches_lost,
                    draws=row.matches_drawn,
                    byes=row.byes,
                ),
                game_points=row.game_points,
                games_played=row.games_played,
                mw=figure(row.match_win_percentage),
                omw=figure(row.opponents_match_win_percentage),
                gw=figure(row.game_win_percentage),
                ogw=figure(row.opponents_game_win_percentage),
            )
            for row in rows
        ],
    )

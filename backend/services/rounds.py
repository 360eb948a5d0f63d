"""Rounds and results' one way in: pairing the next round (Swiss, then the top cut),
reporting and confirming match results, and the plays confirmed results record.

The tournament's organizer or an admin pairs rounds; pairing locks the tournament's row,
so two pairings take turns and the second sees the first's round. A player of a match
reports its result and the other player (or the organizer) confirms it; the organizer or
an admin reporting confirms at once, and only they correct a confirmed result (with its
ETag). Result writes lock the tournament's row too, so a result cannot slip in while the
next round is being paired from the results before it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

from backend.domain.errors import (
    ConflictError,
    DomainRuleError,
    NotFoundError,
    PermissionDenied,
    StaleObjectError,
)
from backend.domain.plays import PLAY_NOTE_MAX_LENGTH
from backend.domain.principal import Principal
from backend.domain.rules import raise_violations
from backend.domain.swiss import (
    BYE_GAMES_WON,
    RematchRequired,
    SwissPlayer,
    pair_round,
    recommended_cut,
    swiss_rounds,
    top_cut,
)
from backend.domain.tournaments import (
    MATCH_RESULT_RULES,
    MatchStatus,
    RoundStage,
    TournamentStatus,
    is_paired,
    may_manage,
    result_problem,
)
from backend.domain.versions import ExpectedVersion, VersionTag, version_tag
from backend.models import Match, Round, Tournament
from backend.models.base import utc_now
from backend.repositories.base import Page
from backend.repositories.rounds import EntrantRow, MatchFilters, MatchView, RoundView
from backend.services import plays
from backend.services.standings import swiss_standings
from backend.services.tournaments import managed_tournament, visible_tournament
from backend.services.unit_of_work import UnitOfWork

RESULT_FIELDS = ("player_a_wins", "player_b_wins", "draws")
TOURNAMENT_COMPLETE = "The tournament is complete: every round is played; mark it completed."
NOT_IN_THE_MATCH = (
    "A player reports and confirms only their own matches; the organizer or an admin any."
)
CONFIRMED_ALREADY = (
    "This result is confirmed; only the tournament's organizer or an admin can correct it."
)
CORRECTION_NEEDS_IF_MATCH = "Correcting a confirmed result needs the match's ETag in If-Match."


def round_version(round_: RoundView) -> VersionTag:
    """A round's tag: its version and the sum of its matches' versions. A result moves its
    match's version, not the round's, and versions only grow, so the sum names the state
    of the round with its matches (an If-None-Match of an older one is no 304)."""
    matches = sum(match["version"] for match in round_["matches"])
    return VersionTag(f"{round_['version']}.{matches}")


def match_version(match: MatchView) -> VersionTag:
    """A match's tag: its version, which each report, confirmation and correction moves."""
    return version_tag(match["version"])


def rounds_of(uow: UnitOfWork, principal: Principal, tournament_id: UUID) -> list[RoundView]:
    """The tournament's rounds with their matches, for whoever sees it."""
    visible_tournament(uow, principal, tournament_id)
    return uow.rounds.views_of_tournament(tournament_id)


def round_of(uow: UnitOfWork, principal: Principal, tournament_id: UUID, number: int) -> RoundView:
    """One round with its matches; NotFoundError if the tournament has no such round."""
    visible_tournament(uow, principal, tournament_id)
    found = uow.rounds.views_of_tournament(tournament_id, number=number)
    if not found:
        raise NotFoundError("round", number)
    return found[0]


def matches_page(
    uow: UnitOfWork,
    principal: Principal,
    tournament_id: UUID,
    filters: MatchFilters,
    *,
    page: int,
    page_size: int,
) -> Page[MatchView]:
    """One page of the tournament's matches by round and table, for whoever sees it."""
    visible_tournament(uow, principal, tournament_id)
    return uow.matches.page_of_tournament(tournament_id, filters, page=page, page_size=page_size)


def match_of(
    uow: UnitOfWork, principal: Principal, tournament_id: UUID, match_id: UUID
) -> MatchView:
    """One match of the tournament, for whoever sees it."""
    visible_tournament(uow, principal, tournament_id)
    return uow.matches.view(tournament_id, match_id)


def pair_next_round(
    uow: UnitOfWork, principal: Principal, tournament_id: UUID, *, allow_rematches: bool = False
) -> RoundView:
    """Pair and commit the tournament's next round: Swiss until its Swiss rounds are
    played, then the top cut. ConflictError (409) unless the tournament is in progress,
    every match of the round before has a confirmed result, and a round is left to play;
    RematchRequired (409) when no Swiss pairing avoids a rematch and they are not allowed."""
    tournament = managed_tournament(uow, principal, tournament_id, lock=True)
    if tournament.status is not TournamentStatus.IN_PROGRESS:
        raise ConflictError(
            f"Rounds are paired only while the tournament is in progress; it is "
            f"{tournament.status}."
        )
    entrants = uow.rounds.entrants(tournament_id)
    matches = uow.matches.of_tournament(tournament_id)
    last = max((match["round_number"] for match in matches), default=0)
    unconfirmed = [
        match
        for match in matches
        if match["round_number"] == last
        and MatchStatus(match["status"]) is not MatchStatus.CONFIRMED
    ]
    if unconfirmed:
        tables = ", ".join(str(match["table_number"]) for match in unconfirmed)
        raise ConflictError(
            f"Round {last} is not over: the results of table(s) {tables} are not confirmed "
            "yet; confirm them before pairing the next round."
        )
    number = last + 1
    if number == 1:
        _fix_the_rounds(uow, tournament, entrants)
    if number <= (tournament.swiss_rounds or 0):
        new_round = _swiss_round(
            tournament, number, entrants, matches, allow_rematches=allow_rematches
        )
    else:
        new_round = _cut_round(tournament, number, entrants, matches)
    now = utc_now()
    for match in new_round.matches:
        if match.player_b_id is None:
            match.player_a_wins, match.player_b_wins, match.draws = BYE_GAMES_WON, 0, 0
            match.status = MatchStatus.CONFIRMED
            match.reported_by = match.confirmed_by = principal.name
            match.reported_at = match.confirmed_at = now
    uow.rounds.add(new_round)
    uow.commit()
    return uow.rounds.views_of_tournament(tournament_id, number=number)[0]


def _fix_the_rounds(uow: UnitOfWork, tournament: Tournament, entrants: list[EntrantRow]) -> None:
    """At the first pairing: the Swiss rounds from the players checked in (MTR appendix E),
    and the recommended cut unless the organizer chose one."""
    count = sum(is_paired(entrant.status, entrant.checked_in) for entrant in entrants)
    try:
        rounds = swiss_rounds(count)
    except DomainRuleError as error:
        raise ConflictError(f"{error.message} {count} checked in.") from error
    cut = tournament.top_cut_size
    if cut is None:
        cut = recommended_cut(count) or 0
    uow.tournaments.update(tournament, {"swiss_rounds": rounds, "top_cut_size": cut})


def _swiss_round(
    tournament: Tournament,
    number: int,
    entrants: list[EntrantRow],
    matches: list[MatchView],
    *,
    allow_rematches: bool,
) -> Round:
    rows = swiss_standings(tournament, entrants, matches)
    opponents: dict[UUID, set[UUID]] = {row.player_id: set() for row in rows}
    for match in matches:
        a, b = match["player_a_id"], match["player_b_id"]
        if b is not None and a in opponents and b in opponents:
            opponents[a].add(b)
            opponents[b].add(a)
    paired = {
        entrant.player_id for entrant in entrants if is_paired(entrant.status, entrant.checked_in)
    }
    players = [
        SwissPlayer(
            id=row.player_id,
            match_points=row.match_points,
            rank=row.rank,
            opponents=frozenset(opponents[row.player_id]),
            had_bye=row.byes > 0,
        )
        for row in rows
        if row.player_id in paired
    ]
    try:
        pairings = pair_round(players, allow_rematches=allow_rematches)
    except RematchRequired as error:
        raise RematchRequired(
            f"{error.message} Pair again with allow_rematches: true to allow the fewest."
        ) from error
    if not pairings.pairings and pairings.bye is None:
        raise ConflictError("Nobody is left to pair: no registered player is checked in.")
    new_matches = [
        Match(
            table_number=pairing.table,
            player_a_id=pairing.player_a,
            player_b_id=pairing.player_b,
            status=MatchStatus.PENDING,
        )
        for pairing in pairings.pairings
    ]
    if pairings.bye is not None:
        new_matches.append(
            Match(
                table_number=len(new_matches) + 1,
                player_a_id=pairings.bye,
                player_b_id=None,
                status=MatchStatus.PENDING,
            )
        )
    return Round(
        tournament_id=tournament.id,
        number=number,
        stage=RoundStage.SWISS,
        rematches_allowed=allow_rematches,
        matches=new_matches,
    )


def _cut_round(
    tournament: Tournament, number: int, entrants: list[EntrantRow], matches: list[MatchView]
) -> Round:
    cut = tournament.top_cut_size or 0
    cut_round = number - (tournament.swiss_rounds or 0)
    if cut == 0 or 2 ** (cut_round - 1) >= cut:
        raise ConflictError(TOURNAMENT_COMPLETE)
    if cut_round == 1:
        standing = [
            row.player_id
            for row in swiss_standings(tournament, entrants, matches)
            if not row.dropped
        ]
        if len(standing) < cut:
            raise ConflictError(
                f"A top {cut} needs {cut} players still in the event; {len(standing)} are. "
                "The Swiss standings are final: mark the tournament completed."
            )
        pairs = [(seed.player_a, seed.player_b) for seed in top_cut(standing[:cut])]
    else:
        winners = [_winner(match) for match in matches if match["round_number"] == number - 1]
        pairs = list(zip(winners[::2], winners[1::2], strict=True))
    return Round(
        tournament_id=tournament.id,
        number=number,
        stage=RoundStage.TOP_CUT,
        rematches_allowed=False,
        matches=[
            Match(table_number=table, player_a_id=a, player_b_id=b, status=MatchStatus.PENDING)
            for table, (a, b) in enumerate(pairs, start=1)
        ],
    )


def _winner(match: MatchView) -> UUID:
    """The player who won a confirmed top cut match (it cannot be drawn)."""
    if match["player_b_id"] is None or (match["player_a_wins"] or 0) > (
        match["player_b_wins"] or 0
    ):
        return match["player_a_id"]
    return match["player_b_id"]


def report_result(
    uow: UnitOfWork,
    principal: Principal,
    tournament_id: UUID,
    match_id: UUID,
    result: Mapping[str, int],
    *,
    expected_version: ExpectedVersion | None,
) -> MatchView:
    """Report a match's result and commit: a player of the match reports it (replacing an
    unconfirmed report); the organizer or an admin reports and confirms it at once, and
    alone corrects a confirmed one (ConflictError for a player), which needs
    `expected_version` (StaleObjectError without it or when stale)."""
    tournament, match = _result_of(uow, principal, tournament_id, match_id)
    values = {name: result[name] for name in RESULT_FIELDS}
    raise_violations(MATCH_RESULT_RULES.violations(values))
    elimination = tournament.swiss_rounds is not None and (
        match.round.number > tournament.swiss_rounds
    )
    problem = result_problem(
        values["player_a_wins"], values["player_b_wins"], elimination=elimination
    )
    if problem is not None:
        raise DomainRuleError(problem, fields={"player_b_wins": [problem]})
    manager = may_manage(principal, tournament.organizer_id)
    if not manager:
        _refuse_unless_player(uow, principal, match)
        if match.status is MatchStatus.CONFIRMED:
            raise ConflictError(CONFIRMED_ALREADY)
    elif match.status is MatchStatus.CONFIRMED:
        if expected_version is None:
            raise StaleObjectError(CORRECTION_NEEDS_IF_MATCH)
        expected_version.check("match", match_id, version_tag(match.version))
    changes: dict[str, Any] = {**values, "reported_by": principal.name, "reported_at": utc_now()}
    if manager:
        _confirm(uow, principal, tournament, match, changes)
    else:
        changes |= {"status": MatchStatus.REPORTED, "confirmed_by": None, "confirmed_at": None}
        uow.matches.update(match, changes)
    uow.commit()
    return uow.matches.view(tournament_id, match_id)


def confirm_result(
    uow: UnitOfWork, principal: Principal, tournament_id: UUID, match_id: UUID
) -> MatchView:
    """Confirm a reported result and commit: the other player of the match than the one who
    reported it, or the organizer or an admin. ConflictError unless it is reported."""
    tournament, match = _result_of(uow, principal, tournament_id, match_id)
    if not may_manage(principal, tournament.organizer_id):
        _refuse_unless_player(uow, principal, match)
        if match.reported_by == principal.name:
            raise PermissionDenied(
                "The other player of the match, or the organizer, confirms a result; not the "
                "player who reported it."
            )
    if match.status is not MatchStatus.REPORTED:
        raise ConflictError(
            "This result is confirmed already."
            if match.status is MatchStatus.CONFIRMED
            else "There is no result to confirm: none is reported yet."
        )
    _confirm(uow, principal, tournament, match, {})
    uow.commit()
    return uow.matches.view(tournament_id, match_id)


def _result_of(
    uow: UnitOfWork, principal: Principal, tournament_id: UUID, match_id: UUID
) -> tuple[Tournament, Match]:
    """The tournament, locked, and its match whose result is to be written, while results
    may be: the tournament in progress, and the match not a bye."""
    tournament = visible_tournament(uow, principal, tournament_id, lock=True)
    match = uow.matches.in_tournament(tournament_id, match_id)
    if tournament.status is not TournamentStatus.IN_PROGRESS:
        raise ConflictError(
            f"Results are written only while the tournament is in progress; it is "
            f"{tournament.status}."
        )
    if match.player_b_id is None:
        raise ConflictError("A bye has no result to report: it counts as a match won 2-0.")
    return tournament, match


def _refuse_unless_player(uow: UnitOfWork, principal: Principal, match: Match) -> None:
    own = None if principal.user_id is None else uow.players.of_user(principal.user_id)
    if own is None or own.id not in (match.player_a_id, match.player_b_id):
        raise PermissionDenied(NOT_IN_THE_MATCH)


def _confirm(
    uow: UnitOfWork,
    principal: Principal,
    tournament: Tournament,
    match: Match,
    changes: Mapping[str, Any],
) -> None:
    """Write the changes and the match's confirmation in one update, with the play the
    confirmed result records (its participants replaced on a correction)."""
    now = utc_now()
    confirmed = {
        **changes,
        "status": MatchStatus.CONFIRMED,
        "confirmed_by": principal.name,
        "confirmed_at": now,
    }
    a_wins = confirmed.get("player_a_wins", match.player_a_wins) or 0
    b_wins = confirmed.get("player_b_wins", match.player_b_wins) or 0
    play_id = _record_play(uow, tournament, match, a_wins, b_wins, now)
    if play_id != match.play_id:
        confirmed["play_id"] = play_id
    uow.matches.update(match, confirmed)


def _record_play(
    uow: UnitOfWork,
    tournament: Tournament,
    match: Match,
    a_wins: int,
    b_wins: int,
    played_at: datetime,
) -> UUID | None:
    """The confirmed result in both players' history: a play of the tournament's game,
    each player's games won as their score, the match's winner (none on a draw) its
    winner; the play's id. A correction replaces the play's participants."""
    if match.player_b_id is None:
        return None  # a bye: nobody played
    participants: Sequence[Mapping[str, Any]] = (
        {"player_id": match.player_a_id, "score": a_wins, "is_winner": a_wins > b_wins},
        {"player_id": match.player_b_id, "score": b_wins, "is_winner": b_wins > a_wins},
    )
    if match.play_id is not None:
        plays.replace_participants_of_result(uow, match.play_id, participants)
        return match.play_id
    note = f"{tournament.name}: round {match.round.number}, table {match.table_number}"
    play = plays.record_play_of_result(
        uow,
        {
            "game_id": tournament.game_id,
            "played_at": played_at,
            "note": note[:PLAY_NOTE_MAX_LENGTH],
        },
        participants,
    )
    return play.id

"""The rounds service on the in-memory Unit of Work: pairing Swiss rounds and the top cut,
the states that refuse a pairing, who reports, confirms and corrects a result, and the
plays confirmed results record."""

from __future__ import annotations

import uuid

import pytest

from backend.domain.accounts import Role
from backend.domain.errors import ConflictError, DomainRuleError, PermissionDenied, StaleObjectError
from backend.domain.principal import Principal
from backend.domain.swiss import RematchRequired
from backend.domain.tournaments import MatchStatus, RoundStage, TournamentStatus
from backend.domain.versions import ExpectedVersion, version_tag
from backend.repositories.rounds import MatchView
from backend.services import rounds, standings
from tests.fakes import FakeUnitOfWork
from tests.tournament_builders import Event, build_event

ORGANIZER = Principal.of_user(uuid.uuid4(), Role.ORGANIZER)


def win(uow: FakeUnitOfWork, event: Event, match: MatchView, a: int = 2, b: int = 0) -> None:
    rounds.report_result(
        uow,
        ORGANIZER,
        event.tournament_id,
        match["id"],
        {"player_a_wins": a, "player_b_wins": b, "draws": 0},
        expected_version=None,
    )


def play_out(uow: FakeUnitOfWork, event: Event, number: int) -> None:
    """Every pending match of round `number` won 2-0 by player A."""
    for match in rounds.round_of(uow, ORGANIZER, event.tournament_id, number)["matches"]:
        if match["status"] is MatchStatus.PENDING:
            win(uow, event, match)


@pytest.fixture
def uow() -> FakeUnitOfWork:
    return FakeUnitOfWork()


def test_eight_players_play_three_swiss_rounds_then_no_cut(uow: FakeUnitOfWork) -> None:
    event = build_event(uow, ORGANIZER.user_id, 8)  # type: ignore[arg-type]
    first = rounds.pair_next_round(uow, ORGANIZER, event.tournament_id)
    tournament = uow.tournaments.stored[event.tournament_id]
    assert (tournament.swiss_rounds, tournament.top_cut_size) == (3, 0)
    assert first["stage"] is RoundStage.SWISS and len(first["matches"]) == 4
    for number in (1, 2, 3):
        if number > 1:
            rounds.pair_next_round(uow, ORGANIZER, event.tournament_id)
        play_out(uow, event, number)
    with pytest.raises(ConflictError, match="complete"):
        rounds.pair_next_round(uow, ORGANIZER, event.tournament_id)
    table = standings.standings_of(uow, ORGANIZER, event.tournament_id)["standings"]
    assert table[0]["match_points"] == 9 and table[0]["record"]["wins"] == 3
    # Every confirmed match is a play in both players' history.
    assert len(uow.plays.stored) == 12


def test_an_odd_field_gives_the_bye_as_a_confirmed_two_nil_win(uow: FakeUnitOfWork) -> None:
    event = build_event(uow, ORGANIZER.user_id, 5)  # type: ignore[arg-type]
    first = rounds.pair_next_round(uow, ORGANIZER, event.tournament_id)
    bye = first["matches"][-1]
    assert bye["player_b_id"] is None and bye["status"] is MatchStatus.CONFIRMED
    assert (bye["player_a_wins"], bye["player_b_wins"], bye["draws"]) == (2, 0, 0)
    assert bye["play_id"] is None
    with pytest.raises(ConflictError, match="bye"):
        win(uow, event, bye)


def test_the_next_round_waits_for_every_result(uow: FakeUnitOfWork) -> None:
    event = build_event(uow, ORGANIZER.user_id, 4)  # type: ignore[arg-type]
    rounds.pair_next_round(uow, ORGANIZER, event.tournament_id)
    with pytest.raises(ConflictError, match="Round 1 is not over"):
        rounds.pair_next_round(uow, ORGANIZER, event.tournament_id)


def test_a_tournament_not_in_progress_is_not_paired(uow: FakeUnitOfWork) -> None:
    event = build_event(uow, ORGANIZER.user_id, 4, status=TournamentStatus.REGISTRATION_OPEN)  # type: ignore[arg-type]
    with pytest.raises(ConflictError, match="in progress"):
        rounds.pair_next_round(uow, ORGANIZER, event.tournament_id)


def test_another_organizer_may_not_pair(uow: FakeUnitOfWork) -> None:
    event = build_event(uow, ORGANIZER.user_id, 4)  # type: ignore[arg-type]
    other = Principal.of_user(uuid.uuid4(), Role.ORGANIZER)
    with pytest.raises(PermissionDenied):
        rounds.pair_next_round(uow, other, event.tournament_id)


def test_two_players_meet_again_only_when_rematches_are_allowed(uow: FakeUnitOfWork) -> None:
    event = build_event(uow, ORGANIZER.user_id, 2, top_cut_size=0)  # type: ignore[arg-type]
    tournament = uow.tournaments.stored[event.tournament_id]
    rounds.pair_next_round(uow, ORGANIZER, event.tournament_id)
    tournament.swiss_rounds = 2  # as if the organizer wanted a second round
    play_out(uow, event, 1)
    with pytest.raises(RematchRequired, match="allow_rematches"):
        rounds.pair_next_round(uow, ORGANIZER, event.tournament_id)
    second = rounds.pair_next_round(uow, ORGANIZER, event.tournament_id, allow_rematches=True)
    assert second["rematches_allowed"] and len(second["matches"]) == 1


def test_the_top_cut_seeds_the_standings_and_pairs_winners(uow: FakeUnitOfWork) -> None:
    event = build_event(uow, ORGANIZER.user_id, 8, top_cut_size=4)  # type: ignore[arg-type]
    for number in (1, 2, 3):
        rounds.pair_next_round(uow, ORGANIZER, event.tournament_id)
        play_out(uow, event, number)
    seeds = [
        row["player_id"]
        for row in standings.standings_of(uow, ORGANIZER, event.tournament_id)["standings"]
    ]
    semis = rounds.pair_next_round(uow, ORGANIZER, event.tournament_id)
    assert semis["stage"] is RoundStage.TOP_CUT
    assert [(m["player_a_id"], m["player_b_id"]) for m in semis["matches"]] == [
        (seeds[0], seeds[3]),
        (seeds[1], seeds[2]),
    ]
    # A draw cannot end a cut match.
    with pytest.raises(DomainRuleError):
        win(uow, event, semis["matches"][0], 1, 1)
    win(uow, event, semis["matches"][0], 0, 2)
    win(uow, event, semis["matches"][1], 2, 1)
    final = rounds.pair_next_round(uow, ORGANIZER, event.tournament_id)
    assert [(m["player_a_id"], m["player_b_id"]) for m in final["matches"]] == [
        (seeds[3], seeds[1])
    ]
    play_out(uow, event, 5)
    with pytest.raises(ConflictError, match="complete"):
        rounds.pair_next_round(uow, ORGANIZER, event.tournament_id)
    # The cut is not in the standings.
    table = standings.standings_of(uow, ORGANIZER, event.tournament_id)
    assert table["rounds_counted"] == 3


def test_a_player_reports_the_other_confirms_and_the_organizer_corrects(
    uow: FakeUnitOfWork,
) -> None:
    ana, ben = (Principal.of_user(uuid.uuid4(), Role.MEMBER) for _ in range(2))
    event = build_event(uow, ORGANIZER.user_id, [ana.user_id, ben.user_id])  # type: ignore[arg-type]
    (match,) = rounds.pair_next_round(uow, ORGANIZER, event.tournament_id)["matches"]
    result = {"player_a_wins": 2, "player_b_wins": 1, "draws": 0}
    reporter, other = (ana, ben) if match["player_a_id"] == event.player_ids[0] else (ben, ana)
    reported = rounds.report_result(
        uow, reporter, event.tournament_id, match["id"], result, expected_version=None
    )
    assert reported["status"] is MatchStatus.REPORTED and reported["play_id"] is None
    with pytest.raises(PermissionDenied, match="not the player who reported"):
        rounds.confirm_result(uow, reporter, event.tournament_id, match["id"])
    outsider = Principal.of_user(uuid.uuid4(), Role.MEMBER)
    with pytest.raises(PermissionDenied):
        rounds.confirm_result(uow, outsider, event.tournament_id, match["id"])
    confirmed = rounds.confirm_result(uow, other, event.tournament_id, match["id"])
    assert confirmed["status"] is MatchStatus.CONFIRMED
    play = uow.plays.stored[confirmed["play_id"]]
    scores = {p.player_id: (p.score, p.is_winner) for p in play.participants}
    assert scores == {match["player_a_id"]: (2, True), match["player_b_id"]: (1, False)}
    with pytest.raises(ConflictError, match="confirmed"):
        rounds.report_result(
            uow, other, event.tournament_id, match["id"], result, expected_version=None
        )
    draw = {"player_a_wins": 1, "player_b_wins": 1, "draws": 1}
    with pytest.raises(StaleObjectError):
        rounds.report_result(
            uow, ORGANIZER, event.tournament_id, match["id"], draw, expected_version=None
        )
    corrected = rounds.report_result(
        uow,
        ORGANIZER,
        event.tournament_id,
        match["id"],
        draw,
        expected_version=ExpectedVersion.of([version_tag(confirmed["version"])]),
    )
    assert corrected["play_id"] == confirmed["play_id"]
    play = uow.plays.stored[corrected["play_id"]]
    assert {p.player_id: (p.score, p.is_winner) for p in play.participants} == {
        match["player_a_id"]: (1, False),
        match["player_b_id"]: (1, False),
    }

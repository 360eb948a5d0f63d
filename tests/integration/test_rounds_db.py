"""The rounds' and matches' queries on every database: entrants with their check-in and
drop, a tournament's matches by round and table and their filters, a match found only in
its own tournament, and two pairings of one tournament at once pairing one round."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, sessionmaker

from backend.domain.accounts import Role
from backend.domain.errors import ConflictError, DuplicateError, NotFoundError
from backend.domain.principal import Principal
from backend.domain.tournaments import MatchStatus, RegistrationStatus
from backend.models import Registration, Round
from backend.repositories.rounds import MatchFilters
from backend.repositories.unit_of_work import SqlAlchemyUnitOfWork
from backend.services import rounds
from tests.accounts import add_account
from tests.tournament_builders import Event, stored_event

pytestmark = pytest.mark.usefixtures("clean_database")


@pytest.fixture
def organizer(session_factory: sessionmaker[Session]) -> Principal:
    account = add_account(session_factory, Role.ORGANIZER)
    return Principal.of_user(account.user_id, Role.ORGANIZER)


def paired(session_factory: sessionmaker[Session], organizer: Principal, players: int) -> Event:
    event = stored_event(session_factory, organizer.user_id, players)  # type: ignore[arg-type]
    with SqlAlchemyUnitOfWork(session_factory, actor=organizer.name) as uow:
        rounds.pair_next_round(uow, organizer, event.tournament_id)
    return event


def test_entrants_leave_out_the_waitlist_and_say_who_checked_in_and_dropped(
    session_factory: sessionmaker[Session], organizer: Principal
) -> None:
    event = stored_event(session_factory, organizer.user_id, 4)  # type: ignore[arg-type]
    first, second, third, _fourth = event.player_ids
    with SqlAlchemyUnitOfWork(session_factory) as uow:
        for player_id, values in (
            (second, {"checked_in_at": None}),
            (third, {"status": RegistrationStatus.DROPPED, "dropped_after_round": 2}),
            (_fourth, {"status": RegistrationStatus.WAITLISTED, "checked_in_at": None}),
        ):
            uow.session.execute(
                update(Registration).where(Registration.player_id == player_id).values(**values)
            )
        uow.commit()
    with SqlAlchemyUnitOfWork(session_factory) as uow:
        entrants = uow.rounds.entrants(event.tournament_id)
    assert [(e.player_id, e.checked_in, e.dropped_after_round) for e in entrants] == [
        (first, True, None),
        (second, False, None),
        (third, True, 2),
    ]
    assert entrants[2].status is RegistrationStatus.DROPPED
    assert all(e.display_name.startswith("Player ") for e in entrants)


def test_a_tournaments_matches_come_by_table_and_filter_by_round_and_player(
    session_factory: sessionmaker[Session], organizer: Principal
) -> None:
    event = paired(session_factory, organizer, 7)
    with SqlAlchemyUnitOfWork(session_factory) as uow:
        everything = uow.matches.of_tournament(event.tournament_id)
        assert [m["table_number"] for m in everything] == [1, 2, 3, 4]
        assert {m["round_number"] for m in everything} == {1}
        bye = everything[-1]
        assert bye["player_b_id"] is None and bye["status"] is MatchStatus.CONFIRMED
        page = uow.matches.page_of_tournament(
            event.tournament_id, MatchFilters(round_number=1), page=2, page_size=3
        )
        assert page.total == 4 and [m["table_number"] for m in page.items] == [4]
        player = everything[0]["player_b_id"]
        assert player is not None
        mine = uow.matches.page_of_tournament(
            event.tournament_id, MatchFilters(player_id=player), page=1, page_size=20
        )
        assert [m["id"] for m in mine.items] == [everything[0]["id"]]
        none = uow.matches.page_of_tournament(
            event.tournament_id, MatchFilters(round_number=2), page=1, page_size=20
        )
        assert none.total == 0 and none.items == []
        (only,) = uow.rounds.views_of_tournament(event.tournament_id, number=1)
        assert [m["id"] for m in only["matches"]] == [m["id"] for m in everything]
        assert uow.rounds.views_of_tournament(event.tournament_id, number=2) == []


def test_a_match_is_found_only_in_its_own_tournament(
    session_factory: sessionmaker[Session], organizer: Principal
) -> None:
    event = paired(session_factory, organizer, 2)
    other = stored_event(session_factory, organizer.user_id, 2)  # type: ignore[arg-type]
    with SqlAlchemyUnitOfWork(session_factory) as uow:
        (match,) = uow.matches.of_tournament(event.tournament_id)
        assert uow.matches.view(event.tournament_id, match["id"])["id"] == match["id"]
        assert uow.matches.in_tournament(event.tournament_id, match["id"]).round.number == 1
        with pytest.raises(NotFoundError):
            uow.matches.view(other.tournament_id, match["id"])
        with pytest.raises(NotFoundError):
            uow.matches.in_tournament(other.tournament_id, match["id"])


def test_two_pairings_of_one_tournament_take_turns(
    session_factory: sessionmaker[Session], organizer: Principal
) -> None:
    event = stored_event(session_factory, organizer.user_id, 8)  # type: ignore[arg-type]
    start = threading.Barrier(2)
    outcomes: list[str] = []

    def pair() -> None:
        start.wait()
        with SqlAlchemyUnitOfWork(session_factory, actor=organizer.name) as uow:
            try:
                rounds.pair_next_round(uow, organizer, event.tournament_id)
                outcomes.append("paired")
            except (ConflictError, DuplicateError) as error:
                outcomes.append(error.message)

    threads = [threading.Thread(target=pair) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    # The second waits for the first's lock, then finds round 1 unplayed; SQLite, which has
    # no row locks, lets both pair, and the round's unique key refuses the second.
    refused, paired_once = sorted(outcomes)
    assert paired_once == "paired"
    assert "Round 1 is not over" in refused or "paired already" in refused
    with SqlAlchemyUnitOfWork(session_factory) as uow:
        assert uow.session.scalar(select(func.count()).select_from(Round)) == 1


def test_the_bye_is_confirmed_at_the_pairing(
    session_factory: sessionmaker[Session], organizer: Principal
) -> None:
    event = paired(session_factory, organizer, 3)
    with SqlAlchemyUnitOfWork(session_factory) as uow:
        bye = uow.matches.of_tournament(event.tournament_id)[-1]
    assert bye["confirmed_by"] == organizer.name
    assert bye["confirmed_at"] is not None and bye["confirmed_at"] <= datetime.now(UTC)
